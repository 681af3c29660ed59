"""The `hoithi` command. Every sub-command reads the same environment settings as the server."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from contest.i18n import current_locale
from contest.importing import ImportFailed, ImportReport
from contest.resources import Resources, open_resources
from contest.settings import Settings

T = TypeVar("T")


def run_with_resources(work: Callable[[Resources], Awaitable[T]]) -> T:
    settings = Settings.from_env()
    current_locale.set(settings.locale)  # messages (import errors) in the site's language

    async def main() -> T:
        async with open_resources(settings) as resources:
            return await work(resources)

    return asyncio.run(main())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Hoithi: school quiz contests for Lifelong Learning Week.

    Configuration comes from environment variables (DATABASE_URL, REDIS_URL, SECRET_KEY,
    HOITHI_DATA_DIR, HOITHI_HOST, HOITHI_PORT, HOITHI_LOCALE); see README.md.
    """


@main.command()
@click.option("--host", envvar="HOITHI_HOST", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", envvar="HOITHI_PORT", default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, help="Worker processes (one per core in production).")
@click.option("--reload", is_flag=True, help="Restart when the code changes (development only).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Run the web server."""
    import uvicorn

    from contest.logs import configure_logging

    configure_logging()
    click.echo(f"Hoithi is serving on http://{host}:{port}/ (Ctrl+C stops it)")
    uvicorn.run(
        "contest.app:app_from_env", factory=True, host=host, port=port, workers=workers, reload=reload,
        proxy_headers=True, log_config=None, access_log=False, timeout_graceful_shutdown=10,
    )


@main.command()
@click.option("--simulate", "simulated", type=click.IntRange(0), default=0,
              help="Then let this many demo pupils play the demo contest, to fill its boards.")
def demo(simulated: int) -> None:
    """Load the demo province, accounts, pupils, starter bank and contest (safe to run again)."""
    from sqlalchemy import select

    from contest.contests.models import Round
    from contest.demo import ensure_demo_contest, load_demo
    from contest.leaderboards.standings import write_after_answer
    from contest.play.models import Attempt
    from contest.simulate import demo_pupils, simulate
    from questions.starter import load_starter

    async def work(resources: Resources):
        async with resources.sessionmaker() as db:
            logins = await load_demo(db)
            await load_starter(db)
            contest = await ensure_demo_contest(db)
            played = 0
            if simulated:
                round_ = await db.scalar(select(Round).where(Round.contest_id == contest.id))
                already = set(await db.scalars(select(Attempt.pupil_id).where(Attempt.round_id == round_.id)))
                pupils = [p for p in await demo_pupils(db, 10**6) if p.id not in already][:simulated]

                async def update_boards(session, attempt, round_, contest) -> None:
                    await write_after_answer(session, resources.redis, attempt, round_, contest)

                played = await simulate(db, contest, round_, pupils, [update_boards])
            return logins, contest, played

    logins, contest, played = run_with_resources(work)
    click.echo("Demo data is ready. Demo logins (username / password or card code):")
    for login in logins:
        click.echo(f"  {login.username:<16} {login.secret:<16} {login.who}")
    click.echo(f"Demo contest: /contests/{contest.id} (pupils), /boards/{contest.id} and /boards/{contest.id}/projector")
    if simulated:
        click.echo(f"Simulated {played} answers.")


@main.group()
def db() -> None:
    """Database schema migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    from contest.migrate import upgrade

    upgrade(Settings.from_env().database_url, revision)
    click.echo(f"Database is at revision {revision}.")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
def db_revision(message: str) -> None:
    """Write a new migration from the models' difference to the database (review it by hand)."""
    from contest.migrate import new_revision

    new_revision(Settings.from_env().database_url, message)


def _report(report: ImportReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    if report.problems:
        click.echo(f"Nothing was imported: {len(report.problems)} problem(s).", err=True)
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
        return
    for skipped in report.skipped:
        click.echo(f"  skipped {skipped}")
    if report.unchanged:
        click.echo(f"Already in the bank: {report.unchanged}")
    verb = "Would create" if report.dry_run else "Created"
    click.echo(f"{verb}: " + (", ".join(f"{n} {kind}" for kind, n in report.created.items()) or "nothing"))
    if report.updated:
        verb = "Would update" if report.dry_run else "Updated"
        click.echo(f"{verb}: " + ", ".join(f"{n} {kind}" for kind, n in report.updated.items()))


def _run_import(importer, path: Path, dry_run: bool, as_json: bool) -> None:
    async def work(resources: Resources) -> ImportReport:
        async with resources.sessionmaker() as session:
            return await importer(session, path.read_bytes(), dry_run=dry_run)

    try:
        report = run_with_resources(work)
    except ImportFailed as failure:
        _report(failure.report, as_json)
        sys.exit(1)
    _report(report, as_json)


_import_options = [
    click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
    click.option("--dry-run", is_flag=True, help="Check the file and say what would change; write nothing."),
    click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON (created, updated, errors)."),
]


def import_options(command):
    for option in reversed(_import_options):
        command = option(command)
    return command


@main.command("import-org")
@import_options
def import_org(path: Path, dry_run: bool, as_json: bool) -> None:
    """Import provinces, districts, schools and classes from a CSV file.

    Columns: province_code, province_name, district_code, district_name, school_code,
    school_name, school_enrolment, class_name, grade, class_enrolment (one line per class).
    Existing codes are updated. Nothing is imported if any line is wrong.
    """
    from contest.org.importing import import_org_tree

    _run_import(import_org_tree, path, dry_run, as_json)


@main.command("import-pupils")
@import_options
def import_pupils_command(path: Path, dry_run: bool, as_json: bool) -> None:
    """Import pupil rosters from a CSV file.

    Columns: school_code, class, full_name, pupil_number. A pupil is matched by school and pupil
    number, so importing again updates names and classes. Nothing is imported if any line is wrong.
    """
    from contest.org.importing import import_pupils

    _run_import(import_pupils, path, dry_run, as_json)


@main.group()
def questions() -> None:
    """The question bank: import, export and the starter bank."""


@questions.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "format_name", type=click.Choice(["gift", "aiken", "csv", "json"]),
              help="File format (default: from the file's extension).")
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change; write nothing.")
@click.option("--status", type=click.Choice(["draft", "in_review", "approved"]), default="draft", show_default=True,
              help="Status of the questions created.")
@click.option("--skip-unsupported", is_flag=True, help="Import the rest when some questions are of an unsupported type.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON (created, skipped, errors).")
def questions_import(path: Path, format_name: str | None, dry_run: bool, status: str, skip_unsupported: bool,
                     as_json: bool) -> None:
    """Import questions from a GIFT, Aiken, CSV or JSON file (docs/question-formats.md).

    Nothing is imported if any question is wrong; every problem is listed with its line.
    Importing the same file again creates no duplicates.
    """
    from questions.formats import guess_format
    from questions.importer import import_questions
    from questions.models import Status

    format_name = format_name or guess_format(path.name)
    if format_name is None:
        raise click.UsageError("cannot tell the format from the file name; give --format")
    data = path.read_bytes()

    bars: list = []

    def advance(done: int, total: int) -> None:
        if not bars:  # the total is known once the file is parsed
            bars.append(click.progressbar(length=total, label="Importing", file=sys.stderr, hidden=as_json).__enter__())
        bars[0].update(done - bars[0].pos)
        if done == total:
            bars[0].__exit__(None, None, None)

    async def work(resources: Resources) -> ImportReport:
        async with resources.sessionmaker() as session:
            return await import_questions(session, data, format_name, status=Status(status), dry_run=dry_run,
                                          skip_unsupported=skip_unsupported, progress=advance)

    try:
        report = run_with_resources(work)
    except ImportFailed as failure:
        _report(failure.report, as_json)
        sys.exit(1)
    _report(report, as_json)


@questions.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "format_name", type=click.Choice(["gift", "aiken", "csv", "json"]), required=True,
              help="File format.")
@click.option("--status", type=click.Choice(["draft", "in_review", "approved", "retired"]), help="Only this status.")
@click.option("--language", type=click.Choice(["vi", "en"]), help="Only this language.")
@click.option("--domain", type=click.IntRange(1, 6), help="Only this competence domain.")
def questions_export(path: Path, format_name: str, status: str | None, language: str | None, domain: int | None) -> None:
    """Export the bank's questions (current versions) to a file."""
    from sqlalchemy import select

    from questions.formats import UnsupportedForFormat
    from questions.importer import export_questions
    from questions.listing import Filters
    from questions.models import Question

    filters = Filters(status=status or "", language=language or "", domain=str(domain or ""))

    async def work(resources: Resources) -> bytes:
        async with resources.sessionmaker() as session:
            return await export_questions(session, filters.apply(select(Question)), format_name)

    try:
        path.write_bytes(run_with_resources(work))
    except UnsupportedForFormat as misfit:
        raise click.ClickException(str(misfit)) from misfit
    click.echo(f"Wrote {path}")


@questions.command("load-starter")
def questions_load_starter() -> None:
    """Load (or update) Hoithi's own starter bank: bilingual questions, approved."""
    from questions.starter import load_starter

    async def work(resources: Resources) -> dict[str, int]:
        async with resources.sessionmaker() as session:
            return await load_starter(session)

    counts = run_with_resources(work)
    click.echo("Starter bank: " + ", ".join(f"{n} {what}" for what, n in counts.items()))


@main.group()
def leaderboard() -> None:
    """Leaderboards in Redis (derived from the database)."""


@leaderboard.command("rebuild")
@click.argument("contest_id", type=int)
def leaderboard_rebuild(contest_id: int) -> None:
    """Recompute every board of a contest from the database (safe at any time)."""
    import time

    from contest.leaderboards.standings import rebuild_contest

    async def work(resources: Resources) -> int:
        async with resources.sessionmaker() as session:
            return await rebuild_contest(session, resources.redis, contest_id)

    started = time.perf_counter()
    try:
        pupils = run_with_resources(work)
    except LookupError as missing:
        raise click.ClickException(str(missing)) from missing
    click.echo(f"Rebuilt the boards of contest {contest_id}: {pupils} standings in {time.perf_counter() - started:.1f} s")


@main.group()
def privacy() -> None:
    """Pupils' personal data (docs/privacy.md)."""


@privacy.command("purge")
def privacy_purge() -> None:
    """Delete personal data of contests closed longer than HOITHI_RETENTION_DAYS, keeping anonymous statistics.

    The server does this by itself every few hours; this runs it now (safe at any time)."""
    import contest.models  # noqa: F401  (every table: the statistics refer to questions, rounds, schools)
    from contest.privacy.retention import purge_expired

    days = Settings.from_env().retention_days
    if not days:
        click.echo("HOITHI_RETENTION_DAYS is 0: personal data is kept until a teacher deletes it; nothing purged.")
        return

    async def work(resources: Resources):
        async with resources.sessionmaker() as session:
            return await purge_expired(session, resources.redis, days)

    report = run_with_resources(work)
    contests = ", ".join(map(str, report.contests)) or "none"
    click.echo(f"Contests closed over {days} days ago, purged: {contests}; attempts removed: {report.attempts}; "
               f"practice answers removed: {report.practice_answers}. Anonymous statistics are kept.")


@main.group()
def report() -> None:
    """Results and reports of a contest (docs/reports.md)."""


@report.command("export")
@click.argument("contest_id", type=int)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--scope", default="contest", show_default=True,
              help="Whose results: contest, district:ID, school:ID or class:ID.")
@click.option("--format", "format_name", type=click.Choice(["csv", "xlsx", "pdf"]), required=True, help="File format.")
@click.option("--language", type=click.Choice(["vi", "en"]), help="Language of headers and the PDF (default: the site's).")
def report_export(contest_id: int, out: Path, scope: str, format_name: str, language: str | None) -> None:
    """Export every result of a contest (or of one district, school or class) to OUT."""
    from contest.contests.models import Contest
    from contest.reports.access import parse_scope, scope_for
    from contest.reports.exports import export
    from contest.reports.results import results_of

    if parse_scope(scope) == ("contest", None) and scope != "contest":
        raise click.BadParameter("contest, district:ID, school:ID or class:ID", param_hint="--scope")

    async def work(resources: Resources) -> tuple[bytes, int]:
        if language:
            current_locale.set(language)
        async with resources.sessionmaker() as session:
            contest = await session.get(Contest, contest_id)
            if contest is None:
                raise LookupError(f"no contest {contest_id}")
            chosen = await scope_for(session, None, scope)
            rows = await results_of(session, contest, chosen)
            return export(rows, contest, chosen, format_name), len(rows)

    try:
        content, count = run_with_resources(work)
    except LookupError as missing:
        raise click.ClickException(str(missing).strip("'\"")) from missing
    out.write_bytes(content)
    click.echo(f"Wrote {count} results to {out}")


if __name__ == "__main__":
    main()
