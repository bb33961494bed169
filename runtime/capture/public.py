"""The public form channel (``capture.public``): a page anyone may fill in, without logging in,
at ``/f/<app>/<slug>`` — embeddable, reachable by QR code, rate-limited per client address,
guarded by a honeypot field and a minimum fill time. Its submissions go through the intake
(``runtime.capture.intake.submit``) like every channel's, checked and calculated exactly as
a logged-in person's; the page shows only the fields the form exposes and never anything
stored. This module is the pure part: the configuration, its checks and its compiled form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from metadata.errors import Problem, pointer
from metadata.messages import msg
from runtime.capture.channels import CaptureChannel, field_problem

if TYPE_CHECKING:
    from metadata.checks import CheckContext

SLUG_PATTERN = "^[a-z0-9][a-z0-9-]{0,62}$"
PARAM_PATTERN = "^[A-Za-z0-9_.-]{1,64}$"
ORIGIN_PATTERN = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$"
LOGO = re.compile(r"^(https://[^\s\"'<>]{1,1900}|data:image/(png|jpeg|gif|webp);base64,"
                  r"[A-Za-z0-9+/=]{1,140000})$")
DEFAULT_RATE = {"count": 20, "seconds": 60}
DEFAULT_MIN_SECONDS = 3


def public_schema() -> dict[str, Any]:
    keys = {"type": "array", "items": {"$ref": "#/$defs/key"}, "uniqueItems": True,
            "maxItems": 500}
    return {
        "type": "object",
        "required": ["slug"],
        "properties": {
            "enabled": {"type": "boolean", "description": "false: the page answers 404 "
                                                          "(the settings are kept)"},
            "slug": {"type": "string", "pattern": SLUG_PATTERN,
                     "description": "the page's address: /f/<app>/<slug>"},
            "title": {"$ref": "#/$defs/label"},
            "description": {"$ref": "#/$defs/text"},
            "fields": {**keys, "description": "the fields shown, in order (all that a "
                                              "stranger may fill in when left out)"},
            "params": {"type": "object", "maxProperties": 20,
                       "propertyNames": {"pattern": PARAM_PATTERN},
                       "additionalProperties": {"anyOf": [{"$ref": "#/$defs/key"},
                                                          {"type": "null"}]},
                       "description": "URL parameters kept with the arrival (besides utm_*, "
                                      "source and campaign), each into a field or null"},
            "thanks": {"type": "object", "properties": {
                "message": {"$ref": "#/$defs/text"},
                "redirect": {"type": "string", "maxLength": 2000, "pattern": "^https?://[^\\s]+$"},
            }, "additionalProperties": False},
            "submit_label": {"$ref": "#/$defs/label"},
            "theme": {"type": "object", "properties": {
                "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                "logo": {"type": "string", "maxLength": 200000,
                         "description": "an https:// address or a data:image/... URL"},
            }, "additionalProperties": False},
            "owner": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                      "description": "the user who owns what arrives (none when left out)"},
            "once_per": {**keys, "maxItems": 5,
                         "description": "one record per value of these fields: a repeated "
                                        "submission updates it (through identity resolution)"},
            "rate_limit": {"type": "object", "required": ["count", "seconds"], "properties": {
                "count": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
                "seconds": {"type": "integer", "minimum": 1, "maximum": 86400},
            }, "additionalProperties": False},
            "min_seconds": {"type": "number", "minimum": 0, "maximum": 600},
            "embed_origins": {"type": "array", "maxItems": 20, "uniqueItems": True,
                              "items": {"type": "string", "pattern": ORIGIN_PATTERN},
                              "description": "the sites that may embed the page (any when "
                                             "left out)"},
        },
        "additionalProperties": False,
    }


class PublicFormChannel(CaptureChannel):
    key = "public"
    label = {"zh": "公开表单", "en": "Public form"}
    description = ("A page anyone may fill in without logging in, at /f/<app>/<slug>: "
                   "embeddable, with a QR code, URL parameters kept with each arrival.")
    config_schema = public_schema()

    def check(self, config: Any, form: Mapping, path: str, ctx: CheckContext) -> list[Problem]:
        problems = [p for i, key in enumerate(config.get("fields") or [])
                    if (p := field_problem(form, key, f"{path}/fields/{i}", ctx, True, True))]
        for name, key in (config.get("params") or {}).items():
            if key is not None:
                problem = field_problem(form, key, f"{path}/params/{pointer(name)[1:]}", ctx,
                                        True)
                problems += [problem] if problem else []
        for i, key in enumerate(config.get("once_per") or []):
            problem = field_problem(form, key, f"{path}/once_per/{i}", ctx)
            problems += [problem] if problem else []
        logo = (config.get("theme") or {}).get("logo")
        if logo is not None and not LOGO.match(logo):
            problems.append(Problem(f"{path}/theme/logo", msg(
                "a logo is an https:// address or a PNG, JPEG, GIF or WebP image")))
        problems += self._missing_required(config, form, path, ctx)
        return problems + self._slug_taken(config, form, path, ctx)

    def _missing_required(self, config: Any, form: Mapping, path: str, ctx: CheckContext
                          ) -> list[Problem]:
        """A required field the page does not show would refuse every submission."""
        shown = exposed_keys(config, form, ctx.field_types)
        out = []
        for fld in form.get("fields", []):
            ftype = ctx.field_types.get(fld.get("type"))
            if (fld.get("required") and fld.get("default") is None and ftype is not None
                    and not ftype.generated and not ftype.calculated
                    and fld["key"] not in shown):
                out.append(Problem(f"{path}/fields", msg(
                    "%(key)s is required but not on the public form", key=fld["key"])))
        return out

    def _slug_taken(self, config: Any, form: Mapping, path: str, ctx: CheckContext
                    ) -> list[Problem]:
        for key, other in ctx.forms.items():
            theirs = ((other or {}).get("capture") or {}).get("public") or {}
            if key != form.get("key") and theirs.get("slug") == config.get("slug"):
                return [Problem(f"{path}/slug", msg(
                    "form %(form)s of this app already uses the address %(slug)s",
                    form=key, slug=config.get("slug")))]
        return []


def exposed_keys(config: Mapping, form: Mapping, field_types: Mapping) -> list[str]:
    """The fields the page shows: those listed, else every field a stranger may fill in."""
    listed = config.get("fields")
    if listed:
        return list(listed)
    out = []
    for fld in form.get("fields", []):
        ftype = field_types.get(fld.get("type"))
        if ftype is not None and ftype.public_input and not ftype.generated \
                and not ftype.calculated:
            out.append(fld["key"])
    return out


@dataclass(frozen=True)
class PublicForm:
    """A published form's public page, as the runtime uses it."""

    app_key: str
    form_key: str
    slug: str
    config: Mapping[str, Any]
    fields: tuple[str, ...]
    params: Mapping[str, str | None] = field(default_factory=dict)

    @classmethod
    def of(cls, app_key: str, form: Mapping, field_types: Mapping) -> PublicForm | None:
        config = (form.get("capture") or {}).get("public")
        if not config or config.get("enabled") is False:
            return None
        return cls(app_key, form["key"], config["slug"], config,
                   tuple(exposed_keys(config, form, field_types)),
                   dict(config.get("params") or {}))

    @property
    def rate(self) -> tuple[int, int]:
        rate = self.config.get("rate_limit") or DEFAULT_RATE
        return rate["count"], rate["seconds"]

    @property
    def min_seconds(self) -> float:
        return float(self.config.get("min_seconds", DEFAULT_MIN_SECONDS))

    @property
    def owner(self) -> int | None:
        return self.config.get("owner")

    @property
    def redirect(self) -> str | None:
        return (self.config.get("thanks") or {}).get("redirect")

    def frame_ancestors(self) -> str:
        origins = self.config.get("embed_origins")
        return " ".join(origins) if origins else "*"
