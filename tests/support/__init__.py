"""What the tests share: fixtures (registered as plugins in tests/conftest.py), server
launchers, the fault proxy, the secret-leak scan and helpers, with their own tests
(test_*.py). No test module imports another test module; what two of them need lives
here (tests/support/test_suite_layout.py)."""
