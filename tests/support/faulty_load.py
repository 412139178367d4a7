"""Loading the demo config's `products` through the fault proxy (tests/*/test_faults_load_*.py):
a demo server asking for a bearer token as the upstream, a proxy in front of it, the
config pointed at the proxy, and checks that an error is one clear line naming the
request. Also a pytest plugin (tests/conftest.py): the `upstream` and `proxy` fixtures
(a test module's own `proxy` fixture, as in test_fault_proxy.py, overrides it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import msgspec.structs
import pytest

from tests.support.fault_proxy import FaultProxy
from tests.support.state_support import TOKEN, TOKEN_ENV, write_config
from tui.config import load_config
from tui.config.model import Config
from tui.demo import DemoServer
from tui.rest.errors import RestError
from tui.rest.load import Page, load_rows
from tui.secrets import SecretStore

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
    short = msgspec.structs.replace(config.integrations["demo"], timeout=timeout)
    return msgspec.structs.replace(config, integrations={"demo": short})


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
