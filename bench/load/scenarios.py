"""The paths of issue 8, each as what Trellis and the minimal app are sent, with its target."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote

from bench.load import data
from bench.load.client import USER_AGENT
from bench.load.wrk import Load

API = "/api/v1/apps/bench/forms/lead/records"
HTML = "/a/bench/lead"  # the list page of the form's first view, all_leads: 50 rows
BODIES = 500  # different leads posted in turn
FIRST_POSTED = 10**8  # numbers of the posted leads: far from the seeded ones
FILTER_SOURCES = ["website", "wechat", "event", "douyin", "ads", "referral"]


@dataclass(frozen=True)
class Target:
    """Trellis's rate at least ``ratio`` of the minimal app's, and its ``percentile``
    latency at most ``latency_ms``; either may be absent."""

    ratio: float | None = None
    latency_ms: float | None = None
    percentile: str = "p99"

    def text(self) -> str:
        parts = [f">= {self.ratio:.2f}"] if self.ratio is not None else []
        if self.latency_ms is not None:
            parts.append(f"{self.percentile} <= {self.latency_ms:.0f} ms")
        return ", ".join(parts)

    def met(self, ratio: float, latency_ms: float) -> bool:
        return (self.ratio is None or ratio >= self.ratio) and \
            (self.latency_ms is None or latency_ms <= self.latency_ms)


@dataclass
class Scenario:
    key: str
    title: str
    target: Target
    trellis: Load
    minimal: Load
    same_ids: bool  # both apps must list the same records (checked before timing)


@dataclass(frozen=True)
class Credentials:
    trellis_token: str
    minimal_token: str
    trellis_cookie: str
    minimal_cookie: str


def _gets(paths: list[str], headers: dict[str, str]) -> Load:
    return Load("GET", {"User-Agent": USER_AGENT, **headers}, [(p, None) for p in paths])


def _api_pair(credentials: Credentials, trellis_queries: list[str],
              minimal_queries: list[str]) -> tuple[Load, Load]:
    return (_gets([f"{API}?{q}" for q in trellis_queries],
                  {"Authorization": "Bearer " + credentials.trellis_token}),
            _gets([f"/records?{q}" for q in minimal_queries],
                  {"Authorization": "Bearer " + credentials.minimal_token}))


def create(credentials: Credentials) -> Scenario:
    bodies = [json.dumps(data.lead(FIRST_POSTED + i), ensure_ascii=False)
              for i in range(BODIES)]

    def posts(path: str, token: str) -> Load:
        return Load("POST", {"User-Agent": USER_AGENT, "Authorization": "Bearer " + token,
                             "Content-Type": "application/json"}, [(path, b) for b in bodies])

    return Scenario("create", "POST .../records (12 fields)",
                    Target(ratio=0.5, latency_ms=50), posts(API, credentials.trellis_token),
                    posts("/records", credentials.minimal_token), same_ids=False)


def list_default(credentials: Credentials) -> Scenario:
    trellis, minimal = _api_pair(credentials, ["per_page=50"], ["per_page=50"])
    return Scenario("list", "GET .../records?per_page=50 (total)",
                    Target(ratio=0.5, latency_ms=50), trellis, minimal, same_ids=True)


def list_filtered(credentials: Credentials) -> Scenario:
    trellis = ["per_page=50&filter=" + quote(json.dumps({"source": s})) for s in FILTER_SOURCES]
    minimal = [f"per_page=50&source={s}" for s in FILTER_SOURCES]
    trellis_load, minimal_load = _api_pair(credentials, trellis, minimal)
    return Scenario("filter", "GET ...?filter={source: ...} (select)",
                    Target(ratio=0.5, latency_ms=50), trellis_load, minimal_load, same_ids=True)


def list_sorted(credentials: Credentials) -> Scenario:
    trellis, minimal = _api_pair(credentials, ["per_page=50&sort=-employees"],
                                 ["per_page=50&sort=-employees"])
    return Scenario("sort", "GET ...?sort=-employees (number)",
                    Target(ratio=0.5, latency_ms=50), trellis, minimal, same_ids=True)


def search(credentials: Credentials, rows: int) -> Scenario:
    queries = [f"per_page=50&q={quote(term)}" for term in data.search_terms(rows)]
    trellis, minimal = _api_pair(credentials, queries, queries)
    return Scenario("search", "GET ...?q=<text> (search)",
                    Target(latency_ms=50, percentile="p95"), trellis, minimal, same_ids=False)


def html_page(credentials: Credentials) -> Scenario:
    return Scenario("html", "GET list page, HTML (50 rows)", Target(ratio=0.5),
                    _gets([HTML], {"Cookie": credentials.trellis_cookie}),
                    _gets(["/list"], {"Cookie": credentials.minimal_cookie}), same_ids=False)


KEYS = ("list", "filter", "sort", "search", "html", "create")  # creates last: they add rows


def scenarios(keys: list[str], credentials: Credentials, rows: int) -> list[Scenario]:
    makers = {"create": lambda: create(credentials), "list": lambda: list_default(credentials),
              "filter": lambda: list_filtered(credentials),
              "sort": lambda: list_sorted(credentials),
              "search": lambda: search(credentials, rows),
              "html": lambda: html_page(credentials)}
    return [makers[key]() for key in KEYS if key in keys]
