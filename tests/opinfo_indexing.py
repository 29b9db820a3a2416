"""Registry entries for the indexing ops (see opinfo.py for the conventions)."""

from __future__ import annotations

from opinfo import ERRORS, register  # noqa: F401
