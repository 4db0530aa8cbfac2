"""Where things are: the database, the bundled documents, and today's date."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

from policycli.errors import BadInput

PACKAGE_ROOT = Path(__file__).resolve().parent


def database_path(option: str | os.PathLike[str] | None = None) -> Path:
    """`--db`, else $POLICY_DB, else the user data directory."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get("POLICY_DB")
    if env:
        return Path(env).expanduser()
    return user_dir("data") / "policy.db"


# The XDG variable and default of each user directory, as platformdirs gives them on Linux.
_XDG = {
    "data": ("XDG_DATA_HOME", ".local/share"),
    "config": ("XDG_CONFIG_HOME", ".config"),
    "cache": ("XDG_CACHE_HOME", ".cache"),
}


def user_dir(kind: str) -> Path:
    """policy's user data, config or cache directory (`kind`), as platformdirs names it.

    platformdirs takes ~6 ms to import (its Unix module imports tempfile, shutil, random …): a tenth
    of a whole `policy done`. The plain Linux case, where every platformdirs version agrees — an
    absolute $XDG_…_HOME, else an absolute $HOME — is answered here; anything else (another system,
    Android, a relative or missing home) is platformdirs' to decide (tests/test_startup.py compares)."""
    variable, default = _XDG[kind]
    if sys.platform == "linux" and "ANDROID_DATA" not in os.environ:
        xdg = os.environ.get(variable, "")
        home = os.environ.get("HOME", "")
        if xdg.startswith("/"):
            return Path(xdg) / "policy"
        if not xdg and home.startswith("/"):
            return Path(home.rstrip("/") + "/" + default) / "policy"
    import platformdirs

    found = {
        "data": platformdirs.user_data_dir,
        "config": platformdirs.user_config_dir,
        "cache": platformdirs.user_cache_dir,
    }[kind]
    return Path(found("policy", appauthor=False))


def bundled_file(name: str) -> Path:
    """A data file shipped with the tool (data/NAME in a checkout)."""
    for candidate in (PACKAGE_ROOT.parent / "data" / name, Path(sys.prefix) / "share" / "policy" / name):
        if candidate.is_file():
            return candidate
    raise BadInput(f"the bundled data file {name} is missing; reinstall policy")


def bundled_measures_dir() -> Path:
    """The structured documents shipped with the tool (data/measures in a checkout)."""
    candidates = [
        PACKAGE_ROOT.parent / "data" / "measures",  # a checkout or an editable install
        Path(sys.prefix) / "share" / "policy" / "measures",  # a regular install (data-files)
    ]
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob("*.json")):
            return candidate
    raise BadInput(
        "the bundled documents are missing (data/measures); reinstall policy or pass files to `policy load`"
    )


def today(option: str | None = None) -> date:
    """`--today YYYY-MM-DD`, else $POLICY_TODAY, else the clock."""
    value = option or os.environ.get("POLICY_TODAY")
    if not value:
        # the day in the user's zone ($POLICY_TZ, else Asia/Shanghai), as times are shown and the
        # report counts days: a server on UTC is a day behind Shanghai from 16:00 on
        from datetime import datetime, timedelta, timezone

        from policycli.timezone import DEFAULT_ZONE, user_zone

        if (os.environ.get("POLICY_TZ", "").strip() or DEFAULT_ZONE) == DEFAULT_ZONE:
            # Asia/Shanghai has been UTC+8 all year since 1991: its date needs no zoneinfo (~3 ms to
            # import and read); timezone.py falls back to the same offset where tzdata is missing
            return datetime.now(timezone(timedelta(hours=8))).date()
        return datetime.now(user_zone()).date()
    return parse_date_option("--today" if option else "POLICY_TODAY", value)


def parse_date_option(name: str, value: str | None) -> date | None:
    """An ISO date given as `name` (an option or variable), or None when not given."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"{name} must be a date like 2021-07-01, not {value!r}") from None
