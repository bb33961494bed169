"""Semantic checks of ``workflow`` documents that need no runtime: its form exists, node keys
are unique. (The graph's shape, the nodes' own checks and the formulas are checked by the
runtime, which owns the node types: ``runtime.workflows.check``.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metadata.errors import Problem
from metadata.messages import msg, quoted
from metadata.rulesets import duplicates


def workflow_problems(doc: Mapping, ctx: Any) -> list[Problem]:
    if doc.get("form") not in ctx.forms:
        return [Problem("/form", msg("form %(form)s does not exist in app %(app)s",
                                     form=quoted(doc.get("form")), app=quoted(ctx.app_key)))]
    return duplicates(doc.get("nodes") or [], "/nodes", msg("node"))
