"""The inbound webhook channel (``capture.webhooks``): several per form, each with its own key,
a secret address, an optional signature over the raw body, a mapping from payload paths to
fields (``runtime.capture.mapping``) and a delivery id that recognises redeliveries. This
module is the pure part: configuration, checks, the signature check and the compiled hook;
receiving and storing deliveries is ``runtime.capture.deliveries``."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from metadata.errors import Problem
from metadata.messages import msg
from runtime.arrivals import PARTS
from runtime.capture.channels import CaptureChannel, field_problem
from runtime.capture.mapping import MappingError, PayloadMapping, compile_path, entries
from runtime.formula.functions import FunctionRegistry

if TYPE_CHECKING:
    from metadata.checks import CheckContext

HEADER_PATTERN = "^[A-Za-z0-9-]{1,100}$"
ALGORITHMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1, "sha512": hashlib.sha512}


def entry_schema() -> dict[str, Any]:
    return {"anyOf": [
        {"type": "string", "minLength": 1, "maxLength": 1000,
         "description": "a JSONPath such as $.field_data[0].values[0]"},
        {"type": "object", "minProperties": 1, "additionalProperties": False, "properties": {
            "path": {"type": "string", "minLength": 1, "maxLength": 1000},
            "value": {"description": "a constant (or the value when the path finds nothing)"},
            "formula": {"$ref": "#/$defs/formula"},
        }},
    ]}


def webhook_schema() -> dict[str, Any]:
    entry = entry_schema()
    listed = {"type": "object", "required": ["field"], "additionalProperties": False,
              "properties": {"field": {"$ref": "#/$defs/key"},
                             **entry["anyOf"][1]["properties"]}}
    hook = {
        "type": "object",
        "required": ["key", "mapping"],
        "properties": {
            "key": {"$ref": "#/$defs/key"},
            "label": {"$ref": "#/$defs/label"},
            # an object {field: path or entry}, or a list of {field, ...} entries; if/then
            # rather than oneOf, so that an error points inside the entry at fault
            "mapping": {"type": ["object", "array"],
                        "description": "an object {field: JSONPath or {path, value, "
                                       "formula}}, or a list of {field, path, value, "
                                       "formula} entries",
                        "if": {"type": "object"},
                        "then": {"propertyNames": {"$ref": "#/$defs/key"},
                                 "additionalProperties": entry, "minProperties": 1,
                                 "maxProperties": 500},
                        "else": {"items": listed, "minItems": 1, "maxItems": 500}},
            "touch": {"type": "object", "properties": dict.fromkeys(PARTS, entry),
                      "additionalProperties": False,
                      "description": "the campaign parts of each arrival, mapped the same way"},
            "signature": {"type": "object", "required": ["header"], "properties": {
                "header": {"type": "string", "pattern": HEADER_PATTERN},
                "prefix": {"type": "string", "maxLength": 50},
                "algorithm": {"enum": list(ALGORITHMS)},
                "encoding": {"enum": ["hex", "base64"]},
            }, "additionalProperties": False},
            "delivery_id": {"type": "string", "minLength": 1, "maxLength": 1000,
                            "description": "a JSONPath into the body ($.entry[0].id) or the "
                                           "name of a header (Msg-Id)"},
            "owner": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
            "max_bytes": {"type": "integer", "minimum": 1024, "maximum": 64 * 1024 * 1024},
        },
        "additionalProperties": False,
    }
    return {"type": "array", "items": hook, "maxItems": 20}


class WebhookChannel(CaptureChannel):
    key = "webhooks"
    label = {"zh": "Webhook", "en": "Webhooks"}
    description = ("Secret addresses that other systems post records to (ad platforms, "
                   "mini-programs, form tools): signed, mapped to fields, redeliveries "
                   "recognised, every payload stored.")
    config_schema = webhook_schema()

    def check(self, config: Any, form: Mapping, path: str, ctx: CheckContext) -> list[Problem]:
        problems: list[Problem] = []
        seen: set[str] = set()
        for i, hook in enumerate(config or []):
            at = f"{path}/{i}"
            if hook.get("key") in seen:
                problems.append(Problem(f"{at}/key", msg("another webhook of this form has "
                                                         "the key %(key)s", key=hook["key"])))
            seen.add(hook.get("key"))
            problems += self.hook_problems(hook, form, at, ctx)
        return problems

    def hook_problems(self, hook: Mapping, form: Mapping, at: str, ctx: CheckContext
                      ) -> list[Problem]:
        problems = [p for target, where, _raw in entries(hook.get("mapping"))
                    if (p := field_problem(form, target, f"{at}/mapping{where}", ctx))]
        problems += compiled(hook.get("mapping"), self.functions, f"{at}/mapping").problems
        problems += compiled(hook.get("touch") or {}, self.functions, f"{at}/touch").problems
        where = hook.get("delivery_id")
        if isinstance(where, str) and where.startswith("$"):
            try:
                compile_path(where)
            except MappingError as exc:
                problems.append(Problem(f"{at}/delivery_id", exc.message))
        elif isinstance(where, str) and not all(c.isalnum() or c == "-" for c in where):
            problems.append(Problem(f"{at}/delivery_id", msg(
                "a delivery id is a JSONPath ($.id) or a header name (Msg-Id)")))
        return problems


def compiled(mapping: Any, functions: FunctionRegistry | None, base: str,
             now: Callable[[], datetime] | None = None, tz: tzinfo | None = None,
             lists: frozenset[str] = frozenset()) -> PayloadMapping:
    from datetime import UTC

    from runtime.formula.registry import build_function_registry

    return PayloadMapping(mapping, functions or build_function_registry(),
                          now or (lambda: datetime.now(UTC)), tz or UTC, base, lists)


@dataclass(frozen=True)
class Signature:
    header: str
    prefix: str = ""
    algorithm: str = "sha256"
    encoding: str = "hex"

    def expected(self, secret: str, body: bytes) -> str:
        digest = hmac.new(secret.encode(), body, ALGORITHMS[self.algorithm]).digest()
        text = digest.hex() if self.encoding == "hex" else base64.b64encode(digest).decode()
        return self.prefix + text

    def verify(self, secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
        """Does the request carry the signature of ``body`` under ``secret`` (compared in
        constant time; hex digests in either case)?"""
        given = (headers.get(self.header) or "").strip()
        wanted = self.expected(secret, body)
        if self.encoding == "hex":
            given, wanted = given.lower(), wanted.lower()
        return hmac.compare_digest(given.encode(), wanted.encode())


@dataclass(frozen=True)
class Webhook:
    """One declared webhook of a published form, as the runtime uses it."""

    app_key: str
    form_key: str
    key: str
    config: Mapping[str, Any]

    @classmethod
    def all_of(cls, app_key: str, form: Mapping) -> dict[str, Webhook]:
        hooks = (form.get("capture") or {}).get("webhooks") or []
        return {h["key"]: cls(app_key, form["key"], h["key"], h) for h in hooks}

    @property
    def signature(self) -> Signature | None:
        given = self.config.get("signature")
        return Signature(**given) if given else None

    def delivery_id(self, payload: Any, headers: Mapping[str, str]) -> str | None:
        """The id the sender gave this delivery (None: it gave none)."""
        where = self.config.get("delivery_id")
        if not where:
            return None
        if where.startswith("$"):
            from runtime.capture.mapping import as_text, pick

            found = pick(compile_path(where), payload)
            value = as_text(found[0] if isinstance(found, list) and len(found) == 1 else found)
        else:
            value = headers.get(where)
        return str(value)[:200] if value not in (None, "", []) else None
