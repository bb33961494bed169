"""Users, roles, teams and API tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from metadata import stamps
from metadata.orm import Base, JSONValue

user_roles = sa.Table(
    "user_roles",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role_key", sa.ForeignKey("roles.key", ondelete="CASCADE"), primary_key=True),
)

team_members = sa.Table(
    "team_members",
    Base.metadata,
    sa.Column("team_id", sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

BUILTIN_ROLES = {
    "admin": {"zh": "管理员", "en": "Administrator"},
    "designer": {"zh": "设计者", "en": "Designer"},
    "member": {"zh": "成员", "en": "Member"},
}


class Role(Base):
    __tablename__ = "roles"

    key: Mapped[str] = mapped_column(sa.String(63), primary_key=True)
    label: Mapped[dict] = mapped_column(JSONValue)
    builtin: Mapped[bool] = mapped_column(default=False)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    members: Mapped[list[User]] = relationship(secondary=team_members, back_populates="teams")


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(10), default="zh")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")
    teams: Mapped[list[Team]] = relationship(secondary=team_members, back_populates="members",
                                             lazy="selectin")

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    @property
    def role_keys(self) -> frozenset[str]:
        return frozenset(r.key for r in self.roles)

    @property
    def team_ids(self) -> frozenset[int]:
        return frozenset(t.id for t in self.teams)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(12))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list] = mapped_column(JSONValue)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    user: Mapped[User] = relationship(lazy="joined")


# who may do what: every process's cached principals are re-read after any change here
# (a token's last use is written with Core, and counts for nothing)
stamps.watch(stamps.DIRECTORY, {User: None, Role: None, Team: None, ApiToken: None})


class LoginFailure(Base):
    """A count of failed log-ins under one throttle key, shared by every process.

    The key names the counter and what it counts: ``pair:<e-mail>|<address>``,
    ``address:<address>``, ``account:<e-mail>`` or ``device:<device id>|<e-mail>``.
    """

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(sa.String(400), primary_key=True)
    failures: Mapped[int]
    last_at: Mapped[datetime] = mapped_column(index=True)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
