"""Errors every app raises for the same kind of refusal, answered alike by the UI and the API."""


class Conflict(Exception):
    """A change the record's current state refuses: an illegal step, a stale edit, a full quota.

    The API answers it with 409 and the message; pages show the message and change nothing.
    """
