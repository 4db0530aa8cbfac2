"""The Typer app, built from the command table (commands.COMMANDS): each declared Option and Argument
becomes Typer's, each function's docstring its help. Nothing here is written per command.

Only the command asked for is put on the app (turning every command into a click command costs
~15 ms of start-up), or all of them for `policy --help`.
"""

import inspect
import sys
from collections.abc import Callable
from typing import Annotated

import typer

from policycli.commands import COMMANDS, Command
from policycli.declare import Parameter, parameters, summary
from policycli.errors import ExitStatus, report


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"policy {version('policycli')}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Show the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """A compliance checklist for Chinese government policy documents."""


def _typer_annotation(parameter: Parameter) -> object:
    if parameter.kind == "argument":
        info = typer.Argument(help=parameter.help, show_default=False, metavar=parameter.metavar)
    elif parameter.kind == "flag":
        info = typer.Option(*parameter.names, help=parameter.help, show_default=False)
    else:
        info = typer.Option(
            *parameter.names,
            help=parameter.help,
            metavar=parameter.metavar,
            show_default=parameter.default is not None,
        )
    return Annotated[parameter.annotation, info]


def typer_function(command: Command, context: bool = False) -> Callable:
    """A function Typer can read for `command`: the declared parameters as Typer's, the bound ones
    (a mark's status) left out. `context`: a group's default command, run only without a subcommand."""
    declared = parameters(command.function)
    signature = [
        inspect.Parameter(
            p.name,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=_typer_annotation(p),
            default=inspect.Parameter.empty if p.required else p.default,
        )
        for p in declared
    ]
    if context:
        signature.insert(
            0, inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)
        )

    def run(**values):
        if context and values.pop("ctx").invoked_subcommand is not None:
            return None
        return command.function(**values)

    run.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in signature}
    run.__doc__ = command.help or summary(command.function)
    run.__name__ = command.words[-1].replace("-", "_")
    return run


def build_app(argv: list[str]) -> typer.Typer:
    app = typer.Typer(
        name="policy",
        help="A compliance checklist for Chinese government policy documents.",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.callback()(_root)
    wanted = next((a for a in argv if not a.startswith("-")), None)
    tops = {c.words[0] for c in COMMANDS}
    groups: dict[str, typer.Typer] = {}
    for command in COMMANDS:
        top = command.words[0]
        if wanted in tops and top != wanted:
            continue
        is_group = any(len(c.words) > 1 and c.words[0] == top for c in COMMANDS)
        if not is_group:
            app.command(top)(typer_function(command))
        elif len(command.words) == 1:  # the group's default command: `policy docs`
            groups[top] = typer.Typer(rich_markup_mode=None, no_args_is_help=False)
            groups[top].callback(invoke_without_command=True)(typer_function(command, context=True))
            app.add_typer(groups[top], name=top)
        else:
            groups[top].command(command.words[1])(typer_function(command))
    return app


def run(argv: list[str], from_process: bool = True) -> None:
    """Run the Typer app; usage errors and Typer's exits become one line and an exit code.
    Library errors (PolicyError, SQLite's) propagate to main.main, which maps them for both paths.
    `from_process`: argv is the process's, so Typer reads it itself (and expands wildcards on Windows)."""
    try:
        status = build_app(argv)(args=None if from_process else argv, standalone_mode=False)
        if status == ExitStatus.INTERRUPTED:  # Typer turns Ctrl-C into a return value of 130
            report("interrupted; nothing was half-written")
        if isinstance(status, int) and status:
            sys.exit(status)  # a command's own exit status comes back as its return value
    except typer.Abort:
        raise KeyboardInterrupt from None
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument …
        if type(exc).__name__ == "NoArgsIsHelpError":  # `policy` alone: the help
            print(exc.format_message())
            sys.exit(ExitStatus.OK)
        report(exc.format_message())
        sys.exit(ExitStatus.BAD_INPUT)
