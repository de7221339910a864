#!/usr/bin/env python
"""Django's command-line utility for Accord (``accord`` does the same once installed)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from accord.cli import main

if __name__ == "__main__":
    main(sys.argv)
