"""Kedro pipelines, one package each; discovered by ``find_pipelines``."""
