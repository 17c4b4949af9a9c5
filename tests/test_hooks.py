from kedro.io import DatasetError

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.hooks import _user_error_in_chain


def _chain(*errors):
    """Raise errors[-1] from ... from errors[0], as Kedro's catalog wraps a load failure."""
    try:
        try:
            try:
                raise errors[0]
            except Exception as inner:
                raise errors[1] from inner
        except Exception as middle:
            raise errors[2] from middle
    except Exception as outer:  # noqa: BLE001 - the chain under test, whatever its types
        return outer


def test_missing_input_file_names_the_catalog_entry():
    error = _chain(FileNotFoundError("/p/data/03_primary/split.parquet"),
                   DatasetError("Failed while loading data from dataset ParquetDataset(filepath=PurePosixPath('/p'))"),
                   DatasetError("subtask2_train_split: Failed while loading data from dataset ParquetDataset(...)"))
    message = str(_user_error_in_chain(error))
    assert message.startswith("the input dataset 'subtask2_train_split' does not exist yet (/p/data/03_primary/split.parquet)")


def test_missing_file_without_a_catalog_name_still_reads_cleanly():
    error = _chain(FileNotFoundError("/x.npy"), DatasetError("Image stack /x.npy does not exist"),
                   DatasetError("Failed while loading data from dataset ImageStackDataset(filepath=/x.npy)"))
    assert str(_user_error_in_chain(error)).startswith("an input dataset does not exist yet (/x.npy)")


def test_user_errors_pass_through_and_bugs_do_not():
    assert str(_user_error_in_chain(_chain(ValueError("a"), UserInputError("fix it"), RuntimeError("b")))) == "fix it"
    assert _user_error_in_chain(_chain(ValueError("a"), KeyError("b"), RuntimeError("c"))) is None
