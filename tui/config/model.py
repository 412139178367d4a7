"""The typed model of a writeback configuration file.

Frozen msgspec Structs: the REST engine, the writeback planner and the app read
these and never the raw TOML.  Defaults here are the documented defaults.  Structs,
not dataclasses: every command imports these, and a dataclass compiles its methods
when imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from msgspec import Struct, field

from tui.secrets import SecretRef

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
AuthType = Literal["none", "basic", "bearer", "digest", "ntlm", "certificate"]
Payload = Literal["json", "form", "params", "json-patch", "merge-patch"]
PaginationType = Literal["none", "offset", "page", "range", "next_token", "next_url"]
LoadMethod = Literal["GET", "POST"]
ResponseFormat = Literal["auto", "json", "csv", "xml"]
ColumnType = Literal["text", "integer", "number", "boolean", "date", "datetime", "choice", "json"]
SendMode = Literal["changed", "all"]
AfterWrite = Literal["none", "rows", "all", "hook"]
ConflictCheck = Literal["auto", "etag", "reread"]
Op = Literal["insert", "update", "delete"]  # the operations a destination configures
# What became of one row's write: the engine reports it, the table shows it.
WriteStatus = Literal["done", "failed", "conflict", "unknown", "skipped"]

# The same sets as tuples, for validation and for forms that offer them.
METHODS: tuple[Method, ...] = get_args(Method)
AUTH_TYPES: tuple[AuthType, ...] = get_args(AuthType)
PAYLOADS: tuple[Payload, ...] = get_args(Payload)
PAGINATION_TYPES: tuple[PaginationType, ...] = get_args(PaginationType)
LOAD_METHODS: tuple[LoadMethod, ...] = get_args(LoadMethod)
RESPONSE_FORMATS: tuple[ResponseFormat, ...] = get_args(ResponseFormat)
COLUMN_TYPES: tuple[ColumnType, ...] = get_args(ColumnType)
SEND_MODES: tuple[SendMode, ...] = get_args(SendMode)
AFTER_WRITE: tuple[AfterWrite, ...] = get_args(AfterWrite)
CONFLICT_CHECKS: tuple[ConflictCheck, ...] = get_args(ConflictCheck)
OPS: tuple[Op, ...] = get_args(Op)


class Auth(Struct, frozen=True):
    type: AuthType = "none"
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


class Integration(Struct, frozen=True):
    id: str
    url: str
    type: Literal["rest"] = "rest"
    default_method: Method | None = None
    timeout: float = 30.0
    rate_limit: int = 0
    max_concurrency: int = 8
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


class Pagination(Struct, frozen=True):
    type: PaginationType = "none"
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


class Load(Struct, frozen=True):
    method: LoadMethod = "GET"
    path: str | None = None
    body: str | None = None
    params: dict[str, str | SecretRef] = field(default_factory=dict)
    headers: dict[str, str | SecretRef] = field(default_factory=dict)
    format: ResponseFormat = "auto"
    records: str = ""
    csv_delimiter: str = ","
    xml_record: str | None = None
    response_headers: tuple[str, ...] = ()
    etag_field: str | None = None
    pagination: Pagination = field(default_factory=Pagination)


class Operation(Struct, frozen=True):
    """How one kind of change (insert, update, delete) is sent."""

    method: Method
    path: str
    payload: Payload
    envelope: str | None = None
    array: bool = False
    page_size: int = 0
    headers: dict[str, str | SecretRef] = field(default_factory=dict)
    params: dict[str, str | SecretRef] = field(default_factory=dict)
    results: str | None = None
    idempotency_key: str | None = None
    enabled: bool = True


class Column(Struct, frozen=True):
    name: str
    type: ColumnType | None = None
    label: str | None = None
    required: bool = False
    read_only: bool = False
    hidden: bool = False
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    width: int | None = None


class Access(Struct, frozen=True):
    secure: bool = False
    write: tuple[str, ...] = ()
    admin: tuple[str, ...] = ()


class ReadRow(Struct, frozen=True):
    """Where one row is read: conflict re-reads, theirs after a 412, after_write = "rows"."""

    path: str  # with {column} placeholders, e.g. "/db/products/{id}.json"
    records: str = ""  # where the row is in the answer (a dotted path); "" = the body
    params: dict[str, str | SecretRef] = field(default_factory=dict)
    headers: dict[str, str | SecretRef] = field(default_factory=dict)


class ReloadHook(Struct, frozen=True):
    integration: str
    method: Method = "POST"
    path: str = ""
    body: str | None = None


class Destination(Struct, frozen=True):
    id: str
    integration: str
    path: str
    key: tuple[str, ...] = ()
    send: SendMode = "changed"
    payload: Payload = "json"
    audit: bool = True
    allow_locking: bool = False
    lock_ttl: int = 900
    lock_wait: float = 60.0  # seconds a writeback waits for another one's automatic lock
    conflict_check: ConflictCheck = "auto"
    after_write: AfterWrite = "none"
    read_only: bool = False
    load: Load = field(default_factory=Load)
    insert: Operation | None = None
    update: Operation | None = None
    delete: Operation | None = None
    columns: dict[str, Column] = field(default_factory=dict)
    access: Access = field(default_factory=Access)
    reload_hook: ReloadHook | None = None
    read_row: ReadRow | None = None  # None: the update (or delete) path, as inferred


class StateSettings(Struct, frozen=True):
    path: Path | None = None
    url: str | None = None
    password: SecretRef | None = None
    retention_days: int = 0


class Config(Struct, frozen=True):
    source: Path | None = None
    state: StateSettings = field(default_factory=StateSettings)
    integrations: dict[str, Integration] = field(default_factory=dict)
    destinations: dict[str, Destination] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> "key[,key]"
