"""Simulated data: procedural chest CT slices and the cohorts they are drawn from."""
