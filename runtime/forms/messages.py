"""Problem messages of the runtime, put into the language of the page.

Field types write their messages in English; the usual ones are matched here (plain texts, or
patterns with the parts that vary) and translated through the catalogue. Anything else is shown
as written.
"""

from __future__ import annotations

import re

from flask_babel import get_locale, gettext

from metadata.messages import Message


def ui_lang() -> str:
    """The UI language: "zh" or "en"."""
    locale = get_locale()
    return "en" if locale is not None and str(locale).startswith("en") else "zh"


def N_(text: str) -> str:
    """Mark a message for extraction; it is translated when shown."""
    return text


PLAIN = frozenset({
    N_("is required"),
    N_("must be a whole number"),
    N_("must be a text"),
    N_("must be a finite number"),
    N_("is too large"),
    N_("must be one of the choices"),
    N_("must be a list of choices"),
    N_("must be yes or no (true/false)"),
    N_("must be a date (YYYY-MM-DD)"),
    N_("must be a date and time (YYYY-MM-DDTHH:MM:SSZ)"),
    N_("must use . for the decimal point and , only between thousands"),
    N_("must name the province"),
    N_("must name the city"),
    N_("must name the district"),
    N_("must name a province"),
    N_("must name a place"),
    N_("must be the id of a record (a positive whole number)"),
    N_("must be the id of a user (a positive whole number)"),
    N_("must be one user"),
    N_("must list uploaded files by their id"),
    N_("must be a phone number written as text"),
    N_("must be an e-mail address written as text"),
    N_("must be a web address written as text"),
    N_("must not contain control characters"),
    N_("is out of range"),
    N_("you may not set this field"),
    N_("is assigned automatically and cannot be set"),
})

QUOTED = r"(?P<q>['\"])(?P<value>.*)(?P=q)"
PATTERNS = [(re.compile(pattern), msgid) for pattern, msgid in (
    (rf"^{QUOTED} is not a valid phone number$", N_("%(value)s is not a valid phone number")),
    (rf"^{QUOTED} is not a phone number$", N_("%(value)s is not a phone number")),
    (rf"^{QUOTED} is not a mobile number$", N_("%(value)s is not a mobile number")),
    (rf"^{QUOTED} is not an e-mail address$", N_("%(value)s is not an e-mail address")),
    (rf"^{QUOTED} is not a web address$", N_("%(value)s is not a web address")),
    (rf"^{QUOTED} is not a day of the calendar$", N_("%(value)s is not a day of the calendar")),
    (rf"^{QUOTED} is not a moment of the calendar$",
     N_("%(value)s is not a moment of the calendar")),
    (rf"^{QUOTED} is not one of the choices \(.*\)$", N_("%(value)s is not one of the choices")),
    (rf"^{QUOTED} is not a province, city or district of China we know$",
     N_("%(value)s is not a province, city or district of China we know")),
    (r"^must be at least (?P<n>\S+) characters long$",
     N_("must be at least %(n)s characters long")),
    (r"^must be at most (?P<n>\S+) characters long$",
     N_("must be at most %(n)s characters long")),
    (r"^must be at least (?P<n>\S+)$", N_("must be at least %(n)s")),
    (r"^must be at most (?P<n>\S+)$", N_("must be at most %(n)s")),
    (r"^must be on or after (?P<n>\S+)$", N_("must be on or after %(n)s")),
    (r"^must be on or before (?P<n>\S+)$", N_("must be on or before %(n)s")),
    (r"^must be at or after (?P<n>.+)$", N_("must be at or after %(n)s")),
    (r"^must be at or before (?P<n>.+)$", N_("must be at or before %(n)s")),
    (r"^takes at most (?P<n>\d+) files$", N_("takes at most %(n)s files")),
    (r"^needs at least (?P<n>\d+) rows$", N_("needs at least %(n)s rows")),
    (r"^may have at most (?P<n>\d+) rows$", N_("may have at most %(n)s rows")),
    (r"^may have at most (?P<n>\d+) choices$", N_("may have at most %(n)s choices")),
    (r"^must have at least (?P<n>\d+) choices$", N_("must have at least %(n)s choices")),
    (r"^may link at most (?P<n>\d+) records$", N_("may link at most %(n)s records")),
    (r"^record (?P<n>\d+) of (?P<form>\S+) does not exist$",
     N_("record %(n)s of %(form)s does not exist")),
    (r"^user (?P<n>\d+) does not exist$", N_("user %(n)s does not exist")),
    (r"^record (?P<n>\d+) of (?P<form>\S+) does not exist or is not visible to you$",
     N_("record %(n)s does not exist or is not visible to you")),
    (r"^you may not create records of (?P<form>.+)$", N_("you may not create records of %(form)s")),
    (r"^you may not read records of (?P<form>.+)$", N_("you may not read records of %(form)s")),
    (r"^you may not update records of (?P<form>.+)$", N_("you may not change records of %(form)s")),
    (r"^you may not delete records of (?P<form>.+)$", N_("you may not delete records of %(form)s")),
    (r"^form (?P<q>['\"])(?P<form>.+)(?P=q) has not been published yet$",
     N_("form %(form)s has not been published yet")),
    (r"^form (?P<q>['\"])(?P<form>.+)(?P=q) does not exist in app .+$",
     N_("form %(form)s does not exist")),
    (r"^file (?P<n>\S+) was not uploaded$", N_("file %(n)s was not uploaded")),
    (r"^(?P<name>.+) is larger than (?P<n>\S+) MB$", N_("%(name)s is larger than %(n)s MB")),
)]
ROW = re.compile(r"^row (?P<row>\d+), (?P<sub>[a-z][a-z0-9_]*): (?P<message>.+)$")


def translate(message: str, sub_labels: dict[str, str] | None = None) -> str:
    """The message in the page's language when it is one the catalogue knows."""
    if isinstance(message, Message):
        return message.localized(gettext)
    if message in PLAIN:
        return gettext(message)
    row = ROW.match(message)
    if row:
        sub = (sub_labels or {}).get(row["sub"], row["sub"])
        return gettext("row %(row)s, %(sub)s: %(message)s", row=row["row"], sub=sub,
                       message=translate(row["message"]))
    for pattern, msgid in PATTERNS:
        match = pattern.match(message)
        if match:
            values = {k: v for k, v in match.groupdict().items() if k != "q"}
            return gettext(msgid, **values)
    return message
