"""Phone numbers, stored as E.164 (``138 0013 8000`` becomes ``+8613800138000``)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import phonenumbers
import sqlalchemy as sa

from metadata.messages import msg, quoted
from runtime.fields.base import TEXT_OPS, FieldType, FieldValueError, config

SEPARATORS = re.compile(r"[\s\-().]")


@cache
def mobile_pattern(region: str) -> re.Pattern | None:
    """The region's mobile-number pattern from libphonenumber's own metadata."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.mobile is None or not meta.mobile.national_number_pattern:
        return None
    return re.compile(meta.mobile.national_number_pattern)


def fast_e164(text: str, region: str) -> str | None:
    """E.164 of a plainly written national mobile number, decided by the same metadata
    libphonenumber validates with; None sends the text through the full parser."""
    digits = SEPARATORS.sub("", text)
    pattern = mobile_pattern(region)
    if not digits.isdigit() or not digits.isascii() or pattern is None:
        return None
    if not pattern.fullmatch(digits):
        return None
    code = phonenumbers.country_code_for_region(region)
    return f"+{code}{digits}"


class PhoneField(FieldType):
    type = "phone"
    formula_type = "text"
    label = {"zh": "手机/电话", "en": "Phone"}
    icon = "☎"
    description = "A phone number, checked and stored in E.164 form (+8613800138000)."
    config_schema = {
        "type": "object",
        "properties": {
            "default_region": {"type": "string", "pattern": "^[A-Z]{2}$"},
            "mobile_only": {"type": "boolean"},
        },
        "additionalProperties": False,
    }
    widget = "phone"
    can_be_title = True
    searchable = True
    aggregations = ("count", "distinct")
    filter_ops = TEXT_OPS

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "string", "maxLength": 40}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if not isinstance(value, str):
            raise FieldValueError(msg("must be a phone number written as text"))
        text = value.strip()
        if not text:
            return None
        region = config(fld).get("default_region", "CN")
        fast = fast_e164(text, region)
        if fast is not None:
            return fast
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            raise FieldValueError(msg("%(value)s is not a phone number",
                                      value=quoted(text))) from None
        if not phonenumbers.is_valid_number(number):
            raise FieldValueError(msg("%(value)s is not a valid phone number",
                                      value=quoted(text)))
        if config(fld).get("mobile_only") and phonenumbers.number_type(number) not in (
                phonenumbers.PhoneNumberType.MOBILE,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
            raise FieldValueError(msg("%(value)s is not a mobile number", value=quoted(text)))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.String(20)

    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        if not value:
            return ""
        return _shown(value, config(fld).get("default_region", "CN"))


@functools.lru_cache(maxsize=8192)
def _shown(value: str, region: str) -> str:
    """A stored (E.164) number as people write it: nationally in its own region, else
    internationally (parsing and formatting take ~0.1 ms: a list page shows many)."""
    try:
        number = phonenumbers.parse(value)
    except phonenumbers.NumberParseException:
        return value
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
