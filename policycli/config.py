"""A person's defaults: the agency they work for and the name they record under, so daily commands
need no --agency or --by.

Kept in a small TOML file in the user config directory (~/.config/policy/config.toml on Linux);
POLICY_AGENCY and POLICY_BY override it, and an option given on the command line overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

from policycli.errors import BadInput

KEYS = {"agency": "POLICY_AGENCY", "by": "POLICY_BY", "grace": "POLICY_GRACE"}
DESCRIPTIONS = {
    "agency": "your unit: the default --agency of tasks, the marks, undo, history, remind and export",
    "by": "your name: the default --by of the marks and undo (else your login name)",
    "grace": "days remind keeps an expired document's unfinished measures overdue (default 90)",
}
EXAMPLES = {"agency": "市商务委", "by": "王五", "grace": "90"}


def config_path() -> Path:
    """$POLICY_CONFIG, else config.toml in the user config directory."""
    if os.environ.get("POLICY_CONFIG"):
        return Path(os.environ["POLICY_CONFIG"]).expanduser()
    from policycli.paths import user_dir

    return user_dir("config") / "config.toml"


def _read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(f"{path}: cannot read the settings ({exc}); fix or remove the file") from None
    return {k: str(v) for k, v in data.items() if k in KEYS and isinstance(v, str) and v.strip()}


def value(key: str) -> str | None:
    """The setting: from the environment, else the file, else None."""
    from_environment = os.environ.get(KEYS[key], "").strip()
    if from_environment:
        return from_environment
    return _read(config_path()).get(key)


def settings() -> list[dict]:
    """Each setting with its value and where it comes from, for `policy config`."""
    path = config_path()
    stored = _read(path)
    out = []
    for key, variable in KEYS.items():
        environment = os.environ.get(variable, "").strip()
        if environment:
            out.append(
                {"key": key, "value": environment, "source": f"${variable}", "meaning": DESCRIPTIONS[key]}
            )
        elif key in stored:
            out.append({"key": key, "value": stored[key], "source": str(path), "meaning": DESCRIPTIONS[key]})
        else:
            out.append({"key": key, "value": None, "source": "not set", "meaning": DESCRIPTIONS[key]})
    return out


def store(key: str, new: str | None) -> Path:
    """Set (or with None, remove) a setting in the file; written atomically."""
    import json

    from policycli.files import write_atomically

    if key not in KEYS:
        raise BadInput(f"unknown setting {key!r}; the settings are {', '.join(KEYS)}")
    if new is not None and (not new.strip() or not new.isprintable()):
        raise BadInput(f"{key}: give a value, e.g. policy config set {key} {EXAMPLES[key]}")
    if key == "grace" and new is not None and not new.strip().isdigit():
        raise BadInput(f"grace: give a number of days, e.g. policy config set grace {EXAMPLES[key]}")
    path = config_path()
    stored = _read(path)
    if new is None:
        stored.pop(key, None)
    else:
        stored[key] = new.strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    # TOML basic strings take JSON's escapes for what a name can hold (quotes, backslashes).
    lines = ["# policy settings (policy config set KEY VALUE)"] + [
        f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in stored.items()
    ]
    write_atomically(path, "\n".join(lines) + "\n")
    return path
