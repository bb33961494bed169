"""Cleaning functions: PHONE_REGION, PHONE_TYPE, HALFWIDTH, PROPER.

What they know comes from the cleaning core (``runtime.cleaning``): libphonenumber's geocoder
and metadata for numbers, the text cleaners for texts. Phone functions read a stored number
(E.164, as a phone field holds it); they run where forms run (cleaning rules, calculated
fields, conditions), not in list filters.
"""

from __future__ import annotations

from metadata.messages import msg
from runtime.cleaning.phones import phone_kind, phone_place
from runtime.cleaning.texts import change_case, half_width
from runtime.formula.fn_text import TextFunction


class PhoneRegion(TextFunction):
    name, aliases, signature = "PHONE_REGION", ("号码归属地",), "PHONE_REGION(phone)"
    description = msg("Where a Chinese phone number is, from its landline area code or mobile "
                      "prefix, as a place such as 广东省深圳市 (a region field reads it); NULL "
                      "when only the country is known or the number is not Chinese. E.g. in a "
                      "cleaning rule that fills a blank region: PHONE_REGION({phone}).")
    sql = False

    def evaluate(self, value):
        return phone_place(value)


class PhoneType(TextFunction):
    name, aliases, signature = "PHONE_TYPE", ("号码类型",), "PHONE_TYPE(phone)"
    description = msg("What a phone number is: \"mobile\", \"landline\", "
                      "\"landline_or_mobile\" (where numbering does not tell), \"toll_free\", "
                      "\"voip\", ...; NULL when it is no valid number.")
    sql = False

    def evaluate(self, value):
        return phone_kind(value)


class HalfWidth(TextFunction):
    name, aliases, signature = "HALFWIDTH", ("半角",), "HALFWIDTH(text)"
    description = msg("The text with full-width letters, digits, spaces and symbols made "
                      "half-width (ＡＢＣ１２３ becomes ABC123); Chinese punctuation stays.")
    sql = False

    def evaluate(self, value):
        return half_width(value)


class Proper(TextFunction):
    name, aliases, signature = "PROPER", ("首字母大写",), "PROPER(text)"
    description = msg("The text with each word's first letter in upper case and the rest in "
                      "lower case (john SMITH becomes John Smith).")
    sql = False

    def evaluate(self, value):
        return change_case(value, "title")


CLEAN_FUNCTIONS = (PhoneRegion, PhoneType, HalfWidth, Proper)
