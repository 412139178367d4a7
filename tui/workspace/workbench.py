"""What the app works on: the configuration, the shared state, who is working, the
secrets, and one Workspace per destination opened (so switching keeps pending edits).

No textual here: the panes and screens read this and call into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tui.config import Config, load_config
from tui.secrets import SecretRef, SecretStore
from tui.state import Identity, Refused, StateStore, current_identity, open_state
from tui.workspace.answers import Answers, refs_of, unanswered

if TYPE_CHECKING:
    from tui.config.model import Destination, Integration
    from tui.state.journal import Draft
    from tui.workspace.workspace import Workspace


@dataclass
class Workbench:
    config_path: Path
    config: Config
    state: StateStore
    who: Identity
    secrets: SecretStore
    answers: Answers
    owns_state: bool = True
    asks_secrets: bool = True  # the store asks through `answers` (not one a test passed in)
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    current: str | None = None
    loaded: set[str] = field(default_factory=set)  # destinations whose rows are all in
    # destinations whose rows are not all in, and why: their grid stays read-only
    unfinished: dict[str, str] = field(default_factory=dict)
    session: str | None = None  # the session this bench registered (ended on close)

    @classmethod
    def open(
        cls,
        config_path: Path,
        *,
        identity: Identity | None = None,
        state: StateStore | None = None,
        secrets: SecretStore | None = None,
    ) -> Workbench:
        config = load_config(config_path)
        answers = Answers()
        bench = cls(
            config_path=config_path,
            config=config,
            state=state or open_state(config),
            who=identity or current_identity(),
            secrets=secrets or SecretStore(prompt=answers.prompt),
            answers=answers,
            owns_state=state is None,
            asks_secrets=secrets is None,
        )
        if bench.state.journal.session_of(bench.who.login) is None:
            bench.session = bench.state.start_session(bench.who).id
        return bench

    # ----------------------------------------------------------- workspaces

    @property
    def ws(self) -> Workspace | None:
        return self.workspaces.get(self.current) if self.current else None

    def workspace(self, dest: str) -> Workspace:
        if dest not in self.workspaces:
            from tui.workspace.workspace import Workspace  # imported after the first frame

            self.workspaces[dest] = Workspace(self.config, dest, self.state, self.who, self.secrets)
        return self.workspaces[dest]

    def first_destination(self) -> str | None:
        """The first destination with unsaved work waiting, else the first one."""
        found = self.drafts() or list(self.config.destinations)
        return found[0] if found else None

    def read_only_reason(self, ws: Workspace, *, will_wait: bool = False) -> str | None:
        """Why the rows cannot be edited (`will_wait`: written back) now, or None."""
        return ws.read_only_reason(will_wait=will_wait) or self.unfinished.get(ws.dest.id)

    def pending(self) -> dict[str, str]:
        """Destination -> "3 changed, 1 new" for every destination with unsaved edits."""
        return {d: str(ws.table.counts()) for d, ws in self.workspaces.items() if ws.table.dirty}

    def missing_secrets(
        self, integration: Integration, dest: Destination | None = None
    ) -> list[SecretRef]:
        """The secrets a request to `integration` (for `dest`) needs that no source holds
        and nobody typed yet; none when the store was given (it answers for itself)."""
        if not self.asks_secrets:
            return []
        return unanswered(refs_of(integration, dest), self.answers)

    # ----------------------------------------------------------- locks

    def toggle_lock(self) -> str:
        """Lock or unlock the open destination; the words to show, or Refused."""
        ws = self.ws
        if ws is None:
            return "open a destination first"
        lock = ws.lock_state()
        if lock is not None and lock.held_by(self.who):
            ws.unlock()
            return f"{ws.dest.id}: unlocked"
        if lock is not None:
            hint = "; an admin may break it (ctrl+p: break lock)" if ws.is_admin else ""
            raise Refused(f"{ws.dest.id}: {lock.describe()}{hint}")
        ws.lock()
        return f"{ws.dest.id}: locked by you"

    def renew_locks(self) -> None:
        """Renew the manual locks this user holds on destinations open here (the app
        calls this on a timer well inside the lock's lease)."""
        session = self.state.journal.session_of(self.who.login)
        if session is not None:  # the same beat keeps this session's lease
            self.state.sessions.heartbeat(session)
        for ws in self.workspaces.values():
            lock = ws.lock_state()
            if lock is not None and lock.manual and lock.held_by(self.who):
                ws.renew()

    # ----------------------------------------------------------- drafts

    def draft(self, dest: str) -> Draft | None:
        """This session's draft on a destination (with an unfinished writeback's rows)."""
        return self.state.journal.load(self.who.login, dest)

    def drafts(self) -> list[str]:
        """Destinations with a draft of this session or of a gone session of this user,
        in config order."""
        journal, login = self.state.journal, self.who.login
        return [
            d
            for d in self.config.destinations
            if self.draft(d) is not None or any(not o.alive for o in journal.others(login, d))
        ]

    # ----------------------------------------------------------- config

    def destinations_of(self, integration: str) -> list[str]:
        return [d.id for d in self.config.destinations.values() if d.integration == integration]

    def reload_config(self) -> list[str]:
        """Re-read the file after a form saved it; a workspace whose destination or
        integration changed is dropped (its edits wait in the draft journal).
        Returns the destinations dropped."""
        config = load_config(self.config_path)
        dropped = []
        for dest, ws in list(self.workspaces.items()):
            new = config.destinations.get(dest)
            same = new == ws.dest and config.integrations.get(new.integration) == ws.integration
            if same:
                ws.config = config
            else:
                del self.workspaces[dest]
                self.loaded.discard(dest)
                self.unfinished.pop(dest, None)
                dropped.append(dest)
        self.config = config
        if self.current not in config.destinations:
            self.current = None
        return dropped

    def close(self) -> None:
        if self.session is not None:  # a clean exit: the drafts left are offered next time
            self.state.end_session()
        if self.owns_state:
            self.state.close()
