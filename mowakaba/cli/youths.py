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
