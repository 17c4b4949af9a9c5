"""Membership inference for subtask 1: which real images trained the generator."""
