"""`writeback push` killed with SIGKILL at random points, on a server that takes a while per
request: the rows in flight at the kill, and only they, are unknown; the next push reads
them back and audits those that landed; no row is sent twice; the audit equals the server.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.push_cli import TOKEN
from tests.support.reliability import DEST, qty_on
from tests.support.state_backends import StateBackend
from tests.support.state_support import Children, RequestTap, cli, write_config
from tui.state import current_identity
from tui.workspace.report import LANDED

pytestmark = [pytest.mark.slow, pytest.mark.servers]

FIRST, ROWS, TRIALS, CONCURRENCY = 201, 300, 20, 4
_ = TOKEN  # the demo config of these tests needs no token


def _changes(tmp_path: Path, trial: int) -> tuple[Path, dict[int, int]]:
    mine = {row_id: 100_000 * (trial + 1) + row_id for row_id in range(FIRST, FIRST + ROWS)}
    path = tmp_path / f"changes-{trial}.jsonl"
    path.write_text(
        "".join(
            json.dumps({"op": "update", "key": {"id": i}, "set": {"qty": q}}) + "\n"
            for i, q in mine.items()
        )
    )
    return path, mine


def _patched(tap: RequestTap, since: int) -> Counter[int]:
    """Product ids of the PATCHes the server answered 2xx, from the tap's log at `since`."""
    return Counter(
        int(t.path.rsplit("/", 1)[1])
        for t in tap.log[since:]
        if t.method == "PATCH" and 200 <= t.status < 300
    )


def _received(tap: RequestTap, since: int) -> set[int]:
    return {int(t.path.rsplit("/", 1)[1]) for t in tap.log[since:] if t.method == "PATCH"}


def test_push_killed_at_random_points_leaves_exactly_the_rows_in_flight_unknown(
    tmp_path: Path, make_demo_server, state_backend: StateBackend
) -> None:
    server = make_demo_server()
    tap = RequestTap(server)
    integration = f"max_concurrency = {CONCURRENCY}\n"
    config = write_config(tmp_path, server, integration=integration, state=state_backend)
    login = current_identity().login
    rng = random.Random(24)
    started = time.monotonic()
    in_flight: list[int] = []
    for trial in range(TRIALS):
        changes, mine = _changes(tmp_path, trial)
        ids = sorted(mine)
        old = qty_on(server, ids)
        since = len(tap.log)
        server.service.latency = 0.02
        with Children() as children:
            child = children.cli(config, "push", DEST, "--changes", str(changes))
            for _ in range(rng.randint(0, 25)):
                child.line(timeout=60)
            child.kill9()
        tap.wait_idle()
        server.service.latency = 0.0

        with state_backend() as state:
            open_intents = [
                i
                for i in state.intents.interrupted(DEST, login, drafted=False)
                if i.outcome is None
            ]
            audited = {
                e.row_key["id"]
                for e in state.audit.query(destination=DEST, limit=None)
                if e.event == "update"
                and e.outcome == "done"
                and e.after == {"qty": mine[e.row_key["id"]]}
            }
        unknown = {json.loads(i.ident)["key"]["id"] for i in open_intents}
        received = _received(tap, since)
        # every row the server heard of and the audit did not is unknown; no other row is
        assert received - audited <= unknown, (trial, received - audited, unknown)
        assert not unknown & audited
        assert len(unknown) <= CONCURRENCY, "rows never sent are plain pending"
        assert unknown <= set(ids)
        in_flight.append(len(unknown))

        again = cli(config, "push", DEST, "--changes", str(changes), timeout=120)
        assert again.returncode in (0, 1), again.stderr
        assert "Traceback" not in again.stderr
        on_server = qty_on(server, ids)
        landed = {i for i in unknown if on_server[i] == mine[i]}
        held = unknown - landed
        with state_backend() as state:
            entries = state.audit.query(destination=DEST, limit=None)
            assert not state.intents.interrupted(DEST, login, drafted=False)
        done = Counter(
            e.row_key["id"]
            for e in entries
            if e.event == "update"
            and e.outcome == "done"
            and e.after == {"qty": mine[e.row_key["id"]]}
        )
        found = {
            e.row_key["id"]
            for e in entries
            if e.error == LANDED and e.after == {"qty": mine[e.row_key["id"]]}
        }
        assert found == landed, trial
        # the audit equals the server: written and audited once each, or neither
        assert set(done) == {i for i in ids if on_server[i] == mine[i]}, trial
        assert max(done.values()) == 1, "a row audited twice"
        assert all(on_server[i] == old[i] for i in held)
        assert max(_patched(tap, since).values()) == 1, "a row sent twice"
        assert set(ids) - set(done) == held, trial
        for row_id in held:
            assert f"id={row_id}: unknown" in again.stdout
    assert sum(in_flight) > 0, "no kill caught a request in flight"
    assert time.monotonic() - started < 180
