"""Errors a user can act on: each names the file and the key, row or column at fault."""


class LineageError(Exception):
    """A problem with the user's input or configuration, reported without a traceback."""


class ContractError(LineageError):
    """A source contract or the purpose taxonomy is invalid."""


class DeliveryError(LineageError):
    """A delivery file cannot be read as a whole (file-level problem)."""


class PublishBlockedError(LineageError):
    """A blocking quality check failed, so the warehouse was not replaced."""
