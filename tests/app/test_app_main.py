"""The app against a real demo server and a real state file: panes, edits, locks held
by others, the audit trail of others, the draft journal, the quit guard, write back."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.app import ALICE, BOB, app_for, loaded, wait_until, write_config
from tui.app.panes.audit import AuditPane
from tui.app.panes.destinations import DestinationsPane
from tui.app.panes.integrations import IntegrationsPane
from tui.app.panes.status import StatusLine
from tui.demo import DemoServer
from tui.secrets import SecretStore
from tui.state import AuditEntry, StateStore
from tui.state.db import now_us
from tui.table import RowOutcome, RowState
from tui.workspace.restore import UNKNOWN

pytestmark = pytest.mark.slow  # the app driven key by key against the demo server


def status(app: object) -> str:
    return app.query_one(StatusLine).text  # type: ignore[attr-defined]


def audit_text(app: object) -> str:
    pane = app.query_one(AuditPane)  # type: ignore[attr-defined]
    return "\n".join(strip.text for strip in pane.lines)


def dest_prompt(app: object, dest: str) -> str:
    options = app.query_one("#destinations-list")  # type: ignore[attr-defined]
    return str(options.get_option(dest).prompt)


async def edit_cell(pilot: object, column: str, text: str) -> None:
    """Move the cursor to `column` of the current row and type `text` over the cell."""
    grid = pilot.app.grid  # type: ignore[attr-defined]
    grid.focus()
    while grid.cursor_column != column:
        await pilot.press("right")  # type: ignore[attr-defined]
    await pilot.press("enter", *text, "enter")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


async def test_opens_first_destination_then_another(config: Path, state: StateStore) -> None:
    app = app_for(config, state)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        assert app.grid.table is app.bench.workspaces["products"].table
        assert app.grid.table.row_count == 5000
        assert "products │ 5,000 rows │ unlocked │ no changes" in status(app)
        app.checker.run_all()
        panes = app.query_one(IntegrationsPane)
        await wait_until(pilot, lambda: panes.statuses["demo"].mark == "✓", what="check ok")
        # choose web_integrations in the destinations pane
        app.query_one("#destinations-list").focus()
        await pilot.press("down", "down", "enter")
        app = await loaded(pilot, "web_integrations")
        assert app.bench.current == "web_integrations"
        assert app.grid.table is app.bench.workspaces["web_integrations"].table
        assert app.grid.table.row_count > 0
        assert "▸ web_integrations" in dest_prompt(app, "web_integrations")
        assert app.focused is app.grid or app.grid in app.focused.ancestors


async def test_status_counts_after_edits(config: Path, state: StateStore) -> None:
    app = app_for(config, state)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        table = app.grid.table
        await edit_cell(pilot, "name", "Renamed")
        assert table.value(table.row_at(0), "name") == "Renamed"
        assert "1 changed" in status(app)
        await pilot.press("down", "d")  # delete the second row
        await pilot.press("a")  # add a row
        await pilot.pause()
        assert "1 changed, 1 new, 1 deleted" in status(app)
        draft = state.journal.load("alice", "products")  # journaled after every step
        assert draft is not None and len(draft.snapshot["deletes"]) == 1


async def test_reverting_a_held_row_in_the_grid_is_audited(config: Path, state: StateStore) -> None:
    """The grid reverts through the workspace: a held row's revert leaves one entry."""
    app = app_for(config, state)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        table = app.grid.table
        row = table.row_at(0)
        await edit_cell(pilot, "qty", "777")
        table.apply_results([RowOutcome(row, "unknown", reason=UNKNOWN)])
        assert app.bench.ws.held == {row}
        await pilot.press("R")
        await pilot.pause()
        assert not table.dirty
        [entry] = [e for e in state.audit.query(limit=None) if e.event == "revert"]
        assert entry.row_key == table.key_of(row) and entry.before == {"qty": 777}
        assert state.journal.load("alice", "products") is None


async def test_lock_toggle_is_shared_and_audited(config: Path, state: StateStore) -> None:
    app = app_for(config, state)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+l")
        lock = state.locks.get("products")
        assert lock is not None and (lock.login, lock.host, lock.manual) == (
            "alice",
            "testhost",
            True,
        )
        await wait_until(pilot, lambda: "lock  products" in audit_text(app), what="lock audited")
        assert "🔒 locked by you" in status(app)
        assert "🔒 you" in dest_prompt(app, "products")
        lease_us = int(lock.ttl * 1e6)
        await wait_until(pilot, lambda: now_us() + lease_us > lock.expires_us, what="time on")
        app.bench.renew_locks()  # what the app does every few seconds: the lease goes on
        assert state.locks.get("products").expires_us > lock.expires_us
        await pilot.press("ctrl+l")
        assert state.locks.get("products") is None
        await wait_until(pilot, lambda: "unlock  products" in audit_text(app), what="unlock")
        assert "unlocked" in status(app)


async def test_lock_of_another_user_makes_the_grid_read_only(
    config: Path, state: StateStore
) -> None:
    app = app_for(config, state)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await loaded(pilot)
        state.locks.acquire("products", BOB, 900, manual=True)
        await wait_until(pilot, lambda: app.grid.read_only, timeout=2, what="lock followed")
        assert "locked by bob@otherhost since" in app.grid.read_only
        assert "locked by bob@otherhost since" in status(app)
        assert "locked by bob@otherhost since" in str(app.query_one("#loadbar").render())
        assert "🔒 bob@otherhost" in dest_prompt(app, "products")
        table = app.grid.table
        await edit_cell(pilot, "name", "Y")
        assert not table.dirty  # refused, and said why
        assert any("locked by bob@otherhost" in n.message for n in app._notifications)
        await pilot.press("ctrl+l")  # alice cannot take it
        assert state.locks.get("products").login == "bob"
        state.locks.release("products", BOB)
        await wait_until(pilot, lambda: not app.grid.read_only, timeout=2, what="release followed")
        assert "unlocked" in dest_prompt(app, "products")
        assert not app.query_one("#loadbar").display


async def test_audit_pane_tails_entries_of_others(
    config: Path, state: StateStore, tmp_path: Path
) -> None:
    app = app_for(config, state)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        with StateStore(tmp_path / "state.db") as other:  # another process's connection
            entry = AuditEntry.now(BOB, "products", "update").but(
                row_key={"id": 7}, before={"qty": 1}, after={"qty": 2}, outcome="done", status=200
            )
            other.audit.append(entry)
            await wait_until(pilot, lambda: "bob@otherhost" in audit_text(app), timeout=2)
            assert "qty: 1 -> 2" in audit_text(app)
            await pilot.press("f4")  # only this destination
            assert app.query_one(AuditPane).border_title == "Audit · products only"
            other.audit.append(AuditEntry.now(BOB, "web_integrations", "delete"))
            other.audit.append(AuditEntry.now(BOB, "products", "insert"))
            await wait_until(pilot, lambda: "insert  products" in audit_text(app), timeout=2)
            assert "web_integrations" not in audit_text(app)


async def test_unsaved_edits_are_offered_back_after_a_crash(
    config: Path, state: StateStore
) -> None:
    from tui.config import load_config
    from tui.workspace import Workspace

    ws = Workspace(load_config(config), "products", state, ALICE, SecretStore())
    await ws.load()
    row = ws.table.find({"id": 3})
    ws.table.edit(row, "qty", 4321)
    ws.journal()  # what the app does after every edit; then the process "dies"

    app = app_for(config, state)
    async with app.run_test(size=(160, 50)) as pilot:
        from tui.app.screens.restore import RestoreScreen

        await wait_until(pilot, lambda: isinstance(app.screen, RestoreScreen), what="offer")
        assert "1 changed" in app.screen.message
        await pilot.press("enter")  # Restore
        await pilot.pause()
        table = app.bench.workspaces["products"].table
        assert table.value(table.find({"id": 3}), "qty") == 4321
        assert table.cell_state(table.find({"id": 3}), "qty") == RowState.CHANGED
        assert "1 changed" in status(app)


async def test_quit_asks_when_changes_are_pending(config: Path, state: StateStore) -> None:
    from tui.app.screens.quit import QuitScreen

    app = app_for(config, state)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await edit_cell(pilot, "name", "Z")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)
        assert "products: 1 changed" in app.screen.message
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert not isinstance(app.screen, QuitScreen) and app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.click("#choice-0")  # Quit
        await pilot.pause()
        assert not app.is_running


async def test_quit_without_changes_does_not_ask(config: Path, state: StateStore) -> None:
    app = app_for(config, state)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_write_back_waits_for_another_writebacks_lock_with_a_countdown(
    config: Path, state: StateStore, demo_server: DemoServer
) -> None:
    """As push does: bob's automatic lock (a writeback of his under way) is waited for, the
    time left shown, and the write goes on once it is released."""
    from tui.app.screens.preview import PreviewScreen
    from tui.app.screens.progress import WritebackScreen

    app = app_for(config, state)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        await edit_cell(pilot, "name", "Waited for")
        state.locks.acquire("products", BOB, 300, integration="demo")  # automatic, not by hand
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen), what="preview")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, WritebackScreen), what="progress")
        screen = app.screen
        words = lambda: str(screen.query_one("#status").render())  # noqa: E731
        await wait_until(pilot, lambda: "Waiting for the lock: locked by bob" in words())
        assert " s left before giving up" in words() and not screen.finished
        row = httpx.get(f"{demo_server.api_url}/products/1", timeout=10).json()
        assert row["name"] != "Waited for"  # nothing sent while waiting
        state.locks.release("products", BOB, integration="demo")
        await wait_until(pilot, lambda: screen.finished, what="written after the wait")
        assert screen.report is not None and screen.report.lock_wait_s > 0
        row = httpx.get(f"{demo_server.api_url}/products/1", timeout=10).json()
        assert row["name"] == "Waited for"


async def test_write_back_through_preview_and_progress(
    config: Path, state: StateStore, demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.app.screens.preview import PreviewScreen
    from tui.app.screens.progress import WritebackScreen
    from tui.workspace import preview, writing

    built: list[str] = []  # the change set is built once per write-back, the preview made once
    for module, name in ((writing, "row_changes"), (preview, "dry_run")):
        original = getattr(module, name)

        def counted(*args: object, _name: str = name, _f: object = original) -> object:
            built.append(_name)
            return _f(*args)  # type: ignore[operator]

        monkeypatch.setattr(module, name, counted)
    app = app_for(config, state)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        await edit_cell(pilot, "name", "Sable Compact Access Point v2")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen), what="preview")
        await pilot.press("enter")  # write now
        await wait_until(pilot, lambda: isinstance(app.screen, WritebackScreen), what="progress")
        await wait_until(pilot, lambda: app.screen.finished, what="written")
        await pilot.press("enter")  # close
        await pilot.pause()
        row = httpx.get(f"{demo_server.api_url}/products/1", timeout=10).json()
        assert row["name"] == "Sable Compact Access Point v2"
        assert "no changes" in status(app)
        await wait_until(pilot, lambda: "update  products" in audit_text(app), timeout=2)
    assert sorted(built) == ["dry_run", "row_changes"]


RESOLUTIONS = ("take_theirs", "overwrite", "skip")


@pytest.mark.parametrize(("choice", "server_name"), [("t", "Theirs"), ("o", "Mine")])
async def test_conflict_resolved_by_the_user(
    config: Path, state: StateStore, demo_server: DemoServer, choice: str, server_name: str
) -> None:
    from tui.app.screens.conflicts import ConflictScreen
    from tui.app.screens.progress import WritebackScreen

    app = app_for(config, state)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        url = f"{demo_server.api_url}/products/1"
        headers = {"Content-Type": "application/merge-patch+json"}
        httpx.patch(url, json={"name": "Theirs"}, headers=headers, timeout=10).raise_for_status()
        await edit_cell(pilot, "name", "Mine")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "PreviewScreen")
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: isinstance(app.screen, WritebackScreen) and app.screen.finished
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConflictScreen), what="conflicts")
        await pilot.press(choice, "enter")
        if choice == "o":  # written again, overwriting
            await wait_until(pilot, lambda: isinstance(app.screen, WritebackScreen))
            await wait_until(pilot, lambda: app.screen.finished, what="overwritten")
            await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="back")
        await wait_until(pilot, lambda: not app.loader.busy, what="reloaded")
        assert httpx.get(url, timeout=10).json()["name"] == server_name
        table = app.grid.table
        assert table.value(table.find({"id": 1}), "name") == server_name
        assert not table.dirty and "no changes" in status(app)
    # the choice is in the trail, with what it made of the row
    event, before, after = {
        "t": ("take_theirs", "Mine", "Theirs"),
        "o": ("overwrite", "Theirs", "Mine"),
    }[choice]
    [decided] = [e for e in state.audit.query(limit=None) if e.event in RESOLUTIONS]
    assert (decided.event, decided.row_key) == (event, {"id": 1})
    assert (decided.before, decided.after) == ({"name": before}, {"name": after})


async def test_esc_cancels_a_load_and_leaves_the_grid_read_only(
    tmp_path: Path, make_demo_server: object
) -> None:
    server = make_demo_server(latency=0.3)  # type: ignore[operator]
    config = write_config(tmp_path, server.api_url)
    with StateStore(tmp_path / "state.db") as state:
        app = app_for(config, state)
        async with app.run_test(size=(120, 40)) as pilot:
            bar = app.query_one("#loadbar")
            await wait_until(pilot, lambda: "page 1" in str(bar.render()), what="first page")
            await pilot.press("escape")
            await wait_until(pilot, lambda: not app.loader.busy, what="cancelled")
            await pilot.pause()
            assert "load cancelled after 1,000 rows" in str(bar.render())
            assert "load cancelled" in app.grid.read_only
            assert "1,000 rows" in status(app)
            assert "products" not in app.bench.loaded


async def test_unreachable_integration_and_config_reloaded(
    tmp_path: Path, demo_server: DemoServer
) -> None:
    from tui.app.screens.restore import RestoreScreen

    down = '\n[integrations.down]\nurl = "http://127.0.0.1:9/api"\ntimeout = 2\n'
    config = write_config(tmp_path, demo_server.api_url, down)
    with StateStore(tmp_path / "state.db") as state:
        app = app_for(config, state)
        async with app.run_test(size=(160, 50)) as pilot:
            await loaded(pilot)
            statuses = app.query_one(IntegrationsPane).statuses
            await wait_until(pilot, lambda: statuses["down"].mark == "✗", what="check failed")
            assert statuses["down"].words.startswith("unreachable")
            assert statuses["demo"].mark == "✓"
            extra = '\n[destinations.gone_soon]\nintegration = "down"\npath = "/x"\n'
            config.write_text(config.read_text() + extra)
            app.reload_config()  # what happens after a form saved the file
            app.query_one("#integrations-list").highlighted = 1  # "down"
            await pilot.pause()
            assert app.query_one(DestinationsPane).integration == "down"
            assert "gone_soon" in dest_prompt(app, "gone_soon")
            assert app.bench.current == "products" and app.grid.table.row_count == 5000
            # products itself changes under pending edits: reopened, its edits offered back
            await edit_cell(pilot, "name", "Pending")
            config.write_text(
                config.read_text().replace(
                    "allow_locking = true", "lock_ttl = 600\nallow_locking = true", 1
                )
            )
            app.reload_config()
            await wait_until(pilot, lambda: isinstance(app.screen, RestoreScreen), what="offer")
            await pilot.press("enter")
            await pilot.pause()
            assert app.bench.ws.dest.lock_ttl == 600
            assert app.grid.table.value(app.grid.table.find({"id": 1}), "name") == "Pending"


async def test_narrow_terminal_hides_panes_until_asked(config: Path, state: StateStore) -> None:
    app = app_for(config, state)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        sidebar, audit = app.query_one("#sidebar"), app.query_one(AuditPane)
        assert not sidebar.display and not audit.display
        assert "1 │ products" not in status(app)  # the cell text gives way first
        assert "no changes" in status(app)
        await pilot.press("ctrl+b", "f3")
        assert sidebar.display and audit.display
        await pilot.press("f1")
        await pilot.pause()
        from tui.app.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")


async def test_secret_asked_in_the_app(tmp_path: Path, make_demo_server: object) -> None:
    server = make_demo_server(token="t0ps3cret")  # type: ignore[operator]
    auth = '[integrations.demo.auth]\ntype = "bearer"\ntoken = { prompt = "demo token" }\n'
    text = write_config(tmp_path, server.api_url).read_text()
    config = tmp_path / "writeback.toml"
    config.write_text(text.replace("[destinations.products]", auth + "\n[destinations.products]"))
    with StateStore(tmp_path / "state.db") as state:
        app = app_for(config, state, secrets=None)
        async with app.run_test(size=(120, 40)) as pilot:
            from tui.app.screens.secret import SecretScreen

            await wait_until(pilot, lambda: isinstance(app.screen, SecretScreen), what="asked")
            await pilot.press(*"t0ps3cret", "enter")
            await loaded(pilot)
            assert app.grid.table.row_count == 5000
            assert "t0ps3cret" not in status(app)
