"""The `kuril-brief` command line (PRODUCT.md's table). Settings are built here, once.

Each subcommand is one `Subcommand` in `SUBCOMMANDS`: its arguments, the settings it reads
(only those are validated, and `--help` lists them) and the function that runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from bot.dbcli import (
    backup_arguments,
    run_db_backup,
    run_db_current,
    run_db_status,
    run_db_upgrade,
)
from bot.logs import configure_logging
from bot.settings import (
    PROJECT_ROOT,
    Settings,
    SettingsError,
    is_checkout,
    load_settings,
)
from bot.startup import StartupError
from commands.context import Services
from knowledge.problems import KnowledgeBaseError

#: Read by every command (logging is set up before anything runs).
LOGGING = ("LOG_LEVEL", "LOG_FORMAT")
KNOWLEDGE = ("KURIL_SEEDS_DIR",)
DISCORD = ("DISCORD_TOKEN", "DISCORD_API_BASE")
STORAGE = ("DATABASE_URL", "KURIL_DATA_DIR")
METRICS = ("METRICS_PORT", "METRICS_HOST")

Run = Callable[[argparse.Namespace, Settings], int]


@dataclass(frozen=True)
class Subcommand:
    """One `kuril-brief` command: `reads` names (as in the environment) the settings it
    reads besides LOG_LEVEL and LOG_FORMAT: only those are validated, and `--help` lists
    them. A group (`kb`) has `children` instead of `run`."""

    name: str
    help: str
    reads: tuple[str, ...]
    run: Run | None
    arguments: Callable[[argparse.ArgumentParser], None] = lambda parser: None
    description: str = ""
    children: tuple[Subcommand, ...] = field(default=())


#: How an empty value behaves (python-dotenv's rule too), said the same in --help and README.
EMPTY_VALUES = (
    "An empty value (NAME=) means unset: the default applies, and an empty NAME in the "
    "environment also hides NAME in the .env files."
)


def env_file_note() -> str:
    """Where settings come from, first match wins, and what an empty value does."""
    places = ["the environment", "a .env file in the working directory"]
    if is_checkout():
        places.append(str(PROJECT_ROOT / ".env"))
    note = f"Settings come from {', else '.join(places)}. {EMPTY_VALUES}"
    return textwrap.fill(note, 88, break_long_words=False, break_on_hyphens=False)


def settings_help(reads: Sequence[str]) -> str:
    """The `--help` epilog: each setting the command reads, what it means, its default."""
    fields = Settings.model_fields
    width = max(len(name) for name in reads)
    lines = ["settings read (environment or .env):"]
    for name in reads:
        info = fields[name.lower()]
        default = info.get_default(call_default_factory=True)
        shown = "" if default is None else f" [default: {default}]"
        lines.append(f"  {name:<{width}}  {info.description}{shown}")
    return "\n".join([*lines, "", env_file_note()])


# -- the commands -------------------------------------------------------------------------


def load_services(settings: Settings) -> Services:
    """The knowledge base and its question model (kept in the data directory's model cache,
    so a large knowledge base starts fast), or a one-line StartupError pointing to `kb check`."""
    from knowledge.answerer import answerer_for
    from knowledge.loader import load_knowledge_base

    try:
        kb = load_knowledge_base(settings.kuril_seeds_dir)
        return Services(kb=kb, answerer=answerer_for(kb, settings.kuril_data_dir))
    except KnowledgeBaseError as exc:
        first = exc.problems[0] if exc.problems else "unknown problem"
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        raise StartupError(
            f"Cannot load the knowledge base at KURIL_SEEDS_DIR={settings.kuril_seeds_dir}: "
            f"{first}{more}. Run `kuril-brief kb check` for every problem."
        ) from exc


NO_TOKEN = (
    "DISCORD_TOKEN is not set (looked in the environment and {where}), so Kuril Brief cannot "
    "connect to Discord. Set it there (see .env.example), or try the commands locally with: "
    "kuril-brief console"
)


def env_files_read() -> str:
    """The .env files this run reads, for "is not set (looked in ...)" messages."""
    places = [str(Path(".env").resolve())]
    if is_checkout() and (PROJECT_ROOT / ".env").resolve() != Path(".env").resolve():
        places.insert(0, str(PROJECT_ROOT / ".env"))
    return " and ".join(places)


def no_token_message() -> str:
    return NO_TOKEN.format(where=env_files_read())


def run_bot(args: argparse.Namespace, settings: Settings) -> int:
    if settings.discord_token is None:
        print(no_token_message(), file=sys.stderr)
        return 2
    return _discord("run", settings)


def run_sync(args: argparse.Namespace, settings: Settings) -> int:
    if settings.discord_token is None:
        print(no_token_message(), file=sys.stderr)
        return 2
    return _discord("sync", settings)


def run_default(args: argparse.Namespace, settings: Settings) -> int:
    """`kuril-brief` alone: the console without a token (so only the console's settings
    matter), else `run`, whose settings are validated now."""
    if settings.discord_token is None:
        print("DISCORD_TOKEN is not set: opening the console instead.", file=sys.stderr)
        return run_console(args, settings)
    return _discord("run", load_settings((*RUN.reads, *LOGGING)))


def _discord(command: str, settings: Settings) -> int:
    # Imported here so the console, `ask` and `kb` start without loading discord.py.
    from bot.runner import run_discord

    return run_discord(command, settings, load_services(settings))


def console_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=("en", "ja", "ru"),
        help="answer questions in this language (default: each question's own language)",
    )


def run_console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console import run_console_session

    language = getattr(args, "lang", None)  # `kuril-brief` alone has no --lang
    return run_console_session(load_services(settings), settings.kuril_data_dir, language)


def ask_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", nargs="*", help="the question (quote it or not)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print one JSON object")
    mode.add_argument(
        "--jsonl",
        action="store_true",
        help="read questions from stdin, one a line; write one JSON object a line",
    )
    parser.add_argument(
        "--lang",
        choices=("en", "ja", "ru"),
        help="answer in this language (default: the question's own language)",
    )


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    from commands.ask import ask_payload

    if args.jsonl and args.question:
        print(
            "kuril-brief ask --jsonl reads its questions from stdin, one a line, and takes no "
            "QUESTION argument. Pipe them in (printf 'question\\n' | kuril-brief ask --jsonl) "
            "or drop --jsonl.",
            file=sys.stderr,
        )
        return 2
    question = " ".join(args.question).strip()
    if not args.jsonl and not question:
        print(
            "Please give a question, e.g. kuril-brief ask 'Why were the talks suspended?'",
            file=sys.stderr,
        )
        return 2
    services = load_services(settings)
    if args.jsonl:
        # Exactly one object per input line, blank lines included, so outputs line up with inputs.
        for line in sys.stdin:
            payload = ask_payload(services, line.strip(), args.lang)
            print(json.dumps(payload, ensure_ascii=False), flush=True)
        return 0
    payload = ask_payload(services, question, args.lang)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(payload["answer"])
    return 0


def run_kb_check(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.checks import check_knowledge_base

    report = check_knowledge_base(settings.kuril_seeds_dir)
    for coverage in report.coverage:
        print(f"{coverage.seed_id}: {coverage.covered}/{coverage.sentences} sentences covered")
    if report.counts:
        counts = ", ".join(f"{count} {kind}" for kind, count in sorted(report.counts.items()))
        print(f"entries: {counts}; version {report.version}")
    if report.questions:
        print("training questions:")
        for label, count in report.questions.items():
            print(f"  {count:>5}  {label}")
    for language, (done, wanted) in report.translations.items():
        share = done / wanted if wanted else 1.0
        print(f"translation {language}: {done}/{wanted} fields ({share:.0%})", end="")
        if language in report.translated_questions:
            entries, outside = report.translated_questions[language]
            print(f"; training questions {entries} for entries, {outside} out of scope", end="")
        print()
    if report.ok:
        print("OK: the knowledge base is consistent with its seeds.")
        return 0
    print(f"{len(report.problems)} problem(s):", file=sys.stderr)
    for problem in report.problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1


def kb_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", required=True, help="as JSON")


def run_kb_export(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.loader import load_knowledge_base

    try:
        kb = load_knowledge_base(settings.kuril_seeds_dir)
    except KnowledgeBaseError as exc:
        print(exc, file=sys.stderr)
        return 1
    document = {
        "version": kb.version,
        "seeds": [seed.model_dump(mode="json") for seed in kb.seeds.values()],
        "themes": [theme.model_dump(mode="json") for theme in kb.themes],
        "entries": [entry.model_dump(mode="json") for entry in kb.entries],
        # The curators' translations, by language: display fields only, never a source.
        "translations": {
            language: {
                "seeds": dict(translation.seed_titles),
                "entries": {key: dict(fields) for key, fields in translation.entries.items()},
                "themes": {key: dict(fields) for key, fields in translation.themes.items()},
            }
            for language, translation in kb.translations.items()
        },
    }
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


NO_APPLICATION_ID = (
    "Cannot build the invite URL: DISCORD_APPLICATION_ID is not set and DISCORD_TOKEN {why} "
    "(looked in the environment and {where}). Set DISCORD_APPLICATION_ID to the Application "
    "ID on the Developer Portal's General Information page."
)


def no_application_id(why: str) -> str:
    return NO_APPLICATION_ID.format(why=why, where=env_files_read())


def run_invite(args: argparse.Namespace, settings: Settings) -> int:
    from bot.invite import application_id_from_token, invite_url

    application_id = settings.discord_application_id
    if application_id is None:
        if settings.discord_token is None:
            print(no_application_id("is not set either"), file=sys.stderr)
            return 2
        application_id = application_id_from_token(settings.discord_token.get_secret_value())
        if application_id is None:
            print(no_application_id("does not start with one"), file=sys.stderr)
            return 2
    print(invite_url(application_id))
    return 0


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "run",
        "connect to Discord (needs DISCORD_TOKEN)",
        (
            *DISCORD,
            *STORAGE,
            *KNOWLEDGE,
            "DISCORD_DEV_GUILD_ID",
            "BRIEFING_GRACE_MINUTES",
            *METRICS,
        ),
        run_bot,
        description="Connect to Discord and serve until SIGTERM or Ctrl-C. Logs the invite "
        "URL once ready.",
    ),
    Subcommand(
        "console",
        "the same commands in a terminal",
        (*KNOWLEDGE, "KURIL_DATA_DIR"),
        run_console,
        console_arguments,
        description="Type /help, a command such as /quote speaker:Kishida, or a question; "
        "quit leaves. Reads lines from stdin when it is not a terminal. The history is kept "
        "in the data directory.",
    ),
    Subcommand(
        "ask",
        "answer one question",
        (*KNOWLEDGE, "KURIL_DATA_DIR"),
        run_ask,
        ask_arguments,
        description="Answer QUESTION from the knowledge base, as /ask would. The built "
        "question model is cached in the data directory.",
    ),
    Subcommand(
        "kb",
        "knowledge-base tools",
        KNOWLEDGE,
        None,
        children=(
            Subcommand(
                "check",
                "validate the knowledge base against the seeds",
                KNOWLEDGE,
                run_kb_check,
                description="Exits non-zero on any problem, naming file, entry and what.",
            ),
            Subcommand(
                "export",
                "print the whole knowledge base",
                KNOWLEDGE,
                run_kb_export,
                kb_export_arguments,
            ),
        ),
    ),
    Subcommand(
        "sync",
        "register the slash commands with Discord",
        (*DISCORD, *STORAGE, *KNOWLEDGE, "DISCORD_DEV_GUILD_ID"),
        run_sync,
        description="Register the slash commands now, globally or in DISCORD_DEV_GUILD_ID.",
    ),
    Subcommand(
        "db",
        "the database: schema revision, status, backups",
        STORAGE,
        None,
        description="The subscriptions database (SQLite or PostgreSQL).",
        children=(
            Subcommand(
                "upgrade",
                "migrate the database to the newest schema revision",
                STORAGE,
                run_db_upgrade,
                description="Migrate to the newest schema revision now (the bot also does at "
                "start); creates the database if there is none.",
            ),
            Subcommand(
                "current",
                "print the database's schema revision",
                STORAGE,
                run_db_current,
                description="Print the schema revision, or none for an empty database or a "
                "SQLite file that does not exist yet (exit 0); exit 1 for a revision this "
                "release does not know. Never changes or creates the database.",
            ),
            Subcommand(
                "status",
                "revision, subscriptions by state, recent deliveries and failures",
                STORAGE,
                run_db_status,
                description="The database (as configured, passwords hidden), the schema "
                "revision, subscriptions by state (active, paused), and the last deliveries and "
                "failures. Never changes or creates the database.",
            ),
            Subcommand(
                "backup",
                "a consistent copy of a SQLite database, safe while the bot runs",
                STORAGE,
                run_db_backup,
                backup_arguments,
                description="Copy the SQLite database to FILE with SQLite's online backup API "
                "(consistent while the bot runs). For PostgreSQL it copies nothing: it prints "
                "the pg_dump command to use instead and exits 2.",
            ),
        ),
    ),
    Subcommand(
        "invite",
        "print the OAuth2 invite URL (offline)",
        ("DISCORD_APPLICATION_ID", "DISCORD_TOKEN"),
        run_invite,
        description="Print the URL that adds the bot to a server, with the bot and "
        "applications.commands scopes and exactly the permissions it uses. Works offline.",
    ),
)

RUN, CONSOLE = SUBCOMMANDS[0], SUBCOMMANDS[1]
#: `kuril-brief` alone: run the bot with a token, else the console.
DEFAULT = Subcommand("", "", (*CONSOLE.reads, "DISCORD_TOKEN"), run_default)


def version() -> str:
    try:
        return metadata.version("kuril-brief")
    except metadata.PackageNotFoundError:  # a checkout used without installing it
        import tomllib

        with (PROJECT_ROOT / "pyproject.toml").open("rb") as file:
            return str(tomllib.load(file)["project"]["version"])


def _add(sub: argparse._SubParsersAction, command: Subcommand) -> None:
    reads = (*command.reads, *LOGGING)
    parser = sub.add_parser(
        command.name,
        help=command.help,
        description=command.description or command.help,
        epilog=settings_help(reads) if not command.children else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(subcommand=command)
    command.arguments(parser)
    if command.children:
        children = parser.add_subparsers(metavar="COMMAND", required=True)
        for child in command.children:
            _add(children, child)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kuril-brief",
        description="Briefings on the Russia–Japan dispute over the Kuril Islands.",
        epilog="With no command: run the bot if DISCORD_TOKEN is set, else open the console.\n"
        "`kuril-brief COMMAND --help` lists the settings each command reads.\n" + env_file_note(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    parser.set_defaults(subcommand=DEFAULT)
    sub = parser.add_subparsers(metavar="COMMAND")
    for command in SUBCOMMANDS:
        _add(sub, command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`kuril-brief kb export --json | head`): that is not an error.
        # Point stdout at /dev/null so the interpreter's final flush doesn't complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    command: Subcommand = args.subcommand
    assert command.run is not None, "argparse requires a group's subcommand"
    try:
        settings = load_settings((*command.reads, *LOGGING))
        configure_logging(settings.log_level, settings.log_format)
        return command.run(args, settings)
    except SettingsError as exc:
        for line in exc.lines:
            print(line, file=sys.stderr)
        return 2
    except StartupError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
