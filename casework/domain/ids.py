"""Record ids: 32-bit integers in every database we support."""

MAX_ID = 2**31 - 1


def valid_id(value) -> bool:
    """An int (not a bool) that a primary-key column can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID
