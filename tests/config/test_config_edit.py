"""Round-trip edits keep the user's comments and layout, and never save an invalid file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.support.config_texts import TEAM_CONFIG as ORIGINAL
from tui.config import ConfigError
from tui.config.edit import ConfigFile


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "writeback.toml"
    path.write_text(ORIGINAL)
    path.chmod(0o640)
    return path


def test_change_keeps_comments_and_layout(config_path: Path) -> None:
    edit = ConfigFile(config_path)
    edit.set(
        "integrations",
        "crm",
        {
            "url": "https://api.example.com/v2",
            "rate_limit": 600,
            "auth": {"type": "bearer", "token": {"env": "CRM_TOKEN"}},
        },
    )
    edit.save()
    after = config_path.read_text()
    assert after == ORIGINAL.replace("/v1", "/v2")


def test_add_integration_and_destination(config_path: Path) -> None:
    edit = ConfigFile(config_path)
    edit.set(
        "integrations",
        "erp",
        {
            "url": "https://erp.example.com",
            "timeout": 5,
            "auth": {
                "type": "basic",
                "username": "svc",
                "password": {"keyring": "writeback", "user": "erp"},
            },
        },
    )
    edit.set(
        "destinations",
        "prices",
        {
            "integration": "erp",
            "path": "/prices",
            "key": ["sku"],
            "load": {"records": "items", "pagination": {"type": "page", "size": 50}},
        },
    )
    config = edit.save()
    after = config_path.read_text()
    for line in ORIGINAL.splitlines():
        assert line in after.splitlines()
    assert after.index("[integrations.erp]") < after.index("[destinations.customers]")
    assert "\n\n[destinations.customers]" in after
    assert config.integrations["erp"].auth.password.describe() == "keyring writeback/erp"
    assert config.destinations["prices"].load.pagination.size == 50
    assert "[integrations.erp.auth]" in after


def test_remove_destination_keeps_the_rest(config_path: Path) -> None:
    edit = ConfigFile(config_path)
    edit.remove("destinations", "customers")
    edit.save()
    after = config_path.read_text()
    assert "customers" not in after
    assert "# The CRM; ask Dana before changing the rate limit." in after
    assert "rate_limit = 600      # per minute, agreed with the vendor" in after


def test_removing_a_key_leaves_neighbours(config_path: Path) -> None:
    edit = ConfigFile(config_path)
    edit.set(
        "integrations",
        "crm",
        {
            "url": "https://api.example.com/v1",
            "auth": {"type": "bearer", "token": {"env": "CRM_TOKEN"}},
        },
    )
    edit.save()
    after = config_path.read_text()
    assert "rate_limit" not in after
    assert 'token = { env = "CRM_TOKEN" }   # rotated monthly' in after


def test_invalid_edit_is_refused_and_file_untouched(config_path: Path) -> None:
    edit = ConfigFile(config_path)
    edit.remove("integrations", "crm")  # the destination still names it
    with pytest.raises(ConfigError) as info:
        edit.save()
    assert "names integration 'crm', which is not defined" in str(info.value)
    assert config_path.read_text() == ORIGINAL


def test_literal_secret_is_refused(config_path: Path) -> None:
    edit = ConfigFile(config_path)
    edit.set(
        "integrations",
        "crm",
        {
            "url": "https://api.example.com/v1",
            "auth": {"type": "bearer", "token": "hunter2-secret"},
        },
    )
    with pytest.raises(ConfigError) as info:
        edit.save()
    assert "literal secret" in str(info.value)
    assert "hunter2-secret" not in str(info.value)
    assert "hunter2-secret" not in config_path.read_text()


def test_save_keeps_file_mode(config_path: Path) -> None:
    edit = ConfigFile(config_path)
    edit.set("destinations", "customers", {"integration": "crm", "path": "/clients", "key": ["id"]})
    edit.save()
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o640
    assert 'path = "/clients"' in config_path.read_text()
    assert "[destinations.customers]   # the main table" in config_path.read_text()
