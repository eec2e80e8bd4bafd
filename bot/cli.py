"""The `kuril-brief` command line (PRODUCT.md's table). Settings are built here, once."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from rich.console import Console

from bot.console import ConsoleSession, input_lines
from bot.settings import Settings
from commands.ask import ask_payload
from commands.context import Services
from knowledge.checks import check_knowledge_base
from knowledge.loader import load_knowledge_base
from knowledge.problems import KnowledgeBaseError

NO_TOKEN = (
    "DISCORD_TOKEN is not set, so Kuril Brief cannot connect to Discord.\n"
    "Set it in the environment or a .env file (see the README), or try the commands "
    "locally with: kuril-brief console"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kuril-brief",
        description="Briefings on the Russia–Japan dispute over the Kuril Islands.",
        epilog="With no command: run the bot if DISCORD_TOKEN is set, else open the console.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="connect to Discord (needs DISCORD_TOKEN)")
    sub.add_parser("console", help="the same commands in a terminal")
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question", nargs="*", help="the question")
    mode = ask.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print one JSON object")
    mode.add_argument("--jsonl", action="store_true", help="read questions from stdin, one a line")
    kb = sub.add_parser("kb", help="knowledge-base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    kb_sub.add_parser("check", help="validate the knowledge base against the seeds")
    export = kb_sub.add_parser("export", help="print the whole knowledge base")
    export.add_argument("--json", action="store_true", required=True, help="as JSON")
    sub.add_parser("sync", help="register the slash commands with Discord")
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
    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            name = ".".join(str(part) for part in error["loc"]).upper()
            print(f"Invalid setting {name}: {error['msg']}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command == "kb":
        return _kb(args, settings)
    try:
        services = Services(kb=load_knowledge_base(settings.kuril_seeds_dir))
    except KnowledgeBaseError as exc:
        print(exc, file=sys.stderr)
        print("Run `kuril-brief kb check` for details.", file=sys.stderr)
        return 1
    if args.command == "ask":
        return _ask(args, services)
    if args.command == "console":
        return _console(services)
    if args.command in ("run", "sync"):
        if settings.discord_token is None:
            print(NO_TOKEN, file=sys.stderr)
            return 2
        return _discord(args.command, settings, services)
    if settings.discord_token is None:
        print("DISCORD_TOKEN is not set: opening the console instead.", file=sys.stderr)
        return _console(services)
    return _discord("run", settings, services)


def _kb(args: argparse.Namespace, settings: Settings) -> int:
    if args.kb_command == "export":
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
        }
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
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
    if report.ok:
        print("OK: the knowledge base is consistent with its seeds.")
        return 0
    print(f"{len(report.problems)} problem(s):", file=sys.stderr)
    for problem in report.problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1


def _ask(args: argparse.Namespace, services: Services) -> int:
    if args.jsonl:
        # Exactly one object per input line, blank lines included, so outputs line up with inputs.
        for line in sys.stdin:
            payload = ask_payload(services, line.strip())
            print(json.dumps(payload, ensure_ascii=False), flush=True)
        return 0
    question = " ".join(args.question).strip()
    if not question:
        print(
            "Please give a question, e.g. kuril-brief ask 'Why were the talks suspended?'",
            file=sys.stderr,
        )
        return 2
    payload = ask_payload(services, question)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(payload["answer"])
    return 0


def _console(services: Services) -> int:
    console = Console()
    session = ConsoleSession(services, console)
    asyncio.run(session.run(input_lines(console)))
    return 0


def _discord(command: str, settings: Settings, services: Services) -> int:
    # Imported here so the console, `ask` and `kb` start without loading discord.py.
    from bot.runner import run_discord

    return run_discord(command, settings, services)


if __name__ == "__main__":
    raise SystemExit(main())
