"""`mowakaba privacy`: the CNDP declaration of the processing (docs/privacy.md)."""

from __future__ import annotations

from typing import Annotated

import typer

privacy_app = typer.Typer(help="Personal data: the CNDP declaration.", no_args_is_help=True)


@privacy_app.command("declaration")
def declaration(
    write: Annotated[
        bool, typer.Option("--write", help="Update docs/privacy.md in place.")
    ] = False,
) -> None:
    """Print the declaration's generated part (from the data model), or write it into
    docs/privacy.md between its markers."""
    from sqlmodel import SQLModel

    import mowakaba.models  # noqa: F401  (every table on the metadata)
    from mowakaba import privacy_declaration
    from mowakaba.settings import REPO_ROOT, get_settings

    generated = privacy_declaration.render(SQLModel.metadata, get_settings())
    if not write:
        typer.echo(generated, nl=False)
        return
    path = REPO_ROOT / "docs" / "privacy.md"
    before = path.read_text(encoding="utf-8")
    after = privacy_declaration.splice(before, generated)
    if after != before:
        path.write_text(after, encoding="utf-8")
    typer.echo(f"{path}: {'updated' if after != before else 'up to date'}")
