"""Fuzzed `push` files: change files (JSON Lines) and desired rows (CSV, JSON Lines) parse,
or are refused naming the file and a line of it that is not blank, in one line; the real
command does the same with exit 2 and no traceback."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from tests.support.fuzzing import FUZZ, json_values, one_line
from tests.support.state_support import cli, write_config
from tui.commands import UsageError
from tui.commands.push import read_changes
from tui.config.model import Column
from tui.table import Change, ChangeFileError, Table, parse_changes

pytestmark = pytest.mark.slow  # generated inputs, the command as a process


def loaded_table() -> Table:
    columns = [Column("id", type="integer"), Column("qty", type="integer", min=0)]
    table = Table(columns, key=["id"])
    table.append_page([{"id": i, "name": f"n{i}", "qty": i * 10} for i in range(1, 6)])
    return table


cells = st.dictionaries(st.sampled_from(["id", "name", "qty", "colour"]), json_values, max_size=3)
key_values = st.fixed_dictionaries({"id": json_values})
change_lines = st.one_of(
    st.fixed_dictionaries({"op": st.just("insert"), "values": cells}),
    st.fixed_dictionaries(
        {"op": st.just("update"), "key": key_values, "set": cells}, optional={"was": cells}
    ),
    st.fixed_dictionaries({"op": st.just("delete"), "key": key_values}),
    st.dictionaries(
        st.sampled_from(["op", "key", "set", "row", "values", "x\ny"]), json_values, max_size=3
    ),
    json_values,
)
line_edits = st.lists(
    st.tuples(
        st.integers(0, 10_000),
        st.sampled_from(["", "{", "}", '"', "\n", "\u2028", "\x00", "9" * 5000, "[" * 3000]),
    ),
    max_size=2,
)


def edited(text: str, changes: list[tuple[int, str]]) -> str:
    for at, snippet in changes:
        at %= len(text) + 1
        text = text[:at] + snippet + text[at + (0 if snippet else 1) :]
    return text


def change_file(lines: list[Any], changes: list[tuple[int, str]]) -> str:
    return edited("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), changes)


def check_refusal(message: str, text: str, prefix: str = "") -> None:
    """`[prefix]line N: why`, one line, N a line of the file that is not blank."""
    assert one_line(message), repr(message)
    match = re.match(re.escape(prefix) + r"line (\d+): \S", message)
    if match:
        number = int(match[1])
        # JSON Lines end at "\n"; CSV (as editors) also at a lone "\r".
        splits = [text.split("\n"), re.split(r"\r\n|\r|\n", text)]
        assert any(number <= len(lines) and lines[number - 1].strip(" \t\r") for lines in splits), (
            message,
            text,
        )


@FUZZ
@given(lines=st.lists(change_lines, max_size=4), changes=line_edits)
@example(lines=[{"op": "insert", "values": {"id": [1]}}], changes=[])
@example(lines=[{"op": "delete", "key": {"id": 1}}], changes=[(0, "[" * 3000)])
@example(lines=[{"op": "delete", "key": {"id": 1}, "x\ny": 1}], changes=[])
@example(lines=[{"op": "update", "key": {"id": 1}, "set": {"name": "a\u2028b"}}], changes=[])
@example(lines=[{"op": "insert", "values": {"id": None}}], changes=[(29, "\u2028")])
def test_change_files_parse_or_name_the_line(
    lines: list[Any], changes: list[tuple[int, str]]
) -> None:
    text = change_file(lines, changes)
    table = loaded_table()
    try:
        parsed = parse_changes(text.split("\n"), table.key)
    except ChangeFileError as exc:
        assert type(exc) is ChangeFileError
        check_refusal(str(exc), text)
        return
    rejected = table.apply_changes(parsed)  # whatever a file says, the table refuses in words
    assert all(one_line(str(item)) for item in rejected)
    assert all(isinstance(p, str) for p in table.problems())


valid_changes = st.one_of(
    st.fixed_dictionaries(
        {
            "op": st.just("insert"),
            "values": st.fixed_dictionaries(
                {"id": st.integers(100, 200), "name": st.text(max_size=5)}
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "op": st.just("update"),
            "key": st.fixed_dictionaries({"id": st.integers(1, 5)}),
            "set": st.fixed_dictionaries({"qty": st.integers(0, 99)}),
        }
    ),
    st.fixed_dictionaries(
        {"op": st.just("delete"), "key": st.fixed_dictionaries({"id": st.integers(1, 5)})}
    ),
)


@FUZZ
@given(lines=st.lists(valid_changes, max_size=5), blank=st.sampled_from(["", "\n", "  \n", "\r\n"]))
def test_valid_change_files_parse_line_for_line(lines: list[dict[str, Any]], blank: str) -> None:
    text = "".join(blank + json.dumps(line) + "\n" for line in lines)
    parsed = parse_changes(text.split("\n"), ["id"])
    assert [c.to_json() for c in parsed] == lines
    numbers = [i + 1 for i, line in enumerate(text.split("\n")) if line.strip()]
    assert [c.line for c in parsed] == numbers


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-push")


def read(path: Path, content: bytes, is_change_file: bool) -> list[Change] | UsageError:
    path.write_bytes(content)
    try:
        return read_changes(loaded_table(), path, is_change_file)
    except UsageError as exc:
        assert type(exc) is UsageError
        check_refusal(str(exc), content.decode("utf-8", "replace"), f"{path}: ")
        assert str(exc).startswith(f"{path}: ") or str(exc).startswith("writeback push: ")
        return exc


@FUZZ
@given(
    lines=st.lists(change_lines, max_size=3),
    changes=line_edits,
    bom=st.booleans(),
    raw=st.sampled_from([b"", b"\xff", b"\xc3"]),
)
@example(lines=[{"op": "delete", "key": {"id": 1}}] * 2, changes=[], bom=False, raw=b"\xff")
def test_push_change_files_name_the_file_and_line(
    lines: list[Any], changes: list[tuple[int, str]], bom: bool, raw: bytes, files: Path
) -> None:
    content = (
        (b"\xef\xbb\xbf" if bom else b"")
        + change_file(lines, changes).encode("utf-8", "surrogatepass")
        + raw
    )
    read(files / "changes.jsonl", content, True)


row_values = st.fixed_dictionaries(
    {"id": st.integers(1, 9) | st.sampled_from(["", "x", "7.0"])},
    optional={
        "name": st.text(max_size=6),
        "qty": st.integers(-5, 99) | st.text(max_size=3),
        "colour": st.text(max_size=2),
    },
)


def as_csv(rows: list[dict[str, Any]], header: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@FUZZ
@given(
    rows=st.lists(row_values | json_values, max_size=4),
    fmt=st.sampled_from(["csv", "jsonl"]),
    changes=line_edits,
)
@example(rows=[{"id": 1}, [1, 2], 3], fmt="jsonl", changes=[])
@example(rows=[{"id": [1]}], fmt="jsonl", changes=[])
@example(rows=[{"id": 1, "name": "a\u2028b"}], fmt="csv", changes=[])
@example(rows=[], fmt="csv", changes=[(572, '"')])
@example(rows=[], fmt="csv", changes=[(572, "\u2028")])
def test_push_rows_files_name_the_file_and_line(
    rows: list[Any], fmt: str, changes: list[tuple[int, str]], files: Path
) -> None:
    if fmt == "csv":
        dicts = [r for r in rows if isinstance(r, dict)]
        text = as_csv(dicts, ["id", "name", "qty"])
    else:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    read(files / f"rows.{fmt}", edited(text, changes).encode("utf-8", "surrogatepass"), False)


@FUZZ
@given(
    keep=st.sets(st.integers(1, 5)),
    qty=st.dictionaries(st.integers(1, 5), st.integers(0, 99)),
    new=st.sets(st.integers(6, 9), max_size=2),
    names=st.lists(
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=6), min_size=9, max_size=9
    ),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
)
# read_text() turned the quoted "\r" of a CSV value into "\n"
@example(keep=set(), qty={}, new={9}, names=[""] * 8 + ["\r"], newline="\r\n", bom=False)
def test_push_rows_as_csv_and_jsonl_mean_the_same(
    keep: set[int],
    qty: dict[int, int],
    new: set[int],
    names: list[str],
    newline: str,
    bom: bool,
    files: Path,
) -> None:
    """The same desired rows as CSV (text, quoted line breaks) and JSON Lines: the same changes."""
    # csv.writer leaves a lone "\r" unquoted under a "\n" terminator: no reader gets it back.
    assume(newline == "\r\n" or "\r" not in "".join(names))
    rows = [{"id": i, "name": names[i - 1], "qty": qty.get(i, i * 10)} for i in sorted(keep | new)]
    jsonl = "".join(json.dumps(r, ensure_ascii=False) + newline for r in rows)
    out = io.StringIO()
    csv.DictWriter(out, ["id", "name", "qty"], lineterminator=newline).writeheader()
    csv.DictWriter(out, ["id", "name", "qty"], lineterminator=newline).writerows(rows)
    prefix = "\ufeff" if bom else ""
    from_csv = read(files / "rows.csv", (prefix + out.getvalue()).encode(), False)
    from_jsonl = read(files / "rows.jsonl", (prefix + jsonl).encode(), False)
    assert isinstance(from_csv, list) and isinstance(from_jsonl, list), (from_csv, from_jsonl)
    strip = [(c.op, c.row, c.key, c.set, c.values) for c in from_csv]
    assert strip == [(c.op, c.row, c.key, c.set, c.values) for c in from_jsonl]
    assert sorted(c.values["id"] for c in from_csv if c.op == "insert") == sorted(new)
    assert sorted(c.key["id"] for c in from_csv if c.op == "delete") == sorted(
        {1, 2, 3, 4, 5} - keep
    )


def test_push_command_names_the_file_and_line(tmp_path: Path, demo_server_session: Any) -> None:
    """The real command, on a handful of bad files: exit 2, one line, no traceback."""
    config = write_config(tmp_path, demo_server_session)
    bad = {
        "utf8.jsonl": (
            b'{"op": "delete", "key": {"id": 1}}\n\n{"op": "delete", "key": {"id": \xff}}\n',
            3,
        ),
        "deep.jsonl": (b'\n{"op": "delete", "key": {"id": 2}}\n' + b"[" * 5000 + b"\n", 3),
        "listkey.jsonl": (b'{"op": "insert", "values": {"id": [1], "name": "x"}}\n', 1),
    }
    for name, (content, line) in bad.items():
        path = tmp_path / name
        path.write_bytes(content)
        run = cli(config, "push", "products", "--changes", str(path), "--dry-run")
        assert run.returncode == 2, (name, run.stderr)
        assert "Traceback" not in run.stderr
        assert run.stderr.splitlines() == [run.stderr.strip()], run.stderr
        assert run.stderr.startswith(f"{path}: line {line}: "), run.stderr
