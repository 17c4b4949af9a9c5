"""Evaluation shared by every method: metrics, run files, hold-out splits and their figures."""
