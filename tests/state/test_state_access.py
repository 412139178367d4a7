"""Access rules: who may write to a secure destination, and who may break its locks."""

from __future__ import annotations

import getpass
import os
import pwd
from pathlib import Path

import pytest

from tests.support.state_backends import StateBackend
from tests.support.state_support import access, cli, who, write_config
from tui.config import load_config
from tui.secrets import SecretStore
from tui.state import AccessRefused, Refused, current_identity
from tui.state.identity import os_login
from tui.workspace import Workspace

DEST = "products"
WRITERS = access(write=("alice",), admin=("root-admin",))


@pytest.fixture
def secure(tmp_path: Path, demo_server, state_backend: StateBackend):
    """A config whose products destination only alice may write, only root-admin administer."""
    return load_config(write_config(tmp_path, demo_server, state=state_backend, extra=WRITERS))


async def test_a_user_outside_write_is_refused_with_the_reason(
    secure, demo_server, state_backend: StateBackend
) -> None:
    with state_backend() as state:
        bob = Workspace(secure, DEST, state, who("bob"), SecretStore())
        assert not bob.can_write and not bob.is_admin
        reason = bob.read_only_reason()
        assert reason == "bob may not write to products (not in destinations.products.access.write)"
        await bob.load()  # reading is allowed
        bob.table.edit(0, "qty", 1)
        sent = demo_server.request_count
        with pytest.raises(AccessRefused) as refused:
            await bob.write_back()
        assert str(refused.value) == reason
        with pytest.raises(AccessRefused, match="^bob may not write to products"):
            bob.lock()
        assert demo_server.request_count == sent
        assert state.audit.query() == [] and state.locks.get(DEST) is None


async def test_a_writer_writes_and_an_admin_not_in_write_may_too(
    secure, demo_server, state_backend: StateBackend
) -> None:
    with state_backend() as state:
        for login, qty in (("alice", 8080), ("root-admin", 8181)):
            ws = Workspace(secure, DEST, state, who(login), SecretStore())
            assert ws.can_write and ws.read_only_reason() is None
            await ws.load()
            ws.table.edit(ws.table.find({"id": 80}), "qty", qty)
            assert (await ws.write_back()).summary == "1 updated"
        updates = [e.login for e in state.audit.query() if e.event == "update"]
    assert updates == ["alice", "root-admin"]


def test_breaking_a_lock_is_for_admins_and_audited(secure, state_backend: StateBackend) -> None:
    with state_backend() as state:
        alice = Workspace(secure, DEST, state, who("alice", "alicehost"), SecretStore())
        alice.lock()
        writer = Workspace(secure, DEST, state, who("walt"), SecretStore())
        with pytest.raises(AccessRefused) as refused:
            writer.unlock(force=True)
        assert "walt may not break locks on products" in str(refused.value)
        assert "destinations.products.access.admin" in str(refused.value)
        with pytest.raises(Refused, match="locked by alice@alicehost"):
            writer.unlock()
        assert state.locks.get(DEST).login == "alice"
        admin = Workspace(secure, DEST, state, who("root-admin"), SecretStore())
        assert admin.is_admin and admin.unlock(force=True) is True
        assert state.locks.get(DEST) is None
        trail = state.audit.query()
    assert [(e.event, e.login) for e in trail] == [("lock", "alice"), ("break", "root-admin")]
    assert trail[-1].before["holder"] == "alice@alicehost"


def test_on_an_open_destination_everyone_writes_and_may_break_locks(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    config = load_config(write_config(tmp_path, demo_server, state=state_backend))
    with state_backend() as state:
        Workspace(config, DEST, state, who("alice"), SecretStore()).lock()
        anyone = Workspace(config, DEST, state, who("zed"), SecretStore())
        assert anyone.can_write and anyone.is_admin
        assert anyone.read_only_reason().startswith("locked by alice@testhost since ")
        assert anyone.unlock(force=True) is True


def test_a_read_only_destination_refuses_everyone(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    path = write_config(
        tmp_path, demo_server, state=state_backend, products="read_only = true\n", extra=WRITERS
    )
    with state_backend() as state:
        alice = Workspace(load_config(path), DEST, state, who("alice"), SecretStore())
        assert not alice.can_write and alice.read_only_reason() == "products is read-only"


def test_the_identity_is_the_os_account_not_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    monkeypatch.setenv("SSH_CONNECTION", "198.51.100.7 50022 10.0.0.5 22")
    me = current_identity()
    assert me.login == os_login() == pwd.getpwuid(os.getuid()).pw_name != "mallory"
    assert me.pid == os.getpid() and me.ssh_client == "198.51.100.7"
    monkeypatch.delenv("SSH_CONNECTION")
    assert current_identity().ssh_client is None
    assert getpass.getuser() == "mallory"  # what an environment-based lookup would believe


# ------------------------------------------------------------------ the command line


@pytest.mark.slow
def test_push_by_an_os_user_outside_write_exits_3_with_the_reason(
    tmp_path: Path, demo_server, state_backend: StateBackend
) -> None:
    me = os_login()
    config = write_config(
        tmp_path, demo_server, state=state_backend, extra=access(write=("alice",))
    )
    changes = tmp_path / "changes.jsonl"
    changes.write_text('{"op": "update", "key": {"id": 90}, "set": {"qty": 9090}}\n')
    sent = demo_server.request_count
    run = cli(config, "push", DEST, "--changes", str(changes))
    assert run.returncode == 3, run.stderr
    assert run.stderr.splitlines() == [
        f"writeback push products: refused: {me} may not write to products "
        "(not in destinations.products.access.write)"
    ]
    assert demo_server.request_count == sent
    for args in (("lock", DEST), ("unlock", DEST, "--force")):
        run = cli(config, *args)
        assert run.returncode == 3 and len(run.stderr.splitlines()) == 1
        assert f"{me} may not" in run.stderr
