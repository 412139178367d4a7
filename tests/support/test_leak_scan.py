"""The secret-leak scan finds what it must: each encoded form, in a file and in a test's
captured output, and end to end in a pytest run of its own whose last test fails naming
each leak. The scan of the whole run is tests/e2e/test_zz_no_secret_leaks.py; the scanner is
tests/support/leak_scanner.py, the plugin tests/support/leak_scan.py.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from tests.support import leak_scanner, secret_values
from tests.support.leak_scanner import Coverage, FileScan, Scanner, Secret
from tests.support.srv_postgrest import make_jwt

ROOT = Path(__file__).resolve().parents[2]
# Not a listed secret: the planted files below must not fail the run's own scan.
PLANTED = "Planted-Leak/7f3a9e+x"
SIGNER = "planted-jwt-signing-key-0123456789abcdef"


def _scanner() -> Scanner:
    return Scanner(
        [Secret("PLANTED", PLANTED, users=("bob",)), Secret("SIGNER", SIGNER, signs_jwt=True)]
    )


def _found(data: bytes | str) -> set[tuple[str, str]]:
    raw = data.encode() if isinstance(data, str) else data
    return {(leak.secret, leak.form) for leak in _scanner().find(raw, "here")}


# ------------------------------------------------------------------ the scanner


def test_each_encoded_form_is_found() -> None:
    pair = base64.b64encode(f"bob:{PLANTED}".encode()).decode()
    assert _found(f"log: token={PLANTED}.") == {("PLANTED", "raw")}
    assert _found(f"GET /x?t={quote(PLANTED, safe='')}") == {("PLANTED", "url-encoded")}
    assert _found(f"Authorization: Basic {pair}") == {("PLANTED", "basic auth base64")}
    assert _found(json.dumps({"t": PLANTED}, ensure_ascii=True).replace("/", "\\/")) == {
        ("PLANTED", "json-escaped")
    }
    # inside a longer base64 payload, at each of the three alignments
    for prefix in (b"", b"a", b"ab"):
        blob = base64.urlsafe_b64encode(b"header " + prefix + PLANTED.encode() + b" trailer")
        assert _found(blob) == {("PLANTED", "base64")}


def test_a_jwt_counts_only_when_the_signing_secret_signed_it() -> None:
    signed = make_jwt(SIGNER, {"role": "writer"})
    forged = make_jwt("some-other-key-0123456789abcdef0123", {"role": "writer"})
    assert _found(f"Authorization: Bearer {signed}") == {("SIGNER", "signed JWT")}
    assert _found(f"Authorization: Bearer {forged}") == set()


def test_clean_text_and_short_values_find_nothing() -> None:
    assert _found("nothing to see; Planted-Leak only in part") == set()
    assert Scanner([Secret("SHORT", "p")]).find(b"p p p", "here") == []


def test_a_file_leak_names_the_file_and_the_secret_masked(tmp_path: Path) -> None:
    leaked = b"\x00\x01" + PLANTED.encode() + b"\x00"
    (tmp_path / "state.db-wal").write_bytes(leaked)
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "state.db-wal").write_bytes(leaked)  # same content: still reported
    (tmp_path / "clean.jsonl").write_text('{"ok": 1}\n')
    scan = FileScan(_scanner(), Coverage())
    scan.tree(tmp_path, "basetemp")
    wal = tmp_path / "state.db-wal"
    assert sorted(leak.where for leak in scan.leaks) == [
        str(tmp_path / "copy" / wal.name),
        str(wal),
    ]
    leak = scan.leaks[0]
    assert leak.secret == "PLANTED" and PLANTED not in leak.line() and leak.masked in leak.line()
    assert leak.masked.startswith(PLANTED[:2]) and set(leak.masked[2:]) == {"*"}
    assert scan.coverage.files == 3


def test_state_databases_and_their_audit_rows_are_counted(tmp_path: Path) -> None:
    with contextlib.closing(sqlite3.connect(tmp_path / "state.db")) as db, db:
        db.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, detail TEXT)")
        db.executemany("INSERT INTO audit (detail) VALUES (?)", [("a",), ("b",)])
    with contextlib.closing(sqlite3.connect(tmp_path / "demo.db")) as db, db:
        db.execute("CREATE TABLE products (id INTEGER PRIMARY KEY)")
    scan = FileScan(_scanner(), Coverage())
    scan.tree(tmp_path, "basetemp")
    assert (scan.coverage.state_dbs, scan.coverage.audit_rows, scan.leaks) == (1, 2, [])


def test_the_allowlist_lets_only_its_own_secret_through() -> None:
    conf = Path("/tmp/wb-pg-abc123/postgrest.conf")
    assert leak_scanner.allowed(conf, "POSTGREST_JWT_SECRET")
    assert not leak_scanner.allowed(conf, "PG_SECRET_PASSWORD")
    assert not leak_scanner.allowed(Path("/tmp/wb-pg-abc123/postgrest.log"), "POSTGREST_JWT_SECRET")
    names = set(secret_values.secret_names().values()) | {"POSTGREST_JWT_SECRET"}
    for entry in leak_scanner.ALLOWED:
        assert entry.why and entry.secrets <= names, entry.pattern


def test_every_listed_secret_is_searched() -> None:
    searched = {s.name for s in leak_scanner.listed_secrets()}
    assert searched == set(secret_values.secret_names().values())
    assert all(len(value) >= leak_scanner.MIN_LENGTH for value in secret_values.SECRETS)


# ------------------------------------------------------------------ end to end, in a run of its own

_INNER = """
import base64

import pytest

from tests.support import leak_scan
from tests.e2e.test_zz_no_secret_leaks import test_no_secret_leaks_anywhere  # collected first

PLANTED = {planted!r}


@pytest.fixture(scope="session", autouse=True)
def _planted():
    leak_scan.register_secret(PLANTED, "PLANTED_TOKEN", users=("bob",))


def test_prints_it():
    print("the token is", PLANTED)


def test_writes_basic_auth(tmp_path):
    pair = base64.b64encode(("bob:" + PLANTED).encode()).decode()
    (tmp_path / "cli-output.txt").write_text("Authorization: Basic " + pair + "\\n")


def test_clean(tmp_path):
    (tmp_path / "clean.txt").write_text("nothing to see")
"""


def test_a_run_that_leaks_fails_the_last_test_naming_each_leak(tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pytest.ini").write_text("[pytest]\n")
    (inner / "test_inner.py").write_text(_INNER.format(planted=PLANTED))
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_SNAPSHOT_TEMPDIR"}
    env.update(PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    args = ["-p", "tests.support.leak_scan", "-p", "no:cacheprovider", "-v", "-rN"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *args, "--basetemp", str(tmp_path / "base")],
        cwd=inner,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert PLANTED not in out and quote(PLANTED, safe="") not in out
    order = re.findall(r"^test_inner\.py::(\w+) (?:PASSED|FAILED)", done.stdout, re.M)
    assert order[-1] == "test_no_secret_leaks_anywhere" and len(order) == 4, order
    assert "test_inner.py::test_prints_it (call: Captured stdout call): PLANTED_TOKEN" in out
    assert re.search(r"cli-output\.txt: PLANTED_TOKEN \(Pl\*+\) as basic auth base64", out)
    assert "clean.txt" not in out and "2 secret leaks" in out
