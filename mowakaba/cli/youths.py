"""`mowakaba youths`: registering young people and finding them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mowakaba.cli.common import (
    AsOf,
    apply_as_of,
    describe_items,
    in_session,
    parse_date,
    parse_enum,
    require_date,
    start_pathway_run,
    user_named,
)
from mowakaba.enums import EducationLevel, Sex, Stage, VocationalLevel

if TYPE_CHECKING:
    from sqlmodel import Session

    from mowakaba.models import Youth

youths_app = typer.Typer(help="Young people.", no_args_is_help=True)


@youths_app.command("add")
def youths_add(
    born: Annotated[str, typer.Option(help="Date of birth, YYYY-MM-DD.")],
    sex: Annotated[str, typer.Option(help="female or male")],
    institution_id: Annotated[int, typer.Option("--institution-id")],
    admitted: Annotated[str, typer.Option(help="Admission date to the institution.")],
    first_name: Annotated[str, typer.Option()] = "",
    last_name: Annotated[str, typer.Option()] = "",
    first_name_ar: Annotated[str, typer.Option()] = "",
    last_name_ar: Annotated[str, typer.Option()] = "",
    presumed: Annotated[bool, typer.Option(help="The date of birth is presumed.")] = False,
    education: Annotated[str, typer.Option(help="none … university")] = "primary",
    vocational: Annotated[str, typer.Option(help="none … specialised_technician")] = "none",
    mediator: Annotated[str | None, typer.Option(help="The mediator's user name.")] = None,
    planned_exit: Annotated[str | None, typer.Option()] = None,
    planned_exit_reason: Annotated[str | None, typer.Option()] = None,
    exited: Annotated[str | None, typer.Option(help="Registered after leaving care.")] = None,
    as_of: AsOf = None,
) -> None:
    """Register a young person; their pathway is brought up to date at once."""
    from mowakaba.schemas import YouthRegistration
    from mowakaba.services import youths as youth_service

    at = apply_as_of(as_of)

    def work(session: Session) -> tuple[Youth, Any]:
        mediator_user = user_named(session, mediator) if mediator else None
        data = YouthRegistration(
            first_name=first_name,
            last_name=last_name,
            first_name_ar=first_name_ar,
            last_name_ar=last_name_ar,
            date_of_birth=require_date(born, "--born"),
            date_of_birth_presumed=presumed,
            sex=parse_enum(Sex, sex, "--sex"),
            institution_id=institution_id,
            admission_date=require_date(admitted, "--admitted"),
            education_level=parse_enum(EducationLevel, education, "--education"),
            vocational_level=parse_enum(VocationalLevel, vocational, "--vocational"),
            mediator_id=mediator_user.id if mediator_user else None,
            planned_exit_date=parse_date(planned_exit, "--planned-exit"),
            planned_exit_reason=planned_exit_reason,
            exit_date=parse_date(exited, "--exited"),
        )
        return youth_service.register_youth(session, data=data, as_of=at)

    youth, result = in_session(work)
    typer.echo(f"youth {youth.id}: code {youth.code}, stage {youth.stage.value}")
    describe_items(result.created)
    start_pathway_run(youth.id, f"registered-{youth.code}", as_of, at)  # type: ignore[arg-type]


@youths_app.command("list")
def youths_list(
    institution_id: Annotated[int | None, typer.Option("--institution-id")] = None,
    stage: Annotated[str | None, typer.Option()] = None,
    q: Annotated[str | None, typer.Option(help="Search names, Arabic or Latin.")] = None,
) -> None:
    """List young people (code, stage, date of birth)."""
    from mowakaba.services import youths as youth_service

    stage_value = parse_enum(Stage, stage, "--stage")
    youths, total = in_session(
        lambda s: youth_service.search_youths(
            s,
            institution_ids=[institution_id] if institution_id else None,
            stage=stage_value,
            q=q,
            limit=1000,
        )
    )
    for y in youths:
        name = " ".join(filter(None, [y.first_name, y.last_name])) or " ".join(
            [y.first_name_ar, y.last_name_ar]
        )
        presumed = " (presumed)" if y.date_of_birth_presumed else ""
        typer.echo(
            f"{y.id:>5}  {y.code}  {y.stage.value:<17} born {y.date_of_birth}{presumed}  {name}"
            f"{'  NOT IN TOUCH' if y.not_in_touch else ''}"
        )
    typer.echo(f"{total} young people")


@youths_app.command("import")
def youths_import(
    file: Annotated[str, typer.Argument(help="The register: a .csv or .xlsx file.")],
    institution: Annotated[str, typer.Option(help="The institution's id or exact name.")],
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help='A column for a field, e.g. --map "Nom=last_name" '
            '(a field of "none" leaves the column out); headers not named are guessed.',
        ),
    ] = None,  # fmt: skip
    valid_only: Annotated[
        bool, typer.Option(help="Import the valid rows, skip the others.")
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Check every row, import nothing.")] = False,
    as_of: AsOf = None,
) -> None:
    """Import an institution's register of young people (docs/imports.md): every row is
    checked as a registration; nothing is imported while a row has an error, unless
    --valid-only; youths already registered are skipped. Exit 1 when rows have errors."""
    from pathlib import Path

    from sqlmodel import select

    from mowakaba.cli.common import fail, iso_or_none
    from mowakaba.errors import RegisterHasErrors
    from mowakaba.models import Institution
    from mowakaba.services import registers

    at = apply_as_of(as_of)
    path = Path(file)
    if not path.is_file():
        raise fail(f"{file}: no such file")
    if path.stat().st_size > registers.MAX_BYTES:
        raise fail(f"{file}: over {registers.MAX_BYTES // 1024 // 1024} MB")

    def work(session: Session) -> registers.RegisterReport:
        table = registers.read_register(path.read_bytes(), filename=path.name)
        mapping = registers.suggest_mapping(table.headers)
        for pair in map_ or []:
            header, _, name = pair.rpartition("=")
            if header not in table.headers:
                raise fail(f"--map {pair!r}: no column {header!r} in {table.headers}")
            mapping[table.headers.index(header)] = None if name in ("", "none") else name
        query = select(Institution).where(
            Institution.id == int(institution)
            if institution.isdigit()
            else Institution.name == institution
        )
        found = session.exec(query).first()
        if found is None:
            raise fail(f"institution {institution!r} not found")
        typer.echo("columns: " + ", ".join(
            f"{h} -> {m or '(not imported)'}" for h, m in zip(table.headers, mapping, strict=True)
        ))  # fmt: skip
        report = registers.run_register(
            session, table=table, mapping=mapping, institution_id=found.pk,
            import_rows=not dry_run, valid_only=True, as_of=at,
        )  # fmt: skip
        for error in report.errors:
            detail = f" ({error.detail})" if error.detail else ""
            message = error.message % error.params if error.params else error.message
            typer.echo(f"row {error.row}, column {error.column!r}: {message}{detail}")
        typer.echo(f"{report.count('valid') + report.count('imported')} valid, "
                   f"{report.count('invalid')} with errors, "
                   f"{report.count('registered')} already registered (skipped)")  # fmt: skip
        if report.errors and not valid_only and not dry_run:
            raise RegisterHasErrors(f"{len(report.errors)} errors: nothing imported "
                                    "(correct the file, or --valid-only)")  # fmt: skip
        if dry_run:
            session.rollback()
        return report

    report = in_session(work)
    if dry_run:
        typer.echo("dry run: nothing imported")
        raise typer.Exit(code=1 if report.errors else 0)
    typer.echo(f"{len(report.imported)} young people imported")
    if report.imported:
        from flows.launch import start_pathways_after_commit

        started = start_pathways_after_commit(report.imported, as_of=iso_or_none(as_of, at))
        if started < len(report.imported):
            typer.echo(f"{len(report.imported) - started} pathway runs not started "
                       "(Prefect unreachable): flagged for the next sweep", err=True)  # fmt: skip
