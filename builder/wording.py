"""Words the property panel shows for config options that field types name in their schemas.

An option without an entry here is shown by its name with the underscores made spaces, so a new
field type works in the builder before anyone words its options.
"""

from __future__ import annotations

from flask_babel import gettext as _

from runtime.web.messages import N_

PROP_LABELS = {
    "accept": N_("Allowed file types"),
    "case": N_("Letter case"),
    "choices": N_("Choices"),
    "collapse_spaces": N_("Collapse white space"),
    "color": N_("Colour"),
    "countries": N_("Countries"),
    "currency": N_("Currency"),
    "decimals": N_("Decimal places"),
    "default_region": N_("Default country code"),
    "digits": N_("Digits"),
    "display": N_("Display as"),
    "display_field": N_("Display field"),
    "fields": N_("Columns"),
    "flag_free_mail": N_("Flag free-mail addresses"),
    "formula": N_("Formula"),
    "half_width": N_("Full-width to half-width"),
    "invalid": N_("A value that does not clean"),
    "keep_extension": N_("Keep the extension"),
    "label": N_("Label"),
    "levels": N_("Levels"),
    "max": N_("Maximum"),
    "max_files": N_("Most files"),
    "max_items": N_("Most choices"),
    "max_length": N_("Maximum length"),
    "max_rows": N_("Most rows"),
    "max_size_mb": N_("Largest file (MB)"),
    "min": N_("Minimum"),
    "min_items": N_("Fewest choices"),
    "min_length": N_("Minimum length"),
    "min_rows": N_("Fewest rows"),
    "mobile_only": N_("Mobile numbers only"),
    "multiple": N_("Allow several"),
    "pattern": N_("Pattern (regular expression)"),
    "pattern_message": N_("Message when the pattern does not match"),
    "precision": N_("Decimal places"),
    "part": N_("Shows"),
    "prefix": N_("Prefix"),
    "require_full": N_("Require every level"),
    "roles": N_("Only users with these roles"),
    "rows": N_("Visible lines"),
    "start": N_("First number"),
    "target_form": N_("Linked form"),
    "timezone": N_("Time zone"),
    "touch": N_("Of which arrival"),
    "unit": N_("Unit"),
    "value": N_("Stored value"),
}

PROP_HELP = {
    "accept": N_("Extensions like .pdf or types like image/*, separated by commas."),
    "countries": N_("Two-letter country codes, e.g. CN, US."),
    "currency": N_("Three-letter code, e.g. CNY."),
    "default_region": N_("Two-letter code used for numbers without +, e.g. CN."),
    "decimals": N_("Places shown when the result is a fractional number."),
    "display_field": N_("What a linked record shows; its title field when empty."),
    "flag_free_mail": N_("Addresses at qq.com, 163.com, gmail.com and other free-mail "
                         "providers get a flag that lists show and filter by."),
    "half_width": N_("ＡＢＣ１２３ becomes ABC123; Chinese punctuation stays as written."),
    "invalid": N_("Refuse it (the record is not saved), or keep it as written and flag it "
                  "for checking: lists show the flag and filter by it. Empty: refuse, except "
                  "a place, which is kept."),
    "keep_extension": N_("010-1234 5678 转 123 is stored as +861012345678;ext=123; without "
                         "it the extension is dropped."),
    "collapse_spaces": N_("Tabs, line breaks and runs of spaces become one space."),
    "formula": N_("Name the form's fields in braces by their names, e.g. {Quantity} * "
                  "{Price}, and choices by their names in quotes; what it gives (number, text, "
                  "date, yes/no) follows from the formula."),
    "prefix": N_("May hold {YYYY}, {YY}, {MM} and {DD}."),
    "part": N_("Filled in by the system from the link the record came through (utm_source "
               "and the like, or source=...) or from its channel."),
    "touch": N_("The first arrival never changes; the latest follows each new submission "
                "merged into the record."),
    "pattern": N_("The whole value must match, e.g. [A-Z]{2}[0-9]{4}."),
}

ENUM_LABELS = {
    "1": N_("Province"),
    "2": N_("Province and city"),
    "3": N_("Province, city and district"),
    "campaign": N_("Campaign (utm_campaign)"),
    "channel": N_("Channel (form, API, public form, webhook, import)"),
    "checkboxes": N_("Checkboxes"),
    "content": N_("Content (utm_content)"),
    "dropdown": N_("Dropdown"),
    "first": N_("First arrival"),
    "keep": N_("Keep it and flag it"),
    "last": N_("Latest arrival"),
    "lower": N_("lower case"),
    "medium": N_("Medium (utm_medium)"),
    "radio": N_("Radio buttons"),
    "refuse": N_("Refuse it"),
    "source": N_("Source (utm_source)"),
    "term": N_("Keyword (utm_term)"),
    "title": N_("Title Case"),
    "upper": N_("UPPER CASE"),
}


def prop_label(name: str) -> str:
    if name in PROP_LABELS:
        return _(PROP_LABELS[name])
    return name.replace("_", " ").capitalize()


def prop_help(name: str) -> str:
    return _(PROP_HELP[name]) if name in PROP_HELP else ""
