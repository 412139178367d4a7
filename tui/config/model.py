"""The typed model of a writeback configuration file.

Plain frozen dataclasses: the REST engine, the writeback planner and the app read
these and never the raw TOML.  Defaults here are the documented defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tui.secrets import SecretRef

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
AUTH_TYPES = ("none", "basic", "bearer", "digest", "ntlm", "certificate")
PAYLOADS = ("json", "form", "params", "json-patch", "merge-patch")
PAGINATION_TYPES = ("none", "offset", "page", "range", "next_token", "next_url")
RESPONSE_FORMATS = ("auto", "json", "csv", "xml")
COLUMN_TYPES = ("text", "integer", "number", "boolean", "date", "datetime", "choice", "json")
SEND_MODES = ("changed", "all")
AFTER_WRITE = ("none", "rows", "all", "hook")
CONFLICT_CHECKS = ("auto", "etag", "reread")


@dataclass(frozen=True)
class Auth:
    type: str = "none"
    username: str | None = None
    password: SecretRef | None = None
    token: SecretRef | None = None
    header: str = "Authorization"
    scheme: str = "Bearer"
    domain: str | None = None
    cert: Path | None = None
    key: Path | None = None
    key_password: SecretRef | None = None
    pfx: Path | None = None
    pfx_password: SecretRef | None = None


@dataclass(frozen=True)
class Integration:
    id: str
    url: str
    type: str = "rest"
    default_method: str | None = None
    timeout: float = 30.0
    rate_limit: int = 0
    max_concurrency: int = 4
    retries: int = 3
    backoff: float = 0.5
    max_retry_wait: float = 60.0
    max_response_mb: float = 32.0
    https_only: bool = False
    verify: bool = True
    ca_bundle: Path | None = None
    trusted_hosts: tuple[str, ...] = ()
    redirect_allowlist: tuple[str, ...] = ()
    proxy: str | None = None
    trust_env: bool = True
    http2: bool = False
    headers: dict[str, str | SecretRef] = field(default_factory=dict)
    params: dict[str, str | SecretRef] = field(default_factory=dict)
    check_path: str = ""
    auth: Auth = field(default_factory=Auth)


@dataclass(frozen=True)
class Pagination:
    type: str = "none"
    # offset / limit
    start_param: str = "offset"
    count_param: str = "limit"
    start: int = 0
    count: int = 100
    total_path: str | None = None
    # page number
    page_param: str = "page"
    size_param: str | None = "limit"
    first_page: int = 1
    size: int = 100
    # next token
    token_path: str | None = None
    token_param: str | None = None
    # next URL
    next_url_path: str | None = None
    next_url_header: str | None = None
    link_header: bool = False
    add_missing_params: bool = False
    # every type
    max_pages: int = 10000


@dataclass(frozen=True)
class Load:
    method: str = "GET"
    path: str | None = None
    body: str | None = None
    params: dict[str, str | SecretRef] = field(default_factory=dict)
    headers: dict[str, str | SecretRef] = field(default_factory=dict)
    format: str = "auto"
    records: str = ""
    csv_delimiter: str = ","
    xml_record: str | None = None
    response_headers: tuple[str, ...] = ()
    etag_field: str | None = None
    pagination: Pagination = field(default_factory=Pagination)


@dataclass(frozen=True)
class Operation:
    """How one kind of change (insert, update, delete) is sent."""

    method: str
    path: str
    payload: str
    envelope: str | None = None
    array: bool = False
    page_size: int = 0
    headers: dict[str, str | SecretRef] = field(default_factory=dict)
    params: dict[str, str | SecretRef] = field(default_factory=dict)
    results: str | None = None
    idempotency_key: str | None = None
    enabled: bool = True


@dataclass(frozen=True)
class Column:
    name: str
    type: str | None = None
    label: str | None = None
    required: bool = False
    read_only: bool = False
    hidden: bool = False
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    width: int | None = None


@dataclass(frozen=True)
class Access:
    secure: bool = False
    write: tuple[str, ...] = ()
    admin: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadRow:
    """Where one row is read: conflict re-reads, theirs after a 412, after_write = "rows"."""

    path: str  # with {column} placeholders, e.g. "/db/products/{id}.json"
    records: str = ""  # where the row is in the answer (a dotted path); "" = the body
    params: dict[str, str | SecretRef] = field(default_factory=dict)
    headers: dict[str, str | SecretRef] = field(default_factory=dict)


@dataclass(frozen=True)
class ReloadHook:
    integration: str
    method: str = "POST"
    path: str = ""
    body: str | None = None


@dataclass(frozen=True)
class Destination:
    id: str
    integration: str
    path: str
    key: tuple[str, ...] = ()
    send: str = "changed"
    payload: str = "json"
    audit: bool = True
    allow_locking: bool = False
    lock_ttl: int = 900
    lock_wait: float = 60.0  # seconds a writeback waits for another one's automatic lock
    conflict_check: str = "auto"
    after_write: str = "none"
    read_only: bool = False
    load: Load = field(default_factory=Load)
    insert: Operation | None = None
    update: Operation | None = None
    delete: Operation | None = None
    columns: dict[str, Column] = field(default_factory=dict)
    access: Access = field(default_factory=Access)
    reload_hook: ReloadHook | None = None
    read_row: ReadRow | None = None  # None: the update (or delete) path, as inferred


@dataclass(frozen=True)
class State:
    path: Path | None = None
    url: str | None = None
    password: SecretRef | None = None
    retention_days: int = 0


@dataclass(frozen=True)
class Config:
    source: Path | None = None
    state: State = field(default_factory=State)
    integrations: dict[str, Integration] = field(default_factory=dict)
    destinations: dict[str, Destination] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> "key[,key]"
