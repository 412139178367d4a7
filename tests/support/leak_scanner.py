"""The secret-leak scanner: finds test secrets in bytes and files, in every encoded form.

Used by the leak-scan plugin (leak_scan.py), which runs it over the whole test run.
Each secret is searched as raw bytes and as URL-, JSON- and HTML-escaped text, as
base64 (at each alignment, standard and url-safe), as base64 of "user:password" for
basic auth, and a JWT signed by a registered signing secret counts as a leak of that
secret. Reports name the secret and show it masked, never in clear.
"""

from __future__ import annotations

import base64
import contextlib
import fnmatch
import hashlib
import hmac
import html
import json
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from tests.support import secret_values

# Shorter values would match ordinary text (and are not listed in secret_values).
MIN_LENGTH = 6


PG_DUMP_DIR = "leak-scan-pg"


_SQLITE_MAGIC = b"SQLite format 3\x00"
_JWT = re.compile(rb"(eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{16,})")
_URLSAFE = bytes.maketrans(b"+/", b"-_")


@dataclass(frozen=True)
class Allowed:
    """Files that hold a secret on purpose: `pattern` (fnmatch on the absolute path)
    may hold only the secrets named in `secrets`."""

    pattern: str
    secrets: frozenset[str]
    why: str


ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        "*/wb-pg-*/postgrest.conf",
        frozenset({"POSTGREST_JWT_SECRET"}),
        "PostgREST's own config file: the server must know its JWT secret",
    ),
    Allowed(
        "*/test_secrets_never_reach_out*/c.toml",
        frozenset({"CLI_LITERAL_TOKEN"}),
        "test_cli writes a literal token into this config to see `validate` refuse it",
    ),
    Allowed(
        "*/test_broken_config_names_line*/writeback.toml",
        frozenset({"CONFIG_LITERAL_TOKEN"}),
        "test_config_validate's 'literal token' config, written to see it refused",
    ),
    Allowed(
        "*/test_file_*/token",
        frozenset({"SECRET_REF_VALUE"}),
        "the secret file that test_secrets' file: references read the value from",
    ),
    Allowed(
        "*/test_file_*/.crm_token",
        frozenset({"SECRET_REF_VALUE"}),
        "the secret file that test_secrets' ~/.crm_token reference reads",
    ),
)


@dataclass(frozen=True)
class Secret:
    """One secret; `users` send it as basic auth, `signs_jwt` makes it a JWT key."""

    name: str
    value: str = field(repr=False)
    users: tuple[str, ...] = ()
    signs_jwt: bool = False

    @property
    def masked(self) -> str:
        return self.value[:2] + "*" * (len(self.value) - 2)


@dataclass(frozen=True)
class Leak:
    """Where a secret was found (a path, or a test id and section), in which form."""

    where: str
    secret: str
    form: str
    masked: str

    def line(self) -> str:
        return f"{self.where}: {self.secret} ({self.masked}) as {self.form}"


def _b64_core(data: bytes, offset: int) -> bytes:
    """The base64 characters that depend only on `data` when it starts `offset` bytes
    into a longer base64 payload: found whatever surrounds it."""
    encoded = base64.b64encode(bytes(offset) + data)
    first = -(-offset * 8 // 6)
    return encoded[first : (offset + len(data)) * 8 // 6]


def _forms(secret: Secret) -> Iterator[tuple[str, bytes]]:
    """Every way the secret may be written: the raw value first."""
    raw = secret.value.encode()
    yield "raw", raw
    yield "url-encoded", quote(secret.value, safe="").encode()
    yield "url-encoded", quote_plus(secret.value, safe="").encode()
    yield "json-escaped", json.dumps(secret.value)[1:-1].encode()
    yield "json-escaped", json.dumps(secret.value)[1:-1].replace("/", "\\/").encode()
    yield "html-escaped", html.escape(secret.value).replace(" ", "&#160;").encode()
    for offset in range(3):
        core = _b64_core(raw, offset)
        yield "base64", core
        yield "base64", core.translate(_URLSAFE)
    for user in secret.users:
        yield "basic auth base64", _b64_core(f"{user}:{secret.value}".encode(), 0)


def _trie_pattern(words: Iterable[bytes]) -> re.Pattern[bytes]:
    """One regex matching any of `words`, longest first, built as a trie: re tries the
    branches of a plain alternation one by one, a trie only the next byte's."""
    trie: dict[int | None, Any] = {}
    for word in words:
        node = trie
        for byte in word:
            node = node.setdefault(byte, {})
        node[None] = {}

    def build(node: dict[int | None, Any]) -> bytes:
        keys = sorted(k for k in node if k is not None)
        branches = [re.escape(bytes([k])) + build(node[k]) for k in keys]
        if not branches:
            return b""
        group = b"(?:" + b"|".join(branches) + b")"
        return group + b"?" if None in node else group

    return re.compile(build(trie))


class Scanner:
    """Finds the secrets in bytes; built once per set of secrets."""

    def __init__(self, secrets: Iterable[Secret]) -> None:
        self.secrets = tuple(s for s in secrets if len(s.value) >= MIN_LENGTH)
        self._masked = {s.name: s.masked for s in self.secrets}
        self._needles: dict[bytes, tuple[str, str]] = {}
        for secret in self.secrets:
            for form, data in _forms(secret):
                if len(data) >= MIN_LENGTH:
                    self._needles.setdefault(data, (secret.name, form))
        self._pattern = _trie_pattern(self._needles) if self._needles else None
        self._jwt_keys = [(s.name, s.value.encode()) for s in self.secrets if s.signs_jwt]

    def hits(self, data: bytes) -> list[tuple[str, str]]:
        """(secret name, form) of each secret found in `data`, once."""
        found: dict[tuple[str, str], None] = {}
        if self._pattern is not None:
            for match in self._pattern.finditer(data):
                found[self._needles[match.group()]] = None
        for name in self._jwt_signers(data):
            found[(name, "signed JWT")] = None
        return list(found)

    def leaks(self, hits: Iterable[tuple[str, str]], where: str) -> list[Leak]:
        return [Leak(where, name, form, self._masked[name]) for name, form in hits]

    def find(self, data: bytes, where: str) -> list[Leak]:
        return self.leaks(self.hits(data), where)

    def find_text(self, text: str, where: str) -> list[Leak]:
        return self.find(text.encode("utf-8", "replace"), where)

    def _jwt_signers(self, data: bytes) -> set[str]:
        if not self._jwt_keys:
            return set()
        signers = set()
        for match in _JWT.finditer(data):
            for name, key in self._jwt_keys:
                digest = hmac.new(key, match.group(1), hashlib.sha256).digest()
                if match.group(2).startswith(base64.urlsafe_b64encode(digest).rstrip(b"=")):
                    signers.add(name)
        return signers


def listed_secrets() -> list[Secret]:
    """The secrets of tests/support/secret_values.py, with their basic auth users."""
    users: dict[str, list[str]] = {}
    for user, password in secret_values.BASIC_AUTH:
        users.setdefault(password, []).append(user)
    names = secret_values.secret_names()
    return [
        Secret(names[value], value, tuple(users.get(value, ())))
        for value in dict.fromkeys(secret_values.SECRETS)
    ]


def allowed(path: Path, secret: str, allowlist: Iterable[Allowed] = ALLOWED) -> bool:
    text = path.as_posix()
    return any(secret in a.secrets and fnmatch.fnmatch(text, a.pattern) for a in allowlist)


@dataclass
class Coverage:
    """What the scan read: proof that it did not pass by reading nothing."""

    reports: int = 0
    sections: int = 0
    warnings: int = 0
    files: int = 0
    bytes: int = 0
    state_dbs: int = 0  # SQLite files and PostgreSQL dumps that hold an audit table
    audit_rows: int = 0
    pg_dumps: int = 0
    server_files: int = 0
    snapshot_files: int = 0
    hypothesis_files: int = 0
    allowed: int = 0  # secrets found where ALLOWED lets them be
    seconds: float = 0.0  # spent scanning files

    def summary(self) -> str:
        return ", ".join(
            f"{name} {value:.1f}" if isinstance(value, float) else f"{name} {value}"
            for name, value in vars(self).items()
        )


@dataclass
class FileScan:
    """Scans files: each once, allowlisted secrets left out, state tables counted."""

    scanner: Scanner
    coverage: Coverage
    leaks: list[Leak] = field(default_factory=list)
    scanned: set[Path] = field(default_factory=set)
    unreadable: list[Path] = field(default_factory=list)
    # Many files are copies (demo databases a test only read): each content is searched once.
    _hits: dict[bytes, list[tuple[str, str]]] = field(default_factory=dict)

    def tree(self, root: Path, kind: str, since: float = 0.0) -> None:
        """Every file under `root` (modified at `since` or later)."""
        started = time.perf_counter()
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = Path(folder) / name
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime >= since:
                        self.file(path, kind)
        self.coverage.seconds += time.perf_counter() - started

    def file(self, path: Path, kind: str) -> None:
        if path in self.scanned or path.is_symlink() or not path.is_file():
            return  # sockets and pipes hold nothing written
        try:
            data = path.read_bytes()
        except PermissionError:
            self.unreadable.append(path)
            return
        except OSError:
            return  # gone meanwhile (a server's temp file)
        self.scanned.add(path)
        self.coverage.files += 1
        self.coverage.bytes += len(data)
        self.coverage.server_files += kind == "server"
        self.coverage.snapshot_files += kind == "snapshot"
        self.coverage.hypothesis_files += kind == "hypothesis"
        digest = hashlib.blake2b(data, digest_size=16).digest()
        if digest not in self._hits:
            self._hits[digest] = self.scanner.hits(data)
        found = self.scanner.leaks(self._hits[digest], str(path))
        kept = [leak for leak in found if not allowed(path, leak.secret)]
        self.coverage.allowed += len(found) - len(kept)
        self.leaks += kept
        if data.startswith(_SQLITE_MAGIC):
            self._count_audit(_sqlite_tables(path))
        elif path.parent.name == PG_DUMP_DIR:
            self.coverage.pg_dumps += 1
            self._count_audit(json.loads(data.split(b"\n", 1)[0])["tables"])

    def _count_audit(self, tables: dict[str, int]) -> None:
        if "audit" in tables:
            self.coverage.state_dbs += 1
            self.coverage.audit_rows += tables["audit"]


def _sqlite_tables(path: Path) -> dict[str, int]:
    """Row counts of the tables of a SQLite file, read-only; {} if it cannot be read."""
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
            names = [row[0] for row in db.execute("SELECT name FROM sqlite_master")]
            return {
                name: db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                for name in names
                if name in ("audit", "locks", "drafts")
            }
    except sqlite3.Error:
        return {}
