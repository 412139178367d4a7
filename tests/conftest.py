"""Shared fixtures: real servers on loopback, started and stopped by the tests."""

pytest_plugins = [
    "tests.fixtures.leak_scan",  # first: other fixture modules import it
    "tests.fixtures.servers",
    "tests.fixtures.demo",
    "tests.fixtures.state_backends",
    "tests.app_support",
    "tests.fixtures.fault_proxy",
    "tests.test_rest_support",  # the scripted server fixture
]
