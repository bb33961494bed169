"""Phone numbers: messy input to E.164 (``+8613800138000``), an extension kept as ``;ext=123``.

Accepted: spaces, dashes, dots, brackets, ``+86``/``0086``/``86`` before the number, full-width
digits and signs, ``tel:``, and extensions written ``ext. 123``, ``x123``, ``转123``, ``分机
123``, ``#123`` or, after a complete landline, ``-123``. What a number is (mobile, landline,
...) and where it is (``广东省深圳市``) come from libphonenumber's own metadata and geocoder.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType as PNT
from phonenumbers import geocoder

from metadata.messages import Message, msg, quoted

EXT_MARK = ";ext="
MAX_KEPT = 64  # a number kept as written (and flagged) is at most this long
# an extension written after the number: 转 / 分机 / ext / x / # and its digits
EXTENSION = re.compile(r"\s*(?:转|轉|分机|分機|ext\.?|extension|x|#|＃)\s*(\d{1,6})\s*#?\s*$",
                       re.IGNORECASE)
TRAILING_DASH_EXT = re.compile(r"^(.*\d)\s*[-－]\s*(\d{1,6})$")
PUNCTUATION = re.compile(r"[\s\-–—.()（）\[\]/·]+")
KINDS = {PNT.MOBILE: "mobile", PNT.FIXED_LINE: "landline",
         PNT.FIXED_LINE_OR_MOBILE: "landline_or_mobile", PNT.TOLL_FREE: "toll_free",
         PNT.PREMIUM_RATE: "premium", PNT.SHARED_COST: "shared",
         PNT.VOIP: "voip", PNT.PAGER: "pager", PNT.UAN: "uan", PNT.VOICEMAIL: "voicemail",
         PNT.PERSONAL_NUMBER: "personal"}
MOBILE_KINDS = frozenset({PNT.MOBILE, PNT.FIXED_LINE_OR_MOBILE})


@dataclass(frozen=True)
class PhoneResult:
    """What cleaning made of a written number: the E.164 value (with ``;ext=`` when kept), or
    the problem that stops it."""

    value: str | None
    problem: Message | None = None


def plain(text: str) -> str:
    """Full-width digits, letters and signs as ASCII, white space made single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def split_extension(text: str) -> tuple[str, str | None]:
    """The number and its extension (None: none written)."""
    found = EXTENSION.search(text)
    if found and found.start() > 0:
        return text[:found.start()], found.group(1)
    return text, None


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    candidate = text
    if candidate.lower().startswith("tel:"):
        candidate = candidate[4:]
    digits = PUNCTUATION.sub("", candidate)
    # 86 13800138000 written without + or 00: China's country code before a full mobile number
    if digits.startswith("86") and len(digits) == 13 and digits[2] == "1" and digits.isdigit():
        candidate = "+" + digits
    try:
        return phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None


def _number_and_extension(text: str, region: str
                          ) -> tuple[phonenumbers.PhoneNumber | None, str | None]:
    body, extension = split_extension(text.rstrip("#＃ "))
    number = _parse(body, region)
    if number is not None and phonenumbers.is_valid_number(number):
        return number, extension or number.extension
    dashed = TRAILING_DASH_EXT.match(body)  # 0755-8888 8888-123: the last group an extension
    if dashed and extension is None:
        head = _parse(dashed.group(1), region)
        if head is not None and phonenumbers.is_valid_number(head):
            return head, dashed.group(2)
    return number, extension


@lru_cache(maxsize=256)
def _mobile_pattern(region: str) -> re.Pattern | None:
    """The region's mobile-number pattern from libphonenumber's own metadata."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.mobile is None or not meta.mobile.national_number_pattern:
        return None
    return re.compile(meta.mobile.national_number_pattern)


def fast_e164(text: str, region: str) -> str | None:
    """E.164 of a plainly written mobile number of ``region``, nationally or after its country
    code (``+86``, ``0086``, ``86``), decided by the same metadata libphonenumber validates
    with; None sends the text through the full parser."""
    digits = PUNCTUATION.sub("", text)
    pattern = _mobile_pattern(region)
    if pattern is None:
        return None
    code = str(phonenumbers.country_code_for_region(region))
    for prefix in ("+" + code, "00" + code, code):
        if digits.startswith(prefix) and len(digits) > len(prefix) + 6:
            rest = digits[len(prefix):]
            if rest.isdigit() and rest.isascii() and pattern.fullmatch(rest) \
                    and not (prefix == code and pattern.fullmatch(digits)):
                return f"+{code}{rest}"
    if not digits.isdigit() or not digits.isascii() or not pattern.fullmatch(digits):
        return None
    return f"+{code}{digits}"


def clean_phone(text: str, region: str = "CN", mobile_only: bool = False,
                keep_extension: bool = False) -> PhoneResult:
    """Clean one written number for a field of ``region`` (the country of numbers written
    without a country code)."""
    return PhoneResult(*_remembered(text, region, mobile_only, keep_extension))


@lru_cache(maxsize=65536)
def _remembered(text: str, region: str, mobile_only: bool, keep_extension: bool
                ) -> tuple[str | None, Message | None]:
    """``_clean_phone``'s answer as a plain tuple: the garbage collector stops looking at a
    tuple of strings, where each cached result object was scanned at every full collection
    (an import of 100k numbers filled the cache, and the collections grew with it)."""
    result = _clean_phone(text, region, mobile_only, keep_extension)
    return result.value, result.problem


def _clean_phone(text: str, region: str, mobile_only: bool, keep_extension: bool
                 ) -> PhoneResult:
    shown = plain(text)
    if not shown:
        return PhoneResult(None)
    fast = fast_e164(shown, region)
    if fast is not None:
        return PhoneResult(fast)
    number, extension = _number_and_extension(shown, region)
    if number is None:
        return PhoneResult(None, msg("%(value)s is not a phone number", value=quoted(shown)))
    if not phonenumbers.is_valid_number(number):
        return PhoneResult(None, msg("%(value)s is not a valid phone number",
                                     value=quoted(shown)))
    if mobile_only and phonenumbers.number_type(number) not in MOBILE_KINDS:
        return PhoneResult(None, msg("%(value)s is not a mobile number", value=quoted(shown)))
    value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if keep_extension and extension:
        value += EXT_MARK + extension
    return PhoneResult(value)


def kept_text(text: str) -> str:
    """A number that does not clean, as it is kept (and flagged): plain, within bounds."""
    return plain(text)[:MAX_KEPT]


def is_e164(value: str) -> bool:
    """Whether a stored value is a cleaned number (``+`` and digits, perhaps ``;ext=``)."""
    number, _, extension = value.partition(EXT_MARK)
    return (len(number) > 2 and number[0] == "+" and number[1:].isdigit() and number.isascii()
            and (not extension or (extension.isdigit() and extension.isascii())))


def without_extension(value: str) -> str:
    """The number of a stored value, without its extension: what identifies a line."""
    return value.partition(EXT_MARK)[0]


def extension_of(value: str) -> str | None:
    return value.partition(EXT_MARK)[2] or None


@lru_cache(maxsize=16384)
def _parsed(e164: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(without_extension(e164))
    except phonenumbers.NumberParseException:
        return None


def phone_kind(value: str | None) -> str | None:
    """``mobile``, ``landline``, ``toll_free``, ``voip``, ... of a stored number (None: not a
    cleaned number, or a kind libphonenumber does not know)."""
    if not value or not is_e164(value):
        return None
    number = _parsed(value)
    if number is None:
        return None
    return KINDS.get(phonenumbers.number_type(number))


def is_mobile(value: str | None) -> bool:
    """Whether a stored number may take text messages (where numbering cannot tell a mobile
    from a landline, as in the US, it may)."""
    return phone_kind(value) in ("mobile", "landline_or_mobile")


def phone_country(value: str | None) -> str | None:
    """The two-letter country of a stored number (None: unknown)."""
    number = _parsed(value) if value and is_e164(value) else None
    return phonenumbers.region_code_for_number(number) if number is not None else None


@lru_cache(maxsize=16384)
def phone_place(value: str | None) -> str | None:
    """Where a Chinese number is, from its landline area code or mobile prefix, as a written
    place (``广东省深圳市``); None when only the country is known or it is not Chinese.
    Where an area code serves several cities (``四川省成都市、资阳市、眉山市``) the first, the
    one the code is known by, is taken."""
    if not value or phone_country(value) != "CN":
        return None
    number = _parsed(value)
    if number is None:
        return None
    described = geocoder.description_for_number(number, "zh")
    first = described.split("、")[0].strip()
    return first if first and first != "中国" else None
