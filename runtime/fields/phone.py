"""Phone numbers, stored as E.164 (``138 0013 8000`` becomes ``+8613800138000``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import phonenumbers
import sqlalchemy as sa

from runtime.fields.base import TEXT_OPS, FieldType, FieldValueError, config


class PhoneField(FieldType):
    type = "phone"
    label = {"zh": "手机/电话", "en": "Phone"}
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
    searchable = True
    aggregations = ("count", "distinct")
    filter_ops = TEXT_OPS

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "string", "maxLength": 40}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if not isinstance(value, str):
            raise FieldValueError("must be a phone number written as text")
        text = value.strip()
        if not text:
            return None
        region = config(fld).get("default_region", "CN")
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            raise FieldValueError(f"{text!r} is not a phone number") from None
        if not phonenumbers.is_valid_number(number):
            raise FieldValueError(f"{text!r} is not a valid phone number")
        if config(fld).get("mobile_only") and phonenumbers.number_type(number) not in (
                phonenumbers.PhoneNumberType.MOBILE,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
            raise FieldValueError(f"{text!r} is not a mobile number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.String(20)

    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        if not value:
            return ""
        try:
            number = phonenumbers.parse(value)
        except phonenumbers.NumberParseException:
            return value
        region = config(fld).get("default_region", "CN")
        if phonenumbers.region_code_for_number(number) == region:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
