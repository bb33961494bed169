"""The registry of capture channels: one small class per channel a form can open to the
outside (``capture.<key>`` in the form document), built in the app factory from an explicit
tuple. A channel owns the JSON Schema of its configuration, the semantic checks of it (with
JSON Pointers into the form document) and what it compiles for the runtime; its HTTP lives in
``runtime.web.capture`` (pages and the receiving address) and ``runtime.api.capture``.

The REST API is no channel here: it is always open, and takes the Idempotency-Key header
(``runtime.capture.idempotency``). File imports will be added as a channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from metadata.errors import Problem
from metadata.registry import Registry
from runtime.formula.functions import FunctionRegistry

if TYPE_CHECKING:
    from metadata.checks import CheckContext


class CaptureChannel:
    """Base of every capture channel: its ``key`` under the form's ``capture`` object."""

    key: ClassVar[str]
    label: ClassVar[dict[str, str]]
    description: ClassVar[str] = ""
    config_schema: ClassVar[dict[str, Any]]

    def __init__(self) -> None:
        self.functions: FunctionRegistry | None = None

    def bind(self, functions: FunctionRegistry) -> None:
        """Called once by the registry: the formula functions that transforms may call."""
        self.functions = functions

    def check(self, config: Any, form: Mapping, path: str, ctx: CheckContext) -> list[Problem]:
        """Semantic checks of this channel's configuration beyond its schema."""
        return []


def build_channel_registry(functions: FunctionRegistry,
                           extra: tuple[type[CaptureChannel], ...] = ()
                           ) -> Registry[CaptureChannel]:
    from runtime.capture.public import PublicFormChannel
    from runtime.capture.webhooks import WebhookChannel

    registry: Registry[CaptureChannel] = Registry(
        "capture channel", (PublicFormChannel, WebhookChannel, *extra), key_attr="key")
    for channel in registry:
        channel.bind(functions)
    return registry


def field_problem(form: Mapping, key: Any, at: str, ctx: CheckContext,
                  public: bool = False, shown: bool = False) -> Problem | None:
    """Why ``key`` cannot receive a channel's values (None: it can): it is no field of the
    form, or the system fills it in (generated, calculated — a calculated one may be
    ``shown``); with ``public``, a stranger could not fill it in (a picker of stored records
    or people, an upload)."""
    from metadata.messages import msg

    fld = next((f for f in form.get("fields", []) if f.get("key") == key), None)
    ftype = ctx.field_types.get(fld.get("type")) if fld is not None else None
    if fld is None or ftype is None:
        return Problem(at, msg("%(key)s is not a field of this form", key=key))
    calculated = getattr(ftype, "calculated", False)
    if getattr(ftype, "generated", False) and not (shown and calculated) or \
            calculated and not shown:
        return Problem(at, msg("%(key)s is filled in by the system", key=key))
    if public and not getattr(ftype, "public_input", True):
        return Problem(at, msg("%(key)s cannot be filled in on a public form (it would show "
                               "stored records, people or files)", key=key))
    return None
