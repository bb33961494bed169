"""The generated UI of published forms (pages under /a/<app>/...)."""

from __future__ import annotations

from flask import Blueprint


def forms_blueprint() -> Blueprint:
    return Blueprint("forms", __name__)
