"""Public form pages (filled in below)."""

from __future__ import annotations

from runtime.web.routes import Route

ROUTES: tuple[Route, ...] = ()
