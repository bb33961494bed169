"""Users, roles and tokens: the domain work behind the CLI, the admin pages and the API."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import BUILTIN_ROLES, ApiToken, Role, Team, User
from metadata.errors import InvalidDocument, Problem
from metadata.keys import key_problem
from runtime.permissions import Principal

SCOPES = ("records:read", "records:write", "metadata:read", "metadata:write")
TOKEN_PREFIX = "trl_"
MIN_PASSWORD = 8
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def ensure_roles(session: Session) -> None:
    for key, label in BUILTIN_ROLES.items():
        if session.get(Role, key) is None:
            session.add(Role(key=key, label=label, builtin=True))
    session.flush()


def get_role(session: Session, key: str, create: bool = False) -> Role:
    role = session.get(Role, key)
    if role is None:
        why = key_problem(key, "role key")
        if not create or why:
            raise InvalidDocument([Problem("/role", why or f"role {key!r} does not exist")])
        role = Role(key=key, label={"en": key, "zh": key}, builtin=False)
        session.add(role)
    return role


def create_user(session: Session, email: str, password: str, roles: list[str], now: datetime,
                name: str | None = None, locale: str = "zh", create_roles: bool = False) -> User:
    email = email.strip()
    problems = []
    if "@" not in email or len(email) > 254:
        problems.append(Problem("/email", "must be an email address"))
    elif session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower())):
        problems.append(Problem("/email", f"a user with {email} already exists"))
    if len(password) < MIN_PASSWORD:
        problems.append(Problem("/password", f"must be at least {MIN_PASSWORD} characters"))
    if problems:
        raise InvalidDocument(problems)
    ensure_roles(session)
    user = User(email=email, name=name or email.split("@")[0], locale=locale,
                password_hash=generate_password_hash(password), created_at=now,
                roles=[get_role(session, r, create_roles) for r in roles])
    session.add(user)
    session.flush()
    return user


def check_login(session: Session, email: str, password: str) -> User | None:
    user = session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def add_to_team(session: Session, user: User, team_name: str) -> Team:
    team = session.scalar(sa.select(Team).filter_by(name=team_name))
    if team is None:
        team = Team(name=team_name)
        session.add(team)
    if user not in team.members:
        team.members.append(user)
    session.flush()
    return team


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str, scopes: list[str] | None,
                 now: datetime) -> tuple[ApiToken, str]:
    """A new token; the clear text is returned once and never stored."""
    scopes = list(scopes or SCOPES)
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise InvalidDocument([Problem("/scopes", f"unknown scope {unknown[0]!r}; use "
                                                  + ", ".join(SCOPES))])
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:100] or "token", prefix=secret[:12],
                     token_hash=hash_token(secret), scopes=scopes, created_at=now)
    session.add(token)
    session.flush()
    return token, secret


def user_for_token(session: Session, secret: str) -> tuple[User, ApiToken] | None:
    """The user and token of a bearer secret (only reads: see ``touch_token``)."""
    token = session.scalar(sa.select(ApiToken).filter_by(token_hash=hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token.user, token


def touch_token(session: Session, token_id: int, now: datetime) -> bool:
    """Record that a token was used at ``now``, at most once per TOKEN_TOUCH_INTERVAL (the
    condition holds when several processes see the same stale time); True when written."""
    table = ApiToken.__table__
    result = session.execute(
        sa.update(table).where(table.c.id == token_id, sa.or_(
            table.c.last_used_at.is_(None),
            table.c.last_used_at <= now - TOKEN_TOUCH_INTERVAL)).values(last_used_at=now))
    return result.rowcount == 1


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """A user's tokens, newest first (revoked ones too, to show when they were revoked)."""
    query = sa.select(ApiToken).filter_by(user_id=user.id).order_by(ApiToken.id.desc())
    return list(session.scalars(query))


def revoke_token(session: Session, token_id: int, user: User, now: datetime) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != user.id and "admin" not in user.role_keys):
        raise InvalidDocument([Problem("", f"token {token_id} does not exist")], status=404)
    token.revoked_at = now


def principal(user: User, scopes: list[str] | None = None) -> Principal:
    """The principal of a user (a row, or the pages' SessionUser snapshot)."""
    return Principal(user_id=user.id, roles=user.role_keys, team_ids=user.team_ids,
                     scopes=frozenset(scopes) if scopes is not None else None, name=user.name)


def set_locale(session: Session, user_id: int, locale: str) -> None:
    user = session.get(User, user_id)
    if user is not None:
        user.locale = locale
