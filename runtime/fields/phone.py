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
# what a person types to find a number: digits, perhaps grouped and with a leading + or 00
TYPED_NUMBER = re.compile(r"\+?[\d\s\-().]*\d[\d\s\-().]*")


@cache
def mobile_pattern(region: str) -> re.Pattern | None:
    """The region's mobile-number pattern from libphonenumber's own metadata."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.mobile is None or not meta.mobile.national_number_pattern:
        return None
    return re.compile(meta.mobile.national_number_pattern)


@cache
def country_code(region: str) -> str:
    return str(phonenumbers.country_code_for_region(region))


@cache
def national_prefix(region: str) -> str:
    """The trunk prefix written before national numbers of ``region`` (0 in China)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return (meta.national_prefix or "") if meta is not None else ""


def national_digits(e164: str, region: str) -> tuple[str, str] | None:
    """The national number of an E.164 number and the trunk prefix of its country."""
    digits = e164.lstrip("+")
    code = country_code(region)
    if digits.startswith(code):  # country codes are prefix-free: this is the region's
        return digits[len(code):], national_prefix(region)
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return None
    other = phonenumbers.region_code_for_number(number)
    return phonenumbers.national_significant_number(number), national_prefix(other or "ZZ")


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
    converts_from = frozenset({"text"})
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

    def search_text(self, value: Any, fld: Mapping) -> list[str]:
        # found typed in full (8613800138000), nationally (13800138000, 010 1234 5678: the
        # national number is inside both texts) or in part, with or without spaces and
        # dashes: search terms keep only the digits
        if not value:
            return []
        digits = value.lstrip("+")
        national = national_digits(value, config(fld).get("default_region", "CN"))
        if national is None or not national[1]:
            return [digits]
        number, prefix = national
        return list(dict.fromkeys([digits, prefix + number]))

    def search_terms(self, q: str, fld: Mapping) -> list[str]:
        if not TYPED_NUMBER.fullmatch(q):
            return []
        digits = re.sub(r"\D", "", q)
        # 0086 138...: the international call prefix before the country code
        return [digits, digits[2:]] if q.startswith("00") and len(digits) > 4 else [digits]

    def search_basis(self, fld: Mapping) -> Any:
        return config(fld).get("default_region", "CN")


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
