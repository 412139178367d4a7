"""What the config forms read and write: field specs, raw entries, parsed values.

No widgets here: a form shows `Field`s, turns the text the user left in them into
TOML values, and hands only the changed keys to ConfigFile, which keeps comments.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Kind = Literal["text", "int", "number", "bool", "choice", "list", "secret"]
KeyPath = tuple[str, ...]
Values = Mapping[KeyPath, Any]  # what the widgets hold now, by key path

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SECRET_KINDS = ("env", "keyring", "file")
KEYRING_SERVICE = "writeback"  # where `writeback secret set NAME` stores a value
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEYRING_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_NOT_A_NAME = (
    "{label}: that looks like the secret itself. Secrets are never written to the "
    "config file: give the NAME of an environment variable, a keyring entry "
    "(store the value with `writeback secret set NAME`) or the path of a file only "
    "you can read"
)


class FieldError(ValueError):
    """One line saying what is wrong with what the user typed."""


@dataclass(frozen=True)
class Field:
    path: KeyPath  # inside the entry's table, e.g. ("auth", "type")
    label: str
    kind: Kind = "text"
    choices: tuple[str, ...] = ()
    hint: str = ""  # placeholder text: usually the default
    blank: str | None = None  # choice: the "not set" option's label, None = always set
    default: Any = None  # bool fields: the value when the key is absent
    required: bool = False
    # When a field applies, given the other fields' values; a field that does not
    # apply is removed from the file, so a switched auth type leaves no strays.
    applies: Callable[[Values], bool] | None = None

    @property
    def widget_id(self) -> str:
        return "f-" + "-".join(self.path)


@dataclass(frozen=True)
class Secret:
    """What a secret field shows: a kind and a name (service kept for keyring)."""

    kind: str = "env"
    name: str = ""
    service: str = KEYRING_SERVICE


# ----------------------------------------------------------- reading the file


def read_document(path: Path) -> dict[str, Any]:
    """The file as plain data; {} when it does not exist or does not parse."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def entries(document: Mapping[str, Any], section: str) -> dict[str, dict[str, Any]]:
    items = document.get(section)
    if not isinstance(items, Mapping):
        return {}
    return {k: v for k, v in items.items() if isinstance(v, dict)}


def users_of(document: Mapping[str, Any], integration: str) -> list[str]:
    """Destinations that name `integration` (directly or in their reload hook)."""
    users = []
    for name, dest in entries(document, "destinations").items():
        hook = dest.get("reload_hook")
        hook_user = isinstance(hook, Mapping) and hook.get("integration") == integration
        if dest.get("integration") == integration or hook_user:
            users.append(name)
    return users


def get(data: Mapping[str, Any], path: KeyPath) -> Any:
    for part in path:
        if not isinstance(data, Mapping) or part not in data:
            return None
        data = data[part]
    return data


# ----------------------------------------------------------- shown in widgets


def shown(field: Field, raw: Any) -> Any:
    """The widget value for a raw TOML value (None: absent)."""
    if field.kind == "bool":
        return field.default if raw is None else raw
    if field.kind == "secret":
        return _shown_secret(raw)
    if raw is None:
        return field.default if field.kind == "choice" else ""
    if field.kind == "list" and isinstance(raw, list):
        return ", ".join(str(item) for item in raw)
    return raw if field.kind == "choice" else str(raw)


def _shown_secret(raw: Any) -> Secret:
    if not isinstance(raw, Mapping):
        return Secret()
    for kind in ("keyring", "env", "file", "prompt"):
        if kind in raw:
            if kind == "keyring":
                return Secret(kind, str(raw.get("user", "")), str(raw[kind]))
            return Secret(kind, str(raw[kind]))
    return Secret()


# ----------------------------------------------------------- parsed from widgets


def parse(field: Field, value: Any) -> Any:
    """The TOML value for a widget value; None removes the key.  Raises FieldError."""
    if field.kind == "bool":
        return bool(value)
    if field.kind == "choice":
        return value if value else None
    if field.kind == "secret":
        return secret_value(field.label, value)
    text = str(value).strip()
    if not text:
        if field.required:
            raise FieldError(f"{field.label}: required")
        return None
    if field.kind == "int":
        return _int(field.label, text)
    if field.kind == "number":
        return _number(field.label, text)
    if field.kind == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def _int(label: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise FieldError(f"{label}: must be a whole number (got {text!r})") from None


def _number(label: str, text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise FieldError(f"{label}: must be a number (got {text!r})") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise FieldError(f"{label}: must be a finite number")
    return value


def secret_value(label: str, secret: Secret) -> dict[str, str] | None:
    """A reference table for the config, never the secret: refuses what looks like one."""
    name = secret.name.strip()
    if not name:
        return None
    if secret.kind == "env" and _ENV_NAME.match(name):
        return {"env": name}
    if secret.kind == "keyring" and _KEYRING_NAME.match(name):
        return {"keyring": secret.service or KEYRING_SERVICE, "user": name}
    if secret.kind == "file" and ("/" in name or name.startswith("~")) and "\n" not in name:
        return {"file": name}
    if secret.kind == "prompt":
        return {"prompt": name}
    raise FieldError(_NOT_A_NAME.format(label=label))


def check_id(ident: str, taken: list[str], what: str) -> str:
    ident = ident.strip()
    if not ident:
        raise FieldError("id: required")
    if not ID_PATTERN.match(ident):
        raise FieldError(
            "id: use letters, digits, '_', '-' and '.', starting with a letter or digit"
        )
    clash = [t for t in taken if t.lower() == ident.lower()]
    if clash:
        raise FieldError(f"id: {what} {clash[0]!r} already exists")
    return ident


# ----------------------------------------------------------- the new entry


def applies(field: Field, values: Values) -> bool:
    return field.applies is None or field.applies(values)


def updated_entry(
    raw: Mapping[str, Any], fields: list[Field], initial: Values, now: Values
) -> tuple[dict[str, Any], list[str]]:
    """`raw` with the fields the user changed, and the problems found on the way.

    A field left as it was shown keeps its raw value byte for byte, even one the
    form could not have produced; a field that no longer applies is removed.
    """
    result = copy.deepcopy(dict(raw))
    problems: list[str] = []
    for field in fields:
        if not applies(field, now):
            _delete(result, field.path)
        elif now.get(field.path) != initial.get(field.path):
            try:
                value = parse(field, now.get(field.path))
            except FieldError as exc:
                problems.append(str(exc))
                continue
            _set(result, field.path, value)
        elif field.required and get(raw, field.path) is None:
            problems.append(f"{field.label}: required")
    return result, problems


def _set(data: dict[str, Any], path: KeyPath, value: Any) -> None:
    if value is None:
        _delete(data, path)
        return
    for part in path[:-1]:
        child = data.get(part)
        if not isinstance(child, dict):
            child = data[part] = {}
        data = child
    data[path[-1]] = value


def _delete(data: dict[str, Any], path: KeyPath) -> None:
    parents = []
    for part in path[:-1]:
        child = data.get(part)
        if not isinstance(child, dict):
            return
        parents.append((data, part))
        data = child
    data.pop(path[-1], None)
    # A table left empty by the form says nothing: drop it, innermost first.
    for parent, part in reversed(parents):
        if parent[part]:
            break
        del parent[part]
