"""Subtask 2 (attribution): classifiers that name the training subset behind a generated image."""
