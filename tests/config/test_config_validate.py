"""`writeback validate` on broken configurations: the right PATH:LINE: message, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.secret_values import CONFIG_URL_PASSWORD
from tui.config import ConfigError, load_config, parse_config

GOOD = """\
[state]
path = "/tmp/wb-state.db"

[integrations.crm]
url = "https://api.example.com/v1"
timeout = 30
[integrations.crm.auth]
type = "bearer"
token = { env = "CRM_TOKEN" }

[destinations.customers]
integration = "crm"
path = "/customers"
key = ["id"]
update = { method = "PATCH", path = "/customers/{id}" }
[destinations.customers.load]
records = "data"
pagination = { type = "next_url", next_url_path = "links.next.href" }
[destinations.customers.columns.status]
type = "choice"
choices = ["active", "paused"]
"""

# (name, text, expected line, expected fragment of the message)
BROKEN = [
    ("toml syntax", GOOD.replace("timeout = 30", "timeout 30"), 6, "invalid TOML"),
    (
        "duplicate table",
        GOOD + '\n[integrations.crm]\nurl = "https://x.example.com"\n',
        23,
        "invalid TOML",
    ),
    ("unknown top-level key", "colour = true\n" + GOOD, 1, "colour: unknown key"),
    (
        "unknown key with hint",
        GOOD.replace("timeout = 30", "timout = 30"),
        6,
        "did you mean 'timeout'",
    ),
    (
        "wrong type",
        GOOD.replace("timeout = 30", 'timeout = "30"'),
        6,
        "timeout: must be a number, not a string",
    ),
    ("negative timeout", GOOD.replace("timeout = 30", "timeout = -1"), 6, "greater than 0"),
    (
        "missing url",
        GOOD.replace('url = "https://api.example.com/v1"\n', ""),
        4,
        "integrations.crm.url: is required",
    ),
    (
        "bad url scheme",
        GOOD.replace("https://api.example.com/v1", "ftp://api"),
        5,
        "http:// or https:// URL",
    ),
    (
        "http under https_only",
        GOOD.replace("timeout = 30", "timeout = 30\nhttps_only = true").replace(
            "https://api", "http://api"
        ),
        5,
        "https_only = true",
    ),
    ("password in url", GOOD.replace("https://api", "https://u:pw@api"), 5, "literal password"),
    (
        "bad auth type",
        GOOD.replace('type = "bearer"', 'type = "oauth9"'),
        8,
        "auth.type: must be one of",
    ),
    ("literal token", GOOD.replace('{ env = "CRM_TOKEN" }', '"s3cr3t-token"'), 9, "literal secret"),
    (
        "literal auth header",
        GOOD.replace("timeout = 30", 'headers = { Authorization = "Bearer x" }'),
        6,
        "headers.Authorization: holds a literal secret",
    ),
    (
        "basic without password",
        GOOD.replace(
            'type = "bearer"\ntoken = { env = "CRM_TOKEN" }', 'type = "basic"\nusername = "u"'
        ),
        7,
        "auth.password: is required",
    ),
    (
        "certificate without files",
        GOOD.replace('type = "bearer"\ntoken = { env = "CRM_TOKEN" }', 'type = "certificate"'),
        8,
        "needs cert",
    ),
    (
        "keyring without user",
        GOOD.replace('{ env = "CRM_TOKEN" }', '{ keyring = "writeback" }'),
        9,
        "auth.token",
    ),
    (
        "unknown integration reference",
        GOOD.replace('integration = "crm"', 'integration = "cmr"'),
        12,
        "names integration 'cmr', which is not defined",
    ),
    (
        "ids differing in case",
        GOOD + '\n[integrations.CRM]\nurl = "https://b.example.com"\n',
        23,
        "differs only in case",
    ),
    (
        "bad id",
        GOOD.replace("[destinations.customers]", '[destinations."my table"]').replace(
            "destinations.customers.", 'destinations."my table".'
        ),
        11,
        "ids use letters",
    ),
    (
        "missing path",
        GOOD.replace('path = "/customers"\n', ""),
        11,
        "destinations.customers.path: is required",
    ),
    (
        "bad send",
        GOOD.replace('key = ["id"]', 'key = ["id"]\nsend = "some"'),
        15,
        "send: must be one of changed, all",
    ),
    (
        "duplicate key column",
        GOOD.replace('key = ["id"]', 'key = ["id", "id"]'),
        14,
        "lists 'id' twice",
    ),
    (
        "placeholder naming no column",
        GOOD.replace("/customers/{id}", "/customers/{cid}"),
        15,
        "names {cid}, which is no key or declared column",
    ),
    (
        "GET destination given a payload",
        GOOD.replace('key = ["id"]', 'key = ["id"]\nmethod = "GET"\npayload = "json"'),
        16,
        "GET writeback sends values as query parameters",
    ),
    (
        "GET operation given a payload",
        GOOD.replace('{ method = "PATCH",', '{ method = "GET", payload = "form",'),
        15,
        "GET writeback",
    ),
    (
        "page_size without array",
        GOOD.replace('key = ["id"]', 'key = ["id"]\npage_size = 50'),
        15,
        "page_size: pages rows of an array",
    ),
    (
        "envelope on form payload",
        GOOD.replace('key = ["id"]', 'key = ["id"]\npayload = "form"\nenvelope = "x"'),
        16,
        "envelope: wraps JSON bodies only",
    ),
    (
        "next_url without source",
        GOOD.replace(', next_url_path = "links.next.href"', ""),
        18,
        "next_url pagination needs",
    ),
    (
        "bad pagination type",
        GOOD.replace('type = "next_url"', 'type = "cursor"'),
        18,
        "pagination.type: must be one of",
    ),
    (
        "choice without choices",
        GOOD.replace('choices = ["active", "paused"]\n', ""),
        19,
        "needs a non-empty choices list",
    ),
    ("min above max", GOOD + "min = 5\nmax = 1\n", 22, "is greater than max"),
    ("bad pattern", GOOD + 'pattern = "([a-z"\n', 22, "not a valid regular expression"),
    (
        "bad column type",
        GOOD.replace('type = "choice"', 'type = "enum"'),
        20,
        "columns.status.type: must be one of",
    ),
    (
        "lock_ttl too short",
        GOOD.replace('key = ["id"]', 'key = ["id"]\nlock_ttl = 5'),
        15,
        "at least 30",
    ),
    (
        "lock_wait negative",
        GOOD.replace('key = ["id"]', 'key = ["id"]\nlock_wait = -1'),
        15,
        "lock_wait: must be at least 0",
    ),
    (
        "lock_wait not a number",
        GOOD.replace('key = ["id"]', 'key = ["id"]\nlock_wait = "60"'),
        15,
        "lock_wait: must be",
    ),
    (
        "access lists without secure",
        GOOD + '[destinations.customers.access]\nwrite = ["alice"]\n',
        22,
        "only enforced with secure = true",
    ),
    (
        "hook without reload_hook",
        GOOD.replace('key = ["id"]', 'key = ["id"]\nafter_write = "hook"'),
        15,
        "[reload_hook] is missing",
    ),
    (
        "state url with password",
        GOOD.replace('path = "/tmp/wb-state.db"', 'url = "postgresql://wb:pw@db/wb"'),
        2,
        "literal password",
    ),
    (
        "GET load with body",
        GOOD.replace('records = "data"', 'records = "data"\nbody = "{}"'),
        18,
        "a GET load sends no body",
    ),
    (
        "allowlist entry not a URL",
        GOOD.replace("timeout = 30", 'redirect_allowlist = ["files.example.com"]'),
        6,
        "must be an http(s) URL prefix",
    ),
    (
        "read_row path names no column",
        GOOD + '[destinations.customers.read_row]\npath = "/customers/one.json"\n',
        23,
        "names no column",
    ),
    (
        "read_row placeholder unknown",
        GOOD + '[destinations.customers.read_row]\npath = "/customers/{uid}.json"\n',
        22,
        "names {uid}",
    ),
    (
        "read_row unknown key",
        GOOD + '[destinations.customers.read_row]\npath = "/c/{id}"\nrecord = "rows"\n',
        24,
        "record",
    ),
    (
        "secret file ref wrong type",
        GOOD.replace('{ env = "CRM_TOKEN" }', "{ file = 7 }"),
        9,
        "auth.token",
    ),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "writeback.toml"
    path.write_text(text)
    return path


def test_good_config_loads(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, GOOD))
    dest = config.destinations["customers"]
    assert dest.update.path == "/customers/{id}"
    assert dest.delete.method == "DELETE" and dest.delete.path == "/customers/{id}"
    assert dest.insert.method == "POST" and dest.insert.path == "/customers"
    assert dest.load.pagination.next_url_path == "links.next.href"
    assert config.integrations["crm"].auth.token.describe() == "env CRM_TOKEN"
    assert dest.read_row is None


def test_read_row_is_read(tmp_path: Path) -> None:
    text = GOOD + (
        '[destinations.customers.read_row]\npath = "/customers/{id}.json"\nrecords = "rows"\n'
        'params = { _shape = "objects" }\n'
    )
    read_row = load_config(_write(tmp_path, text)).destinations["customers"].read_row
    assert read_row is not None
    assert (read_row.path, read_row.records) == ("/customers/{id}.json", "rows")
    assert read_row.params == {"_shape": "objects"}


@pytest.mark.parametrize(("name", "text", "line", "fragment"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_config_names_line(tmp_path: Path, name: str, text: str, line: int, fragment: str):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    matching = [entry for entry in info.value.lines if fragment in entry]
    assert matching, f"{fragment!r} not in {info.value.lines}"
    assert matching[0].startswith(f"{path}:{line}: "), matching[0]
    assert all("Traceback" not in entry for entry in info.value.lines)


def test_all_errors_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("timeout = 30", 'timeout = "x"').replace(
        'integration = "crm"', 'integration = "nope"'
    )
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    assert len(info.value.lines) == 2
    assert [e.split(":")[1] for e in info.value.lines] == ["6", "12"]


def test_validate_command_exit_codes(tmp_path: Path) -> None:
    bad = _write(tmp_path, GOOD.replace('integration = "crm"', 'integration = "cmr"'))
    run = subprocess.run(
        [sys.executable, "-m", "tui", "validate", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.strip() == (
        f"{bad}:12: destinations.customers.integration: names "
        "integration 'cmr', which is not defined"
    )
    assert "Traceback" not in run.stderr
    bad.write_text(GOOD)
    run = subprocess.run(
        [sys.executable, "-m", "tui", "--config", str(bad), "validate"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "ok (1 integrations, 1 destinations)" in run.stdout


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    run = subprocess.run(
        [sys.executable, "-m", "tui", "validate", "--config", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.strip() == f"{missing}:1: no such configuration file"


@pytest.mark.parametrize(
    "text",
    [
        '[state]\nurl = "postgresql://app:{pw}@db/state"\n',
        '[integrations.a]\nurl = "http://app:{pw}@host:99999/api"\n',
        '[integrations.a]\nurl = "ftp://app:{pw}@host/api"\n',
        '[integrations.a]\nurl = "https://h/api"\nredirect_allowlist = ["ftp://u:{pw}@x/"]\n',
    ],
    ids=["state-url", "bad-port", "bad-scheme", "allowlist"],
)
def test_a_url_error_never_shows_the_password_in_it(text: str) -> None:
    """A password in a URL (with / and ? unencoded, as people type them) stays out of
    the error that the URL is wrong."""
    with pytest.raises(ConfigError) as raised:
        parse_config(text.format(pw=CONFIG_URL_PASSWORD), "wb.toml")
    message = str(raised.value)
    assert message.startswith("wb.toml:") and ("url" in message or "allowlist" in message)
    assert CONFIG_URL_PASSWORD not in message and "p4ss" not in message
