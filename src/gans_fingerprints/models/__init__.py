"""PyTorch models and their training loops (no Kedro in here)."""
