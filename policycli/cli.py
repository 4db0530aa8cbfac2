"""The `policy` command line: parse options, call one library function, render. Nothing else."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from policycli.errors import ExitStatus, PolicyError

app = typer.Typer(
    name="policy",
    help="A compliance checklist for Chinese government policy documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """A compliance checklist for Chinese government policy documents."""


def _err(message: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[red]error:[/red] {escape(message)}")


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Policy documents: .txt, .md or .html (UTF-8, UTF-16, GB18030).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the structured files.")] = Path("."),
    check: Annotated[bool, typer.Option("--check", help="Report what would be extracted; write nothing.")] = False,
    encoding: Annotated[str | None, typer.Option("--encoding", help="Override encoding detection, e.g. gb18030.")] = None,
    doc_id: Annotated[str | None, typer.Option("--id", help="Document id to use (one file only).")] = None,
) -> None:
    """Turn policy texts into structured documents (JSON). Example: policy ingest 通知.txt --out data/measures"""
    from policycli.ingest.run import ingest_files

    ingest_files(files, out_dir=out, check=check, encoding=encoding, doc_id=doc_id)


def main() -> None:
    """Console entry point: run the app and turn library errors into one line + an exit code."""
    try:
        app(standalone_mode=False)
    except PolicyError as exc:
        _err(str(exc))
        sys.exit(exc.exit_status)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(ExitStatus.INTERRUPTED)
    except Exception as exc:  # click's own usage errors
        import click

        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        if isinstance(exc, click.ClickException):
            _err(exc.format_message())
            sys.exit(ExitStatus.BAD_INPUT)
        if isinstance(exc, click.exceptions.Abort):
            _err("interrupted")
            sys.exit(ExitStatus.INTERRUPTED)
        raise
