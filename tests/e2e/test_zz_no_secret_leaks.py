"""No test secret shows up in any output, log, audit row or file of the whole test run.

The scan itself is tests/support/leak_scan.py; the secrets are in
tests/support/secret_values.py. This test, moved after every other test of the
session, scans what the whole run produced; tests/support/test_leak_scan.py proves the
scanner finds what it must. The `zz` keeps this file last in collection order too,
and the end-to-end run of tests/support/test_leak_scan.py imports its test from here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import leak_scan
from tests.support.leak_scanner import Coverage

ROOT = Path(__file__).resolve().parents[2]
# What a run of the whole suite must at least have scanned: about a third of what one
# scanned when measured (825 tests: 2777 files, 2473 reports, 222 state databases with
# 18669 audit rows, 60 PostgreSQL dumps, 2015 server files, 6 snapshots).
WHOLE_RUN_FLOORS = {
    "files": 1000,
    "reports": 1600,
    "state_dbs": 50,
    "audit_rows": 1000,
    "pg_dumps": 20,
    "server_files": 500,
    "snapshot_files": 1,
}


# ------------------------------------------------------------------ the whole run


def _whole_suite(session: pytest.Session) -> bool:
    """True when every test file of tests/ has tests in this run (no -k, no file list)."""
    ran = {item.path.resolve() for item in session.items}
    return ran >= set((ROOT / "tests").rglob("test_*.py"))


def _floor_problems(coverage: Coverage) -> list[str]:
    return [
        f"only {getattr(coverage, name)} {name} scanned in a run of the whole suite"
        for name, floor in WHOLE_RUN_FLOORS.items()
        if getattr(coverage, name) < floor
    ]


@pytest.mark.leak_scan_last
def test_no_secret_leaks_anywhere(request: pytest.FixtureRequest) -> None:
    """Runs last: every test's output and every file the run left hold no secret."""
    assert request.session.items[-1] is request.node, "the scan must run after every other test"
    outcome = leak_scan.scan_run(request.node.nodeid)
    print(f"secret-leak scan after {outcome.tests} tests: {outcome.coverage.summary()}")
    if outcome.leaks:
        lines = sorted({leak.line() for leak in outcome.leaks})
        pytest.fail(f"{len(lines)} secret leaks:\n" + "\n".join(lines), pytrace=False)
    floors = _floor_problems(outcome.coverage) if _whole_suite(request.session) else []
    problems = outcome.problems + floors
    if problems:
        pytest.fail("the scan did not cover the run:\n" + "\n".join(problems), pytrace=False)
