"""Form page benchmark: GET of the generated "new record" page of a 30-field form versus a
hand-written Jinja template of the same page (same layout, same app, same logged-in session),
requests per second through the WSGI app in the same run.

    .venv/bin/python bench/form_page.py [--requests 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Blueprint, render_template  # noqa: E402
from flask_login import login_required  # noqa: E402
from jinja2 import ChoiceLoader, FileSystemLoader  # noqa: E402

from bench.common import make_app, publish, ratio_line, timed  # noqa: E402

STAGES = [{"value": v, "label": label} for v, label in
          [("new", "新建"), ("contacted", "已联系"), ("quoted", "已报价"), ("won", "成交"),
           ("lost", "流失")]]


def _f(key: str, kind: str, label: str, **extra) -> dict:
    return {"key": key, "type": kind, "label": label, **extra}


FIELDS = [
    _f("name", "text", "姓名", required=True), _f("company", "text", "公司"),
    _f("job_title", "text", "职位"), _f("department", "text", "部门"),
    _f("address", "text", "地址"), _f("wechat", "text", "微信号"),
    _f("campaign", "text", "活动"), _f("keyword", "text", "关键词"),
    _f("referrer", "text", "推荐人"), _f("product", "text", "产品"),
    _f("competitor", "text", "竞争对手"), _f("needs", "textarea", "需求"),
    _f("notes", "textarea", "备注"), _f("employees", "number", "员工人数"),
    _f("visits", "number", "访问次数"), _f("score", "number", "评分"),
    _f("budget", "decimal", "预算"), _f("revenue", "decimal", "年营业额"),
    _f("first_contact", "date", "首次接触"), _f("next_follow_up", "date", "下次跟进"),
    _f("last_activity", "datetime", "最近互动"), _f("decision_maker", "boolean", "决策者"),
    _f("opted_in", "boolean", "同意接收营销信息"),
    _f("stage", "select", "阶段", config={"choices": STAGES}),
    _f("source", "select", "来源", config={"choices": STAGES}),
    _f("industry", "select", "行业", config={"choices": STAGES}),
    _f("interests", "multiselect", "关注产品", config={"choices": STAGES}),
    _f("phone", "phone", "手机"), _f("email", "email", "邮箱"), _f("website", "url", "网址"),
]
assert len(FIELDS) == 30


def build():
    from app.auth import service

    app = make_app()
    runtime = app.extensions["trellis"]
    with runtime.session() as session, session.begin():
        service.create_user(session, "bench@example.com", "password-123", ["admin"],
                            runtime.clock.now(), locale="zh")
    publish(app, {"kind": "app", "key": "bench", "label": "Bench"},
            [{"kind": "form", "key": "big", "label": "大表单", "fields": FIELDS}])
    app.jinja_loader = ChoiceLoader([app.jinja_loader,
                                     FileSystemLoader(str(ROOT / "bench" / "templates"))])
    handwritten = Blueprint("handwritten", __name__)

    @handwritten.get("/handwritten/new")
    @login_required
    def page():
        return render_template("handwritten_form.html")

    app.register_blueprint(handwritten)
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.com", "password": "password-123"})
    return app, client


def run(n: int, rounds: int = 3) -> float:
    _app, client = build()
    ours, raw = "/a/bench/big/new", "/handwritten/new"
    for url in (ours, raw):  # warm up: templates compiled, plan cached
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    generated = client.get(ours).get_data(as_text=True)
    assert generated.count('class="field ') == 30, "the generated page shows 30 fields"

    def fetch(url: str):
        return lambda: [client.get(url) for _ in range(n)]

    raw_seconds = our_seconds = float("inf")
    for _ in range(rounds):  # best of a few rounds, interleaved: the machine is noisy
        raw_seconds = min(raw_seconds, timed(fetch(raw)))
        our_seconds = min(our_seconds, timed(fetch(ours)))
    ratio = raw_seconds / our_seconds
    print(f"page: new record of a 30-field form, {n} requests each, best of {rounds} rounds")
    print(ratio_line("form page", n / our_seconds, n / raw_seconds, "requests/s", ">= 0.50"))
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run(args.requests, args.rounds)


if __name__ == "__main__":
    main()
