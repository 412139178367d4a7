"""Forms that add, edit and remove integrations and destinations in the config file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.app.screens.forms_base import ConfigForm
from tui.app.screens.forms_remove import RemoveScreen
from tui.app.screens.forms_values import Field, KeyPath, Values, entries
from tui.config import model

__all__ = ["DestinationForm", "IntegrationForm", "RemoveScreen"]


def _auth_is(*types: str) -> Callable[[Values], bool]:
    return lambda values: values.get(("auth", "type")) in types


def _paging_is(kind: str) -> Callable[[Values], bool]:
    return lambda values: values.get(("load", "pagination", "type")) == kind


_USER_AUTH = ("basic", "digest", "ntlm")


class IntegrationForm(ConfigForm):
    """An [integrations.ID] table: URL, timeouts, TLS policy and auth."""

    SECTION = "integrations"
    WHAT = "integration"

    def __init__(self, config_path: Path, integration_id: str | None = None) -> None:
        super().__init__(config_path, integration_id)

    def build_fields(self) -> list[Field]:
        return [
            Field(("url",), "url", hint="https://api.example.com/v1", required=True),
            Field(
                ("default_method",),
                "default method",
                "choice",
                model.METHODS[:4],
                blank="(per operation: POST inserts, PATCH updates)",
            ),
            Field(("timeout",), "timeout (seconds)", "number", hint="30"),
            Field(("rate_limit",), "rate limit (per min)", "int", hint="0 = unlimited"),
            Field(("verify",), "verify TLS", "bool", hint="check certificates", default=True),
            Field(("https_only",), "https only", "bool", hint="refuse http:// URLs", default=False),
            Field(("auth", "type"), "auth", "choice", model.AUTH_TYPES, default="none"),
            Field(("auth", "username"), "username", applies=_auth_is(*_USER_AUTH)),
            Field(("auth", "password"), "password", "secret", applies=_auth_is(*_USER_AUTH)),
            Field(("auth", "domain"), "domain", hint="CORP (optional)", applies=_auth_is("ntlm")),
            Field(("auth", "token"), "token", "secret", applies=_auth_is("bearer")),
            Field(("auth", "header"), "token header", hint="Authorization", applies=_auth_is("bearer")),
            Field(("auth", "scheme"), "token scheme", hint="Bearer", applies=_auth_is("bearer")),
            Field(("auth", "cert"), "certificate (PEM)", hint="client.pem", applies=_auth_is("certificate")),
            Field(("auth", "key"), "private key (PEM)", hint="client.key", applies=_auth_is("certificate")),
            Field(("auth", "key_password"), "key password", "secret", applies=_auth_is("certificate")),
            Field(("auth", "pfx"), "or PKCS#12 file", hint="client.pfx", applies=_auth_is("certificate")),
            Field(("auth", "pfx_password"), "PKCS#12 password", "secret", applies=_auth_is("certificate")),
        ]  # fmt: skip


class DestinationForm(ConfigForm):
    """A [destinations.ID] table: where rows live and how each change is written."""

    SECTION = "destinations"
    WHAT = "destination"

    def __init__(
        self,
        config_path: Path,
        destination_id: str | None = None,
        integration_id: str | None = None,
    ) -> None:
        self.integration_id = integration_id
        super().__init__(config_path, destination_id)

    def build_fields(self) -> list[Field]:
        fields = [
            Field(
                ("integration",),
                "integration",
                "choice",
                blank="(choose an integration)",
                required=True,
            ),
            Field(("path",), "path", hint="/things", required=True),
            Field(("key",), "key columns", "list", hint="id  (comma separated)"),
            Field(("payload",), "payload", "choice", model.PAYLOADS, blank="json (default)"),
            Field(("send",), "send", "choice", model.SEND_MODES, blank="changed (default)"),
            Field(("audit",), "audit", "bool", hint="an audit entry per row", default=True),
            Field(("allow_locking",), "allow locking", "bool", hint="lock by hand", default=False),
            Field(("lock_ttl",), "lock ttl (seconds)", "int", hint="900"),
            Field(("read_only",), "read only", "bool", hint="load and browse only", default=False),
        ]
        for op in ("insert", "update", "delete"):
            fields += [
                Field((op, "method"), f"{op} method", "choice", model.METHODS, blank="(default)"),
                Field((op, "path"), f"{op} path", hint="(default from path and key)"),
            ]
        return fields + [
            Field(("load", "records"), "load records at", hint="data  (dotted path; empty: body)"),
            Field(
                ("load", "pagination", "type"),
                "load pagination",
                "choice",
                model.PAGINATION_TYPES[1:],
                blank="none (default)",
            ),
            Field(
                ("load", "pagination", "next_url_path"),
                "next URL at",
                hint="links.next.href",
                applies=_paging_is("next_url"),
            ),
            Field(
                ("load", "pagination", "token_path"),
                "next token at",
                hint="nextToken",
                applies=_paging_is("next_token"),
            ),
            Field(
                ("load", "pagination", "token_param"),
                "token parameter",
                hint="token",
                applies=_paging_is("next_token"),
            ),
        ]

    def _integrations(self) -> tuple[str, ...]:
        return tuple(entries(self.document, "integrations"))

    def extra_choices(self, field: Field) -> tuple[str, ...]:
        return self._integrations() if field.path == ("integration",) else ()

    def starting_values(self) -> dict[KeyPath, Any]:
        if self.ident is not None and self.initial.get(("integration",)) is not None:
            return {}
        chosen = self.integration_id or next(iter(self._integrations()), None)
        return {("integration",): chosen} if chosen else {}
