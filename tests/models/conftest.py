"""What the model tests share: ``one_thread``, for modules of tiny networks (``pytestmark = pytest.mark.usefixtures("one_thread")``)."""

import pytest
import torch


@pytest.fixture(scope="module")
def one_thread():
    """These tiny networks are bound by per-op overhead; one thread is as fast and does not stall when other jobs share the cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
