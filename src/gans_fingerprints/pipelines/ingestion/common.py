"""What every step of the ingestion shares: its error, the run stamp on its tables, its logger name."""

from __future__ import annotations

import pandas as pd

from gans_fingerprints.errors import UserInputError

LOGGER_NAME = "gans_fingerprints.pipelines.ingestion.nodes"
"""Logger of every ingestion module: the name its log lines carried when it was one module, kept so they read the same."""

MAX_LISTED_FILES = 50
RUN_ATTRIBUTE = "ingestion_run"
"""``DataFrame.attrs`` key (kept in the Parquet files) holding the id of the ingestion that wrote a table."""


class IngestionError(UserInputError, ValueError):
    """The raw data does not have the layout or quality the project needs; the message says how to fix it."""


def stamped(table: pd.DataFrame, run_id: str | None) -> pd.DataFrame:
    table.attrs[RUN_ATTRIBUTE] = run_id
    return table
