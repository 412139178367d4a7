"""Turn raw TOML data into the typed model, collecting every problem on the way."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import SplitResult, urlsplit

from msgspec import Struct

from tui.config import model as m
from tui.config.keys import keymap
from tui.config.reader import Problem, Section, printable
from tui.secrets import without_userinfo

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_JSON_PAYLOADS = ("json", "json-patch", "merge-patch")


def build_config(data: dict[str, Any]) -> tuple[m.Config, list[Problem]]:
    problems: list[Problem] = []
    root = Section(data, (), problems)
    state = _state(root.table("state"))
    integrations = _all(root.table("integrations"), _integration)
    destinations = _all(
        root.table("destinations"), lambda name, s: _destination(name, s, integrations)
    )
    keys = keymap(root.table("keys"))
    root.finish()
    config = m.Config(state=state, integrations=integrations, destinations=destinations, keys=keys)
    return config, problems


def _all(section: Section | None, build: Any) -> dict[str, Any]:
    if section is None:
        return {}
    result: dict[str, Any] = {}
    folded: dict[str, str] = {}
    for name, sub in section.tables():
        if not _ID.match(name):
            section.error(
                name, "ids use letters, digits, '_', '-' and '.', starting with a letter or digit"
            )
        if name.lower() in folded:
            section.error(name, f"duplicate id: {folded[name.lower()]!r} differs only in case")
        folded[name.lower()] = name
        item = build(name, sub)
        sub.finish()
        if item is not None:
            result[name] = item
    return result


def _state(s: Section | None) -> m.StateSettings:
    if s is None:
        return m.StateSettings()
    path = s.path_value("path")
    url = s.text("url")
    parts = _split_url(s, "url", url) if url is not None else None
    if parts is not None:
        if parts.scheme not in ("postgresql", "postgres"):
            s.error("url", "must be a postgresql:// URL")
        if parts.password:
            s.error(
                "url", "holds a literal password; put it in state.password as a secret reference"
            )
    if path and url:
        s.error("url", "set either state.path (SQLite) or state.url (PostgreSQL), not both")
    state = m.StateSettings(
        path=path,
        url=url,
        password=s.secret("password"),
        retention_days=s.integer("retention_days", 0, minimum=0),
    )
    s.finish()
    return state


def _integration(name: str, s: Section) -> m.Integration:
    url = s.text("url", required=True) or ""
    https_only = s.flag("https_only", False)
    _check_url(s, "url", url, https_only)
    s.choice("type", "rest", ("rest",))
    verify = s.flag("verify", True)
    ca_bundle = s.path_value("ca_bundle")
    if ca_bundle is not None and not verify:
        s.error("ca_bundle", "is pointless with verify = false; drop one of them")
    allowlist = s.text_list("redirect_allowlist")
    for i, entry in enumerate(allowlist):
        parts = _split_url(s, "redirect_allowlist", entry)
        if parts is not None and (parts.scheme not in ("http", "https") or not parts.hostname):
            s.error(
                "redirect_allowlist",
                f"entry {i + 1} ({without_userinfo(entry)!r}) must be an http(s) URL prefix",
            )
    return m.Integration(
        id=name,
        url=url.rstrip("/"),
        default_method=s.maybe_choice("default_method", m.METHODS[:4]),
        timeout=s.number("timeout", 30.0, positive=True) or 30.0,
        rate_limit=s.integer("rate_limit", 0, minimum=0),
        max_concurrency=s.integer("max_concurrency", 4, minimum=1),
        retries=s.integer("retries", 3, minimum=0),
        backoff=s.number("backoff", 0.5, minimum=0) or 0.0,
        max_retry_wait=s.number("max_retry_wait", 60.0, minimum=0) or 0.0,
        max_response_mb=s.number("max_response_mb", 32.0, positive=True) or 32.0,
        https_only=https_only,
        verify=verify,
        ca_bundle=ca_bundle,
        trusted_hosts=s.text_list("trusted_hosts"),
        redirect_allowlist=allowlist,
        proxy=s.text("proxy"),
        trust_env=s.flag("trust_env", True),
        http2=s.flag("http2", False),
        headers=s.value_map("headers"),
        params=s.value_map("params"),
        check_path=s.text("check_path", "") or "",
        auth=_auth(s.table("auth")),
    )


def _check_url(s: Section, key: str, url: str, https_only: bool) -> None:
    parts = _split_url(s, key, url) if url else None
    if parts is None:
        return
    if parts.scheme not in ("http", "https") or not parts.hostname:
        s.error(key, f"must be an http:// or https:// URL (got {without_userinfo(url)!r})")
    elif https_only and parts.scheme != "https":
        s.error(key, "is http:// but https_only = true")
    if parts.password:
        s.error(key, "holds a literal password; use [auth] with a secret reference")


def _split_url(s: Section, key: str, url: str) -> SplitResult | None:
    """The parts of `url`, or None after recording why it is no URL at all."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is no number in 0-65535
    except ValueError:
        # urlsplit's words quote parts of the URL, and the part may be a password
        s.error(key, "is not a valid URL (bad host or port)")
        return None
    return parts


def _auth(s: Section | None) -> m.Auth:
    if s is None:
        return m.Auth()
    kind = s.choice("type", "none", m.AUTH_TYPES)
    needs_user = kind in ("basic", "digest", "ntlm")
    auth = m.Auth(
        type=kind,
        username=s.text("username", required=needs_user),
        password=s.secret("password", required=needs_user),
        token=s.secret("token", required=kind == "bearer"),
        header=s.text("header", "Authorization") or "Authorization",
        scheme=s.text("scheme", "Bearer") or "",
        domain=s.text("domain"),
        cert=s.path_value("cert"),
        key=s.path_value("key"),
        key_password=s.secret("key_password"),
        pfx=s.path_value("pfx"),
        pfx_password=s.secret("pfx_password"),
    )
    _check_auth_fields(s, auth)
    s.finish()
    return auth


def _check_auth_fields(s: Section, auth: m.Auth) -> None:
    if auth.type == "certificate":
        if auth.pfx is None and auth.cert is None:
            s.error("type", "certificate auth needs cert (+ key) or pfx")
        if auth.pfx is not None and auth.cert is not None:
            s.error("pfx", "give either pfx or cert + key, not both")
    else:
        for key in ("cert", "key", "key_password", "pfx", "pfx_password"):
            if s.has(key):
                s.error(key, f'only applies to type = "certificate" (this auth is {auth.type!r})')
    if auth.type != "bearer":
        for key in ("token", "header", "scheme"):
            if s.has(key):
                s.error(key, f'only applies to type = "bearer" (this auth is {auth.type!r})')


def _destination(name: str, s: Section, integrations: dict[str, m.Integration]) -> m.Destination:
    integration = s.text("integration", required=True) or ""
    if integration and integration not in integrations:
        s.error("integration", f"names integration {integration!r}, which is not defined")
    default_method = (
        integrations[integration].default_method if integration in integrations else None
    )
    path = s.text("path", required=True) or ""
    key = s.text_list("key")
    payload = s.choice("payload", "json", m.PAYLOADS)
    columns = _columns(s.table("columns"))
    base = _OpDefaults(
        path=path,
        key=key,
        payload=payload,
        method=s.maybe_choice("method", m.METHODS[:4]) or default_method,
        payload_set=s.has("payload"),
        envelope=s.text("envelope"),
        array=s.flag("array", False),
        page_size=s.integer("page_size", 0, minimum=0),
        headers=s.value_map("headers"),
        params=s.value_map("params"),
    )
    dest = m.Destination(
        id=name,
        integration=integration,
        path=path,
        key=key,
        send=s.choice("send", "changed", m.SEND_MODES),
        payload=payload,
        audit=s.flag("audit", True),
        allow_locking=s.flag("allow_locking", False),
        lock_ttl=s.integer("lock_ttl", 900, minimum=30),
        lock_wait=_lock_wait(s),
        conflict_check=s.choice("conflict_check", "auto", m.CONFLICT_CHECKS),
        after_write=s.choice("after_write", "none", m.AFTER_WRITE),
        read_only=s.flag("read_only", False),
        load=_load(s.table("load"), path),
        insert=_operation(s, "insert", base),
        update=_operation(s, "update", base),
        delete=_operation(s, "delete", base),
        columns=columns,
        access=_access(s.table("access")),
        reload_hook=_reload_hook(s.table("reload_hook")),
        read_row=_read_row(s.table("read_row")),
    )
    _check_destination(s, dest)
    return dest


def _lock_wait(s: Section) -> float:
    """Seconds a writeback waits for another writeback's lock; 0 refuses at once."""
    value = s.number("lock_wait", 60.0, minimum=0)
    return 60.0 if value is None else value


class _OpDefaults(Struct, frozen=True):
    """Destination-level settings every operation inherits unless it overrides them."""

    path: str
    key: tuple[str, ...]
    payload: m.Payload
    method: m.Method | None
    payload_set: bool
    envelope: str | None
    array: bool
    page_size: int
    headers: dict[str, Any]
    params: dict[str, Any]

    def path_for(self, op: str) -> str:
        if op == "insert" or not self.key:
            return self.path
        return self.path.rstrip("/") + "/" + "/".join("{" + k + "}" for k in self.key)


_DEFAULT_METHODS: dict[str, m.Method] = {"insert": "POST", "update": "PATCH", "delete": "DELETE"}


def _operation(parent: Section, op: str, base: _OpDefaults) -> m.Operation:
    s = parent.table(op) or Section({}, parent.path + (op,), parent.problems)
    fallback: m.Method = "DELETE" if op == "delete" else base.method or _DEFAULT_METHODS[op]
    method = s.choice("method", fallback, m.METHODS)
    payload = s.choice("payload", base.payload, m.PAYLOADS)
    if method == "GET":
        payload = _get_payload(
            s if s.has("payload") else parent, payload, s.has("payload") or base.payload_set
        )
    operation = m.Operation(
        method=method,
        path=s.text("path", base.path_for(op)) or "",
        payload=payload,
        envelope=s.text("envelope", base.envelope),
        array=s.flag("array", base.array),
        page_size=s.integer("page_size", base.page_size, minimum=0),
        headers={**base.headers, **s.value_map("headers")},
        params={**base.params, **s.value_map("params")},
        results=s.text("results"),
        idempotency_key=s.text("idempotency_key"),
        enabled=s.flag("enabled", op == "insert" or bool(base.key) or s.has("path")),
    )
    _check_operation(s, parent, operation)
    s.finish()
    return operation


def _get_payload(where: Section, payload: m.Payload, explicit: bool) -> m.Payload:
    if explicit and payload != "params":
        where.error(
            "payload",
            'a GET writeback sends values as query parameters; drop payload or set it to "params"',
        )
    return "params"


def _check_operation(s: Section, parent: Section, op: m.Operation) -> None:
    def where(key: str) -> Section:
        # An inherited setting is wrong where it is written: on the destination.
        return s if s.has(key) or not parent.has(key) else parent

    if op.envelope and op.payload not in _JSON_PAYLOADS:
        where("envelope").error("envelope", f"wraps JSON bodies only; payload is {op.payload!r}")
    if op.page_size and not op.array:
        where("page_size").error("page_size", "pages rows of an array; set array = true")
    if op.array and op.payload in ("params", "json-patch"):
        where("array").error("array", f"payload {op.payload!r} sends one row per request")
    if op.method == "GET" and op.array:
        where("array").error("array", "a GET writeback sends one request per row")


def _load(s: Section | None, default_path: str) -> m.Load:
    if s is None:
        return m.Load(path=default_path)
    method = s.choice("method", "GET", m.LOAD_METHODS)
    body = s.text("body")
    if body is not None and method == "GET":
        s.error("body", 'a GET load sends no body; set method = "POST"')
    load = m.Load(
        method=method,
        path=s.text("path", default_path),
        body=body,
        params=s.value_map("params"),
        headers=s.value_map("headers"),
        format=s.choice("format", "auto", m.RESPONSE_FORMATS),
        records=s.text("records", "") or "",
        csv_delimiter=s.text("csv_delimiter", ",") or ",",
        xml_record=s.text("xml_record"),
        response_headers=s.text_list("response_headers"),
        etag_field=s.text("etag_field"),
        pagination=_pagination(s.table("pagination")),
    )
    if len(load.csv_delimiter) != 1 or load.csv_delimiter in '"\r\n':
        s.error("csv_delimiter", "must be one character other than a quote or a line break")
    s.finish()
    return load


def _pagination(s: Section | None) -> m.Pagination:
    if s is None:
        return m.Pagination()
    p = m.Pagination(
        type=s.choice("type", "none", m.PAGINATION_TYPES),
        start_param=s.text("start_param", "offset") or "offset",
        count_param=s.text("count_param", "limit") or "limit",
        start=s.integer("start", 0, minimum=0),
        count=s.integer("count", 100, minimum=1),
        total_path=s.text("total_path"),
        page_param=s.text("page_param", "page") or "page",
        size_param=s.text("size_param", "limit"),
        first_page=s.integer("first_page", 1, minimum=0),
        size=s.integer("size", 100, minimum=1),
        token_path=s.text("token_path"),
        token_param=s.text("token_param"),
        next_url_path=s.text("next_url_path"),
        next_url_header=s.text("next_url_header"),
        link_header=s.flag("link_header", False),
        add_missing_params=s.flag("add_missing_params", False),
        max_pages=s.integer("max_pages", 10000, minimum=1),
    )
    if p.type == "next_token" and not (p.token_path and p.token_param):
        s.error("type", "next_token pagination needs token_path and token_param")
    if p.type == "next_url" and not (p.next_url_path or p.next_url_header or p.link_header):
        s.error(
            "type", "next_url pagination needs next_url_path, next_url_header or link_header = true"
        )
    s.finish()
    return p


def _columns(s: Section | None) -> dict[str, m.Column]:
    if s is None:
        return {}
    return {name: _column(name, sub) for name, sub in s.tables()}


def _column(name: str, s: Section) -> m.Column:
    col = m.Column(
        name=name,
        type=s.maybe_choice("type", m.COLUMN_TYPES),
        label=s.text("label"),
        required=s.flag("required", False),
        read_only=s.flag("read_only", False),
        hidden=s.flag("hidden", False),
        pattern=s.text("pattern"),
        min=s.number("min", None),
        max=s.number("max", None),
        choices=s.text_list("choices"),
        width=s.integer("width", 0, minimum=1) or None,
    )
    if col.type == "choice" and not col.choices:
        s.error("choices", "a choice column needs a non-empty choices list")
    if col.min is not None and col.max is not None and col.min > col.max:
        s.error("min", f"is greater than max ({col.min:g} > {col.max:g})")
    if col.pattern is not None:
        try:
            re.compile(col.pattern)
        except (re.error, OverflowError, RecursionError) as exc:
            s.error("pattern", f"is not a valid regular expression: {exc}")
    s.finish()
    return col


def _access(s: Section | None) -> m.Access:
    if s is None:
        return m.Access()
    access = m.Access(
        secure=s.flag("secure", False), write=s.text_list("write"), admin=s.text_list("admin")
    )
    if (access.write or access.admin) and not access.secure:
        s.error("secure", "write/admin lists are only enforced with secure = true")
    s.finish()
    return access


def _reload_hook(s: Section | None) -> m.ReloadHook | None:
    if s is None:
        return None
    hook = m.ReloadHook(
        integration=s.text("integration", required=True) or "",
        method=s.choice("method", "POST", m.METHODS),
        path=s.text("path", "") or "",
        body=s.text("body"),
    )
    s.finish()
    return hook


def _read_row(s: Section | None) -> m.ReadRow | None:
    if s is None:
        return None
    path = s.text("path", required=True) or ""
    if path and "{" not in path:
        s.error("path", "names no column: give the row's key as a placeholder, e.g. /items/{id}")
    read_row = m.ReadRow(
        path=path,
        records=s.text("records", "") or "",
        params=s.value_map("params"),
        headers=s.value_map("headers"),
    )
    s.finish()
    return read_row


def _check_destination(s: Section, d: m.Destination) -> None:
    known = set(d.key) | set(d.columns)
    for op_name in ("insert", "update", "delete", "read_row"):
        op = getattr(d, op_name)
        for placeholder in _PLACEHOLDER.findall(op.path if op else ""):
            if placeholder not in known:
                s.error(
                    op_name,
                    f"path {op.path!r} names {{{printable(placeholder)}}}, "
                    "which is no key or declared column",
                )
    if d.after_write == "hook" and d.reload_hook is None:
        s.error("after_write", 'is "hook" but [reload_hook] is missing')
