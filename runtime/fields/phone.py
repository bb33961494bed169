"""Phone numbers, stored as E.164 (``138 0013 8000`` becomes ``+8613800138000``).

Cleaning (``runtime.cleaning.phones``) reads spaces, dashes, brackets, ``+86``/``0086``/``86``,
full-width digits and extensions; a field that ``keep_extension`` stores one as
``+861012345678;ext=123``. A number that does not clean is refused, or, when the field's
``invalid`` option says ``keep``, stored as written and flagged ``invalid``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import phonenumbers
import sqlalchemy as sa

from metadata.messages import msg
from runtime.cleaning.phones import (
    clean_phone,
    extension_of,
    is_e164,
    kept_text,
    without_extension,
)
from runtime.fields.base import TEXT_OPS, FieldType, FieldValueError, config
from runtime.fields.roles.cleaning import INVALID_OPTION, FlagColumn, keeps_invalid

# what a person types to find a number: digits, perhaps grouped and with a leading + or 00
TYPED_NUMBER = re.compile(r"\+?[\d\s\-().]*\d[\d\s\-().]*")
E164_LENGTH = 20  # "+" and at most 15 digits; wider when extensions or kept texts are stored
WIDE_LENGTH = 64
EXTENSION_WORDS = {"zh": " 转 ", "en": " ext. "}


@functools.cache
def country_code(region: str) -> str:
    return str(phonenumbers.country_code_for_region(region))


@functools.cache
def national_prefix(region: str) -> str:
    """The trunk prefix written before national numbers of ``region`` (0 in China)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return (meta.national_prefix or "") if meta is not None else ""


def national_digits(e164: str, region: str) -> tuple[str, str] | None:
    """The national number of an E.164 number and the trunk prefix of its country."""
    digits = without_extension(e164).lstrip("+")
    code = country_code(region)
    if digits.startswith(code):  # country codes are prefix-free: this is the region's
        return digits[len(code):], national_prefix(region)
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return None
    other = phonenumbers.region_code_for_number(number)
    return phonenumbers.national_significant_number(number), national_prefix(other or "ZZ")


class PhoneField(FlagColumn, FieldType):
    type = "phone"
    formula_type = "text"
    reaches = "sms"  # messages of this channel may go to its values
    converts_from = frozenset({"text"})
    label = {"zh": "手机/电话", "en": "Phone"}
    icon = "☎"
    description = ("A phone number, cleaned and stored in E.164 form (+8613800138000); "
                   "optionally with its extension, and optionally kept and flagged when it "
                   "is no valid number.")
    config_schema = {
        "type": "object",
        "properties": {
            "default_region": {"type": "string", "pattern": "^[A-Z]{2}$"},
            "mobile_only": {"type": "boolean"},
            "keep_extension": {"type": "boolean"},
            "invalid": INVALID_OPTION,
        },
        "additionalProperties": False,
    }
    widget = "phone"
    can_be_title = True
    searchable = True
    aggregations = ("count", "distinct")
    filter_ops = TEXT_OPS

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "string", "maxLength": self._length(fld)}

    @staticmethod
    def _length(fld: Mapping) -> int:
        cfg = config(fld)
        return WIDE_LENGTH if cfg.get("keep_extension") or keeps_invalid(fld) else E164_LENGTH

    @staticmethod
    def _clean(text: str, fld: Mapping):
        cfg = config(fld)
        return clean_phone(text, cfg.get("default_region", "CN"), bool(cfg.get("mobile_only")),
                           bool(cfg.get("keep_extension")))

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if not isinstance(value, str):
            raise FieldValueError(msg("must be a phone number written as text"))
        result = self._clean(value, fld)
        if result.problem is None:
            return result.value
        if keeps_invalid(fld):
            return kept_text(value)
        raise FieldValueError(result.problem)

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.String(self._length(fld))

    def match_key(self, value: Any, fld: Mapping) -> str | None:
        """The E.164 number as stored; a kept unreadable number by its digits."""
        if not isinstance(value, str) or not value.strip():
            return None
        return value if is_e164(value) else ("".join(c for c in value if c.isdigit()) or None)

    # -- cleaning flags ---------------------------------------------------------------------
    def flag_codes(self, fld: Mapping) -> tuple[str, ...]:
        return ("invalid",) if keeps_invalid(fld) else ()

    def flag_of(self, value: Any, fld: Mapping) -> str | None:
        if not value or not keeps_invalid(fld):
            return None
        return None if self._clean(value, fld).value == value else "invalid"

    # -- presentation ------------------------------------------------------------------------
    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        if not value:
            return ""
        if not is_e164(value):
            return value  # kept as written
        shown = _shown(without_extension(value), config(fld).get("default_region", "CN"))
        extension = extension_of(value)
        return shown + EXTENSION_WORDS.get(lang, " ext. ") + extension if extension else shown

    # -- search -------------------------------------------------------------------------------
    def search_text(self, value: Any, fld: Mapping) -> list[str]:
        # found typed in full (8613800138000), nationally (13800138000, 010 1234 5678: the
        # national number is inside both texts) or in part, with or without spaces and
        # dashes: search terms keep only the digits
        if not value:
            return []
        if not is_e164(value):  # kept as written: by its digits
            digits = re.sub(r"\D", "", value)
            return [digits] if digits else []
        digits = without_extension(value).lstrip("+")
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
