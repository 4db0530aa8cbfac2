"""The fast path: `tasks` and the marks (`done`, `start`, `block`, `reopen`, `mark`) without Typer.

Typer takes about 45 ms to import and build before a command runs; a whole `policy done` needs
about 25 ms otherwise, and these are the commands people and scripts run all day. Their
arguments are read here when they are plain: `--option value`, `--option=value`, `-o value`,
flags, and the measure id. Anything else (`--help`, an unknown or repeated option, a missing or
malformed value, `--`) goes to the Typer app, which owns help and every usage error. Both paths
call the same bodies (commands.py); tests/test_quick.py checks these tables against the Typer
commands' options and runs invocations through both paths.
"""

from __future__ import annotations

import os
from pathlib import Path

# option → parameter, per kind of value
_MARK_OPTIONS = {"--agency": "agency", "-a": "agency", "--note": "note", "-n": "note", "--evidence": "evidence",
                 "-e": "evidence", "--by": "by", "--db": "db"}


class Spec:
    """How one command's arguments read: positional names, options taking a value (with the
    parameters converted to int or Path), flags, and options that must be given."""

    def __init__(self, arguments: tuple[str, ...], options: dict[str, str], flags: dict[str, str] | None = None,
                 ints: frozenset[str] = frozenset(), paths: frozenset[str] = frozenset({"db"}),
                 required: frozenset[str] = frozenset(), fixed: dict[str, str] | None = None) -> None:
        self.arguments, self.options, self.flags = arguments, options, flags or {}
        self.ints, self.paths, self.required, self.fixed = ints, paths, required, fixed or {}


SPECS: dict[str, Spec] = {
    "tasks": Spec(
        arguments=(),
        options={"--agency": "agency", "-a": "agency", "--doc": "doc", "-d": "doc", "--status": "status", "-s": "status",
                 "--kind": "kind", "-k": "kind", "--search": "search", "-q": "search", "--due-within": "due_within",
                 "--due-before": "due_before", "--limit": "limit", "--format": "fmt", "-f": "fmt", "--db": "db",
                 "--today": "today"},
        flags={"--unassigned": "unassigned", "--all": "all_", "--overdue": "overdue"},
        ints=frozenset({"due_within", "limit"}),
    ),
    "done": Spec(arguments=("measure_id",), options=_MARK_OPTIONS, fixed={"status": "done"}),
    "start": Spec(arguments=("measure_id",), options=_MARK_OPTIONS, fixed={"status": "doing"}),
    "block": Spec(arguments=("measure_id",), options=_MARK_OPTIONS, fixed={"status": "blocked"}),
    "reopen": Spec(arguments=("measure_id",), options=_MARK_OPTIONS, fixed={"status": "todo"}),
    "mark": Spec(arguments=("measure_id",), options={**_MARK_OPTIONS, "--status": "status", "-s": "status"},
                 required=frozenset({"status"})),
}


def parse(argv: list[str]) -> tuple[str, dict] | None:
    """(command, keyword arguments) when argv is a plain invocation of a fast command, else None."""
    if not argv or argv[0] not in SPECS:
        return None
    spec = SPECS[argv[0]]
    values: dict = {}
    positional: list[str] = []
    tokens = iter(argv[1:])
    for token in tokens:
        if token.startswith("-") and token != "-":
            name, attached, value = token.partition("=")
            if not name.startswith("--") and attached:  # -a=x: click reads the value "=x"; let it
                return None
            if name in spec.flags and not attached:
                parameter, value = spec.flags[name], True
            elif name in spec.options:
                # click takes the next argument as the value even when it starts with "-" (--note -减少10%)
                if not attached and (value := next(tokens, None)) is None:
                    return None
                parameter = spec.options[name]
            else:
                return None  # --help, an unknown option, -abc …
            if parameter in values:
                return None  # repeated: click keeps the last one; not worth mirroring here
            values[parameter] = value
        else:
            positional.append(token)
    if len(positional) != len(spec.arguments) or not spec.required <= values.keys():
        return None
    try:
        for parameter in spec.ints & values.keys():
            values[parameter] = int(values[parameter])
    except ValueError:
        return None
    for parameter in spec.paths & values.keys():
        # Typer's path type refuses an existing file it cannot read (a usage error): let it
        if not values[parameter] or (os.path.exists(values[parameter]) and not os.access(values[parameter], os.R_OK)):
            return None
        values[parameter] = Path(values[parameter])
    return argv[0], {**dict(zip(spec.arguments, positional, strict=True)), **spec.fixed, **values}


def run(argv: list[str]) -> bool:
    """Run argv if it is a plain fast command; False when the Typer app should handle it."""
    parsed = parse(argv)
    if parsed is None:
        return False
    from policycli import commands

    name, arguments = parsed
    (commands.tasks if name == "tasks" else commands.mark)(**arguments)
    return True
