"""View models of the Channels page (/build/<app>/forms/<form>/capture): the public form's
settings read from and written to the draft's ``capture.public``, its link, embed code and QR
code; each webhook's mapping and test, address and secret (admins), and its deliveries."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from metadata.labels import label_text
from runtime.capture.public import exposed_keys


@dataclass
class FieldChoice:
    key: str
    label: str
    shown: bool
    once: bool


@dataclass
class PublicSettings:
    enabled: bool
    slug: str
    title: dict[str, str]
    description: str
    thanks: dict[str, str]
    redirect: str
    color: str
    logo: str
    params: str  # one "name" or "name=field" a line
    origins: str  # one origin a line
    rate_count: int
    rate_seconds: int
    min_seconds: float
    owner: str
    fields: list[FieldChoice] = field(default_factory=list)


def public_settings(draft: Mapping, field_types: Mapping, lang: str) -> PublicSettings:
    config = (draft.get("capture") or {}).get("public") or {}
    shown = set(exposed_keys(config, draft, field_types)) if config else set()
    once = set(config.get("once_per") or [])
    choices = []
    for fld in draft.get("fields", []):
        ftype = field_types.get(fld.get("type"))
        if ftype is None or ftype.generated and not ftype.calculated \
                or not ftype.public_input:
            continue
        choices.append(FieldChoice(fld["key"], label_text(fld.get("label"), lang) or fld["key"],
                                   fld["key"] in shown, fld["key"] in once))
    rate = config.get("rate_limit") or {"count": 20, "seconds": 60}
    theme = config.get("theme") or {}
    return PublicSettings(
        enabled=bool(config) and config.get("enabled", True), slug=config.get("slug", ""),
        title=_texts(config.get("title")), description=label_text(config.get("description"),
                                                                    lang),
        thanks=_texts((config.get("thanks") or {}).get("message")),
        redirect=(config.get("thanks") or {}).get("redirect", ""),
        color=theme.get("color", ""), logo=theme.get("logo", ""),
        params="\n".join(f"{k}={v}" if v else k for k, v in (config.get("params") or {}).items()),
        origins="\n".join(config.get("embed_origins") or []),
        rate_count=rate["count"], rate_seconds=rate["seconds"],
        min_seconds=config.get("min_seconds", 3), owner=str(config.get("owner") or ""),
        fields=choices)


def _texts(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {k: str(v) for k, v in value.items()}
    return {"zh": value, "en": value} if isinstance(value, str) else {}


def public_config(form: Mapping[str, Any], keys: list[str]) -> dict[str, Any] | None:
    """``capture.public`` from the settings form posted (None: the page is switched off and
    has never been set up)."""
    text = {k: (form.get(k) or "").strip() for k in (
        "slug", "title_zh", "title_en", "description", "thanks_zh", "thanks_en", "redirect",
        "color", "logo", "params", "origins", "rate_count", "rate_seconds", "min_seconds",
        "owner")}
    config: dict[str, Any] = {"enabled": form.get("enabled") == "1", "slug": text["slug"]}
    title = {lang: text[f"title_{lang}"] for lang in ("zh", "en") if text[f"title_{lang}"]}
    thanks = {lang: text[f"thanks_{lang}"] for lang in ("zh", "en") if text[f"thanks_{lang}"]}
    _put(config, "title", title or None)
    _put(config, "description", text["description"] or None)
    _put(config, "fields", [k for k in keys if form.get(f"show_{k}") == "1"] or None)
    _put(config, "once_per", [k for k in keys if form.get(f"once_{k}") == "1"] or None)
    params = {}
    for line in text["params"].splitlines():
        name, _sep, target = line.strip().partition("=")
        if name.strip():
            params[name.strip()] = target.strip() or None
    _put(config, "params", params or None)
    _put(config, "thanks", {k: v for k, v in (("message", thanks or None),
                                              ("redirect", text["redirect"] or None)) if v}
         or None)
    _put(config, "theme", {k: v for k, v in (("color", text["color"] or None),
                                             ("logo", text["logo"] or None)) if v} or None)
    _put(config, "embed_origins", text["origins"].split() or None)
    config["rate_limit"] = {"count": _number(text["rate_count"], 20),
                            "seconds": _number(text["rate_seconds"], 60)}
    config["min_seconds"] = _number(text["min_seconds"], 3)
    _put(config, "owner", _number(text["owner"], None))
    return config


def _put(config: dict, key: str, value: Any) -> None:
    if value is not None:
        config[key] = value


def _number(text: str, default: Any) -> Any:
    try:
        number = float(text)
    except ValueError:
        return default
    return int(number) if number.is_integer() else number


@dataclass
class HookVM:
    key: str
    index: int
    mapping: str  # JSON, as the designer edits it
    touch: str
    signature_header: str
    signature_prefix: str
    delivery_id: str
    url: str | None = None  # admins only
    secret: str | None = None
    deliveries: list[dict] = field(default_factory=list)
    published: bool = False


def hook_vms(draft: Mapping, published: Mapping | None) -> list[HookVM]:
    live = {h["key"] for h in ((published or {}).get("capture") or {}).get("webhooks") or []}
    out = []
    for i, hook in enumerate((draft.get("capture") or {}).get("webhooks") or []):
        signature = hook.get("signature") or {}
        out.append(HookVM(
            key=hook["key"], index=i,
            mapping=json.dumps(hook.get("mapping") or {}, ensure_ascii=False, indent=2),
            touch=json.dumps(hook.get("touch") or {}, ensure_ascii=False, indent=2),
            signature_header=signature.get("header", ""),
            signature_prefix=signature.get("prefix", ""),
            delivery_id=hook.get("delivery_id", ""), published=hook["key"] in live))
    return out


def hook_config(form: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A webhook entry from its settings form, and the problems of its JSON texts."""
    problems: list[str] = []
    config: dict[str, Any] = {"key": (form.get("key") or "").strip()}
    for name in ("mapping", "touch"):
        raw = (form.get(name) or "").strip()
        try:
            value = json.loads(raw) if raw else None
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
            continue
        if value:
            config[name] = value
    config.setdefault("mapping", {})
    header = (form.get("signature_header") or "").strip()
    if header:
        config["signature"] = {"header": header}
        if form.get("signature_prefix"):
            config["signature"]["prefix"] = form["signature_prefix"].strip()
    if (form.get("delivery_id") or "").strip():
        config["delivery_id"] = form["delivery_id"].strip()
    return config, problems
