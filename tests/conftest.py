"""Shared fixtures (real servers on loopback, started and stopped by the tests) and the
`servers` marker, put on every test that needs a server process started."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.support.leak_scan",  # first: other fixture modules import it
    "tests.support.servers",
    "tests.support.demo",
    "tests.support.state_backends",
    "tests.support.app",
    "tests.support.fault_proxy",
    "tests.support.faulty_load",  # upstream, proxy: the demo server behind the fault proxy
    "tests.support.scripted_server",  # the scripted server fixture
    "tests.support.terminal",  # a tmux terminal
]

# Fixtures that start a server process: a test using one (directly or through another
# fixture) is marked `servers`. Tests that start processes themselves carry the mark.
SERVER_FIXTURES = frozenset(
    {
        "httpbin_url",
        "httpbin_tls",
        "httpbin_tls_untrusted",
        "httpbin_h2",
        "_json_server_running",
        "json_server_1",
        "_postgrest_running",
        "datasette",
        "drf_shop",
        "state_pg",
    }
)
# Parametrized fixtures whose value asks for a server fixture at run time.
SERVER_PARAMS = {"state_backend": "postgres"}


def needs_servers(item: pytest.Item) -> bool:
    """True when the test uses a fixture that starts a server process."""
    if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})
    return any(params.get(name) == value for name, value in SERVER_PARAMS.items())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if needs_servers(item) and not item.get_closest_marker("servers"):
            item.add_marker(pytest.mark.servers)
