"""Builder pages: views (filled in by the builder work of issue 3)."""

from __future__ import annotations

from flask import Blueprint


def register(bp: Blueprint) -> None:
    """Add this designer's routes to the builder blueprint."""
