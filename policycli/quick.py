"""The fast path: the commands run most (`tasks` and the marks, and `stats` and `remind`, which cron and
dashboards run) without Typer.

Typer takes about 45 ms to import and build before a command runs; a whole `policy done` needs
about 25 ms otherwise, and these are the commands people and scripts run all day. Their arguments
are read here from the same declarations the Typer app is built from (commands.COMMANDS), when
they are plain: `--option value`, `--option=value`, `-o value`, flags, and positional arguments.
Anything else (`--help`, an unknown or repeated option, a missing or malformed value, `--`) goes
to the Typer app, which owns help and every usage error.
"""

import os
from pathlib import Path

FAST = ("tasks", "done", "start", "block", "reopen", "mark", "stats", "remind")


def parse(argv: list[str]) -> tuple[str, dict] | None:
    """(command, keyword arguments) when argv is a plain invocation of a fast command, else None."""
    if not argv or argv[0] not in FAST:
        return None
    from policycli.declare import parameters

    declared = parameters(_function(argv[0]))
    by_name = {name: p for p in declared for name in p.names}
    arguments = [p for p in declared if p.kind == "argument"]
    if any(p.many for p in declared):
        return None
    values: dict = {}
    positional: list[str] = []
    tokens = iter(argv[1:])
    for token in tokens:
        if token.startswith("-") and token != "-":
            name, attached, value = token.partition("=")
            if not name.startswith("--") and attached:  # -a=x: click reads the value "=x"; let it
                return None
            parameter = by_name.get(name)
            if parameter is None or parameter.name in values:
                return None  # --help, an unknown option, -abc …, or repeated (click keeps the last)
            if parameter.kind == "flag":
                if attached:
                    return None
                values[parameter.name] = True
                continue
            # click takes the next argument as the value even when it starts with "-" (--note -减少10%)
            if not attached and (value := next(tokens, None)) is None:
                return None
            converted = _convert(parameter.type, value)
            if converted is None:
                return None
            values[parameter.name] = converted
        else:
            positional.append(token)
    if len(positional) != len(arguments):
        return None
    values.update((p.name, value) for p, value in zip(arguments, positional, strict=True))
    if any(p.required and p.name not in values for p in declared):
        return None
    return argv[0], values


def _convert(kind: type, value: str) -> object | None:
    """The value as Typer would give it, or None where Typer should say what is wrong."""
    if kind is int:
        try:
            return int(value)
        except ValueError:
            return None
    if kind is Path:
        # Typer's path type refuses an existing file it cannot read (a usage error): let it
        if not value or (os.path.exists(value) and not os.access(value, os.R_OK)):
            return None
        return Path(value)
    return value


def run(argv: list[str]) -> int | None:
    """Run argv if it is a plain fast command and return its exit status; None when the Typer app
    should handle it."""
    parsed = parse(argv)
    if parsed is None:
        return None
    name, arguments = parsed
    return _function(name)(**arguments) or 0


def _function(name: str):
    """The function of a one-word command of the table."""
    from policycli.commands import COMMANDS

    return next(c.function for c in COMMANDS if c.words == (name,))
