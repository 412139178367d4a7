"""Writeback under faults: the fault proxy sits between the engine and the demo server.

Three rows are changed; one of them meets the fault. For every fault the test checks
what the user is told (one line, naming the request), where the row stands (written,
still pending, or held as unknown), that nothing reached the server twice, that the
audit trail says what the server holds, and that the lock was released.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import fault_proxy as fp
from tests.support.state_support import TOKEN, cli, who, write_config
from tui.config.load import load_config
from tui.secrets import SecretStore
from tui.state.store import StateStore
from tui.workspace import Workspace
from tui.workspace.report import WritebackReport

DEST = "products"
IDS = (11, 12, 13)  # the faulted row is the middle one
TARGET = 12
NEW_QTY = 4242
ALICE = who("alice")


@dataclass(frozen=True)
class Case:
    fault: Callable[[], fp.Fault]
    status: str  # the faulted row's result
    words: tuple[str, ...]  # in its message
    lands: bool  # the server ends up holding the change
    reached: int  # PATCHes of the row that reached the server


CASES: dict[str, Case] = {
    "delay under the timeout": Case(lambda: fp.delay(0.3), "done", (), True, 1),
    "timeout, request processed": Case(
        fp.hang_after_forward, "unknown", ("outcome unknown", "no answer within 0.5 s"), True, 1
    ),
    "timeout, request not processed": Case(
        fp.hang, "unknown", ("outcome unknown", "no answer within 0.5 s"), False, 0
    ),
    "reset before the answer": Case(
        lambda: fp.reset(forward=True), "unknown", ("outcome unknown",), True, 1
    ),
    "reset before forwarding": Case(
        lambda: fp.reset(forward=False), "unknown", ("outcome unknown",), False, 0
    ),
    "reset mid-answer": Case(
        lambda: fp.reset(forward=True, after_bytes=30), "unknown", ("outcome unknown",), True, 1
    ),
    "truncated answer": Case(fp.truncate, "unknown", ("outcome unknown",), True, 1),
    "500 with a JSON reason": Case(
        lambda: fp.status(500, b'{"error": "database is locked"}'),
        "failed",
        ("500", "database is locked"),
        False,
        0,
    ),
    "500 HTML error page": Case(
        lambda: fp.html_error(500), "failed", ("500", "Internal Server Error"), False, 0
    ),
    "502 HTML error page": Case(
        lambda: fp.html_error(502), "unknown", ("502", "may have written"), False, 0
    ),
    "503": Case(lambda: fp.status(503), "failed", ("503", "idempotency key"), False, 0),
    "504": Case(lambda: fp.status(504), "unknown", ("504", "may have written"), False, 0),
    "429 Retry-After seconds": Case(lambda: fp.retry_after(429, "1"), "done", (), True, 1),
    "429 Retry-After date": Case(lambda: fp.retry_after(429, fp.http_date(2)), "done", (), True, 1),
    "429 Retry-After too long": Case(
        lambda: fp.retry_after(429, "120"), "failed", ("429", "max_retry_wait"), False, 0
    ),
    "invalid JSON answer": Case(lambda: fp.body(b"{not json"), "done", (), True, 1),
    "HTML answer with 200": Case(
        lambda: fp.body(b"<html><title>Welcome</title></html>", "text/html"), "done", (), True, 1
    ),
    "50 MB answer": Case(
        lambda: fp.big_body(50), "unknown", ("larger than 32 MB", "max_response_mb"), True, 1
    ),
}


@dataclass
class Rig:
    server: Any
    proxy: fp.FaultProxy
    state: StateStore
    config: Path

    def workspace(self) -> Workspace:
        return Workspace(load_config(self.config), DEST, self.state, ALICE, SecretStore())

    def server_qty(self, pid: int) -> int:
        response = httpx.get(f"{self.server.api_url}/products/{pid}", timeout=5)
        response.raise_for_status()
        return response.json()["qty"]


@pytest.fixture
def rig(tmp_path: Path, demo_server: Any, fault_proxy: Callable[..., fp.FaultProxy]) -> Rig:
    proxy = fault_proxy(demo_server.url)
    config = write_config(
        tmp_path,
        demo_server,
        # updates answer with the row, so a fault can cut or spoil a real body
        integration="retries = 2\nbackoff = 0\nmax_retry_wait = 5\nmax_concurrency = 1\n"
        'headers = { Prefer = "return=representation" }\n',
    )
    text = (
        config.read_text()
        .replace(demo_server.url, proxy.url)
        .replace("timeout = 10", "timeout = 0.5")
    )
    config.write_text(text)
    with StateStore(tmp_path / "state.db") as state:
        yield Rig(demo_server, proxy, state, config)


async def edited(rig: Rig) -> tuple[Workspace, dict[int, int], dict[int, int]]:
    """A workspace with qty changed on IDS: (workspace, row by id, qty before by id)."""
    ws = rig.workspace()
    await ws.load()
    rows = {pid: ws.table.find({"id": pid}) for pid in IDS}
    before = {pid: ws.table.value(row, "qty") for pid, row in rows.items()}
    for pid, row in rows.items():
        ws.table.edit(row, "qty", NEW_QTY + pid)
    ws.journal()
    return ws, rows, before


def target_path(pid: int = TARGET) -> str:
    return rf"/products/{pid}$"


def audit_of(state: StateStore, report: WritebackReport) -> dict[int, list[str]]:
    """Audit statuses per product id for one writeback."""
    found: dict[int, list[str]] = {}
    for entry in state.audit.query(destination=DEST, limit=1000):
        if entry.writeback_id == report.writeback_id and entry.row_key:
            found.setdefault(int(entry.row_key["id"]), []).append(entry.outcome)
    return found


def assert_audit_matches_server(rig: Rig, report: WritebackReport, before: dict[int, int]) -> None:
    """Each row audited once; 'done' rows hold the new value, 'failed' rows the old one."""
    audited = audit_of(rig.state, report)
    assert sorted(audited) == sorted(IDS)
    for pid, statuses in audited.items():
        assert len(statuses) == 1, f"row {pid} audited {statuses}"
        on_server = rig.server_qty(pid)
        if statuses[0] == "done":
            assert on_server == NEW_QTY + pid
        elif statuses[0] == "failed":
            assert on_server == before[pid]


def assert_one_line(message: str) -> None:
    assert message and "\n" not in message and "Traceback" not in message


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
async def test_a_fault_on_one_row_of_a_writeback(rig: Rig, name: str) -> None:
    case = CASES[name]
    ws, rows, before = await edited(rig)
    rig.proxy.add(case.fault(), method="PATCH", path=target_path())
    started = time.monotonic()
    report = await ws.write_back()
    elapsed = time.monotonic() - started
    by_id = {int(ws.table.value(int(r.row_id), "id")): r for r in report.results}

    hit = by_id[TARGET]
    assert hit.status == case.status, hit.message
    for word in case.words:
        assert word in hit.message
    assert hit.request == f"PATCH {rig.proxy.url}/api/v1/products/{TARGET}"
    if hit.message:
        assert_one_line(hit.message)
    assert all(by_id[pid].status == "done" for pid in IDS if pid != TARGET)
    if "Retry-After" in name and case.status == "done":
        assert elapsed >= 0.5, "Retry-After was not waited out"

    assert rig.proxy.forwarded("PATCH", target_path()) == case.reached
    assert (rig.server_qty(TARGET) == NEW_QTY + TARGET) is case.lands
    assert_audit_matches_server(rig, report, before)
    assert ws.lock_state() is None, "the writeback's lock was not released"

    row = rows[TARGET]
    pending = {c.row for c in ws.table.changes()}
    if case.status == "done":
        assert row not in pending
    elif case.status == "failed":
        assert row in pending and ws.held == set(), "a failed row stays in the change set"
    else:
        assert ws.held == {row} and "outcome unknown" in (ws.table.row_error(row) or "")
    assert pending <= {row}


# where the rows are read when configured: the update path with a query the proxy tells apart
READ_ROW = (
    '\n[destinations.products.read_row]\npath = "/products/{id}"\nparams = { via = "read_row" }\n'
)
GUESSED_ROW_PATH = r"/products/\d+$"  # the update path, which [read_row] is guessed from


def read_at(rig: Rig, after_write: str | None = None) -> None:
    """Rows read at [read_row] (and `after_write` set) from now on."""
    text = rig.config.read_text() + READ_ROW
    if after_write:
        text = text.replace(
            "allow_locking = true\n", f'allow_locking = true\nafter_write = "{after_write}"\n', 1
        )
    rig.config.write_text(text)


def moved_on(rig: Rig, qty: int) -> None:
    """Someone else changes the target row after the load: its ETag goes stale."""
    url = f"{rig.server.api_url}/products/{TARGET}"
    httpx.patch(url, json={"qty": qty}, timeout=5).raise_for_status()


async def test_theirs_after_a_412_come_from_the_table_where_the_row_path_answers_501(
    rig: Rig,
) -> None:
    ws, _rows, _before = await edited(rig)
    moved_on(rig, 7)
    rig.proxy.add(fp.status(501), method="GET", path=GUESSED_ROW_PATH, times=-1)
    report = await ws.write_back()
    assert report.summary == "2 updated, 1 conflicts"
    assert report.conflicts[0].theirs == {"qty": 7}
    [note] = report.notes
    assert "answers 501" in note and "[destinations.products.read_row]" in note
    assert rig.proxy.forwarded("GET", GUESSED_ROW_PATH) == 0  # the 501 was the proxy's


async def test_theirs_after_a_412_are_read_from_a_configured_read_row(rig: Rig) -> None:
    read_at(rig)
    ws, _rows, _before = await edited(rig)
    moved_on(rig, 8)
    rig.proxy.add(fp.status(501), method="GET", path=GUESSED_ROW_PATH, times=-1)
    report = await ws.write_back()
    assert report.summary == "2 updated, 1 conflicts" and report.notes == []
    assert report.conflicts[0].theirs == {"qty": 8}
    assert rig.proxy.forwarded("GET", rf"/products/{TARGET}\?via=read_row$") == 1


async def test_a_row_that_will_not_read_after_writing_is_named_the_others_reload(
    rig: Rig,
) -> None:
    read_at(rig, after_write="rows")
    ws, rows, _before = await edited(rig)
    rig.proxy.add(
        fp.reset(forward=False), method="GET", path=rf"/products/{TARGET}\?via=read_row$", times=-1
    )
    report = await ws.write_back()
    assert report.summary == "3 updated"
    assert report.after is not None
    assert report.after.startswith(
        f"after writeback: reloaded 2 rows; 1 not read again: id={TARGET} ("
    )
    assert_one_line(report.after)
    for pid in IDS:  # written, and loaded as written: fresh from the server or as it was sent
        assert ws.table.loaded_value(rows[pid], "qty") == NEW_QTY + pid
    assert rig.proxy.forwarded("GET", r"/products/1[13]\?via=read_row$") == 2


async def test_a_failed_row_goes_again_and_lands_once(rig: Rig) -> None:
    ws, _rows, _before = await edited(rig)
    rig.proxy.add(fp.status(500, b'{"error": "try later"}'), method="PATCH", path=target_path())
    first = await ws.write_back()
    assert first.summary.count("failed") == 1
    second = await ws.write_back()
    assert [r.status for r in second.results] == ["done"]
    assert rig.server_qty(TARGET) == NEW_QTY + TARGET
    assert rig.proxy.forwarded("PATCH", target_path()) == 1
    assert not ws.table.changes()


async def test_an_unknown_row_is_held_until_released(rig: Rig) -> None:
    ws, rows, _before = await edited(rig)
    rig.proxy.add(fp.reset(forward=False), method="PATCH", path=target_path())
    await ws.write_back()
    again = await ws.write_back()
    assert again.total == 0, "a held row went out again"
    assert rig.proxy.forwarded("PATCH", target_path()) == 0
    ws.release([rows[TARGET]])
    third = await ws.write_back()
    assert [r.status for r in third.results] == ["done"]
    assert rig.server_qty(TARGET) == NEW_QTY + TARGET
    assert rig.proxy.forwarded("PATCH", target_path()) == 1


async def test_an_insert_answered_with_garbage_still_gets_its_key(rig: Rig) -> None:
    """A 201 whose body cannot be read: the row was created; its key comes from Location."""
    ws = rig.workspace()
    await ws.load()
    row = ws.table.add_row(
        {"sku": "PRD-99001", "name": "Fault test", "region": "EMEA", "price": 1.5, "qty": 3}
    )
    rig.proxy.add(fp.body(b'{"id": 50'), method="POST", path=r"/products$")
    report = await ws.write_back()
    [result] = report.results
    assert result.status == "done" and result.assigned.get("id")
    new_id = int(result.assigned["id"])
    assert rig.server_qty(new_id) == 3
    assert ws.table.find({"id": new_id}) is not None and not ws.table.exists(row)
    assert rig.proxy.forwarded("POST", r"/products$") == 1


async def test_a_reset_insert_is_not_sent_twice(rig: Rig) -> None:
    """POST is not idempotent: a connection cut after sending leaves it unknown, once."""
    ws = rig.workspace()
    await ws.load()
    ws.table.add_row({"sku": "PRD-99002", "name": "Once", "region": "EMEA", "price": 2, "qty": 1})
    rig.proxy.add(fp.reset(forward=True), method="POST", path=r"/products$")
    report = await ws.write_back()
    assert [r.status for r in report.results] == ["unknown"]
    assert rig.proxy.forwarded("POST", r"/products$") == 1
    assert len(ws.held) == 1


async def test_a_redirect_outside_the_allowlist_sends_nothing_there(
    rig: Rig, fault_proxy: Callable[..., fp.FaultProxy]
) -> None:
    elsewhere = fault_proxy(rig.server.url)
    ws, rows, before = await edited(rig)
    target = f"{elsewhere.url.replace('127.0.0.1', 'localhost')}/api/v1/products/{TARGET}"
    rig.proxy.add(fp.redirect(target), method="PATCH", path=target_path())
    report = await ws.write_back()
    hit = next(r for r in report.results if int(ws.table.value(int(r.row_id), "id")) == TARGET)
    assert hit.status == "failed" and "not sent" in hit.message and "localhost" in hit.message
    assert_one_line(hit.message)
    assert elsewhere.log == [], "the redirect was followed"
    assert rig.server_qty(TARGET) == before[TARGET]
    assert rows[TARGET] in {c.row for c in ws.table.changes()}
    assert_audit_matches_server(rig, report, before)
    assert ws.lock_state() is None


async def test_a_write_answered_see_other_elsewhere_is_unknown(
    rig: Rig, fault_proxy: Callable[..., fp.FaultProxy]
) -> None:
    """A 303 says the server carried the write out; that its page cannot be fetched
    does not make the row unsent."""
    elsewhere = fault_proxy(rig.server.url)
    ws, rows, _before = await edited(rig)
    target = f"{elsewhere.url.replace('127.0.0.1', 'localhost')}/api/v1/products/{TARGET}"
    rig.proxy.add(fp.redirect(target, code=303), method="PATCH", path=target_path())
    report = await ws.write_back()
    hit = next(r for r in report.results if int(ws.table.value(int(r.row_id), "id")) == TARGET)
    assert hit.status == "unknown" and "after the server answered the PATCH with 303" in hit.message
    assert elsewhere.log == [] and ws.held == {rows[TARGET]}
    assert ws.lock_state() is None


@pytest.mark.slow
async def test_a_certificate_that_does_not_verify_sends_nothing(
    tmp_path: Path,
    demo_server: Any,
    fault_proxy: Callable[..., fp.FaultProxy],
    untrusted_cert: tuple[Path, Path],
) -> None:
    """The rows were loaded over plain HTTP; the write goes to a host whose certificate
    no CA vouches for: every row is refused before a byte of it is sent."""
    tls = fault_proxy(demo_server.url, tls=untrusted_cert)
    plain = fault_proxy(demo_server.url)
    config = write_config(tmp_path, demo_server)
    config.write_text(config.read_text().replace(demo_server.url, plain.url))
    with StateStore(tmp_path / "state.db") as state:
        rig = Rig(demo_server, plain, state, config)
        ws, rows, before = await edited(rig)
        config.write_text(config.read_text().replace(plain.url, tls.url))
        swapped = Workspace(load_config(config), DEST, state, ALICE, SecretStore())
        swapped.table = ws.table
        report = await swapped.write_back()
        assert {r.status for r in report.results} == {"failed"}
        for result in report.results:
            assert "not sent" in result.message and "certificate verify failed" in result.message
            assert_one_line(result.message)
        assert tls.forwarded() == 0
        assert all(rig.server_qty(pid) == before[pid] for pid in IDS)
        assert_audit_matches_server(rig, report, before)
        assert len(swapped.table.changes()) == len(IDS) and swapped.held == set()
        assert swapped.lock_state() is None


@pytest.mark.slow
def test_push_through_faults_names_rows_and_keeps_the_token_out(
    tmp_path: Path, make_demo_server: Callable[..., Any], fault_proxy: Callable[..., fp.FaultProxy]
) -> None:
    """The command line: a cut connection and a 500 each named by row, exit 1, audited."""
    server = make_demo_server(token=TOKEN)
    proxy = fault_proxy(server.url)
    config = write_config(tmp_path, server, auth=True)
    config.write_text(config.read_text().replace(server.url, proxy.url))
    changes = tmp_path / "changes.jsonl"
    changes.write_text(
        "".join(
            json.dumps({"op": "update", "key": {"id": pid}, "set": {"qty": NEW_QTY + pid}}) + "\n"
            for pid in IDS
        )
    )
    proxy.add(fp.reset(forward=True), method="PATCH", path=target_path(12))
    proxy.add(fp.status(500, b'{"error": "disk full"}'), method="PATCH", path=target_path(13))
    run = cli(config, "push", DEST, "--changes", str(changes))
    assert run.returncode == 1
    output = run.stdout + run.stderr
    assert TOKEN not in output and "Traceback" not in output
    lines = output.splitlines()
    [cut] = [line for line in lines if "id=12" in line]
    [failed] = [line for line in lines if "id=13" in line]
    assert cut.startswith("update id=12: unknown: outcome unknown, check the server")
    assert "500" in failed and "disk full" in failed
    audit = cli(config, "audit", DEST, "--format", "jsonl")
    entries = [json.loads(line) for line in audit.stdout.splitlines()]
    outcomes = {e["row_key"]["id"]: e["outcome"] for e in entries if e.get("row_key")}
    assert outcomes == {11: "done", 12: "unknown", 13: "failed"}
    urls = {e["row_key"]["id"]: e["url"] for e in entries if e.get("row_key")}
    assert urls[12] == f"{proxy.url}/api/v1/products/12"  # the audit names the request
    assert TOKEN not in audit.stdout
    assert proxy.forwarded("PATCH", target_path(12)) == 1
