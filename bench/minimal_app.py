"""The baseline of bench/http_load.py: the lead form of bench/forms/lead_bench.json written by hand
as a minimal Flask app — a 12-field JSON body validated by hand, SQLAlchemy Core on a table of
the same shape as Trellis's generated one, a hand-written Jinja page, a session log-in.

What a developer would write for this one form, with the obvious care: the indexes its queries
need, SQLite in WAL mode, soft-deleted rows left out. No audit log, no events, no permissions.
Run under gunicorn by bench/http_load.py and bench/startup.py; configured from the environment:
MINIMAL_DATABASE_URL, MINIMAL_API_TOKEN, MINIMAL_SECRET_KEY, MINIMAL_PASSWORD.
"""

from __future__ import annotations

import hmac
import os
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, abort, jsonify, redirect, render_template, request, session

TABLE = "minimal_lead"
SOURCES = {"website": "官网表单", "event": "市场活动", "wechat": "微信公众号", "douyin": "抖音",
           "ads": "在线广告", "referral": "客户推荐"}
STAGES = {"new": "新线索", "contacted": "已联系", "qualified": "已确认", "won": "成交",
          "lost": "流失"}
TEXTS = {"name": 100, "company": 200, "job_title": 100, "notes": 2000}  # max lengths
SEARCHED = ("name", "company", "job_title", "phone", "email", "notes")
SORTS = {"-created_at": ("created_at", True), "-employees": ("employees", True),
         "employees": ("employees", False)}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CN_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
ZONE = ZoneInfo("Asia/Shanghai")
MAX_INT = 2**53


def lead_table(metadata: sa.MetaData) -> sa.Table:
    """The columns of Trellis's table for the bench form, and the indexes these queries need:
    on the rows not deleted, one per order a list is read in (the id breaks ties)."""
    table = sa.Table(
        TABLE, metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.Integer), sa.Column("owner_id", sa.Integer, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("name", sa.String(100)), sa.Column("company", sa.String(200)),
        sa.Column("job_title", sa.String(100)), sa.Column("phone", sa.String(20)),
        sa.Column("email", sa.String(254)), sa.Column("source", sa.String(100)),
        sa.Column("stage", sa.String(100)), sa.Column("employees", sa.BigInteger),
        sa.Column("budget", sa.Numeric(18, 2)), sa.Column("next_follow_up", sa.Date),
        sa.Column("opted_in", sa.Boolean), sa.Column("notes", sa.Text))
    live = table.c.deleted_at.is_(None)
    for name, columns in (("created", ("created_at", "id")),
                          ("source", ("source", "created_at", "id")),
                          ("employees", ("employees", "id"))):
        sa.Index(f"ix_{TABLE}_live_{name}", *(table.c[c] for c in columns),
                 sqlite_where=live, postgresql_where=live)
    return table


def make_engine(url: str) -> sa.Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _wal(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    return engine


# -- validation by hand ------------------------------------------------------------------------

def _text(body: dict, key: str, errors: dict) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > TEXTS[key]:
        errors[key] = f"must be a text of at most {TEXTS[key]} characters"
        return None
    return value.strip()


def _phone(value, errors: dict) -> str | None:
    if value in (None, ""):
        return None
    match = CN_MOBILE.match(re.sub(r"[\s\-()]", "", value)) if isinstance(value, str) else None
    if match is None:
        errors["phone"] = "must be a mobile number"
        return None
    return "+86" + match.group(1)


def _email(value, errors: dict) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 254 or not EMAIL.match(value):
        errors["email"] = "must be an e-mail address"
        return None
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _choice(value, choices: dict, default: str | None, key: str, errors: dict) -> str | None:
    if value in (None, ""):
        return default
    if value not in choices:
        errors[key] = "must be one of " + ", ".join(choices)
    return value


def _number(value, errors: dict) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
        errors["employees"] = "must be a whole number of at least 0"
        return None
    return value


def _decimal(value, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)) if isinstance(value, str | int | float) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0 or number >= 10**16:
        errors["budget"] = "must be an amount of at least 0"
        return None
    return number.quantize(Decimal("0.01"))


def _date(value, errors: dict) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        errors["next_follow_up"] = "must be a date YYYY-MM-DD"
        return None


def validate(body: dict) -> tuple[dict, dict]:
    """The row for a posted lead, and the problems found (field key -> message)."""
    errors: dict[str, str] = {}
    unknown = set(body) - {*TEXTS, "phone", "email", "source", "stage", "employees", "budget",
                           "next_follow_up", "opted_in"}
    for key in sorted(unknown):
        errors[key] = "is not a field of lead"
    row = {key: _text(body, key, errors) for key in TEXTS}
    if row["name"] is None and "name" not in errors:
        errors["name"] = "is required"
    row["phone"] = _phone(body.get("phone"), errors)
    row["email"] = _email(body.get("email"), errors)
    row["source"] = _choice(body.get("source"), SOURCES, "website", "source", errors)
    row["stage"] = _choice(body.get("stage"), STAGES, "new", "stage", errors)
    row["employees"] = _number(body.get("employees"), errors)
    row["budget"] = _decimal(body.get("budget"), errors)
    row["next_follow_up"] = _date(body.get("next_follow_up"), errors)
    opted_in = body.get("opted_in")
    if opted_in is not None and not isinstance(opted_in, bool):
        errors["opted_in"] = "must be true or false"
    row["opted_in"] = opted_in
    return row, errors


# -- queries -----------------------------------------------------------------------------------

def _as_json(row) -> dict:
    out = dict(row)
    for key in ("created_at", "updated_at", "deleted_at"):
        if out[key] is not None:
            out[key] = out[key].replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
    if out["next_follow_up"] is not None:
        out["next_follow_up"] = out["next_follow_up"].isoformat()
    if out["budget"] is not None:
        out["budget"] = str(out["budget"])
    out["owner"] = out.pop("owner_id")
    return out


def list_query(table: sa.Table, args, dialect: str) -> tuple[list, list, int, int]:
    """WHERE conditions, ORDER BY, page and per_page of a list request."""
    where = [table.c.deleted_at.is_(None)]
    if args.get("source"):
        where.append(table.c.source == args["source"])
    q = args.get("q", "").strip()
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        # SQLite's LIKE ignores the case of ASCII letters already; PostgreSQL's needs ILIKE
        like = "like" if dialect == "sqlite" else "ilike"
        where.append(sa.or_(*(getattr(table.c[k], like)(pattern, escape="\\")
                              for k in SEARCHED)))
    key, descending = SORTS.get(args.get("sort", ""), SORTS["-created_at"])
    order = [table.c[key].desc(), table.c.id.desc()] if descending \
        else [table.c[key].asc(), table.c.id.asc()]
    page = max(1, min(_whole(args.get("page", 1)), 1_000_000))
    per_page = max(1, min(_whole(args.get("per_page", 50)), 1000))
    return where, order, page, per_page


def _whole(value) -> int:
    try:
        return int(value)
    except ValueError:
        abort(400)


def fetch_page(engine: sa.Engine, table: sa.Table, args) -> tuple[int, list]:
    where, order, page, per_page = list_query(table, args, engine.dialect.name)
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(table)
                             .where(*where)).scalar_one()
        rows = conn.execute(sa.select(table).where(*where).order_by(*order)
                            .limit(per_page).offset((page - 1) * per_page)).mappings().all()
    return total, rows


def insert_lead(engine: sa.Engine, table: sa.Table, row: dict, user_id: int) -> dict:
    now = datetime.now(UTC).replace(tzinfo=None)
    row = {**row, "created_at": now, "updated_at": now, "created_by": user_id,
           "owner_id": user_id, "version": 1, "deleted_at": None}
    with engine.begin() as conn:
        row["id"] = conn.execute(table.insert().values(row).returning(table.c.id)).scalar_one()
    return _as_json(row)


# -- the app -----------------------------------------------------------------------------------

def _shown(row) -> dict:
    """A row as the list page prints it."""
    phone = row["phone"] or ""
    if phone.startswith("+86") and len(phone) == 14:
        phone = f"{phone[3:6]} {phone[6:10]} {phone[10:]}"
    updated = row["updated_at"].replace(tzinfo=UTC).astimezone(ZONE)
    return {"id": row["id"], "name": row["name"], "company": row["company"] or "",
            "phone": phone, "email": row["email"] or "",
            "source": SOURCES.get(row["source"], ""), "stage": STAGES.get(row["stage"], ""),
            "employees": "" if row["employees"] is None else f"{row['employees']:,}",
            "next_follow_up": row["next_follow_up"] or "",
            "updated_at": updated.strftime("%Y-%m-%d %H:%M")}


def create_app(config: dict | None = None) -> Flask:
    config = config or {key: os.environ[f"MINIMAL_{key}"] for key in
                        ("DATABASE_URL", "API_TOKEN", "SECRET_KEY", "PASSWORD")}
    app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
    app.secret_key = config["SECRET_KEY"]
    app.json.sort_keys = False  # fields in form order, as Trellis answers
    engine = make_engine(config["DATABASE_URL"])
    table = lead_table(sa.MetaData())
    _api(app, engine, table, ("Bearer " + config["API_TOKEN"]).encode())
    _pages(app, engine, table, config["PASSWORD"].encode())
    return app


def _api(app: Flask, engine: sa.Engine, table: sa.Table, bearer: bytes) -> None:
    def authorised() -> None:
        if not hmac.compare_digest(request.headers.get("Authorization", "").encode(), bearer):
            abort(401)

    @app.post("/records")
    def create():
        authorised()
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify(errors=[{"path": "", "message": "send a JSON object"}]), 400
        row, errors = validate(body)
        if errors:
            return jsonify(errors=[{"path": "/" + k, "message": m}
                                   for k, m in errors.items()]), 422
        return jsonify(insert_lead(engine, table, row, 1)), 201

    @app.get("/records")
    def records():
        authorised()
        total, rows = fetch_page(engine, table, request.args)
        return jsonify(records=[_as_json(r) for r in rows], total=total)


def _pages(app: Flask, engine: sa.Engine, table: sa.Table, password: bytes) -> None:
    @app.get("/health")
    def health():
        return "ok"

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            if hmac.compare_digest(request.form.get("password", "").encode(), password):
                session["user"] = {"id": 1, "name": request.form.get("email", "")}
                return redirect("/list")
            return render_template("minimal_login.html", error=True), 401
        return render_template("minimal_login.html", error=False)

    @app.get("/list")
    def page():
        user = session.get("user")
        if user is None:
            return redirect("/login")
        total, rows = fetch_page(engine, table, {"per_page": 50, **request.args.to_dict()})
        return render_template("minimal_list.html", user=user, total=total,
                               rows=[_shown(r) for r in rows],
                               page=_whole(request.args.get("page", 1)),
                               last=max(1, -(-total // 50)), q=request.args.get("q", ""))
