"""Kedro runners of this project: ``DaskRunner`` runs nodes on a Dask cluster."""

from gans_fingerprints.runners.dask_runner import DaskRunner

__all__ = ["DaskRunner"]
