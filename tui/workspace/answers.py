"""Secrets the app has to ask for: which references need an answer, and the answers.

The engine resolves secrets synchronously; the app cannot block the event loop on
a dialog there.  So before a load, a check or a writeback the app finds the
references no source can resolve (`unanswered`), asks for them in a modal, and the
store's prompt then answers from what was typed (`Answers`, kept in memory only).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from tui.config.model import Destination, Integration
from tui.secrets import SecretError, SecretRef, SecretStore


class Answers:
    """What the user typed, by the label the store asks with."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def prompt(self, label: str) -> str:
        if label not in self._values:
            raise EOFError  # the store reports the secret as unavailable, naming it
        return self._values[label]

    def give(self, ref: SecretRef, value: str) -> None:
        self._values[label(ref)] = value

    def has(self, ref: SecretRef) -> bool:
        return label(ref) in self._values


def label(ref: SecretRef) -> str:
    """The label SecretStore asks with (the name for a prompt reference)."""
    return ref.name if ref.kind == "prompt" else ref.describe()


def refs_of(integration: Integration, dest: Destination | None = None) -> list[SecretRef]:
    """Every secret reference a request to `integration` (for `dest`) may resolve."""
    auth = integration.auth
    found: list[object] = [auth.password, auth.token, auth.key_password, auth.pfx_password]
    found += _values(integration.headers, integration.params)
    if dest is not None:
        found += _values(dest.load.headers, dest.load.params)
        for op in (dest.insert, dest.update, dest.delete):
            if op is not None:
                found += _values(op.headers, op.params)
    unique: dict[SecretRef, None] = dict.fromkeys(r for r in found if isinstance(r, SecretRef))
    return list(unique)


def _values(*maps: Mapping[str, object]) -> Iterator[object]:
    for mapping in maps:
        yield from mapping.values()


def unanswered(refs: Iterable[SecretRef], answers: Answers) -> list[SecretRef]:
    """References no source resolves and nobody has typed yet."""
    probe = SecretStore()  # no prompt: only env, file and keyring are tried
    missing = []
    for ref in refs:
        if answers.has(ref):
            continue
        try:
            probe.resolve(ref)
        except SecretError:
            missing.append(ref)
    return missing


def unavailable_message(ref: SecretRef) -> str:
    if ref.kind == "keyring":
        service = "" if ref.name == "writeback" else f" --service {ref.name}"
        hint = f"store it with: writeback secret set {ref.user}{service}"
    elif ref.kind == "env":
        hint = f"set the environment variable {ref.name}"
    else:
        hint = "enter it when asked"
    return f"{label(ref)} is needed and was not entered; {hint}"
