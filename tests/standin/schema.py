"""Check request bodies the bot sends against Discord's OpenAPI spec and documented limits.

The spec (``<repo>/../shared/discord-api-spec/openapi.json``) is Discord's own public
description of HTTP API v10. It is read at runtime, never copied into the project, and parsed
and compiled once per process. The request-body schema for a call is found from the spec's
``paths`` (the operation's ``requestBody``), not guessed from component names.

The spec is a "public preview" and is looser than the developer documentation in places
(it allows 4000 characters of message content, for instance), so the documented limits are
checked separately in :func:`check_limits`.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import referencing
import referencing.jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_URI = "urn:discord-api-spec"
_HTTP_METHODS = ("get", "put", "post", "patch", "delete")


def spec_path() -> Path:
    """Where the spec lives: beside the project in ``shared/``, or ``$DISCORD_API_SPEC``."""
    override = os.environ.get("DISCORD_API_SPEC")
    if override:
        return Path(override)
    return REPO_ROOT.parent / "shared" / "discord-api-spec" / "openapi.json"


# Where the preview spec is stricter than what Discord accepts and discord.py sends. Each
# entry replaces one component schema in memory (the file is never modified).
SPEC_OVERRIDES: dict[str, dict[str, Any]] = {
    # The spec says snowflakes are strings; Discord also accepts integers, and discord.py sends
    # ints for ids it holds as ints (message_reference, allowed_mentions users/roles, ...).
    "SnowflakeType": {
        "anyOf": [
            {"type": "string", "pattern": "^(0|[1-9][0-9]*)$"},
            {"type": "integer", "minimum": 0},
        ]
    },
}


@functools.cache
def load_spec() -> dict[str, Any]:
    """Parse the 1 MB spec once per process, with :data:`SPEC_OVERRIDES` applied."""
    with spec_path().open(encoding="utf-8") as fh:
        spec = json.load(fh)
    spec["components"]["schemas"].update(SPEC_OVERRIDES)
    return spec


@functools.cache
def _registry() -> referencing.Registry:
    resource = referencing.Resource.from_contents(
        load_spec(), default_specification=referencing.jsonschema.DRAFT202012
    )
    return referencing.Registry().with_resource(SPEC_URI, resource)


@dataclass(frozen=True)
class _Template:
    path: str
    regex: re.Pattern[str]
    literal_segments: int


@functools.cache
def _templates() -> tuple[_Template, ...]:
    """Every spec path as a regex; more literal segments = more specific (``@original``)."""
    out = []
    for path in load_spec()["paths"]:
        segments = path.strip("/").split("/")
        parts = [
            "[^/]+" if seg.startswith("{") and seg.endswith("}") else re.escape(seg)
            for seg in segments
        ]
        literal = sum(1 for seg in segments if not seg.startswith("{"))
        out.append(_Template(path, re.compile("^/" + "/".join(parts) + "$"), literal))
    out.sort(key=lambda t: -t.literal_segments)
    return tuple(out)


def find_path_template(method: str, path: str) -> str | None:
    """The spec path (e.g. ``/channels/{channel_id}/messages``) that ``path`` calls, if any."""
    method = method.lower()
    for template in _templates():
        if template.regex.match(path) and method in load_spec()["paths"][template.path]:
            return template.path
    return None


def _pointer_escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@functools.cache
def _body_validator(method: str, template: str) -> Draft202012Validator | None:
    """A validator for the operation's JSON request body, compiled once per operation."""
    operation = load_spec()["paths"][template][method]
    content = (operation.get("requestBody") or {}).get("content") or {}
    if "application/json" not in content:
        return None
    json_type = _pointer_escape("application/json")
    steps = ["paths", _pointer_escape(template), method, "requestBody", "content", json_type]
    pointer = "/" + "/".join([*steps, "schema"])
    # Braces in the path template are not valid in a URI fragment as-is.
    fragment = pointer.replace("{", "%7B").replace("}", "%7D")
    return Draft202012Validator({"$ref": f"{SPEC_URI}#{fragment}"}, registry=_registry())


def _is_null_branch(error: ValidationError) -> bool:
    return error.validator == "type" and error.validator_value == "null"


def _describe(error: ValidationError) -> str:
    """One readable line per error; skips the ``null`` arm of ``oneOf: [null, X]`` unions."""
    leaf: ValidationError | None = error
    if error.context:
        useful = [e for e in error.context if not _is_null_branch(e)] or error.context
        leaf = best_match(useful)
    where = leaf.json_path if leaf is not None else error.json_path
    message = leaf.message if leaf is not None else error.message
    if len(message) > 300:
        message = message[:300] + "…"
    return f"{where}: {message}"


def validate_against_spec(method: str, path: str, body: Any) -> list[str]:
    """Schema errors for ``body`` sent as ``method path`` (path relative to ``/api/v10``)."""
    template = find_path_template(method, path)
    if template is None:
        return []
    validator = _body_validator(method.lower(), template)
    if validator is None:
        return []
    return [_describe(e) for e in validator.iter_errors(body)]


# --- Documented limits (developer docs win where the preview spec is looser) --------------

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_FIELDS_MAX = 25
EMBED_LIMITS = {"title": 256, "description": 4096}
FIELD_LIMITS = {"name": 256, "value": 1024}
FOOTER_TEXT_MAX = 2048
AUTHOR_NAME_MAX = 256
ACTION_ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_VALUE_MAX = 100
DESCRIPTION_RANGE = (1, 100)
OPTIONS_MAX = 25
# Discord's regex is ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$; Python's `re` has no \p{},
# so letters/digits come from \w and the two scripts from their Unicode blocks.
COMMAND_NAME_RE = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")

CHAT_INPUT = 1
SUB_COMMAND, SUB_COMMAND_GROUP, STRING_OPTION = 1, 2, 3


def _len(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def check_message_limits(body: dict[str, Any], where: str = "$") -> list[str]:
    """Content, embed and component limits for anything that creates or edits a message."""
    problems: list[str] = []
    content = body.get("content")
    if isinstance(content, str) and len(content) > CONTENT_MAX:
        problems.append(f"{where}.content: {len(content)} characters > {CONTENT_MAX}")
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        problems.append(f"{where}.embeds: {len(embeds)} embeds > {EMBEDS_MAX}")
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        at = f"{where}.embeds[{i}]"
        for key, limit in EMBED_LIMITS.items():
            n = _len(embed.get(key))
            total += n
            if n > limit:
                problems.append(f"{at}.{key}: {n} characters > {limit}")
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            problems.append(f"{at}.fields: {len(fields)} fields > {EMBED_FIELDS_MAX}")
        for j, field in enumerate(fields):
            for key, limit in FIELD_LIMITS.items():
                n = _len(field.get(key))
                total += n
                if n > limit:
                    problems.append(f"{at}.fields[{j}].{key}: {n} characters > {limit}")
                if n == 0:
                    problems.append(f"{at}.fields[{j}].{key}: must not be empty")
        footer = _len((embed.get("footer") or {}).get("text"))
        total += footer
        if footer > FOOTER_TEXT_MAX:
            problems.append(f"{at}.footer.text: {footer} characters > {FOOTER_TEXT_MAX}")
        author = _len((embed.get("author") or {}).get("name"))
        total += author
        if author > AUTHOR_NAME_MAX:
            problems.append(f"{at}.author.name: {author} characters > {AUTHOR_NAME_MAX}")
    if total > EMBED_TOTAL_MAX:
        problems.append(f"{where}.embeds: {total} characters in total > {EMBED_TOTAL_MAX}")
    problems += _check_components(body.get("components") or [], f"{where}.components")
    return problems


def _check_components(rows: list[Any], where: str) -> list[str]:
    problems: list[str] = []
    action_rows = [r for r in rows if isinstance(r, dict) and r.get("type") == 1]
    if len(action_rows) > ACTION_ROWS_MAX:
        problems.append(f"{where}: {len(action_rows)} action rows > {ACTION_ROWS_MAX}")
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or row.get("type") != 1:
            continue
        children = row.get("components") or []
        buttons = [c for c in children if isinstance(c, dict) and c.get("type") == 2]
        if len(buttons) > ROW_BUTTONS_MAX:
            problems.append(f"{where}[{i}]: {len(buttons)} buttons > {ROW_BUTTONS_MAX}")
        if not children:
            problems.append(f"{where}[{i}]: an action row must not be empty")
        for j, child in enumerate(children):
            if not isinstance(child, dict):
                continue
            at = f"{where}[{i}].components[{j}]"
            if _len(child.get("custom_id")) > CUSTOM_ID_MAX:
                problems.append(f"{at}.custom_id: longer than {CUSTOM_ID_MAX}")
            if child.get("type") == 2:
                if _len(child.get("label")) > BUTTON_LABEL_MAX:
                    problems.append(f"{at}.label: longer than {BUTTON_LABEL_MAX}")
                is_link = child.get("style") == 5
                if is_link and not child.get("url"):
                    problems.append(f"{at}: a link button needs a url")
                if not is_link and child.get("style") != 6 and not child.get("custom_id"):
                    problems.append(f"{at}: a non-link button needs a custom_id")
            if len(child.get("options") or []) > SELECT_OPTIONS_MAX:
                problems.append(f"{at}.options: more than {SELECT_OPTIONS_MAX}")
    return problems


def check_choices(choices: list[Any], where: str) -> list[str]:
    """Autocomplete results and static option choices share these limits."""
    problems: list[str] = []
    if len(choices) > CHOICES_MAX:
        problems.append(f"{where}: {len(choices)} choices > {CHOICES_MAX}")
    for i, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        n = _len(choice.get("name"))
        if not 1 <= n <= CHOICE_NAME_MAX:
            problems.append(f"{where}[{i}].name: {n} characters, must be 1–{CHOICE_NAME_MAX}")
        value = choice.get("value")
        if isinstance(value, str) and len(value) > CHOICE_STRING_VALUE_MAX:
            problems.append(f"{where}[{i}].value: {len(value)} > {CHOICE_STRING_VALUE_MAX}")
    return problems


def _check_name(name: Any, where: str, lowercase: bool) -> list[str]:
    if not isinstance(name, str) or not COMMAND_NAME_RE.match(name):
        return [f"{where}: {name!r} does not match Discord's name regex"]
    if lowercase and name != name.lower():
        return [f"{where}: {name!r} must be lowercase"]
    return []


def _check_description(desc: Any, where: str) -> list[str]:
    lo, hi = DESCRIPTION_RANGE
    n = _len(desc)
    return [] if lo <= n <= hi else [f"{where}: {n} characters, must be {lo}–{hi}"]


def _check_options(options: list[Any], where: str) -> list[str]:
    problems: list[str] = []
    if len(options) > OPTIONS_MAX:
        problems.append(f"{where}: {len(options)} options > {OPTIONS_MAX}")
    seen_optional = False
    for i, opt in enumerate(options):
        if not isinstance(opt, dict):
            continue
        at = f"{where}[{i}]"
        problems += _check_name(opt.get("name"), f"{at}.name", lowercase=True)
        problems += _check_description(opt.get("description"), f"{at}.description")
        if opt.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            problems += _check_options(opt.get("options") or [], f"{at}.options")
            continue
        if opt.get("required"):
            if seen_optional:
                problems.append(f"{at}: required options must come before optional ones")
        else:
            seen_optional = True
        if opt.get("choices"):
            problems += check_choices(opt["choices"], f"{at}.choices")
            if opt.get("autocomplete"):
                problems.append(f"{at}: autocomplete and choices are mutually exclusive")
    return problems


def check_command_limits(commands: list[Any], where: str = "$") -> list[str]:
    """Names, descriptions and option rules Discord enforces when commands are registered."""
    problems: list[str] = []
    seen: set[tuple[Any, Any]] = set()
    for i, cmd in enumerate(commands):
        if not isinstance(cmd, dict):
            continue
        at = f"{where}[{i}]"
        kind = cmd.get("type", CHAT_INPUT)
        key = (kind, cmd.get("name"))
        if key in seen:
            problems.append(f"{at}.name: duplicate command {cmd.get('name')!r}")
        seen.add(key)
        if kind == CHAT_INPUT:
            problems += _check_name(cmd.get("name"), f"{at}.name", lowercase=True)
            problems += _check_description(cmd.get("description"), f"{at}.description")
            problems += _check_options(cmd.get("options") or [], f"{at}.options")
        elif not 1 <= _len(cmd.get("name")) <= 32:
            problems.append(f"{at}.name: must be 1–32 characters")
    return problems


def check_limits(method: str, path: str, body: Any) -> list[str]:
    """Documented limits for the routes whose bodies the bot builds itself."""
    template = find_path_template(method, path) or ""
    method = method.upper()
    if not isinstance(body, dict | list):
        return []
    if template.endswith("/commands") and method == "PUT" and isinstance(body, list):
        return check_command_limits(body)
    if template.endswith("/commands") and method == "POST" and isinstance(body, dict):
        return check_command_limits([body])
    if not isinstance(body, dict):
        return []
    if template == "/interactions/{interaction_id}/{interaction_token}/callback":
        data = body.get("data") or {}
        if body.get("type") == 8:
            return check_choices(data.get("choices") or [], "$.data.choices")
        if body.get("type") in (4, 7) and isinstance(data, dict):
            return check_message_limits(data, "$.data")
        return []
    message_route = template.startswith(("/webhooks/", "/channels/{channel_id}/messages"))
    if message_route and method in ("POST", "PATCH"):
        return check_message_limits(body)
    return []


@functools.cache
def _query_validators(method: str, template: str) -> dict[str, Draft202012Validator]:
    """A validator per documented query parameter of the operation, compiled once."""
    operation = load_spec()["paths"][template][method]
    out = {}
    for index, param in enumerate(operation.get("parameters") or []):
        if param.get("in") != "query":
            continue
        steps = ["paths", _pointer_escape(template), method, "parameters", str(index), "schema"]
        fragment = ("/" + "/".join(steps)).replace("{", "%7B").replace("}", "%7D")
        out[param["name"]] = Draft202012Validator(
            {"$ref": f"{SPEC_URI}#{fragment}"}, registry=_registry()
        )
    return out


def validate_query(method: str, path: str, query: dict[str, str]) -> list[str]:
    """Problems with a request's query string: parameters the operation does not document,
    and values that break the parameter's schema (integers are parsed as Discord would)."""
    template = find_path_template(method, path)
    if template is None or not query:
        return []
    validators = _query_validators(method.lower(), template)
    problems = []
    for name, raw in query.items():
        validator = validators.get(name)
        if validator is None:
            problems.append(f"?{name}: not a query parameter of {method.upper()} {template}")
            continue
        # A query string has no types: Discord reads digits as a number and true/false/1/0
        # as a boolean where the parameter wants one.
        readings: list[Any] = [raw]
        if raw.isascii() and raw.isdigit():
            readings.insert(0, int(raw))
        if raw.lower() in ("true", "false", "1", "0"):
            readings.append(raw.lower() in ("true", "1"))
        if not any(validator.is_valid(reading) for reading in readings):
            errors = validator.iter_errors(readings[0])
            problems += [f"?{name}: {_describe(e)}" for e in errors]
    return problems


def validate_request(method: str, path: str, body: Any) -> list[str]:
    """All problems with a request body: spec schema errors, then documented limits."""
    return validate_against_spec(method, path, body) + check_limits(method, path, body)
