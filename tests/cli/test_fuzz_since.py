"""Fuzzed `audit --since` values: a time with a timezone, or a one-line refusal.

Inputs that once escaped as another exception are pinned by regression tests at the end.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.support.fuzzing import FUZZ, one_line
from tui.commands import UsageError
from tui.commands.audit import parse_since

durations = st.builds(
    lambda n, unit, pad: f"{pad}{n}{pad}{unit}{pad}",
    st.integers(0, 10**5),
    st.sampled_from("smhd"),
    st.sampled_from(["", " ", "\t"]),
)


@FUZZ
@given(text=st.text(max_size=30) | durations | st.datetimes().map(datetime.isoformat))
@example(text="2026-13-01")
@example(text="١٢h")
def test_since_values_give_a_time_or_one_line_refusal(text: str) -> None:
    try:
        when = parse_since(text)
    except UsageError as exc:
        assert one_line(str(exc)) and str(exc).startswith("writeback audit: --since")
        return
    assert isinstance(when, datetime) and when.tzinfo is not None


# -- bugs in modules not fixed here: each flips to a failure once fixed ---------------------------


@pytest.mark.parametrize("text", ["999999999999d", "1000000d", "9" * 5000 + "s"])
def test_regression_huge_since_durations(text: str) -> None:
    with pytest.raises(UsageError):
        parse_since(text)
