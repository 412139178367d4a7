"""Load a destination's rows as a stream of pages.

`iter_pages` is an async generator: it asks for the next page only when the
consumer asks for it, so memory is bounded by what the consumer keeps (the
table store), not by how many rows the service has.  One page is in memory at
a time here.  `load_rows` drives it from synchronous code (the command line) on
an event loop in a thread of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

import httpx
from msgspec import Struct, field

from tui.config.model import Destination, Integration
from tui.rest.client import Credentials, split_values
from tui.rest.connection import Connection
from tui.rest.decode import Decoded, decode, detect_format, is_html
from tui.rest.errors import (
    MaxPagesReached,
    PaginationError,
    ResponseError,
    RestError,
    describe_body,
)
from tui.rest.paginate import PageRequest, Paginator
from tui.secrets import SecretStore

T = TypeVar("T")


class Page(Struct):
    """One page of flat records, and where the load stands."""

    number: int  # 1-based
    records: list[dict[str, Any]]
    rows: int  # rows loaded so far, this page included
    total: int | None  # the record count the service announced, if any
    format: str = "json"


class _Plan(Struct):
    method: str
    body: str | None
    headers: dict[str, str]
    credentials: Credentials
    params: dict[str, str] = field(default_factory=dict)


def _plan(conn: Connection, dest: Destination) -> _Plan:
    load = dest.load
    params, secret_params = split_values(load.params, conn.store, headers=False)
    headers, secret_headers = split_values(load.headers, conn.store, headers=True)
    body = load.body if load.method == "POST" else None
    if body is not None and not any(k.lower() == "content-type" for k in headers):
        stripped = body.lstrip()[:1]
        headers["Content-Type"] = "application/json" if stripped in ("{", "[") else "text/plain"
    return _Plan(
        load.method,
        body,
        headers,
        Credentials(secret_headers, secret_params),
        {**conn.params, **params},
    )


async def iter_pages(
    conn: Connection, dest: Destination, *, limit: int | None = None
) -> AsyncGenerator[Page, None]:
    """Pages of `dest`'s rows; raises RestError (MaxPagesReached after the last page
    the guard allowed)."""
    plan = _plan(conn, dest)
    paginator = Paginator(dest.load.pagination, plan.params)
    request: PageRequest | None = paginator.first(
        conn.url(dest.load.path or dest.path, plan.params)
    )
    ahead = _Ahead(lambda r: _fetch(conn, plan, r))
    try:
        async with contextlib.aclosing(
            _pages(conn, dest, paginator, request, ahead, limit)
        ) as pages:
            async for page in pages:
                yield page
    finally:
        await ahead.close()


async def _pages(
    conn: Connection,
    dest: Destination,
    paginator: Paginator,
    request: PageRequest | None,
    ahead: _Ahead,
    limit: int | None,
) -> AsyncGenerator[Page, None]:
    spec = dest.load.pagination
    rows = 0
    expect_flat = True  # until a page proves otherwise
    while request is not None:
        if request.number > spec.max_pages:
            raise MaxPagesReached(
                f"stopped after max_pages = {spec.max_pages} pages; the service offered more",
                request=conn.describe(dest.load.method, request.url),
            )
        response = await ahead.take(request)
        if response.status_code == 416 and spec.type == "range" and request.number > 1:
            return  # PostgREST: the range starts past the last row
        conn.raise_for_status(response)
        decoded = _decode(conn, dest, response, request.url, expect_flat)
        expect_flat = decoded.flat
        try:
            paginator.note_total(decoded, response)
        except PaginationError as exc:
            described = conn.describe(dest.load.method, request.url)
            raise PaginationError(conn.redact(exc.message), request=described) from None
        records = decoded.records
        if limit is not None and rows + len(records) > limit:
            records = records[: max(0, limit - rows)]
        rows += len(records)
        upcoming: PageRequest | None = None
        failure: RestError | None = None
        if limit is None or rows < limit:
            upcoming, failure = _upcoming(conn, dest, paginator, request, decoded, response)
        if upcoming is not None and upcoming.number <= spec.max_pages:
            # asked for now: the service works on it while the caller takes this page
            foreseen = _foreseen(conn, paginator, request, len(records), limit, rows)
            ahead.want([upcoming, *foreseen])
        yield Page(
            number=request.number,
            records=records,
            rows=rows,
            total=paginator.total,
            format=decoded.format,
        )
        if failure is not None:
            raise failure  # after the pages before it were handed over
        request = upcoming


def _upcoming(
    conn: Connection,
    dest: Destination,
    paginator: Paginator,
    request: PageRequest,
    decoded: Decoded,
    response: httpx.Response,
) -> tuple[PageRequest | None, RestError | None]:
    """The next page's request, checked (trust, loops) before anything is sent to it; or
    why there is none."""
    try:
        upcoming = paginator.next(request, decoded, response)
    except PaginationError as exc:
        described = conn.describe(dest.load.method, request.url)
        return None, PaginationError(conn.redact(exc.message), request=described)
    if upcoming is not None and upcoming.url != request.url:
        try:
            conn.trust.check_follow(request.url, upcoming.url, "next page URL", "")
        except RestError as exc:  # the request is described only for the message
            described = conn.describe(dest.load.method, upcoming.url)
            return None, type(exc)(exc.message, request=described)
    return upcoming, None


def _foreseen(
    conn: Connection,
    paginator: Paginator,
    request: PageRequest,
    step: int,
    limit: int | None,
    rows: int,
) -> list[PageRequest]:
    """The pages after this one that can be asked for now (counted pagination)."""
    window = conn.integration.max_concurrency
    if limit is not None:  # no page past the limit
        window = min(window, -(-(limit - rows) // max(step, 1)))
    return paginator.ahead(request, step, window)


def _fetch(conn: Connection, plan: _Plan, request: PageRequest) -> Awaitable[httpx.Response]:
    return conn.request(
        plan.method,
        request.url,
        headers={**plan.headers, **request.headers},
        content=plan.body,
        credentials=plan.credentials,
    )


class _Ahead:
    """Pages asked for before their turn, where pagination foresees them (counted, with a
    known total), so the service works on the next pages while this one is decoded.  A
    response is used only for exactly the request that comes due; pages come out in
    order, and the connection's rate limit and concurrency bound every request."""

    def __init__(self, fetch: Callable[[PageRequest], Awaitable[httpx.Response]]) -> None:
        self._fetch = fetch
        self._tasks: dict[tuple[str, tuple[tuple[str, str], ...]], asyncio.Task[httpx.Response]]
        self._tasks = {}

    def want(self, requests: list[PageRequest]) -> None:
        wanted = [(_ident(r), r) for r in requests]
        keep = {ident for ident, _ in wanted}
        for ident in [i for i in self._tasks if i not in keep]:
            self._tasks.pop(ident).cancel()  # foreseen wrongly (a page came short)
        for ident, request in wanted:
            if ident not in self._tasks:
                task = asyncio.ensure_future(self._fetch(request))
                task.add_done_callback(_settled)
                self._tasks[ident] = task

    async def take(self, request: PageRequest) -> httpx.Response:
        task = self._tasks.pop(_ident(request), None)
        return await (task if task is not None else self._fetch(request))

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _settled(task: asyncio.Task[httpx.Response]) -> None:
    # a page dropped after it failed is not an error of this load: say nothing of it
    if not task.cancelled():
        task.exception()


def _ident(request: PageRequest) -> tuple[str, tuple[tuple[str, str], ...]]:
    return str(request.url), tuple(sorted(request.headers.items()))


def _decode(
    conn: Connection,
    dest: Destination,
    response: httpx.Response,
    url: httpx.URL,
    expect_flat: bool,
) -> Decoded:
    """The page's records; a ResponseError naming the request (described only then)."""
    load = dest.load
    body = response.content
    if is_html(response.headers.get("content-type", ""), body):
        page = conn.redact(describe_body(response))
        described = conn.describe(load.method, url)
        raise ResponseError(f"an HTML page came instead of rows: {page}", request=described)
    fmt: str = load.format
    if fmt == "auto":
        fmt = detect_format(response.headers.get("content-type", ""), body)
    try:
        decoded = decode(
            body,
            fmt,
            records=load.records,
            encoding=response.charset_encoding,
            csv_delimiter=load.csv_delimiter,
            xml_record=load.xml_record,
            expect_flat=expect_flat,
        )
    except RestError as exc:
        described = conn.describe(load.method, url)
        raise type(exc)(conn.redact(exc.message), request=described) from None
    _add_response_headers(decoded.records, response, load.response_headers)
    return decoded


def _add_response_headers(
    records: list[dict[str, Any]], response: httpx.Response, names: tuple[str, ...]
) -> None:
    # Only headers named in the config: responses may carry cookies and tokens.
    if not names:
        return
    values = {name: response.headers.get(name) for name in names}
    for record in records:
        record.update(values)


def load_rows(
    integration: Integration,
    dest: Destination,
    store: SecretStore,
    *,
    limit: int | None = None,
) -> Iterator[Page]:
    """`iter_pages` for synchronous callers (the command line).

    The event loop runs in a thread of its own, so the pages asked for ahead are sent
    and read while the caller handles the page it was given; the caller's thread only
    waits when it asks for a page that has not come yet."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="writeback-load", daemon=True)
    thread.start()
    conn: Connection | None = None
    pages: AsyncGenerator[Page, None] | None = None
    try:
        conn = Connection(integration, store)
        pages = iter_pages(conn, dest, limit=limit)
        while True:
            try:
                page = _on(loop, _next(pages))
            except StopAsyncIteration:
                return
            yield page
    finally:
        try:
            _on(loop, _wind_down(pages, conn))
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()


def _on(loop: asyncio.AbstractEventLoop, step: Coroutine[Any, Any, T]) -> T:
    return asyncio.run_coroutine_threadsafe(step, loop).result()


async def _next(pages: AsyncGenerator[Page, None]) -> Page:
    return await anext(pages)


async def _wind_down(pages: AsyncGenerator[Page, None] | None, conn: Connection | None) -> None:
    """What asyncio.run does on the way out: a step still running (the caller was
    interrupted while it waited) is cancelled before the pages and clients close."""
    running = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)
    if pages is not None:
        await pages.aclose()
    if conn is not None:
        await conn.aclose()
    await asyncio.get_running_loop().shutdown_asyncgens()  # httpx's inner byte iterators
