"""gans_fingerprints."""
