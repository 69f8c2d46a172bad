"""Commands: ``denialops plan add|list|show``, action plans against root causes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from denialops.commands.common import DbOption, JsonOption, fail, print_json, user_errors

plan_app = typer.Typer(
    help="Action plans: root cause, owner, baseline, target.", no_args_is_help=True
)


@plan_app.command("add")
def plan_add(
    title: Annotated[str, typer.Argument(help="What the plan is, in a few words.")],
    cause: Annotated[
        str, typer.Option(help="Root cause as DIMENSION=VALUE: payer, category, family or carc.")
    ],
    owner: Annotated[str, typer.Option(help="Who owns the plan (a login).")],
    reduce: Annotated[str, typer.Option(help="Target: percent reduction of the baseline.")],
    due: Annotated[str, typer.Option(help="Target date YYYY-MM-DD.")],
    metric: Annotated[
        str, typer.Option(help="denied_dollars or denied_claims (per 30 days).")
    ] = "denied_dollars",
    user: Annotated[
        str, typer.Option("--user", envvar="DENIALOPS_USER", help="Who records it.")
    ] = "cli",
    db: DbOption = None,
) -> None:
    """Create an action plan; its baseline is measured from the data now."""
    from denialops.plans import add_plan
    from denialops.store.migrate import migrated_engine

    dimension, sep, value = cause.partition("=")
    if not sep:
        raise fail("--cause must be DIMENSION=VALUE, e.g. carc=50 or payer=PAYER1")
    try:
        pct = Decimal(reduce.rstrip("%"))
        when = date.fromisoformat(due)
    except (InvalidOperation, ValueError):
        raise fail("--reduce must be a percentage and --due a date YYYY-MM-DD") from None
    with user_errors():
        engine = migrated_engine(db)
        try:
            plan = add_plan(
                engine,
                title=title,
                dimension=dimension.strip().lower(),
                value=value,
                metric=metric,
                owner=owner,
                reduction_pct=pct,
                due=when,
                created_by=user,
            )
        finally:
            engine.dispose()
    typer.echo(
        f"plan {plan.id}: {plan.title}: {plan.metric} of {plan.dimension} {plan.value} "
        f"from {plan.baseline} to {plan.target} per 30 days by {plan.due_date} (owner {plan.owner})"
    )


@plan_app.command("list")
def plan_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every action plan with its baseline and target."""
    from denialops.plans import list_plans
    from denialops.store.migrate import migrated_engine

    with user_errors():
        engine = migrated_engine(db)
        try:
            plans = list_plans(engine)
        finally:
            engine.dispose()
    if as_json:
        print_json([_record(p) for p in plans])
        return
    for p in plans:
        typer.echo(
            f"{p.id:>3} {p.title:<40} {p.dimension}={p.value:<12} {p.metric:<15} "
            f"baseline {p.baseline} target {p.target} due {p.due_date} owner {p.owner}"
        )


def _record(plan: object) -> dict[str, object]:
    from dataclasses import asdict, is_dataclass

    return asdict(plan) if is_dataclass(plan) and not isinstance(plan, type) else {}


@plan_app.command("show")
def plan_show(
    plan_id: Annotated[int, typer.Argument(help="Plan id (from `denialops plan list`).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A plan's progress: the metric per 30-day window against the target."""
    from denialops.plans import progress
    from denialops.store.migrate import migrated_engine

    with user_errors():
        engine = migrated_engine(db)
        try:
            result = progress(engine, plan_id)
        finally:
            engine.dispose()
    plan = result.plan
    if as_json:
        print_json(
            {
                "plan": _record(plan),
                "points": [_record(p) for p in result.points],
                "on_track": result.on_track,
            }
        )
        return
    typer.echo(f"plan {plan.id}: {plan.title} (owner {plan.owner}, due {plan.due_date})")
    typer.echo(
        f"  {plan.metric} of {plan.dimension} {plan.value}: "
        f"baseline {plan.baseline}, target {plan.target}"
    )
    for point in result.points:
        mark = "ok" if point.value <= plan.target else ""
        typer.echo(f"  {point.start} .. {point.end}  {point.value}  {mark}".rstrip())
    typer.echo(f"  {'on track' if result.on_track else 'not on track'}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.add_typer(plan_app, name="plan")
