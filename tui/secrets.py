"""Secret references in the configuration, and their resolution at run time.

The config file holds only references (`{ env = ... }`, `{ keyring = ..., user = ... }`,
`{ file = ... }`, `{ prompt = ... }`); values are looked up when needed, kept in memory
only, and remembered so that anything printed or logged can be redacted.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import stat
import threading
from collections.abc import Callable, Mapping
from typing import Literal, get_args
from urllib.parse import quote, quote_plus

from msgspec import Struct

Kind = Literal["keyring", "env", "file", "prompt"]
_KINDS: tuple[Kind, ...] = get_args(Kind)
MASK = "***"
# Masking a one- or two-character "secret" everywhere would both wreck the text and
# reveal the value by the pattern of masks, so very short values are not redacted.
_MIN_REDACT_LEN = 4
_MAX_FILE_BYTES = 64 * 1024
_LITERAL_HINT = (
    "a literal secret; use { env = ... }, { keyring = ..., user = ... } or { file = ... }"
)


class SecretError(Exception):
    """A secret could not be used; the message is one line and never holds a value."""


class SecretUnavailable(SecretError):
    """No value could be found for a reference, and nobody could be asked."""


class SecretRef(Struct, frozen=True):
    kind: Kind
    name: str
    user: str | None = None

    def __post_init__(self) -> None:
        # Checked here too so a hand-built reference is as sound as a parsed one.
        if self.kind not in _KINDS:
            raise ValueError(f"unknown secret kind {self.kind!r}")
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"{self.kind} must be a non-empty string")
        if (self.kind == "keyring") != (self.user is not None):
            raise ValueError("user is required with keyring, and only with keyring")
        if self.user is not None and (not isinstance(self.user, str) or not self.user.strip()):
            raise ValueError("user must be a non-empty string")

    def describe(self) -> str:
        if self.kind == "keyring":
            return f"keyring {self.name}/{self.user}"
        return f"{self.kind} {self.name}"


def parse_ref(value: object) -> SecretRef:
    """Build a reference from a TOML value; ValueError with a one-line reason otherwise."""
    if isinstance(value, str):
        raise ValueError(_LITERAL_HINT)  # the value itself is never echoed back
    if not isinstance(value, Mapping):
        raise ValueError(f'expected a table such as {{ env = "NAME" }}, got {type(value).__name__}')
    fields = {str(k): v for k, v in value.items()}
    keys = set(fields)
    unknown = sorted(keys - {*_KINDS, "user"})
    if unknown:
        raise ValueError(
            f"unknown key {unknown[0]!r} in secret reference (expected one of {', '.join(_KINDS)})"
        )
    kinds = [k for k in _KINDS if k in keys]
    if len(kinds) != 1:
        raise ValueError(f"a secret reference needs exactly one of {', '.join(_KINDS)}")
    kind = kinds[0]
    if kind == "keyring" and "user" not in keys:
        raise ValueError(
            'keyring reference needs user, e.g. { keyring = "writeback", user = "crm" }'
        )
    if kind != "keyring" and "user" in keys:
        raise ValueError(f"user is only allowed with keyring, not with {kind}")
    for key, item in fields.items():
        if not isinstance(item, str):
            raise ValueError(f"{key} must be a string, got {type(item).__name__}")
    user = str(fields["user"]) if "user" in keys else None
    # str() turns tomlkit's string items into plain str.
    return SecretRef(kind, str(fields[kind]), user)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def _keyring_errors() -> tuple[type[BaseException], ...]:
    """Everything a keyring backend is documented to raise on a headless or locked host."""
    from keyring.errors import KeyringError

    return (KeyringError, RuntimeError, OSError, EOFError)


def keyring_usable() -> tuple[bool, str]:
    """(True, backend name) or (False, why not) without touching any entry."""
    # imported here: keyring is slow to import, and most configs never use it
    import keyring
    from keyring.backends import chainer, fail, null

    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # backend loading imports arbitrary modules named by env/config
        return False, f"keyring cannot start: {_one_line(exc)}"
    if isinstance(backend, (fail.Keyring, null.Keyring)) or (
        isinstance(backend, chainer.ChainerBackend) and not backend.backends
    ):
        return False, "no keyring backend available (usual over SSH: no D-Bus secret service)"
    cls = type(backend)
    return True, f"{cls.__module__}.{cls.__qualname__}"


def _require_keyring() -> None:
    ok, why = keyring_usable()
    if not ok:
        raise SecretError(f"{why}; use {{ env = ... }} or {{ file = ... }} instead")


def set_secret(name: str, value: str, service: str = "writeback") -> None:
    """Store `value` under (service, name) in the keyring."""
    if not value:
        raise SecretError("refusing to store an empty secret")  # resolution treats it as absent
    _require_keyring()
    import keyring

    try:
        keyring.set_password(service, name, value)
    except _keyring_errors() as exc:
        # Only the exception type: a backend's message is not guaranteed to omit the value.
        raise SecretError(
            f"could not store keyring {service}/{name}: {type(exc).__name__}"
        ) from None


def delete_secret(name: str, service: str = "writeback") -> bool:
    """Remove (service, name) from the keyring; False when there was no such entry."""
    _require_keyring()
    import keyring
    from keyring.errors import PasswordDeleteError

    try:
        keyring.delete_password(service, name)
    except PasswordDeleteError:
        return False  # what every backend raises for a missing entry
    except _keyring_errors() as exc:
        raise SecretError(f"could not delete keyring {service}/{name}: {_one_line(exc)}") from None
    return True


def _read_env(ref: SecretRef) -> tuple[str | None, str]:
    value = os.environ.get(ref.name)
    if value is None:
        return None, "not set"
    return (value, "") if value else (None, "is empty")


def _check_owner_only(ref: SecretRef, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise SecretError(f"{ref.describe()} is not a regular file")
    if not hasattr(os, "getuid"):
        return  # no POSIX owner or mode bits to check on this platform
    if st.st_uid != os.getuid():
        raise SecretError(f"{ref.describe()} is not owned by the current user")
    if st.st_mode & 0o077:
        mode = stat.S_IMODE(st.st_mode)
        raise SecretError(
            f"{ref.describe()} is readable by others (mode {mode:04o}); run: chmod 600 {ref.name}"
        )


def _read_file(ref: SecretRef) -> tuple[str | None, str]:
    path = os.path.expanduser(ref.name)
    # O_NONBLOCK so a FIFO at that path cannot hang the app; checks use fstat on the
    # opened descriptor so the file cannot be swapped between check and read.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None, "file not found"
    except OSError as exc:
        return None, exc.strerror or type(exc).__name__
    try:
        _check_owner_only(ref, os.fstat(fd))
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(_MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > _MAX_FILE_BYTES:
        raise SecretError(f"{ref.describe()} is larger than {_MAX_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretError(f"{ref.describe()} is not UTF-8 text") from None
    if text.endswith("\n"):  # editors add one; anything else is part of the secret
        text = text[:-2] if text.endswith("\r\n") else text[:-1]
    return (text, "") if text else (None, "file is empty")


def _read_keyring(ref: SecretRef) -> tuple[str | None, str]:
    ok, why = keyring_usable()
    if not ok:
        return None, why
    import keyring

    try:
        value = keyring.get_password(ref.name, ref.user or "")
    except _keyring_errors() as exc:
        return None, f"keyring error: {_one_line(exc)}"
    return (value, "") if value else (None, "no such keyring entry")


_READERS: dict[str, Callable[[SecretRef], tuple[str | None, str]]] = {
    "env": _read_env,
    "file": _read_file,
    "keyring": _read_keyring,
    "prompt": lambda ref: (None, "not entered"),
}

_B64_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")


class SecretStore:
    """Resolves references; keeps prompted/resolved values in memory only; remembers every
    value it handed out for redaction."""

    def __init__(self, prompt: Callable[[str], str] | None = None) -> None:
        self._prompt = prompt
        self._prompted: dict[SecretRef, str] = {}
        self._asked: set[SecretRef] = set()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        # Workers may resolve while the UI redacts; the lock guards the bookkeeping only,
        # never the prompt, so a prompt shown by the UI thread cannot deadlock.
        self._lock = threading.Lock()

    def resolve(self, ref: SecretRef) -> str:
        """The value behind `ref`; asks the prompt once per reference when the source is empty."""
        if ref in self._prompted:
            return self._prompted[ref]
        value, reason = _READERS[ref.kind](ref)
        if value is None:
            value = self._ask(ref, reason)
        self._remember(value)
        return value

    def _ask(self, ref: SecretRef, reason: str) -> str:
        with self._lock:  # asked once, even if the answer is empty or input fails
            first = ref not in self._asked
            self._asked.add(ref)
        if self._prompt is None or not first:
            raise SecretUnavailable(f"{ref.describe()}: {reason}")
        label = ref.name if ref.kind == "prompt" else ref.describe()
        try:
            answer = self._prompt(label)
        except EOFError:
            raise SecretUnavailable(f"{ref.describe()}: {reason}; no input to ask") from None
        if not answer:
            raise SecretUnavailable(f"{ref.describe()}: {reason}; nothing entered")
        self._prompted[ref] = answer
        return answer

    def _remember(self, value: str) -> None:
        with self._lock:
            if value not in self._values:
                self._values.add(value)
                self._pattern = None

    def _literal_pattern(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None:
                forms = {f for v in self._values if len(v) >= _MIN_REDACT_LEN for f in _forms(v)}
                # Longest first so a secret containing another is masked whole.
                alts = sorted(forms, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, alts))) if alts else None
            return self._pattern

    def redact(self, text: str) -> str:
        """`text` with every value handed out so far (and its encoded forms) replaced by ***."""
        pattern = self._literal_pattern()
        if pattern is None:
            return text
        text = _B64_TOKEN.sub(lambda m: MASK if _b64_holds(m.group(), pattern) else m.group(), text)
        return pattern.sub(MASK, text)


def _forms(value: str) -> set[str]:
    return {
        value,
        quote(value, safe=""),
        quote_plus(value, safe=""),
        json.dumps(value)[1:-1],  # as it appears inside a JSON string
        base64.b64encode(value.encode()).decode(),
    }


def _b64_holds(token: str, pattern: re.Pattern[str]) -> bool:
    """Whether a base64 token decodes to text holding a secret, e.g. Basic "user:pass"."""
    raw = token.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        decoded = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return pattern.search(decoded.decode("utf-8", "replace")) is not None


# A header whose name contains any of these words carries credentials; this covers
# Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-API-Key, X-Auth-Token, Api-Key.
SENSITIVE_HEADER_WORDS: frozenset[str] = frozenset(
    {"auth", "cookie", "credential", "key", "passwd", "password", "secret", "token"}
)
_SCHEME_HEADERS = frozenset({"authorization", "proxy-authorization"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+\S")


# Named like credentials but carrying none: shown in dry runs, allowed as literals.
_PLAIN_HEADER_NAMES = frozenset({"idempotency-key", "keep-alive", "sec-websocket-key"})


def is_sensitive_header(name: str) -> bool:
    lowered = name.strip().lower()
    if lowered in _PLAIN_HEADER_NAMES:
        return False
    return any(word in lowered for word in SENSITIVE_HEADER_WORDS)


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of `headers` with credential values replaced; auth schemes stay readable."""
    masked: dict[str, str] = {}
    for name, value in headers.items():
        if not is_sensitive_header(name):
            masked[name] = value
            continue
        scheme = _SCHEME.match(value) if name.strip().lower() in _SCHEME_HEADERS else None
        masked[name] = f"{scheme.group(1)} {MASK}" if scheme else MASK
    return masked


def without_userinfo(url: str) -> str:
    """`url` for a message: whatever sits between "://" and the last "@" is dropped."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://).*@", r"\1", url, flags=re.DOTALL)
