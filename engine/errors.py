"""The base of errors the engine raises for the operator to read: the message names the fix."""


class RefusedError(Exception):
    """The engine refused a request; the message names the field or node and the fix."""
