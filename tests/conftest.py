"""Shared fixtures: real servers on loopback, started and stopped by the tests."""

pytest_plugins = [
    "tests.support.leak_scan",  # first: other fixture modules import it
    "tests.support.servers",
    "tests.support.demo",
    "tests.support.state_backends",
    "tests.support.app",
    "tests.support.fault_proxy",
    "tests.support.faulty_load",  # upstream, proxy: the demo server behind the fault proxy
    "tests.support.scripted_server",  # the scripted server fixture
]
