"""The structured file's schema (data/policy-document.schema.json), and checking a document against it.

`load` refuses a file the schema does not accept, before anything is written, with one line naming
the file, the field and the problem: "x.json: measures[3].due: 'not-a-date' is not a date (YYYY-MM-DD)".
Whatever the schema accepts, every command can read: dates are real calendar dates, line numbers are
bounded, lists are lists.

The schema is the one description of the format, and jsonschema (Draft 2020-12) the authority on it.
jsonschema takes about 0.5 ms a measure, though — a minute for a load of 100k measures — so a valid
file is recognised by a checker compiled from the same schema (`_compile`: the handful of keywords the
schema uses; a schema with any other fails to compile), and jsonschema runs when that checker says no,
to find and word the first problem. The two agree (tests/test_fuzz_load.py holds them to it on
generated documents); jsonschema is imported only for a file that is refused.

What JSON Schema cannot say is checked here too: `loads` refuses NaN, Infinity and 1e400 (json.dumps
would write them back as NaN / Infinity, which SQLite's JSON functions refuse), `check_values` lone
surrogates ("\\ud800" decodes to one, which cannot be written as UTF-8), and `validate_document`
nesting deeper than MAX_DEPTH, unknown fields included (json.dumps, SQLite's JSON parser and
jsonschema's messages all recurse).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from policycli.errors import BadInput

SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "policy-document.schema.json"
# Deeper than anything ingest writes (5 levels: source.attachments_files[].segments[].name), far below
# the ~1000 levels where json.dumps or SQLite's JSON parser give up.
MAX_DEPTH = 32
# Dates any reader can do arithmetic on (ingest reads years 1900–2100, and adds periods to them).
FIRST_YEAR, LAST_YEAR = 1900, 2199
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A \uD800–\uDFFF escape in the raw text, unless its backslash is itself escaped (\\ud800 is text).
_SURROGATE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


@cache
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def check_date(value: object) -> bool:
    """The schema's format "date": YYYY-MM-DD, a day of the calendar, year FIRST_YEAR..LAST_YEAR.
    ValueError says what is wrong (the format checker passes it on)."""
    if not isinstance(value, str):
        return True  # formats apply to strings only; "type" says what else is wrong
    if not _ISO_DATE.fullmatch(value):
        raise ValueError("not YYYY-MM-DD")
    day = date.fromisoformat(value)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"year {day.year} is outside {FIRST_YEAR}–{LAST_YEAR}")
    return True


def _is_date(value: object) -> bool:
    try:
        return check_date(value)
    except ValueError:
        return False


# --- the fast checker -----------------------------------------------------------------------------

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "array": (list,),
    "object": (dict,),
}  # exact types, as json.loads makes them: True is no integer, 1.0 no integer either
_FORMATS: dict[str, Callable[[object], bool]] = {"date": _is_date}
_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}
Check = Callable[[Any], bool]


def _inline(node: Any, defs: dict) -> Any:
    """The schema with every {"$ref": "#/$defs/x"} replaced by x itself (the schema has no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/$defs/") or len(node) != 1:
                raise ValueError(f"schema: only a plain local $ref is supported, not {node}")
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def _number(value: object) -> bool:
    return type(value) in (int, float)


def _compile(node: dict, depth: int = 1) -> Check:
    """node → a function that says whether a value is valid, as jsonschema would (integers are strict:
    1.0 is not one, see _validator). `depth`: how deep the values it checks are (the document is 1).
    Objects' unknown fields are allowed, but the document nests no deeper than MAX_DEPTH through them:
    a document it accepts is at most MAX_DEPTH deep (the schema's own fields nest less)."""
    unknown = (
        set(node)
        - _ANNOTATIONS
        - {
            "type",
            "enum",
            "properties",
            "required",
            "items",
            "minItems",
            "maxItems",
            "minimum",
            "maximum",
            "minLength",
            "pattern",
            "format",
        }
    )
    if unknown:
        raise ValueError(
            f"schema: the fast checker does not know {sorted(unknown)}; teach schema._compile them"
        )
    checks: list[Check] = []
    if "type" in node:
        names = node["type"] if isinstance(node["type"], list) else [node["type"]]
        allowed = frozenset(t for name in names for t in _TYPES[name])
        checks.append(lambda v: type(v) in allowed)
    if "enum" in node:
        members = tuple((type(m), m) for m in node["enum"])
        checks.append(lambda v: (type(v), v) in members)
    if "minimum" in node or "maximum" in node:
        low, high = node.get("minimum", float("-inf")), node.get("maximum", float("inf"))
        checks.append(lambda v: not _number(v) or low <= v <= high)
    if "minLength" in node:
        shortest = node["minLength"]
        checks.append(lambda v: type(v) is not str or len(v) >= shortest)
    if "pattern" in node:
        search = re.compile(node["pattern"]).search
        checks.append(lambda v: type(v) is not str or search(v) is not None)
    if "format" in node:
        checks.append(_FORMATS[node["format"]])
    if "minItems" in node or "maxItems" in node:
        fewest, most = node.get("minItems", 0), node.get("maxItems", float("inf"))
        checks.append(lambda v: type(v) is not list or fewest <= len(v) <= most)
    if "items" in node:
        item = _compile(node["items"], depth + 1)

        def check_items(v: Any) -> bool:
            if type(v) is list:
                for x in v:
                    if not item(x):
                        return False
            return True

        checks.append(check_items)
    if "required" in node:
        required = tuple(node["required"])
        checks.append(lambda v: type(v) is not dict or all(k in v for k in required))
    if "properties" in node:
        properties = tuple((k, _compile(sub, depth + 1)) for k, sub in node["properties"].items())
        names = frozenset(node["properties"])

        def check_properties(v: Any) -> bool:
            if type(v) is not dict:
                return True
            known = 0
            for name, check in properties:
                if name in v:
                    known += 1
                    if not check(v[name]):
                        return False
            return known == len(v) or all(
                _depth_ok(x, MAX_DEPTH - depth) for k, x in v.items() if k not in names
            )

        checks.append(check_properties)
    if len(checks) == 1:
        return checks[0]
    all_checks = tuple(checks)

    def check_all(v: Any) -> bool:
        for check in all_checks:
            if not check(v):
                return False
        return True

    return check_all


@cache
def _fast_check() -> Check:
    document = schema()
    return _compile(_inline(document, document.get("$defs", {})))


def _depth_ok(value: Any, limit: int) -> bool:
    """No list or object inside `value` nests deeper than `limit` (iteratively: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if type(item) is dict:
            item = item.values()
        elif type(item) is not list:
            continue
        if depth > limit:
            return False
        stack.extend((x, depth + 1) for x in item if type(x) in (dict, list))
    return True


def _too_deep_at(document: Any, limit: int) -> tuple:
    """The JSON path of the first list or object, in document order, deeper than `limit` levels."""
    stack: list[tuple[Any, tuple]] = [(document, ())]
    while stack:
        value, where = stack.pop()
        if type(value) not in (dict, list):
            continue
        if len(where) >= limit:
            return where
        items = list(value.items()) if type(value) is dict else list(enumerate(value))
        stack.extend((item, (*where, key)) for key, item in reversed(items))
    return ()


# --- jsonschema, for the words --------------------------------------------------------------------


@cache
def _validator():
    import jsonschema  # ~90 ms: only when a file is refused
    from jsonschema.validators import extend

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date", raises=ValueError)(check_date)
    # JSON's integers only: jsonschema counts 1.0 as one, and SQLite would store it as a REAL.
    types = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    )
    strict = extend(jsonschema.Draft202012Validator, type_checker=types)
    strict.check_schema(schema())
    return strict(schema(), format_checker=checker)


def schema_errors(document: Any) -> list:
    """Every jsonschema error in the document (for tests and tools; `validate_document` stops at
    the first)."""
    return list(_validator().iter_errors(document))


def is_valid(document: Any) -> bool:
    """The fast checker's verdict (what `validate_document` acts on)."""
    return _fast_check()(document)


def validate_document(path: Path | str, document: Any) -> None:
    """BadInput, one line — "FILE: FIELD: PROBLEM" — unless the schema accepts the document, which
    then nests at most MAX_DEPTH deep (unknown fields included)."""
    if _fast_check()(document):
        return
    if not _depth_ok(document, MAX_DEPTH):  # before jsonschema, whose messages repr the values
        where = _too_deep_at(document, MAX_DEPTH)
        place = json_path(where[:3]) + ("…" if len(where) > 3 else "")
        raise BadInput(
            f"{path}: {place + ': ' if place else ''}nested more than {MAX_DEPTH} levels deep; no policy "
            "document is"
        )
    error = next(_validator().iter_errors(document), None)
    if error is None:  # the fast checker is stricter than the schema: a bug in _compile
        return
    where = json_path(error.absolute_path)
    raise BadInput(f"{path}: {where + ': ' if where else ''}{describe(error)}")


def json_path(parts) -> str:
    """["measures", 3, "due"] → measures[3].due"""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "null",
    "array": "a list",
    "object": "an object",
    "number": "a number",
}


def describe(error) -> str:
    """A jsonschema error in words, without the path (the caller puts it in front)."""
    kind, value, instance = error.validator, error.validator_value, error.instance
    shown = short(instance)
    if kind == "type":
        names = value if isinstance(value, list) else [value]
        words = [_TYPE_WORDS.get(n, n) for n in names]
        return f"{shown} is not {' or '.join(words)}"
    if kind == "required":
        missing = [k for k in value if k not in instance]
        return f"missing field{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}"
    if kind in ("pattern", "format") and (kind == "pattern" and "[0-9]{4}-" in value or value == "date"):
        reason = (
            str(error.cause)
            if kind == "format" and error.cause and "YYYY" not in str(error.cause)
            else "YYYY-MM-DD"
        )
        return f"{shown} is not a date ({reason})"
    if kind == "pattern" and value == schema()["$defs"]["id"]["pattern"]:
        return f"{shown} is not an id (one word: no spaces or control characters)"
    if kind == "maximum":
        return f"{shown} is more than {value}"
    if kind == "minimum":
        return f"{shown} is less than {value}"
    if kind == "enum":
        return f"{shown} is not one of {', '.join('null' if v is None else repr(v) for v in value)}"
    if kind in ("minItems", "maxItems"):
        count = len(instance)
        if error.schema.get("minItems") == error.schema.get("maxItems"):
            return f"{shown} has {count} item{'s' if count != 1 else ''}, not {value}"
        than = "fewer than" if kind == "minItems" else "more than"
        return f"{shown} has {count} item{'s' if count != 1 else ''}, {than} {value}"
    if kind == "minLength":
        return f"{shown} is too short (at least {value} character{'s' if value != 1 else ''})"
    message = error.message
    return message if len(message) <= 200 else message[:199] + "…"


def short(value: Any, limit: int = 60) -> str:
    """A value for a one-line message: repr, cut short, at most a few levels deep."""
    import reprlib

    shortener = reprlib.Repr()
    shortener.maxlevel, shortener.maxstring, shortener.maxother, shortener.maxlong = 3, limit, limit, limit
    shortener.maxlist = shortener.maxdict = 4
    text = shortener.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- what the schema cannot say -------------------------------------------------------------------


class _NotJSONNumber:
    """What NaN, Infinity or 1e400 parsed to: json.loads takes them, but json.dumps writes them back as
    NaN / Infinity, which SQLite's JSON functions (the checklist's queries on due_info) refuse."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def loads(path: Path | str, raw: str) -> Any:
    """json.loads(raw); BadInput naming the field of a NaN, an Infinity or a number beyond a float's
    range (1e400). json.loads's own errors (JSONDecodeError, RecursionError, ValueError) pass."""
    found: list[str] = []

    def constant(text: str) -> _NotJSONNumber:
        found.append(text)
        return _NotJSONNumber(text)

    def real(text: str) -> float | _NotJSONNumber:
        value = float(text)
        if value in (float("inf"), float("-inf")):
            found.append(text)
            return _NotJSONNumber(text)
        return value

    document = json.loads(raw, parse_constant=constant, parse_float=real)
    if found:
        where, _ = _first(document, lambda v: type(v) is _NotJSONNumber) or ((), None)
        place = json_path(where)
        raise BadInput(
            f"{path}: {place + ': ' if place else ''}{found[0]} is not a number JSON can hold "
            "(no NaN or Infinity, nothing beyond ±1.8e308)"
        )
    return document


def _first(document: Any, wanted: Callable[[Any], bool]) -> tuple[tuple, Any] | None:
    """(JSON path, value) of the first value, in document order, that is `wanted` (walked iteratively)."""
    stack: list[tuple[Any, tuple]] = [(document, ())]
    while stack:
        value, where = stack.pop()
        if wanted(value):
            return where, value
        if type(value) is dict:
            stack.extend((item, (*where, key)) for key, item in reversed(value.items()))
        elif type(value) is list:
            stack.extend((value[k], (*where, k)) for k in reversed(range(len(value))))
    return None


def check_values(path: Path | str, raw: str, document: Any) -> None:
    """BadInput if a string or field name of the parsed document has a lone surrogate, which cannot be
    written as UTF-8 (SQLite would refuse it mid-load). `raw` is the file's text: the document is walked
    only when it has a \\uD800–\\uDFFF escape (a UTF-8 file cannot hold a surrogate otherwise); an
    emoji written as an escaped pair is fine."""
    if "\\u" not in raw or not _SURROGATE_ESCAPE.search(raw):
        return

    def lone(value: Any) -> bool:
        if type(value) is str:
            return _SURROGATE.search(value) is not None
        return type(value) is dict and any(_SURROGATE.search(key) for key in value)

    found = _first(document, lone)
    if found is None:
        return
    where, value = found
    if type(value) is str:
        what, text = "the text", value
    else:
        text = next(key for key in value if _SURROGATE.search(key))
        what = f"the field name {short(text)}"
    char = _SURROGATE.search(text).group()
    place = json_path(where)
    raise BadInput(
        f"{path}: {place + ': ' if place else ''}{what} has a lone surrogate (\\u{ord(char):04x}), "
        "which is no character; the file is damaged"
    )


__all__ = [
    "loads",
    "check_values",
    "validate_document",
    "check_date",
    "schema",
    "schema_errors",
    "is_valid",
    "MAX_DEPTH",
]
