"""Project hooks."""

from __future__ import annotations

import sys
from types import TracebackType

from kedro.framework.hooks import hook_impl

from gans_fingerprints.errors import UserInputError


def _user_error_in_chain(error: BaseException | None) -> UserInputError | None:
    while error is not None:
        if isinstance(error, UserInputError):
            return error
        error = error.__cause__ or error.__context__
    return None


class ConciseUserErrors:
    """Print a :class:`UserInputError` that ends a run as one line, not a traceback through Kedro.

    The node's own failure is already logged by Kedro's runner; every other exception keeps the
    usual (rich) traceback, since that one is a bug worth a full report.
    """

    @hook_impl
    def after_context_created(self, context) -> None:  # noqa: ARG002 - hook signature
        previous = sys.excepthook
        if getattr(previous, "_gans_fingerprints", False):
            return

        def excepthook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
            user_error = _user_error_in_chain(error)
            if user_error is None:
                previous(kind, error, trace)
                return
            print(f"\nerror: {user_error}", file=sys.stderr)

        excepthook._gans_fingerprints = True  # type: ignore[attr-defined]
        sys.excepthook = excepthook
