"""Our own signing key: the RSA key our requests to partners are signed with."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from accord.ewp import httpsig


class KeyProblem(Exception):
    """Our signing key is missing or unreadable."""


def key_file() -> Path:
    return Path(settings.EWP_KEY_FILE)


def ensure_private_key() -> bool:
    """Make the key if there is none (readable by its owner only); True when it was made."""
    path = key_file()
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(httpsig.generate_private_key_pem())
    return True


def private_key() -> bytes:
    try:
        return key_file().read_bytes()
    except OSError as error:
        raise KeyProblem(
            f"Our EWP signing key cannot be read from {key_file()} ({error.strerror}); "
            "make one with 'accord ewp keys'."
        ) from error


def our_public_key() -> bytes:
    return httpsig.public_key_pem(private_key())


def our_key_id() -> str:
    return httpsig.key_id(our_public_key())
