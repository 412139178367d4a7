"""The idempotency key travels with its own request: requests in flight together on one
connection neither share nor see each other's, checked on a scripted server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable

from tests.support.scripted_server import Reply, ScriptedServer, Seen, config
from tui.config.model import Config
from tui.rest.connection import Connection
from tui.secrets import SecretStore
from tui.writeback.changes import RowChange
from tui.writeback.execute import write_back

Make = Callable[[Callable[[Seen], Reply]], ScriptedServer]
KEY = "idempotency-key"


def _config(url: str, idempotency: str = "") -> Config:
    return config(
        f"""
[integrations.i]
url = "{url}"
retries = 2
backoff = 0.01
[destinations.d]
integration = "i"
path = "/rows"
key = ["id"]
[destinations.d.insert]
array = false
{idempotency}
"""
    )


class FirstTryFails:
    """503 to the first try of each request (told apart by `tell`), once both first tries
    are in: the two are in flight together. Every later try is answered 201."""

    def __init__(self, tell: Callable[[Seen], str]) -> None:
        self.tell = tell
        self.tried: set[str] = set()
        self.both_in = threading.Barrier(2, timeout=5)
        self.lock = threading.Lock()

    def __call__(self, seen: Seen) -> Reply:
        which = self.tell(seen)
        with self.lock:
            first = which not in self.tried
            self.tried.add(which)
        if not first:
            return Reply(201, {"id": len(self.tried)})
        # not concurrent after all (the barrier breaks): the assertions say so
        with contextlib.suppress(threading.BrokenBarrierError):
            self.both_in.wait()
        return Reply(503, {"error": "try again"})


def test_concurrent_requests_keep_their_own_idempotency_header(scripted: Make) -> None:
    """One request names its idempotency header and is resent; the other, sent at the
    same moment on the same connection, names none and is not: no policy is shared."""
    server = scripted(FirstTryFails(lambda seen: seen.path))
    cfg = _config(server.url)

    async def both() -> tuple[int, int, str | None]:
        async with Connection(cfg.integrations["i"], SecretStore()) as conn:
            keyed, plain = await asyncio.gather(
                conn.request(
                    "POST",
                    conn.url("/keyed"),
                    headers={"Idempotency-Key": "key-a"},
                    idempotency_header="Idempotency-Key",
                ),
                conn.request("POST", conn.url("/plain"), headers={"Idempotency-Key": "key-b"}),
            )
            return keyed.status_code, plain.status_code, conn.retry.idempotency_header

    keyed, plain, left_on_connection = asyncio.run(both())
    assert (keyed, plain) == (201, 503)
    assert [s.path for s in server.seen].count("/keyed") == 2
    assert [s.path for s in server.seen].count("/plain") == 1
    assert {s.headers[KEY] for s in server.seen if s.path == "/keyed"} == {"key-a"}
    assert left_on_connection is None  # the connection's own policy is never changed


def test_concurrent_inserts_each_resend_with_their_own_key(scripted: Make) -> None:
    """Two inserts written at once, each answered 503 first: each is resent once, with the
    key it was first sent with, and the two keys differ."""
    server = scripted(FirstTryFails(lambda seen: seen.headers.get(KEY, "")))
    cfg = _config(server.url, 'idempotency_key = "Idempotency-Key"')
    rows = [RowChange(n, "insert", {}, {"name": f"n{n}"}, {"name": f"n{n}"}) for n in (1, 2)]

    async def write() -> tuple[list[str], str | None]:
        async with Connection(cfg.integrations["i"], SecretStore()) as conn:
            results = await write_back(conn, cfg.destinations["d"], rows)
            return [r.status for r in results], conn.retry.idempotency_header

    statuses, left_on_connection = asyncio.run(write())
    assert statuses == ["done", "done"]
    keys = [s.headers[KEY] for s in server.seen]
    assert len(keys) == 4 and len(set(keys)) == 2
    assert all(keys.count(k) == 2 for k in keys)  # each key: a first try and its resend
    assert left_on_connection is None
