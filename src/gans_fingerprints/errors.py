"""Errors caused by the user's data or settings, shown as one clear message instead of a traceback."""


class UserInputError(Exception):
    """Something in the user's data or configuration must change; the message says what and how."""
