"""What the ingestion tests share: parameters, the splits by key, and the first nodes run on a sample release."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gans_fingerprints.datasets import (
    ImageFolderDataset,
    OptionalCSVDataset,
    RawDataRootDataset,
)
from gans_fingerprints.layout import SPLITS
from gans_fingerprints.pipelines.ingestion.nodes import ingest_split, start_ingestion

PARAMS = {"image_size": 32, "max_bad_fraction": 0.5, "subsets": ["t1", "t2", "t3", "t4", "t5"]}
SPLIT = {split.key: split for split in SPLITS}


def start(root: Path, with_truth: bool = False, spool_dir: str | None = None, **overrides):
    """What the pipeline's first node returns for ``root``: the run and every split's files.

    Ground truth is left out unless asked for: most tests here change the test folders.
    """
    folders = {subtask: ImageFolderDataset(path=str(root / subtask)).load() for subtask in ("subtask1", "subtask2")}
    truths = [truth_table(root, f"{s}_test.csv", []) if with_truth else None for s in ("subtask1", "subtask2")]
    raw = RawDataRootDataset(path=str(root)).load()
    spool = spool_dir or str(root.parent / "spool")  # beside the release, never the project's own folder
    return start_ingestion(raw, spool, folders["subtask1"], folders["subtask2"], *truths, {**PARAMS, **overrides})


def ingest(root: Path, key: str, spool_dir: str | None = None, **overrides):
    return ingest_split(start(root, spool_dir=spool_dir, **overrides), {**PARAMS, **overrides}, split=SPLIT[key])


def truth_table(root: Path, name: str, columns: list[str]) -> pd.DataFrame | None:
    load_args = {"dtype": {"image_id": str}, "skipinitialspace": True}
    path = root / "ground_truth" / name
    return OptionalCSVDataset(filepath=str(path), required_columns=columns, load_args=load_args).load()
