"""Config forms: add, edit and remove integrations and destinations, keeping the file's comments."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static

from tests.support.config_texts import TEAM_CONFIG as BASE
from tests.support.screens import Harness
from tui.app.screens.forms import DestinationForm, IntegrationForm, RemoveScreen
from tui.app.screens.forms_base import ConfigForm
from tui.app.screens.forms_values import Field, updated_entry
from tui.config import load_config

pytestmark = pytest.mark.slow  # the app's forms driven key by key

# The config edit tests' file, with an unused integration and an inline operation table.
ORIGINAL = BASE.replace(
    "\n[destinations.customers]",
    '\n[integrations.spare]\nurl = "https://spare.example.com"\n\n[destinations.customers]',
) + (
    'update = { method = "PATCH", path = "/customers/{id}" }   # the vendor\'s own path\n'
    "[destinations.customers.load]\n"
    'records = "data"\n'
)

SIZE = (100, 30)


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "writeback.toml"
    path.write_text(ORIGINAL)
    return path


def fill(app: Harness, values: dict[str, object]) -> None:
    """Set form controls by id, as typing or choosing would."""
    for wid, value in values.items():
        widget = app.screen.query_one(f"#{wid}")
        widget.value = value  # type: ignore[attr-defined]


async def fill_and_save(screen: ConfigForm, values: dict[str, object]) -> tuple[Harness, str]:
    """Fill the form, press ctrl+s; the app, and the problems the form then showed."""
    app = Harness(screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        fill(app, values)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        shown = errors(app) if not app.dismissed else ""
    return app, shown


def errors(app: Harness) -> str:
    shown = app.screen.query_one("#errors", Static)
    return str(shown.render()) if shown.display else ""


async def test_add_integration(config_path: Path) -> None:
    app = Harness(IntegrationForm(config_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"erp")  # the id field has the focus
        fill(app, {"f-url": "https://erp.example.com/rest", "f-timeout": "5"})
        app.screen.query_one("#f-auth-type").focus()
        await pilot.press("enter", "down", "enter")  # none -> basic
        await pilot.pause()
        assert app.screen.query_one("#row-f-auth-username").display
        assert not app.screen.query_one("#row-f-auth-token").display
        fill(app, {"f-auth-username": "svc", "f-auth-password-kind": "keyring"})
        fill(app, {"f-auth-password-name": "erp"})
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.dismissed == [True]
    text = config_path.read_text()
    assert text.startswith(ORIGINAL.split("[integrations.spare]")[0])
    assert "# per minute, agreed with the vendor" in text
    config = load_config(config_path)
    erp = config.integrations["erp"]
    assert (erp.url, erp.timeout, erp.auth.type, erp.auth.username) == (
        "https://erp.example.com/rest",
        5.0,
        "basic",
        "svc",
    )
    assert erp.auth.password is not None
    assert erp.auth.password.describe() == "keyring writeback/erp"
    assert "verify" not in text and "https_only" not in text  # defaults left unwritten


async def test_first_integration_creates_the_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "writeback.toml"
    app, _ = await fill_and_save(
        IntegrationForm(path), {"f-id": "api", "f-url": "https://api.example.com"}
    )
    assert app.dismissed == [True]
    assert path.read_text().strip() == '[integrations.api]\nurl = "https://api.example.com"'
    assert path.stat().st_mode & 0o777 == 0o600


async def test_edit_integration_changes_one_line_and_keeps_comments(config_path: Path) -> None:
    app = Harness(IntegrationForm(config_path, "crm"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        url = app.screen.query_one("#f-url", Input)
        assert url.has_focus
        assert app.screen.query_one("#f-id", Input).disabled
        await pilot.press("end", "backspace", "2")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.dismissed == [True]
    assert config_path.read_text() == ORIGINAL.replace("/v1", "/v2")


async def test_switching_auth_type_drops_what_no_longer_applies(config_path: Path) -> None:
    values = {"f-auth-type": "digest", "f-auth-username": "svc"}
    values["f-auth-password-name"] = "CRM_PASSWORD"
    app, _ = await fill_and_save(IntegrationForm(config_path, "crm"), values)
    assert app.dismissed == [True]
    auth = load_config(config_path).integrations["crm"].auth
    assert (auth.type, auth.username, auth.token) == ("digest", "svc", None)
    assert auth.password is not None and auth.password.describe() == "env CRM_PASSWORD"
    assert "rate_limit = 600      # per minute, agreed with the vendor" in config_path.read_text()


async def test_literal_secret_is_refused(config_path: Path) -> None:
    app = Harness(IntegrationForm(config_path, "crm"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        fill(app, {"f-auth-token-name": "hunter2 s3cret!"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "looks like the secret itself" in errors(app)
        assert "hunter2" not in errors(app)
        fill(app, {"f-auth-token-kind": "file", "f-auth-token-name": "hunter2s3cret"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "looks like the secret itself" in errors(app)
        assert app.dismissed == []
    assert config_path.read_text() == ORIGINAL


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("f-url", "not a url", "integrations.crm.url: must be an http:// or https:// URL"),
        ("f-timeout", "thirty", "timeout (seconds): must be a number (got 'thirty')"),
        ("f-rate_limit", "1.5", "rate limit (per min): must be a whole number"),
    ],
)
async def test_invalid_input_is_shown_and_nothing_written(
    config_path: Path, field: str, value: str, message: str
) -> None:
    before = config_path.read_bytes()
    app, shown = await fill_and_save(IntegrationForm(config_path, "crm"), {field: value})
    assert app.dismissed == []
    assert message in shown
    if field == "f-url":  # a schema error: PATH:LINE of the would-be file
        assert f"{config_path}:7: " in shown
    assert config_path.read_bytes() == before


async def test_add_destination(config_path: Path) -> None:
    app = Harness(DestinationForm(config_path, integration_id="spare"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#f-integration", Select).value == "spare"
        fill(
            app,
            {
                "f-id": "orders",
                "f-path": "/orders",
                "f-key": "region, id",
                "f-allow_locking": True,
                "f-update-method": "PUT",
                "f-load-records": "items",
                "f-load-pagination-type": "next_url",
            },
        )
        await pilot.pause()
        fill(app, {"f-load-pagination-next_url_path": "links.next"})
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.dismissed == [True]
    orders = load_config(config_path).destinations["orders"]
    assert (orders.integration, orders.path, orders.key) == ("spare", "/orders", ("region", "id"))
    assert orders.allow_locking and orders.update is not None and orders.update.method == "PUT"
    assert orders.load.records == "items"
    assert orders.load.pagination.next_url_path == "links.next"
    assert "# the vendor's own path" in config_path.read_text()


async def test_edit_destination_keeps_inline_comment(config_path: Path) -> None:
    values = {"f-update-method": "PUT", "f-lock_ttl": "120"}
    app, _ = await fill_and_save(DestinationForm(config_path, "customers"), values)
    assert app.dismissed == [True]
    text = config_path.read_text()
    assert (
        'update = { method = "PUT", path = "/customers/{id}" }   # the vendor\'s own path' in text
    )
    assert "[destinations.customers]   # the main table" in text
    customers = load_config(config_path).destinations["customers"]
    assert customers.lock_ttl == 120 and customers.update.method == "PUT"


async def test_new_destination_needs_an_id_and_a_path(config_path: Path) -> None:
    app, shown = await fill_and_save(DestinationForm(config_path), {"f-id": "customers"})
    assert app.dismissed == []
    assert "destination 'customers' already exists" in shown
    assert "path: required" in shown
    assert config_path.read_text() == ORIGINAL


async def test_remove_destination(config_path: Path) -> None:
    kept = await Harness(RemoveScreen(config_path, "destinations", "customers")).press_through(
        "enter"
    )
    assert kept.dismissed == [False] and config_path.read_text() == ORIGINAL
    app = await Harness(RemoveScreen(config_path, "destinations", "customers")).press_through("y")
    assert app.dismissed == [True]
    text = config_path.read_text()
    assert "customers" not in text
    assert 'token = { env = "CRM_TOKEN" }   # rotated monthly' in text


async def test_removing_a_used_integration_is_refused(config_path: Path) -> None:
    app = Harness(RemoveScreen(config_path, "integrations", "crm"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        message = str(app.screen.query_one("#message", Static).render())
        await pilot.press("y")
        await pilot.pause()
        assert app.dismissed == []
        await pilot.press("escape")
        await pilot.pause()
    assert "still used by destination customers" in message
    assert app.dismissed == [False]
    assert config_path.read_text() == ORIGINAL


async def test_remove_unused_integration(config_path: Path) -> None:
    app = await Harness(RemoveScreen(config_path, "integrations", "spare")).press_through(
        "tab", "y"
    )
    assert app.dismissed == [True]
    assert "spare" not in config_path.read_text()
    assert set(load_config(config_path).integrations) == {"crm"}


def test_unchanged_fields_keep_even_values_the_form_could_not_write() -> None:
    fields = [Field(("timeout",), "timeout", "number"), Field(("url",), "url")]
    raw = {"timeout": "odd", "url": "https://a.example", "headers": {"X": "1"}}
    shown = {("timeout",): "odd", ("url",): "https://a.example"}
    now = {("timeout",): "odd", ("url",): "https://b.example"}
    result, problems = updated_entry(raw, fields, shown, now)
    assert problems == []
    assert result == {"timeout": "odd", "url": "https://b.example", "headers": {"X": "1"}}
