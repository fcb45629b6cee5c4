"""CLI: python -m kafka_io broker|topics|lag|produce|tail|demo ..."""

from __future__ import annotations

import sys

from kafka_io.cli import main

if __name__ == "__main__":
    sys.exit(main())
