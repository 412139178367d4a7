"""Loading rows through a faulty network: what the user sees for each fault.

A real demo server (with a bearer token) sits behind the fault proxy; the demo
config's `products` destination is loaded through the proxy with the real
engine (`load_rows`, `Workspace.load`) and the real command line.  Every error
must be one line naming the request, without a traceback or the token, and
rows of pages that arrived before the fault are kept.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.support.fault_proxy import (
    MB,
    Fault,
    FaultProxy,
    big_body,
    body,
    delay,
    html_error,
    http_date,
    redirect,
    reset,
    retry_after,
    status,
    truncate,
)
from tests.support.state_support import TOKEN, TOKEN_ENV, cli, who, write_config
from tui.cli import main
from tui.config import load_config
from tui.config.model import Config
from tui.demo import DemoServer
from tui.rest.errors import (
    HttpStatusError,
    RedirectRefused,
    ResponseError,
    RestError,
    TimedOut,
    TlsError,
    TransportError,
)
from tui.rest.load import Page, load_rows
from tui.secrets import SecretStore
from tui.state import StateStore
from tui.workspace import Workspace

DEST = "products"
ROWS = 5000  # tests/support/demo.py DEMO_ROWS; the demo config pages 1000 at a time
FAST = "retries = 1\nbackoff = 0\n"
PAGE_1 = r"limit=1000$"
PAGE_2 = r"startingAfter=1000$"
PAGE_3 = r"startingAfter=2000$"
QUERIES = {
    PAGE_1: "limit=1000",
    PAGE_2: "limit=1000&startingAfter=1000",
    PAGE_3: "limit=1000&startingAfter=2000",
}
SERVER_ERROR = (
    b'{"errors": [{"title": "Internal Server Error", "detail": "database is locked",'
    b' "code": "HTTP-500"}]}'
)
# What OpenSSL said of the proxy's lone self-signed certificate.
CERT_REFUSED = r"certificate verify failed|self-signed certificate"
MakeProxy = Callable[..., FaultProxy]


@pytest.fixture
def upstream(
    make_demo_server: Callable[..., DemoServer], monkeypatch: pytest.MonkeyPatch
) -> DemoServer:
    """The demo server, asking for the token the config reads from the environment."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return make_demo_server(token=TOKEN)


@pytest.fixture
def proxy(fault_proxy: MakeProxy, upstream: DemoServer) -> FaultProxy:
    return fault_proxy(upstream.url)


def _config_file(tmp_path: Path, proxy: FaultProxy, integration: str = FAST) -> Path:
    """The demo config with its URL on the proxy and the token as an env: reference."""
    return write_config(
        tmp_path, SimpleNamespace(api_url=f"{proxy.url}/api/v1"), auth=True, integration=integration
    )


def _config(
    tmp_path: Path, proxy: FaultProxy, integration: str = FAST, timeout: float | None = None
) -> Config:
    config = load_config(_config_file(tmp_path, proxy, integration))
    if timeout is None:
        return config
    # The demo config sets timeout = 10, and a TOML key cannot be given twice.
    short = dataclasses.replace(config.integrations["demo"], timeout=timeout)
    return dataclasses.replace(config, integrations={"demo": short})


def _load(config: Config) -> tuple[list[Page], RestError | None]:
    """The pages that arrived, and the error that ended the load (None: it finished)."""
    pages: list[Page] = []
    try:
        for page in load_rows(
            config.integrations["demo"], config.destinations[DEST], SecretStore()
        ):
            pages.append(page)
    except RestError as exc:
        return pages, exc
    return pages, None


def _rows(pages: list[Page]) -> int:
    return pages[-1].rows if pages else 0


def _request(proxy: FaultProxy, page: str = PAGE_1) -> str:
    """How a message names the request of `page` (one of PAGE_1..3)."""
    return f"GET {proxy.url}/api/v1/products?{QUERIES[page]}"


def _assert_clear(error: BaseException | str | None, request: str) -> str:
    """One line, starting with the request, no traceback, no token; returns the message."""
    assert error is not None, "the load should have failed"
    message = str(error)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(request + ": "), message
    assert TOKEN not in message
    return message


def _faults(proxy: FaultProxy, path: str) -> list[str]:
    return [hit.fault for hit in proxy.log if re.search(path, hit.path)]


# -- slow answers ------------------------------------------------------------------------


def test_a_delay_under_the_timeout_only_makes_the_load_slower(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(delay(0.5), path=PAGE_2)
    started = time.monotonic()
    pages, error = _load(_config(tmp_path, proxy, timeout=5))
    assert error is None and _rows(pages) == ROWS
    assert time.monotonic() - started >= 0.5
    assert _faults(proxy, PAGE_2) == ["delay"] and len(proxy.log) == 5  # nothing retried


def test_a_delay_over_the_timeout_is_a_timed_out_error_after_the_retry(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(delay(3), path=PAGE_3, times=-1)
    started = time.monotonic()
    pages, error = _load(_config(tmp_path, proxy, timeout=0.5))
    elapsed = time.monotonic() - started
    assert isinstance(error, TimedOut)
    message = _assert_clear(error, _request(proxy, PAGE_3))
    assert "no answer within 0.5 s" in message and "gave up after 2 tries" in message
    assert _rows(pages) == 2000  # pages 1 and 2 were delivered before the error
    assert _faults(proxy, PAGE_3) == ["delay", "delay"]
    assert 1.0 <= elapsed < 10  # an upper bound loose enough for a busy machine


# -- broken connections ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [reset(after_bytes=200), reset(forward=False), truncate()],
    ids=["reset-mid-answer", "reset-before-forwarding", "truncate"],
)
def test_a_broken_answer_once_is_retried_and_the_load_completes(
    tmp_path: Path, proxy: FaultProxy, fault: Fault
) -> None:
    proxy.add(fault, path=PAGE_2)
    pages, error = _load(_config(tmp_path, proxy))
    assert error is None and _rows(pages) == ROWS
    assert _faults(proxy, PAGE_2) == [fault.kind, "pass"]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (reset(after_bytes=200), "connection reset by peer"),
        (truncate(), "peer closed connection without sending complete message body"),
    ],
    ids=["reset", "truncate"],
)
def test_an_answer_broken_every_time_is_one_clear_error(
    tmp_path: Path, proxy: FaultProxy, fault: Fault, reason: str
) -> None:
    proxy.add(fault, path=PAGE_3, times=-1)
    pages, error = _load(_config(tmp_path, proxy))
    assert isinstance(error, TransportError)
    message = _assert_clear(error, _request(proxy, PAGE_3))
    assert reason in message and "gave up after 2 tries" in message
    assert _rows(pages) == 2000
    assert len(_faults(proxy, PAGE_3)) == 2


# -- error statuses ----------------------------------------------------------------------


def test_a_500_is_not_retried_and_carries_the_server_reason(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(status(500, SERVER_ERROR), path=PAGE_3)
    pages, error = _load(_config(tmp_path, proxy, "retries = 3\nbackoff = 0\n"))
    assert isinstance(error, HttpStatusError) and error.status == 500
    message = _assert_clear(error, _request(proxy, PAGE_3))
    assert "500 Internal Server Error" in message and "database is locked" in message
    assert _rows(pages) == 2000 and _faults(proxy, PAGE_3) == ["status"]


def test_502_then_503_are_retried_and_the_load_completes(tmp_path: Path, proxy: FaultProxy) -> None:
    proxy.add(status(502), path=PAGE_1)
    proxy.add(status(503), path=PAGE_1)
    pages, error = _load(_config(tmp_path, proxy, "retries = 3\nbackoff = 0\n"))
    assert error is None and _rows(pages) == ROWS
    assert _faults(proxy, PAGE_1) == ["status", "status", "pass"]
    assert [h.upstream_status for h in proxy.log[:3]] == [None, None, 200]


def test_a_503_forever_gives_up_after_the_retries(tmp_path: Path, proxy: FaultProxy) -> None:
    proxy.add(status(503), times=-1)
    pages, error = _load(_config(tmp_path, proxy, "retries = 2\nbackoff = 0\n"))
    assert isinstance(error, HttpStatusError) and error.status == 503
    message = _assert_clear(error, _request(proxy))
    assert "503 Service Unavailable" in message and "gave up after 3 tries" in message
    assert pages == [] and len(proxy.log) == 3 and proxy.forwarded() == 0


@pytest.mark.parametrize(
    ("value", "least"),
    [(lambda: "1", 0.95), (lambda: http_date(2), 0.95)],  # a date has whole seconds: (1, 2]
    ids=["seconds", "http-date"],
)
def test_429_retry_after_is_waited_out(
    tmp_path: Path, proxy: FaultProxy, value: Callable[[], str], least: float
) -> None:
    config = _config(tmp_path, proxy)
    proxy.add(retry_after(429, value()), path=PAGE_2)
    started = time.monotonic()
    pages, error = _load(config)
    elapsed = time.monotonic() - started
    assert error is None and _rows(pages) == ROWS
    assert _faults(proxy, PAGE_2) == ["retry_after", "pass"]
    assert least <= elapsed < 10


def test_a_retry_after_beyond_max_retry_wait_is_a_clear_error(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(retry_after(429, "120"), times=-1)
    started = time.monotonic()
    pages, error = _load(_config(tmp_path, proxy, FAST + "max_retry_wait = 2\n"))
    assert isinstance(error, HttpStatusError) and error.status == 429
    message = _assert_clear(error, _request(proxy))
    assert "Retry-After 120 s is more than max_retry_wait 2 s" in message
    assert time.monotonic() - started < 10 and len(proxy.log) == 1  # not waited out: 120 s
    assert pages == []


# -- bodies that cannot be read ----------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b'{"data": [{"id": 1, "sku": "PRD-0', b"{'data': [1, 2]}"],
    ids=["truncated-json", "invalid-json"],
)
def test_a_body_that_is_not_json_is_a_response_error(
    tmp_path: Path, proxy: FaultProxy, data: bytes
) -> None:
    proxy.add(body(data), path=PAGE_2)
    pages, error = _load(_config(tmp_path, proxy))
    assert isinstance(error, ResponseError)
    message = _assert_clear(error, _request(proxy, PAGE_2))
    assert "the body is not valid JSON" in message
    assert _rows(pages) == 1000 and _faults(proxy, PAGE_2) == ["body"]  # not retried


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=utf-8", "application/json; charset=base64"]
)
def test_json_under_a_wrong_label_still_loads(
    tmp_path: Path, proxy: FaultProxy, content_type: str
) -> None:
    """Old APIs label JSON text/html, or name a charset that is no text encoding."""
    data = b'{"data": [{"id": 1, "sku": "PRD-00001", "name": "Labelled"}]}'
    proxy.add(body(data, content_type), path=PAGE_1)
    pages, error = _load(_config(tmp_path, proxy))
    assert error is None and pages[0].records[0]["name"] == "Labelled"


@pytest.mark.parametrize(
    ("style", "title"),
    [("nginx", "502 Bad Gateway"), ("iis", "502 - Bad Gateway")],
)
def test_an_html_error_page_is_named_by_its_title(
    tmp_path: Path, proxy: FaultProxy, style: str, title: str
) -> None:
    proxy.add(html_error(502, style=style), times=-1)
    pages, error = _load(_config(tmp_path, proxy))
    assert isinstance(error, HttpStatusError) and error.status == 502
    message = _assert_clear(error, _request(proxy))
    assert message.startswith(_request(proxy) + ": 502 Bad Gateway") and title in message
    assert "<" not in message and "html" not in message.lower() and len(message) < 400


SIGN_IN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in - Contoso</title></head>"
    b'<body><form action="/login"><input name="user"></form></body></html>'
)


def test_an_html_page_with_200_is_an_error_naming_the_page(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(body(SIGN_IN_PAGE, "text/html; charset=utf-8"), path=PAGE_1)
    pages, error = _load(_config(tmp_path, proxy))
    assert isinstance(error, ResponseError)
    message = _assert_clear(error, _request(proxy))
    assert "Sign in - Contoso" in message and "<" not in message
    assert pages == []


# -- a huge body -------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    assert match, field
    return int(match.group(1))


def _reset_peak() -> bool:
    """Start a new VmHWM from the current RSS (Linux 4.0+); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@pytest.mark.parametrize(
    ("announced", "bound_mb"),
    # Refused on its Content-Length: nothing read.  Without one: up to the 32 MB limit is
    # read in pieces, then refused; reading the whole body first would take over 100 MB.
    [(True, 45), (False, 64)],
    ids=["content-length", "until-close"],
)
def test_a_50_mb_body_is_refused_without_filling_memory(
    tmp_path: Path, proxy: FaultProxy, announced: bool, bound_mb: int
) -> None:
    config = _config(tmp_path, proxy)
    proxy.add(big_body(50, content_length=announced), path=PAGE_2)
    measured = _reset_peak()
    before = _status_kb("VmRSS") if measured else 0
    pages, error = _load(config)
    growth_mb = (_status_kb("VmHWM") - before) / 1024 if measured else 0.0
    assert isinstance(error, ResponseError)
    message = _assert_clear(error, _request(proxy, PAGE_2))
    assert "larger than 32 MB" in message and "max_response_mb" in message
    assert _rows(pages) == 1000 and _faults(proxy, PAGE_2) == ["big_body"]
    if not measured:
        pytest.skip("cannot reset the peak RSS here (/proc/self/clear_refs)")
    assert growth_mb < bound_mb, f"the process grew by {growth_mb:.0f} MB"


def test_a_50_mb_body_loads_under_a_larger_max_response_mb(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(big_body(50), path=PAGE_1)
    pages, error = _load(_config(tmp_path, proxy, FAST + "max_response_mb = 64\n"))
    assert error is None and len(pages) == 1  # the big page has no next link
    record_size = len(b'{"id":1,"sku":"PRD-00001","name":"') + 180  # a demo product, roughly
    assert _rows(pages) > 50 * MB // record_size
    assert {"id", "sku", "name", "price", "_etag"} <= set(pages[0].columns)


# -- places the client must not go -------------------------------------------------------


def test_a_redirect_outside_the_allowlist_is_refused_and_never_followed(
    tmp_path: Path, proxy: FaultProxy, fault_proxy: MakeProxy, upstream: DemoServer
) -> None:
    elsewhere = fault_proxy(upstream.url)
    target = f"{elsewhere.url}/api/v1/products?limit=1000&startingAfter=2000"
    proxy.add(redirect(target), path=PAGE_3)
    pages, error = _load(_config(tmp_path, proxy))
    assert isinstance(error, RedirectRefused)
    message = _assert_clear(error, _request(proxy, PAGE_3))
    assert f"redirect 307 to {target} refused" in message
    assert elsewhere.log == []  # not contacted, so the token never went there
    assert _rows(pages) == 2000


def test_an_untrusted_certificate_is_a_tls_error_before_anything_is_sent(
    tmp_path: Path,
    fault_proxy: MakeProxy,
    upstream: DemoServer,
    untrusted_cert: tuple[Path, Path],
) -> None:
    proxy = fault_proxy(upstream.url, tls=untrusted_cert)
    before = upstream.request_count
    pages, error = _load(_config(tmp_path, proxy))
    assert isinstance(error, TlsError)
    message = _assert_clear(error, _request(proxy))
    assert re.search(CERT_REFUSED, message)
    assert pages == [] and proxy.log == [] and upstream.request_count == before


# -- rows already loaded -----------------------------------------------------------------


async def test_the_workspace_keeps_the_pages_loaded_before_the_fault(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.add(status(500, SERVER_ERROR), path=PAGE_3)
    config = _config(tmp_path, proxy)
    seen: list[int] = []
    with StateStore(tmp_path / "state.db") as state:
        workspace = Workspace(config, DEST, state, who("alice"), SecretStore())
        with pytest.raises(HttpStatusError) as caught:
            await workspace.load(on_page=lambda page: seen.append(page.rows))
    _assert_clear(caught.value, _request(proxy, PAGE_3))
    assert seen == [1000, 2000] and workspace.table.row_count == 2000
    assert workspace.table.value(1999, "id") == 2000


# -- the command line --------------------------------------------------------------------


def test_cli_load_prints_the_rows_before_the_fault_then_one_error_line(
    tmp_path: Path, proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    proxy.add(status(500, SERVER_ERROR), path=PAGE_3)
    path = _config_file(tmp_path, proxy, "retries = 3\nbackoff = 0\n")
    assert main(["load", DEST, "--config", str(path)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2000
    last = err.strip().splitlines()[-1]
    message = last.removeprefix(f"writeback load {DEST}: ")
    assert message != last and "database is locked" in message
    _assert_clear(message, _request(proxy, PAGE_3))
    assert TOKEN not in out + err


def test_cli_load_rides_out_a_503_and_a_reset(
    tmp_path: Path, proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    proxy.add(status(503), path=PAGE_1)
    proxy.add(reset(after_bytes=50), path=PAGE_3)
    path = _config_file(tmp_path, proxy, "retries = 2\nbackoff = 0\n")
    assert main(["load", DEST, "--config", str(path)]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == ROWS and err.startswith(f"{DEST}: 5,000 of 5,000 rows, 5 pages")
    assert _faults(proxy, PAGE_1) == ["status", "pass"]
    assert _faults(proxy, PAGE_3) == ["reset", "pass"]


CLI_FAULTS = {
    "tls": (None, CERT_REFUSED),
    "truncated-json": (body(b'{"data": [{"id": 1, "na'), "the body is not valid JSON"),
    "html": (html_error(503), "503 Service Unavailable: nginx/1.25.3$"),
    "big-until-close": (
        big_body(50, content_length=False),
        r"200 answer larger than 32 MB; not read \(max_response_mb\)$",
    ),
}


@pytest.mark.parametrize("fault", list(CLI_FAULTS))
def test_cli_load_as_a_process_fails_with_one_line_and_exit_1(
    tmp_path: Path,
    fault_proxy: MakeProxy,
    upstream: DemoServer,
    untrusted_cert: tuple[Path, Path],
    fault: str,
) -> None:
    proxy = fault_proxy(upstream.url, tls=untrusted_cert if fault == "tls" else None)
    injected, expected = CLI_FAULTS[fault]
    if injected is not None:
        proxy.add(injected, path=PAGE_1)
    run = cli(_config_file(tmp_path, proxy, "retries = 0\n"), "load", DEST)
    assert run.returncode == 1 and run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr  # nothing else on stderr: no warnings, no traceback
    line = lines[0]
    message = _assert_clear(line.removeprefix(f"writeback load {DEST}: "), _request(proxy))
    assert re.search(expected, message) and TOKEN not in run.stdout + run.stderr
