"""E-mail addresses: trimmed, the domain lower-cased and IDNA-encoded, the local part kept as
written (``runtime.cleaning.emails``).

Options: ``invalid`` — refuse an address that does not clean, or keep it as written and flag
it ``invalid``; ``flag_free_mail`` — flag addresses at free-mail providers (qq.com, 163.com,
gmail.com, ...) ``free_mail``, for lists that tell business addresses from private ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg
from runtime.cleaning.emails import (
    MAX_LENGTH,
    clean_email,
    is_free_mail,
    kept_text,
    match_key,
    shown_address,
)
from runtime.fields.base import TEXT_OPS, FieldType, FieldValueError, config
from runtime.fields.roles.cleaning import INVALID_OPTION, FlagColumn, keeps_invalid


class EmailField(FlagColumn, FieldType):
    type = "email"
    formula_type = "text"
    reaches = "email"  # messages of this channel may go to its values
    converts_from = frozenset({"text"})
    label = {"zh": "邮箱", "en": "Email"}
    icon = "@"
    description = ("An e-mail address, checked, with its domain in lower case (and in ASCII: "
                   "international domains IDNA-encoded); optionally flagged when at a free-mail "
                   "provider, optionally kept and flagged when it is no address.")
    config_schema = {
        "type": "object",
        "properties": {
            "flag_free_mail": {"type": "boolean"},
            "invalid": INVALID_OPTION,
        },
        "additionalProperties": False,
    }
    widget = "email"
    can_be_title = True
    searchable = True
    aggregations = ("count", "distinct")
    filter_ops = TEXT_OPS

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        if keeps_invalid(fld):
            return {"type": "string", "maxLength": MAX_LENGTH}
        return {"type": "string", "format": "idn-email", "maxLength": MAX_LENGTH}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if not isinstance(value, str):
            raise FieldValueError(msg("must be an e-mail address written as text"))
        result = clean_email(value)
        if result.problem is None:
            return result.value
        if keeps_invalid(fld):
            return kept_text(value) or None
        raise FieldValueError(result.problem)

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.String(MAX_LENGTH)

    def match_key(self, value: Any, fld: Mapping) -> str | None:
        return match_key(value.strip()) if isinstance(value, str) and value.strip() else None

    # -- cleaning flags ---------------------------------------------------------------------
    def flag_codes(self, fld: Mapping) -> tuple[str, ...]:
        codes = ("invalid",) if keeps_invalid(fld) else ()
        return (*codes, "free_mail") if config(fld).get("flag_free_mail") else codes

    def flag_of(self, value: Any, fld: Mapping) -> str | None:
        if not value:
            return None
        if keeps_invalid(fld) and clean_email(value).value != value:
            return "invalid"
        if config(fld).get("flag_free_mail") and is_free_mail(value):
            return "free_mail"
        return None

    # -- presentation and search --------------------------------------------------------------
    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        return shown_address(value) if value else ""

    def search_text(self, value: Any, fld: Mapping) -> list[str]:
        if not value:
            return []
        return list(dict.fromkeys([value, shown_address(value)]))
