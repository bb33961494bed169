"""A member's routing attributes as the admin page's form writes them, and back (text in
both directions: ``09:00-12:00, 13:00-18:00``, one day off per line)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from runtime.routing.members import WEEKDAYS, Member
from runtime.web.messages import N_

SEPARATORS = re.compile(r"[,，、;；\n]+")
SPAN = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–~～至]\s*(\d{1,2}:\d{2})\s*$")


def names(text: str) -> list[str]:
    """``华东, 华南、华北`` -> the names, each once, in order."""
    return list(dict.fromkeys(p.strip() for p in SEPARATORS.split(text or "") if p.strip()))


def whole(text: str) -> int | str | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else (
        text or None)


def spans(text: str) -> list[list[str]] | None:
    """``9:00-12:00, 13:00-18:00`` -> [["09:00", "12:00"], ...]; None when unreadable."""
    out = []
    for part in re.split(r"[,，、;；]+", text or ""):
        if not part.strip():
            continue
        found = SPAN.match(part)
        if not found:
            return None
        out.append([t.zfill(5) for t in found.groups()])
    return out


def parse(form: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The attributes a posted form sets, and what could not be read (path, message)."""
    problems: list[tuple[str, str]] = []
    attrs: dict[str, Any] = {
        "routing": form.get("routing") == "on",
        "weight": whole(form.get("weight", "")) if form.get("weight", "").strip() else 1,
        "capacity": whole(form.get("capacity", "")),
        "regions": names(form.get("regions", "")),
        "product_lines": names(form.get("product_lines", "")),
        "days_off": [line.strip() for line in (form.get("days_off") or "").splitlines()
                     if line.strip()],
        "hours": None,
    }
    if form.get("any_time") != "on":
        hours = {}
        for day in WEEKDAYS:
            found = spans(form.get(f"hours_{day}", ""))
            if found is None:
                problems.append((f"/hours/{day}", N_("write spans as 09:00-12:00, 13:00-18:00")))
            elif found:
                hours[day] = found
        attrs["hours"] = hours
    return attrs, problems


def values(member: Member) -> dict[str, Any]:
    """What the form shows for a member's stored attributes."""
    out = {"routing": member.routing, "weight": str(member.weight),
           "capacity": "" if member.capacity is None else str(member.capacity),
           "regions": ", ".join(member.regions),
           "product_lines": ", ".join(member.product_lines),
           "days_off": "\n".join(member.days_off), "any_time": member.hours is None}
    for day in WEEKDAYS:
        out[f"hours_{day}"] = ", ".join(f"{a}-{b}" for a, b in
                                        (member.hours or {}).get(day, []))
    return out


def posted_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """The form as posted (shown again with its errors)."""
    out = {key: form.get(key, "") for key in ("weight", "capacity", "regions",
                                               "product_lines", "days_off")}
    out["routing"] = form.get("routing") == "on"
    out["any_time"] = form.get("any_time") == "on"
    for day in WEEKDAYS:
        out[f"hours_{day}"] = form.get(f"hours_{day}", "")
    return out
