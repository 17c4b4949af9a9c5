"""A method's summary table: a versioned CSV that loads as ``None`` while no run has written it."""

from __future__ import annotations

import pandas as pd
from kedro_datasets.pandas import CSVDataset


class SummaryDataset(CSVDataset):
    """``pandas.CSVDataset`` whose load gives ``None`` when the method has never run, so the report
    assembles whatever methods exist instead of failing on the first one not run yet."""

    def load(self) -> pd.DataFrame | None:  # type: ignore[override]
        if not self._exists():
            return None
        return super().load()
