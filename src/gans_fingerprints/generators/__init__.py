"""Generator families for the synthetic benchmark: each trains on a uint8 stack and samples from its weights."""
