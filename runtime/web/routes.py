"""The one way routes are added: a module that serves pages or API endpoints lists them in a
``ROUTES`` table of ``(rule, endpoint, view, methods)`` rows, and its blueprint factory creates
the blueprint and hands the table to ``add_routes``.

Views are module-level functions. What a view needs for the request it asks for by name
(``current_runtime()``, ``db_session()``, ``runtime.api.access.require``, an accessor of
``current_app.extensions``), never from the variables of an enclosing factory, so a table
says everything a blueprint serves and a test can read every route from the source
(tests/unit/test_route_style.py fails on any other way of adding one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint

Route = tuple[str, str, Callable[..., Any], tuple[str, ...]]

GET = ("GET",)
POST = ("POST",)
GET_POST = ("GET", "POST")


def add_routes(bp: Blueprint, routes: Iterable[Route]) -> None:
    """Add each ``(rule, endpoint, view, methods)`` of ``routes`` to ``bp``, in order."""
    for rule, endpoint, view, methods in routes:
        if not methods or isinstance(methods, str):
            raise ValueError(f"route {rule!r} ({endpoint}): methods must be a tuple of HTTP "
                             f"methods, not {methods!r}")
        bp.add_url_rule(rule, endpoint, view, methods=list(methods))
