"""Kedro datasets this project adds: lazy image folders, memory-mapped image stacks, optional tables."""

from gans_fingerprints.datasets.checkpoints import CheckpointDirectoryDataset
from gans_fingerprints.datasets.generator_weights import GeneratorWeightsDataset
from gans_fingerprints.datasets.image_folder import ImageFolder, ImageFolderDataset
from gans_fingerprints.datasets.image_stack import ImageStackDataset
from gans_fingerprints.datasets.optional_csv import OptionalCSVDataset
from gans_fingerprints.datasets.raw_root import RawDataRoot, RawDataRootDataset
from gans_fingerprints.datasets.release import (
    ReleaseDataset,
    ReleaseTarget,
    SyntheticRelease,
    TargetNotEmptyError,
)
from gans_fingerprints.datasets.spool_folder import SpoolFolderDataset
from gans_fingerprints.datasets.summary import SummaryDataset
from gans_fingerprints.datasets.torch_state import TorchStateDataset

__all__ = [
    "CheckpointDirectoryDataset",
    "GeneratorWeightsDataset",
    "ImageFolder",
    "ImageFolderDataset",
    "ImageStackDataset",
    "OptionalCSVDataset",
    "RawDataRoot",
    "RawDataRootDataset",
    "ReleaseDataset",
    "ReleaseTarget",
    "SpoolFolderDataset",
    "SummaryDataset",
    "SyntheticRelease",
    "TargetNotEmptyError",
    "TorchStateDataset",
]
