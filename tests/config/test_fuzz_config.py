"""Fuzzed configuration files: each loads, or fails with our ConfigError, one PATH:LINE per problem.

The documents are the shipped config.example.toml and the demo's configuration,
mutated (broken syntax, wrong kinds of values, noise that shifts lines), and
random structures over the schema's own vocabulary.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from tests.support.fuzzing import FUZZ
from tests.support.state_support import cli
from tui.config import Config, ConfigError, load_config, parse_config
from tui.config.warnings import warnings_for
from tui.demo.config_text import demo_config_text

pytestmark = pytest.mark.slow  # generated inputs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "config.example.toml").read_text(encoding="utf-8")
DEMO = demo_config_text("http://127.0.0.1:8765/api/v1", Path("/tmp/wb-fuzz/state.db"))
BASES = {"example": EXAMPLE, "demo": DEMO}


@pytest.fixture(scope="module")
def conf_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file the fuzzed texts are written to, so every error names a real path."""
    return tmp_path_factory.mktemp("fuzz-config") / "writeback.toml"


def load(path: Path, content: str | bytes) -> Config | ConfigError:
    """Load through the public loader (`writeback validate` uses it); anything else escapes."""
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)
    try:
        config = load_config(path)
    except ConfigError as exc:
        return exc
    warnings_for(config)  # validate prints these: they must not trip on odd values either
    return config


def error_lines(path: Path, content: str | bytes, outcome: Config | ConfigError) -> list[int]:
    """The line numbers of a ConfigError, after checking every line is `PATH:LINE: message`."""
    if not isinstance(outcome, ConfigError):
        return []
    assert type(outcome) is ConfigError
    assert outcome.lines, "a ConfigError names at least one problem"
    assert str(outcome) == "\n".join(outcome.lines)
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    last = len(re.split(r"\r\n|\r|\n", text))  # the file is read with universal newlines
    numbers = []
    for line in outcome.lines:
        assert len(line.splitlines()) == 1 and "\r" not in line, repr(line)
        match = re.fullmatch(re.escape(str(path)) + r":(\d+): (\S.*)", line)
        assert match, repr(line)
        assert 1 <= int(match[1]) <= last, (line, last)
        assert "Traceback" not in line
        numbers.append(int(match[1]))
    return numbers


# -- TOML text: writing generated documents --------------------------------------------


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def toml_string(text: str) -> str:
    escaped = (
        c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else c
        for c in text
    )
    return '"' + "".join(escaped) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int | dt.date | dt.time):
        return value.isoformat() if not isinstance(value, int) else str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(toml_value, value)) + "]"
    items = (f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
    return "{ " + ", ".join(items) + " }"


def dumps(document: dict[str, Any]) -> str:
    """TOML with a [header] per table, small tables of plain values inline (as people write)."""
    out: list[str] = []
    _emit_table(out, (), document)
    return "\n".join(out) + "\n"


def _inline(value: Any) -> bool:
    return not isinstance(value, dict) or (
        len(value) <= 2 and not any(isinstance(v, dict) for v in value.values())
    )


def _emit_table(out: list[str], path: tuple[str, ...], table: dict[str, Any]) -> None:
    plain = {k: v for k, v in table.items() if _inline(v)} if path else {}
    if path and (plain or not table):
        out.append("[" + ".".join(map(toml_key, path)) + "]")
    out.extend(f"{toml_key(k)} = {toml_value(v)}" for k, v in plain.items())
    for key, value in table.items():
        if key not in plain:
            if isinstance(value, dict):
                _emit_table(out, path + (key,), value)
            else:  # a top-level scalar
                out.insert(0, f"{toml_key(key)} = {toml_value(value)}")


# -- strategies ---------------------------------------------------------------------------

SCHEMA_KEYS = sorted(
    set(
        re.findall(
            r'\.(?:str|int|float|bool|str_list|path_value|secret|value_map|table)\(\s*"([a-z_0-9]+)"',
            (ROOT / "tui" / "config" / "schema.py").read_text(),
        )
    )
    | {"insert", "update", "delete", "columns", "app.lock", "grid.edit"}
)
WORDS = [
    "https://api.example.com/v1",
    "http://[::1",
    "https://h:99999/x",
    "postgresql://u:pw@db/wb",
    "/things/{id}",
    "/x/{nope}",
    "GET",
    "PATCH",
    "json",
    "json-patch",
    "next_url",
    "next_token",
    "offset",
    "choice",
    "integer",
    "bearer",
    "certificate",
    "hook",
    "ctrl+s",
    "f1,,x",
    "(unclosed",
    "a{99999999999}",
    "~\x00/x",
    "a\nb",
    "",
]
scalars = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.times(),
)
secret_refs = st.dictionaries(
    st.sampled_from(["env", "keyring", "file", "prompt", "user", "x"]), scalars, max_size=3
)
values = st.recursive(
    scalars | secret_refs,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(SCHEMA_KEYS) | st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
ids = st.sampled_from(["demo", "api", "a.b", "A", "a", "-bad", "x y", ""]) | st.text(max_size=5)


def section(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A table of known keys (mostly) with values of any kind."""
    names = st.sampled_from(keys) | st.sampled_from(SCHEMA_KEYS) | st.text(max_size=6)
    return st.dictionaries(names, values, max_size=6)


integration = section(["url", "timeout", "auth", "verify", "ca_bundle", "redirect_allowlist"])
destination = section(["integration", "path", "key", "load", "columns", "update", "access"])
documents = st.fixed_dictionaries(
    {},
    optional={
        "state": section(["path", "url", "password", "retention_days"]),
        "integrations": st.dictionaries(ids, integration, max_size=2) | values,
        "destinations": st.dictionaries(ids, destination, max_size=2) | values,
        "keys": st.dictionaries(st.sampled_from(["app", "grid", "app.lock"]), values, max_size=2),
        "colour": values,
    },
)

SNIPPETS = [
    "[",
    "]",
    "[[",
    "{",
    "}",
    "=",
    " = ",
    '"',
    "'",
    '"""',
    "'''",
    "\n",
    "\r\n",
    "#",
    ",",
    ".",
    "\\",
    "\x00",
    "\ufeff",
    "\u2028",
    "\x85",
    "true",
    "nan",
    "-inf",
    "1979-05-27",
    "0x",
    "99999999999999999999999",
    "[a]\n",
    "[integrations.x]\n",
    "key = 1\n",
]
edits = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=1),
        st.sampled_from(["insert", "delete", "duplicate_line"]),
        st.sampled_from(SNIPPETS) | st.text(max_size=4),
    ),
    min_size=1,
    max_size=4,
)


def apply_edits(text: str, changes: list[tuple[float, str, str]]) -> str:
    for where, op, snippet in changes:
        at = int(where * len(text))
        if op == "insert":
            text = text[:at] + snippet + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + 1 + len(snippet) :]
        else:
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            end = len(text) if end < 0 else end + 1
            text = text[:end] + text[start:end] + text[end:]
    return text


def assignments(text: str) -> list[tuple[int, str, Any]]:
    """(line index, key, value) of each single-line `key = value` that parses on its own."""
    found = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        match = re.match(r"^\s*([A-Za-z0-9_.\"-]+)\s*=\s*(.*)$", line)
        if not match:
            continue
        try:
            value = tomllib.loads("v = " + match[2])["v"]
        except tomllib.TOMLDecodeError:
            continue
        probe = "\n".join(lines[:i] + [f"{match[1]} = true"] + lines[i + 1 :])
        try:
            tomllib.loads(probe)  # the line stands alone (not inside a multi-line value)
        except tomllib.TOMLDecodeError:
            continue
        found.append((i, match[1], value))
    return found


TARGETS = [(name, *a) for name, text in BASES.items() for a in assignments(text)]


def target(base: str, key: str) -> tuple[str, int, str, Any]:
    """The last `key = ...` line of a base document (last: after the comments that matter)."""
    return [t for t in TARGETS if t[0] == base and t[2] == key][-1]


STANDALONE = {name: [t[1] for t in TARGETS if t[0] == name] for name in BASES}
WRONG_FOR_BOOL = ['"yes"', "1", "1.5", "[true]", "{ a = 1 }", "1979-05-27"]
WRONG_FOR_OTHER = ["true", "false", "1979-05-27T07:32:00Z", "07:32:00"]

comment_text = st.one_of(
    st.sampled_from(['"""', "'''", '"', "'", "[a]", "x = 1", "\u2028", "\x85", "{ y = 2 }"]),
    st.text(
        st.characters(
            blacklist_categories=("Cs",),
            blacklist_characters=[chr(i) for i in range(32) if i != 9] + ["\x7f"],
        ),
        max_size=10,
    ),
)
noise = st.lists(
    st.tuples(st.integers(min_value=0), st.sampled_from(["comment", "blank", "trailing"])),
    max_size=5,
)


def with_noise(
    base: str, text: str, target: int, bits: list[tuple[int, str]], words: list[str]
) -> tuple[str, int]:
    """`text` (BASES[base], maybe with one value changed) with comments and blank lines added;
    returns it and where line `target` went."""
    lines = text.split("\n")
    standalone = set(STANDALONE[base])
    for (at, kind), word in zip(bits, words, strict=False):
        if kind == "trailing":
            candidates = sorted(standalone)
            i = candidates[at % len(candidates)]
            lines[i] += "  # " + word
            continue
        # A comment or blank line may stand before any header or standalone line.
        starts = sorted(standalone | {i for i, line in enumerate(lines) if line.startswith("[")})
        i = starts[at % len(starts)]
        lines.insert(i, "# " + word if kind == "comment" else "")
        standalone = {j + 1 if j >= i else j for j in standalone}
        target += 1 if target >= i else 0
    return "\n".join(lines), target


# -- the tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BASES))
def test_bases_load(name: str, conf_file: Path) -> None:
    assert isinstance(load(conf_file, BASES[name]), Config)


@FUZZ
@given(base=st.sampled_from(sorted(BASES)), changes=edits)
@example(base="example", changes=[(0.0, "insert", "a = " + "[" * 3000)])
@example(base="example", changes=[(0.0, "insert", "a = " + "9" * 5000 + "\n")])
@example(base="demo", changes=[(0.0, "insert", "\ufeff")])
@example(base="demo", changes=[(0.0, "insert", "[keys]\n" + "a." * 3000 + 'a = "x"\n')])
def test_broken_text_fails_with_path_and_line(
    base: str, changes: list[tuple[float, str, str]], conf_file: Path
) -> None:
    text = apply_edits(BASES[base], changes)
    error_lines(conf_file, text, load(conf_file, text))


@FUZZ
@given(content=st.binary(max_size=200) | st.text(max_size=200))
@example(content=b'a = "\xff"\n')
@example(content=b"[state]\n\npath = '\xc3'\n")
def test_random_bytes_fail_with_path_and_line(content: bytes | str, conf_file: Path) -> None:
    error_lines(conf_file, content, load(conf_file, content))


@FUZZ
@given(document=documents)
@example(document={"integrations": {"a": {"url": "http://[::1"}}})
@example(document={"state": {"url": "postgresql://h:99999/wb"}})
@example(document={"integrations": {"a": {"url": "https://x.example.com", "ca_bundle": "~\x00/x"}}})
@example(document={"integrations": {"a": {"url": "https://x.example.com", "timeout": math.nan}}})
@example(
    document={
        "integrations": {"a": {"url": "https://x.example.com", "redirect_allowlist": ["http://["]}}
    }
)
@example(document={"destinations": {"d": {"columns": {"c": {"pattern": "(" * 1000 + ")" * 1000}}}}})
@example(
    document={"destinations": {"d": {"columns": {"c": {"pattern": "a{99999999999999999999}"}}}}}
)
@example(document={"destinations": {"d": {"update": {"path": "/x/{a\nb}"}}}})
@example(document={"destinations": {"d": {"load": {"csv_delimiter": '"'}}}})
@example(document={"a\nb": 1})
def test_random_structures_fail_with_path_and_line(
    document: dict[str, Any], conf_file: Path
) -> None:
    text = dumps(document)
    tomllib.loads(text)  # the writer above makes valid TOML: the schema, not the syntax, is hit
    error_lines(conf_file, text, load(conf_file, text))


@FUZZ
@given(
    target=st.sampled_from(TARGETS),
    pick=st.integers(min_value=0),
    bits=noise,
    words=st.lists(comment_text, min_size=5, max_size=5),
)
# A comment holding '"""' or U+2028 threw off the line of every later key.
@example(target=target("example", "rate_limit"), pick=0, bits=[(0, "comment")], words=['"""'] * 5)
@example(target=target("demo", "type"), pick=0, bits=[(0, "comment")], words=["\u2028"] * 5)
@example(target=target("example", "retention_days"), pick=0, bits=[], words=[])
def test_wrong_kind_of_value_is_named_on_its_line(
    target: tuple[str, int, str, Any],
    pick: int,
    bits: list[tuple[int, str]],
    words: list[str],
    conf_file: Path,
) -> None:
    """A value of the wrong kind (a bool where none belongs, else a string) errs on its line."""
    base, index, key, value = target
    wrong = WRONG_FOR_BOOL if isinstance(value, bool) else WRONG_FOR_OTHER
    lines = BASES[base].split("\n")
    lines[index] = f"{key} = {wrong[pick % len(wrong)]}"
    text, line = with_noise(base, "\n".join(lines), index, bits, words)
    outcome = load(conf_file, text)
    assert isinstance(outcome, ConfigError), f"{key} = {wrong[pick % len(wrong)]} was accepted"
    assert line + 1 in error_lines(conf_file, text, outcome), (line + 1, outcome.lines)


@FUZZ
@given(base=st.sampled_from(sorted(BASES)), bits=noise, words=st.lists(comment_text, max_size=5))
def test_comments_and_blank_lines_change_nothing(
    base: str, bits: list[tuple[int, str]], words: list[str], conf_file: Path
) -> None:
    text, _ = with_noise(base, BASES[base], 0, bits, words)
    outcome = load(conf_file, text)
    assert isinstance(outcome, Config), getattr(outcome, "lines", None)
    assert replace(outcome, source=None) == replace(parse_config(BASES[base]), source=None)


# -- the command line, on a handful of generated bad files --------------------------------


@settings(FUZZ, max_examples=4)
@given(base=st.sampled_from(sorted(BASES)), changes=edits)
@example(base="example", changes=[(0.5, "insert", "a = " + "[" * 3000)])
@example(base="demo", changes=[(0.0, "insert", "\ufeff")])
def test_validate_command_prints_the_same_lines(
    base: str, changes: list[tuple[float, str, str]], conf_file: Path
) -> None:
    text = apply_edits(BASES[base], changes)
    outcome = load(conf_file, text)
    if not isinstance(outcome, ConfigError):
        text = text + "\ncolour = true\n"  # make sure the command has something to refuse
        outcome = load(conf_file, text)
    assert isinstance(outcome, ConfigError)
    run = cli(conf_file, "validate")
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.splitlines() == outcome.lines
    assert run.stdout == ""
