"""Accounts of `policy serve`: `policy users add 王五 --agency 市商务委 --role member` and the rest.

A member marks its agency's parts, a viewer reads, a coordinator reads everything, corrects and
marks any part. Passwords are kept as scrypt hashes (hashlib.scrypt: memory-hard, in the standard
library), never as they are; `add` and `reset` print a new random password once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from policycli.errors import BadInput, NotFound
from policycli.store import Database, write_transaction

ROLES = ("member", "coordinator", "viewer")
# scrypt's cost: 16 MiB and ~50 ms per check on this machine; slow enough to make guessing costly
_N, _R, _P = 2**14, 8, 1


@dataclass(frozen=True)
class User:
    name: str
    agency: str | None
    role: str
    disabled: bool

    def fields(self) -> dict:
        return dict(self.__dict__)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, maxmem=64 * 1024 * 1024)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def password_matches(stored: str, password: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        computed = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=64 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed.hex(), digest)


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """A hash to check against when the name is unknown: the same work as for a known one."""
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_urlsafe(12)))
    return _DUMMY[0]


def _stamp(now: str) -> str:
    """A new session stamp (users.changed_at): the time and a random part, so that two changes in
    one second still differ."""
    return f"{now}#{secrets.token_hex(4)}"


def new_password() -> str:
    """12 characters people can type and read out: no 0/O, 1/l/I."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def add_user(db: Database, name: str, agency: str | None, role: str, now: str) -> str:
    """Create an account; returns its first password."""
    name = name.strip()
    if not name or any(c.isspace() for c in name) or len(name) > 64:
        raise BadInput("a user name is 1–64 characters without spaces, e.g. 王五")
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    canonical = None
    if agency:
        from policycli.checklist.lookup import agency_scope

        canonical = agency_scope(db, agency)[0]
    elif role == "member":
        raise BadInput("a member belongs to an agency: give --agency, e.g. --agency 市商务委")
    password = new_password()
    with write_transaction(db):
        if db.conn.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
            raise BadInput(f"user {name} exists; `policy users reset {name}` gives a new password")
        db.conn.execute(
            "INSERT INTO users (name, agency, role, password, created_at, changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [name, canonical, role, hash_password(password), now, _stamp(now)],
        )
    return password


def list_users(db: Database) -> list[User]:
    return [
        User(name, agency, role, bool(disabled))
        for name, agency, role, disabled in db.conn.execute(
            "SELECT name, agency, role, disabled FROM users ORDER BY agency IS NULL, agency, name"
        )
    ]


def find_user(db: Database, name: str) -> User | None:
    row = db.conn.execute("SELECT name, agency, role, disabled FROM users WHERE name = ?", [name]).fetchone()
    return User(row[0], row[1], row[2], bool(row[3])) if row else None


def set_disabled(db: Database, name: str, disabled: bool, now: str) -> None:
    with write_transaction(db):
        changed = db.conn.execute(
            "UPDATE users SET disabled = ?, changed_at = ? WHERE name = ?", [int(disabled), _stamp(now), name]
        ).rowcount
    if not changed:
        raise NotFound(f"no user {name}; `policy users list` shows them")


def reset_password(db: Database, name: str, now: str) -> str:
    password = new_password()
    with write_transaction(db):
        changed = db.conn.execute(
            "UPDATE users SET password = ?, changed_at = ? WHERE name = ?",
            [hash_password(password), _stamp(now), name],
        ).rowcount
    if not changed:
        raise NotFound(f"no user {name}; `policy users list` shows them")
    return password


def sign_in(db: Database, name: str, password: str) -> User | None:
    """The user, when the name and password match an account that is not disabled."""
    row = db.conn.execute(
        "SELECT name, agency, role, disabled, password, changed_at FROM users WHERE name = ?", [name.strip()]
    ).fetchone()
    if row is None:
        password_matches(_dummy_hash(), password)  # the same time whether the name exists or not
        return None
    if not password_matches(row[4], password) or row[3]:
        return None
    return User(row[0], row[1], row[2], False)


def end_sessions(db: Database, name: str) -> None:
    """Sign the user out everywhere: sessions carry the stamp they were signed with (policy serve
    keeps no sessions of its own: they are signed cookies)."""
    from policycli.checklist.status import now_iso

    with write_transaction(db):
        db.conn.execute("UPDATE users SET changed_at = ? WHERE name = ?", [_stamp(now_iso()), name])


def session_stamp(db: Database, name: str) -> str | None:
    """Changes when the account is disabled or its password reset: sessions signed before end."""
    row = db.conn.execute("SELECT changed_at, disabled FROM users WHERE name = ?", [name]).fetchone()
    return None if row is None or row[1] else row[0]
