"""The store package's one root exception."""


class StoreError(Exception):
    """The database cannot be opened, is of an unknown schema, or refused a write."""
