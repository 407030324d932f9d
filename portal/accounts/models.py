"""Accounts: users with one role, login attempts for throttling, staff invitations, two-factor login."""
import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, Column, Enum, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import utcnow


class Role(str, enum.Enum):
    CUSTOMER = "customer"
    EDITOR = "editor"
    AGENT = "agent"
    MANAGER = "manager"

    @property
    def label(self) -> str:
        """The role's name in the current language."""
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.CUSTOMER: _l("Customer"),
    Role.EDITOR: _l("Editor"),
    Role.AGENT: _l("Agent"),
    Role.MANAGER: _l("Manager"),
}

STAFF_ROLES = (Role.EDITOR, Role.AGENT, Role.MANAGER)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20), default=Role.CUSTOMER)
    locale: Mapped[str | None] = mapped_column(String(8))
    email_verified_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Raised to end every other session at once (see get_id); it is in every session id and remember cookie.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # Two-factor login (portal/accounts/two_factor.py): the TOTP secret, Fernet-encrypted; on once confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]  # the time step of the last accepted code: a code works once
    # A custom staff role (portal/accounts/roles.py) narrows or extends the base role; see permissions.can.
    staff_role_id: Mapped[int | None] = mapped_column(ForeignKey("staff_role.id", ondelete="SET NULL"))
    staff_role: Mapped["StaffRole | None"] = relationship(lazy="joined")
    # The stores whose tickets and orders this member sees; none listed: every store.
    stores: Mapped[list["Store"]] = relationship(secondary=lambda: staff_store, lazy="select")

    # The desk lists agents and managers on every queue and ticket page: without this index that is a
    # scan of every customer account.
    __table_args__ = (Index("ix_user_role", "role"),)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def password_fingerprint(self) -> str:
        """Changes whenever the password changes; bound into sessions and reset links."""
        from portal.accounts.tokens import fingerprint

        return fingerprint(self.password_hash)

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def get_id(self) -> str:
        """Session id "<id>.<password fingerprint>.<epoch>": a password change or a raised epoch ends
        other sessions and remember-me cookies."""
        return f"{self.id}.{self.password_fingerprint()}.{self.session_epoch or 0}"

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]

    @property
    def first_name(self) -> str:
        return self.display_name.split()[0]

    def __repr__(self):
        return f"<User {self.email} {self.role.value}>"


class LoginAttempt(db.Model):
    """One failed login, kept for throttling by account and by IP."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_login_attempt_email_created", "email", "created_at"),
        Index("ix_login_attempt_ip_created", "ip", "created_at"),
    )


class StaffInvite(db.Model):
    """A one-time invitation for a staff member to set a password and join."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]


class RecoveryCode(db.Model):
    """One single-use recovery code of a user's two-factor login, stored hashed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class SecurityPolicy(db.Model):
    """The site's security settings, one row (id 1), changed by managers at /staff/settings/security."""

    id: Mapped[int] = mapped_column(primary_key=True)
    require_staff_two_factor: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class StaffRole(db.Model):
    """A custom staff role made by managers: a name and the named permissions it holds."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    permissions: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


staff_store = Table(
    "staff_store", db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("store_id", ForeignKey("store.id", ondelete="CASCADE"), primary_key=True),
)
