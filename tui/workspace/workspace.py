"""One destination being edited by one person: load, journal, preview, write back, lock.

The app and `writeback push` both drive this; it never imports textual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from tui.config.model import Config, Destination, Integration
from tui.secrets import SecretStore
from tui.state import access
from tui.state.audit import AuditEntry
from tui.state.draftlog import COMPACT_BYTES, COMPACT_STEPS, INLINE_OPS
from tui.state.errors import AccessRefused, Refused
from tui.state.identity import Identity
from tui.state.journal import Draft, OtherDraft, ident_text
from tui.state.locks import Lock
from tui.state.store import StateStore
from tui.table import Change, Table
from tui.workspace import recovery
from tui.workspace.preview import Preview, build_preview
from tui.workspace.report import Conflict, WritebackReport, landed_entry
from tui.workspace.resolve import (
    Choice,
    change_lines,
    discard_entry,
    draft_lines,
    draft_words,
    resolution_entry,
    revert_entry,
)
from tui.workspace.restore import Restored, held_rows, landed_held, restore
from tui.writeback.results import RowResult

if TYPE_CHECKING:
    from tui.rest.load import Page
    from tui.workspace.writing import Sending


class Workspace:
    def __init__(
        self,
        config: Config,
        destination: str,
        state: StateStore,
        who: Identity,
        secrets: SecretStore,
        *,
        journaled: bool = True,
    ) -> None:
        """`journaled`: keep the change set in the draft journal (the app); `push` reads
        its changes from a file and leaves the user's draft alone."""
        self.config = config
        self.journaled = journaled
        self.dest: Destination = config.destinations[destination]
        self.integration: Integration = config.integrations[self.dest.integration]
        self.state = state
        self.who = who
        self.secrets = secrets
        self.table = Table.for_destination(self.dest)
        self._appended = (0, 0)  # steps and bytes appended to the draft since it was folded
        if journaled and state.journal.session_of(who.login) is None:
            state.start_session(who)

    # ----------------------------------------------------------- who may do what

    @property
    def can_write(self) -> bool:
        return access.write_refusal(self.dest, self.who.login) is None

    @property
    def is_admin(self) -> bool:
        return access.is_admin(self.dest, self.who.login)

    def read_only_reason(self, *, will_wait: bool = False) -> str | None:
        """Why the rows cannot be edited right now, or None.

        `will_wait`: the caller writes back at once, and a writeback waits for another
        one's automatic lock; only a lock taken by hand refuses it."""
        refusal = access.write_refusal(self.dest, self.who.login)
        if refusal:
            return refusal
        lock = self.lock_state()
        if lock is None or lock.held_by(self.who) or (will_wait and not lock.manual):
            return None
        return lock.describe()

    def redact(self, text: str) -> str:
        return self.secrets.redact(text)

    # ----------------------------------------------------------- rows

    async def load(self, on_page: Callable[[Page], None] | None = None) -> None:
        """(Re)load the rows page by page; pending changes are carried over by key.

        The new table starts with the whole change set (tui.table.carry): each change
        shows as its row arrives, and one whose row never comes is kept, so a cancelled
        or failed load, or a journal saved meanwhile, loses nothing."""
        from tui.rest.connection import Connection  # the REST engine, imported when first used
        from tui.rest.load import iter_pages

        pending = self.table.snapshot() if self.table.dirty else None
        held = {
            ident_text(self.table.ident(c.row)): c.op
            for c in self.table.changes()
            if c.row is not None and c.row in self.held
        }
        table = Table.for_destination(self.dest)
        if pending:
            table.restore(pending)
        self.table = table
        async with Connection(self.integration, self.secrets) as conn:
            async for page in iter_pages(conn, self.dest):
                table.append_page(page.records)
                if on_page:
                    on_page(page)
        if pending:
            table.place_unplaced()
            landed, keys = landed_held(table, pending, held)
            if landed:  # held rows the server turns out to hold: written after all
                draft = Draft(pending, 0)
                self._settle(
                    [
                        landed_entry(
                            self.who,
                            self.dest.id,
                            self.integration.id,
                            draft,
                            ident,
                            op=held[ident],
                            key=keys.get(ident),
                        )
                        for ident in landed
                    ]
                )

    def restore_draft(self, offer: OtherDraft | None = None) -> Restored | None:
        """Put back this session's draft; with `offer`, first take over that gone
        session's draft (None while it still runs, or when this session has one here)."""
        journal = self.state.journal
        if offer is not None and not journal.take_over(
            self.who.login, offer.session.id, self.dest.id
        ):
            return None
        draft = self.state.journal.load(self.who.login, self.dest.id)
        cut = self.state.intents.interrupted(self.dest.id, self.who.login, drafted=True)
        if draft is None and not cut:
            return None
        restored = restore(self.table, draft or Draft({}, 0), cut)
        landed = [i for i in cut if i.ident in restored.landed] if self.dest.audit else []
        # one transaction: a crash here must neither lose nor repeat the landed rows' entries
        with self.state.db.write() as conn:
            for intent in landed:
                entry = recovery.landed_entry(
                    intent, self.integration.id, restored.keys.get(intent.ident)
                )
                self.state.audit.add(conn, entry)
            # the writeback cut off is settled: its flags live in the draft
            self.state.intents.forget_in(conn, {i.run_id for i in cut}, self.dest.id)
            if self.journaled:
                self.state.journal.save_in(
                    conn, self.who.login, self.dest.id, self.table.take_snapshot()
                )
        return restored

    def offers(self) -> list[OtherDraft]:
        """Drafts of this user's gone sessions here, oldest first: offered back one by one."""
        return [d for d in self.state.journal.others(self.who.login, self.dest.id) if not d.alive]

    def others_live(self) -> list[OtherDraft]:
        """Drafts of this user's sessions that still run: theirs, never read or touched here."""
        return [d for d in self.state.journal.others(self.who.login, self.dest.id) if d.alive]

    def offered(self, offer: OtherDraft) -> Draft | None:
        """What a gone session's draft holds, to show before it is taken over."""
        return self.state.journal.load_of(offer.session.id, self.who.login, self.dest.id)

    def journal(self) -> int:
        """Append the edit steps made since the last call to this session's draft (call after
        every edit); costs what the steps did, and a big step is written by the journal's
        own thread. Returns the bytes written here."""
        if not self.journaled:
            return 0
        journal, login, dest = self.state.journal, self.who.login, self.dest.id
        taken = self.table.take_ops()
        if taken is None or journal.lost(login, dest):  # changed outside any step: whole
            journal.save(login, dest, self.table.take_snapshot())
            self._appended = (0, 0)
            return 0
        size = 0
        if taken.size > INLINE_OPS or journal.appending():
            journal.append_later(login, dest, taken.encode)
        elif taken.size:
            size = journal.append(login, dest, taken.encode())
        else:
            return 0
        count, total = self._appended[0] + 1, self._appended[1] + (size or taken.size * 50)
        self._appended = (count, total)
        session = journal.session_of(login)
        due = count >= COMPACT_STEPS or total >= COMPACT_BYTES
        if due and session is not None and self.state.compactor.start(session, dest, login):
            self._appended = (0, 0)
        return size

    def discard(self, offer: OtherDraft | None = None) -> None:
        """Throw the change set away for good: the table's, else this session's draft, or
        with `offer` that gone session's draft (the table is left alone).

        Audited as one entry holding every line, in the transaction that clears the draft."""
        if offer is not None:
            if self.state.sessions.is_alive(offer.session.id):
                raise Refused("that session still runs: its draft is its own")
            entry = self._draft_entry(self.offered(offer))
            with self.state.db.write() as conn:
                if entry is not None and self.dest.audit:
                    self.state.audit.add(conn, entry)
                self.state.journal.discard_in(conn, self.who.login, self.dest.id, offer.session.id)
            return
        entry = self._discard_entry()
        self.table.revert_rows([c.row for c in self.table.changes() if c.row is not None])
        self.table.forget_unplaced()
        self.table.take_snapshot()  # the draft goes as a whole, steps and all
        with self.state.db.write() as conn:
            if entry is not None and self.dest.audit:
                self.state.audit.add(conn, entry)
            self.state.journal.discard_in(conn, self.who.login, self.dest.id)

    def _discard_entry(self) -> AuditEntry | None:
        if self.table.dirty:
            lines = change_lines(self.table.changes(), bool(self.table.key))
            words = str(self.table.counts())
            if not lines:
                return None
            return discard_entry(self.who, self.dest.id, self.integration.id, lines, words)
        return self._draft_entry(self.state.journal.load(self.who.login, self.dest.id))

    def _draft_entry(self, draft: Draft | None) -> AuditEntry | None:
        if draft is None or not draft.snapshot:
            return None
        lines, words = draft_lines(draft.snapshot), draft_words(draft)
        if not lines:
            return None
        return discard_entry(self.who, self.dest.id, self.integration.id, lines, words)

    @property
    def held(self) -> set[int]:
        """Rows whose outcome is unknown after a crash: left out until released."""
        return held_rows(self.table)

    def revert(self, rows: Iterable[int]) -> int:
        """Throw away the pending changes of these rows (one undo step); returns how many
        changed. A held row reverted is the user's word that the server's row stands
        after all: audited (like take theirs) in the transaction that saves the draft."""
        rows = list(rows)
        held = self.held
        changes = [c for c in self.table.changes() if c.row in held and c.row in rows]
        entries = self._revert_entries(changes) if changes and self.dest.audit else []
        done = self.table.revert_rows(rows)
        if done:
            self._settle(entries)
        return done

    def _revert_entries(self, changes: list[Change]) -> list[AuditEntry]:
        return [revert_entry(self.who, self.dest.id, self.integration.id, c, "") for c in changes]

    def release(self, rows: Iterable[int]) -> None:
        """The user checked these rows: they may be sent again."""
        for row in rows:
            self.table.clear_error(row)
        self.journal()

    # ----------------------------------------------------------- writing back

    def sending(self, skip: Iterable[int] = ()) -> Sending:
        """The rows a writeback would send now, less `skip` and the held ones: built
        once per writeback, for its preview and its write."""
        from tui.workspace import writing  # the REST engine, imported when first used

        return writing.sending(self.table, self.dest, skip)

    def preview(self, sent: Sending | None = None) -> Preview:
        """What writing back `sent` (by default, what is pending now) would do."""
        return build_preview(self.integration, self.dest, sent or self.sending())

    async def write_back(
        self,
        overwrite: Iterable[int] = (),
        skip: Iterable[int] = (),
        on_result: Callable[[RowResult], None] | None = None,
        on_wait: Callable[[str, float], None] | None = None,
        *,
        sent: Sending | None = None,
    ) -> WritebackReport:
        """Send the change set under the lock; every row audited as its result arrives.

        `sent`: the rows its preview showed (built again, with their `skip`, when the
        table changed since); without it the pending rows less `skip` are sent.
        Another writeback's lock is waited for up to the destination's `lock_wait`
        seconds; meanwhile `on_wait("locked by bob@host since 10:32", seconds_left)`
        is called about every half second (a countdown to show)."""
        from tui.workspace import writing  # the REST engine, imported when first used

        refusal = access.write_refusal(self.dest, self.who.login)
        if refusal:
            raise AccessRefused(refusal)
        problems = self.table.problems()
        if problems:
            raise Refused(f"nothing sent: {len(problems)} invalid values, first: {problems[0]}")
        if sent is None or not sent.built_from(self.table):
            sent = self.sending(skip if sent is None else sent.skip)
        return await writing.run(self, overwrite, sent, on_result, on_wait)

    def resolve(
        self, conflicts: Iterable[Conflict], choices: dict[int, Choice], writeback_id: str = ""
    ) -> tuple[set[int], set[int]]:
        """The user's choice per conflict (none said: skip), each audited with the draft it
        leaves; "theirs" applied here. Returns the rows to overwrite and to skip."""
        conflicts = list(conflicts)
        chosen = {c.row: choices.get(c.row, "skip") for c in conflicts}
        self._take_theirs([c for c in conflicts if chosen[c.row] == "theirs"])
        self._settle(
            [
                resolution_entry(
                    self.who, self.dest.id, self.integration.id, c, chosen[c.row], writeback_id
                )
                for c in conflicts
            ]
        )
        overwrite = {row for row, choice in chosen.items() if choice == "overwrite"}
        return overwrite, {row for row, choice in chosen.items() if choice == "skip"}

    def _take_theirs(self, conflicts: list[Conflict]) -> None:
        """The server's values become the loaded ones; my changes to those rows go."""
        for conflict in conflicts:
            self.table.set_loaded(conflict.row, conflict.server or conflict.theirs)
            self.table.clear_error(conflict.row)
        self.table.revert_rows([c.row for c in conflicts])

    def _settle(self, entries: list[AuditEntry]) -> None:
        """Audit entries and the change set they leave, in one transaction."""
        with self.state.db.write() as conn:
            if self.dest.audit:
                for entry in entries:
                    self.state.audit.add(conn, entry)
            if self.journaled:
                self.state.journal.save_in(
                    conn, self.who.login, self.dest.id, self.table.take_snapshot()
                )

    # ----------------------------------------------------------- locks

    def lock_state(self) -> Lock | None:
        return self.state.locks.get(self.dest.id)

    def lock(self) -> Lock:
        """A manual lock, held until unlocked or its lease runs out unrenewed."""
        if not self.dest.allow_locking:
            raise Refused(f"{self.dest.id} does not allow locking (allow_locking = false)")
        refusal = access.write_refusal(self.dest, self.who.login)
        if refusal:
            raise AccessRefused(refusal)
        lock, _ = self.state.locks.acquire(
            self.dest.id, self.who, self.dest.lock_ttl, manual=True, integration=self.integration.id
        )
        return lock

    def unlock(self, force: bool = False) -> bool:
        if force:
            refusal = access.admin_refusal(self.dest, self.who.login)
            if refusal:
                raise AccessRefused(refusal)
        return self.state.locks.release(
            self.dest.id, self.who, force=force, integration=self.integration.id
        )

    def renew(self) -> None:
        self.state.locks.renew(self.dest.id, self.who)
