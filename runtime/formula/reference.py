"""The formula reference (docs/formula.md), rendered from the function registry.

Pure: the registry in, Markdown out. ``python -m app.docs`` writes the file; a test renders it
again and fails when the file is stale or a function is missing.
"""

from __future__ import annotations

from runtime.formula.functions import Function, FunctionRegistry

GROUPS = (("fn_logic", "Logic"), ("fn_text", "Text"), ("fn_math", "Numbers"),
          ("fn_date", "Dates and times"), ("fn_convert", "Conversions"),
          ("fn_aggregate", "Sub-table totals"), ("fn_clean", "Cleaning"))

SYNTAX = """\
Formulas are written the way spreadsheet users already write them, e.g.
`IF(AND({industry} IN ["金融", "制造"], {employees} > 500), 25, 0)`. They are used for
conditions, calculations and filters; the same formula gives the same answer in a form (Python)
and in a list filter or report (SQL).

## Writing formulas

| part | examples | notes |
|---|---|---|
| field | `{employees}`, `{员工数}`, `{company.name}` | by key or label; one hop too |
| sub-table | `SUM({items.amount})`, `COUNT({items})` | only inside SUM, AVG and COUNT |
| number | `42`, `3.14` | |
| text | `"金融"`, `'text'` | Chinese quotes `“…”` work too |
| boolean, empty | `TRUE`, `FALSE`, `NULL` | case-insensitive |
| list | `["金融", "制造"]` | for `IN` and `NOT IN` |
| arithmetic | `+ - * /` (also `×` `÷`) | `/` always gives a decimal; dividing by zero gives NULL |
| comparison | `= <> != < <= > >=` | text compares case-sensitively |
| text joining | `&` | NULL joins as empty text, as in spreadsheets |
| membership | `{x} IN [...]`, `{x} NOT IN [...]` | |
| logic | `AND`, `OR`, `NOT` (infix), or the functions below | three-valued, as in SQL |

Names as designers write them: a field may be named by its key or by its label in either
language (`{hang_ye}`, `{行业}`, `{Industry}`); a key wins over a label, and a label two fields
share is refused naming both (write the key then). Formulas are stored with keys and shown to
designers with labels, so renaming a label never breaks a formula. A text compared with a select
or multi-select field (`=`, `<>`, `IN`, `NOT IN`, `CONTAINS` of a multi-select) names one of its
choices by its label in either language or by its stored value, and means that choice in forms
and list filters alike: `{hang_ye} IN ["金融", "制造"]` holds for the choice labelled 金融
whatever its value. A text that is no choice of the field is refused where it is written:
*'汽车' is not a choice of {行业}; the choices are 金融, 制造, 教育* (with the closest choice
when one is close).

Formulas and permissions: a list filter you write may name only what you may see — not a
field hidden from you, here or one hop away (`{company.secret}`), nor any field of a form you
may not read. In every formula evaluated for you (list filters, view filters, the live form) a
related record you may not read reads as empty. Calculated fields are the designer's
publication: stored computed on the whole record, and hidden from you when their formula reads
a field hidden from you. See [the permission policy](metadata.md#permission-policy).

Empty values: arithmetic, comparisons and most functions give NULL when an input is NULL;
`IF(NULL, …)` takes the else branch; `ISBLANK` treats empty text as blank; SUM, AVG and COUNT
leave empty values out (a sub-table without rows: SUM 0, AVG NULL, COUNT 0); a date moved
before year 1 or after 9999 is NULL. Errors name the position: *expected a value after '+' at
column 12*, *{employes} is not a field of 联系人 — did you mean {employees}?*

Dates and times: a date and time is an instant, kept in UTC to the second; `NOW()` is the
current instant. The calendar is the one of the installation's time zone
(`BABEL_DEFAULT_TIMEZONE`, Asia/Shanghai unless configured otherwise): `TODAY()` is today's
date there, and wherever a date and time becomes a date, parts of a date or text — YEAR, MONTH,
DAY, WEEKDAY, DAYS_BETWEEN, MONTHS_BETWEEN, YEARS_BETWEEN, DATEADD by months or years, TEXT — it
is read as the clocks there show it. At 07:00 in Shanghai it is already the new day, while in
UTC it is still the day before: a record created then has `DAY({created_at})` of the new day,
`DAYS_BETWEEN({created_at}, TODAY())` of 0, and `TEXT({created_at}, "YYYY-MM-DD HH:mm")` shows
07:00. A date and time whose local time falls outside years 1 to 9999 reads as NULL there.
Instants stay instants: comparisons, HOURS_BETWEEN and DATEADD by days, weeks, hours or minutes
count elapsed time; a date read as a date and time (HOURS_BETWEEN, DATEADD by hours) starts at
midnight UTC. A date does not compare with a date and time: `{due} = TODAY()` works for a date
field, not for a date-and-time field. PostgreSQL and forms follow the zone's rules at every
instant; on SQLite, list filters and reports move every instant by the zone's offset at the
current instant, which is exact for zones without daylight saving time (Asia/Shanghai) and off
by an hour across a change of clocks otherwise.

Limits: a formula is at most 10,000 characters and 64 levels deep. A text result longer than
10,000 characters is NULL (like a division by zero), in forms and in list filters alike — so
`ISBLANK(SUBSTITUTE({notes}, "a", "aaaaaaaaaa"))` is TRUE for a long note. A list filter runs
at most `TRELLIS_STATEMENT_TIMEOUT` seconds (10 unless configured otherwise); a slower one is
stopped and the list says so: narrow the filter or the search. Whole numbers go up to
9,223,372,036,854,775,807 in lists: a filter whose arithmetic goes beyond is refused (a form
computes it exactly).

## Regular expressions

`REGEX_MATCH` and a text field's `pattern` use RE2 syntax, which matches in time proportional to
the text whatever the pattern (patterns can never stall the server). It is the syntax of most
languages' regular expressions, less what needs backtracking:

| write | matches |
|---|---|
| `abc`, `a\\|b` | the text `abc`; `a` or `b` |
| `.` `[abc]` `[^0-9]` `[a-z]` | any character but a line break; one of; none of; a range |
| `\\d` `\\w` `\\s` `\\b` | an ASCII digit, letter/digit/`_`, white space; a word boundary (ASCII) |
| `\\p{Han}` `\\p{L}` `\\p{N}` | a Chinese character; any letter; any digit (Unicode) |
| `*` `+` `?` `{2}` `{2,5}` `{2,}` | repeats (add `?` for the shortest: `+?`) |
| `^` `$` | start and end of the text (`(?m)` in front: of each line) |
| `(…)` `(?:…)` `(?P<name>…)` | a group; without capturing; named |
| `(?i)abc` | case-insensitive from here on |
| `\\.` `\\(` `\\\\` | a character that would otherwise mean something |

Not supported, and refused when the formula or field is saved (with the place): back-references
(`\\1`), look-ahead and look-behind (`(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)`). Examples:
`REGEX_MATCH({mobile}, "^1[3-9]\\d{9}$")`, `REGEX_MATCH({company}, "\\p{Han}+(有限)?公司$")`.
"""


def _row(fn: Function) -> str:
    names = ", ".join(f"`{a}`" for a in fn.aliases) or "—"
    where = "forms and lists" if fn.sql else "forms only (not in list filters)"
    text = fn.description.replace("|", "\\|").replace("\n", " ")
    return f"| `{fn.signature}` | {names} | {text} | {where} |"


def render_formula_reference(registry: FunctionRegistry) -> str:
    lines = ["# Formula reference", "",
             "<!-- generated by `python -m app.docs` from the function registry: do not edit -->",
             "", SYNTAX, "## Functions", ""]
    functions = list(registry)
    for module, title in GROUPS:
        group = sorted((f for f in functions if type(f).__module__.endswith(module)),
                       key=lambda f: f.name)
        if not group:
            continue
        lines += [f"### {title}", "", "| function | Chinese names | what it gives | where |",
                  "|---|---|---|---|", *(_row(f) for f in group), ""]
    others = sorted((f for f in functions
                     if not any(type(f).__module__.endswith(m) for m, _ in GROUPS)),
                    key=lambda f: f.name)
    if others:
        lines += ["### More", "", "| function | Chinese names | what it gives | where |",
                  "|---|---|---|---|", *(_row(f) for f in others), ""]
    return "\n".join(lines).rstrip() + "\n"
