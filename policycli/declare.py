"""Declaring a command's parameters once, without Typer.

A command is a plain function in commands.py; each parameter is typed `Annotated[T, Option(...)]` or
`Annotated[T, Argument(...)]` with its names and help. The Typer app (cli.py) and the fast path
(quick.py) both read these declarations through `parameters()`, so there is nothing to keep in step.
"""

import types
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, get_args, get_origin


class Option:
    """An option: its names (long first, then short), help text, and the placeholder help shows for its
    value (default: the long name in capitals, `--agency AGENCY`)."""

    __slots__ = ("names", "help", "metavar")

    def __init__(self, *names: str, help: str, metavar: str | None = None) -> None:
        self.names, self.help, self.metavar = names, help, metavar


class Argument:
    """A positional argument, its help text and placeholder (default: its name in capitals)."""

    __slots__ = ("help", "metavar")

    def __init__(self, help: str, metavar: str | None = None) -> None:
        self.help, self.metavar = help, metavar


class Parameter:
    """One parameter of a command as both front ends need it."""

    __slots__ = (
        "name", "kind", "names", "type", "many", "default", "required", "help", "annotation", "metavar"
    )  # fmt: skip

    def __init__(self, name: str, declared: object, default: object) -> None:
        base, marker = get_args(declared)[0], declared.__metadata__[0]  # type: ignore[attr-defined]
        self.name, self.annotation, self.help = name, base, marker.help
        optional = isinstance(base, types.UnionType) and type(None) in get_args(base)
        value_type = next(a for a in get_args(base) if a is not type(None)) if optional else base
        self.many = get_origin(value_type) is list
        self.type = get_args(value_type)[0] if self.many else value_type
        self.required = default is _NO_DEFAULT
        self.default = None if self.required else default
        if isinstance(marker, Argument):
            self.kind, self.names = "argument", ()
            self.metavar = marker.metavar or name.upper()
        else:
            self.kind = "flag" if self.type is bool else "option"
            self.names = marker.names
            self.metavar = marker.metavar or marker.names[0].lstrip("-").replace("-", "_").upper()


_NO_DEFAULT = object()


def parameters(function: Callable) -> list[Parameter]:
    """The declared parameters of a command, without those a `partial` binds (a mark's status).

    Read from the function's code, defaults and annotations, as inspect.signature reads a plain
    function's (a command is one: no *args, **kwargs or decorator), without importing inspect: ~8 ms
    of every `policy done`."""
    bound = function.keywords if isinstance(function, partial) else {}
    target = function.func if isinstance(function, partial) else function
    code = target.__code__
    positional = code.co_varnames[: code.co_argcount]
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    last = target.__defaults__ or ()  # the defaults of the last positional parameters
    defaults = dict(zip(positional[len(positional) - len(last) :], last, strict=True))
    defaults.update(target.__kwdefaults__ or {})
    annotations = target.__annotations__
    return [
        Parameter(name, annotations[name], defaults.get(name, _NO_DEFAULT))
        for name in names
        if name not in bound
    ]


def summary(function: Callable) -> str:
    """A command's help: the docstring of its function (or of the partial's function)."""
    import inspect

    target = function.func if isinstance(function, partial) else function
    return inspect.cleandoc(target.__doc__ or "")


# The value types a declaration may use; the fast path converts to each, Typer knows them all.
VALUE_TYPES = (str, int, bool, Path)
__all__ = ["Annotated", "Argument", "Option", "Parameter", "VALUE_TYPES", "parameters", "summary"]
