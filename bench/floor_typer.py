"""Reference, not a floor: the smallest Typer app with two commands, to show what Typer alone costs
at start-up (policy must use Typer; `policy done`'s floor is a bare sqlite3 UPDATE)."""

import typer

app = typer.Typer()


@app.command()
def done(measure: str, agency: str = typer.Option(None)) -> None:
    """Mark done."""


@app.command()
def other() -> None:
    """Another command, so Typer builds a group as policy's does."""


if __name__ == "__main__":
    app()
