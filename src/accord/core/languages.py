"""Language codes as Accord writes them ("uk", "az", "pt-br") and their names."""

from __future__ import annotations

import re

from django.utils import translation

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


def language_name(code: str) -> str:
    """The language's name in the active language; the code itself when Django does not know it."""
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code
