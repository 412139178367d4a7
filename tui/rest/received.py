"""What a connection received and has not yet read: one buffer the socket reads into.

asyncio's stream reader makes a new 256 KB bytes object for every read from the
socket, copies it onto its buffer, and copies again for the caller.  Buffers that
large come straight from the system and go back when freed, so every page of a
load faulted in fresh memory.  Here the socket reads into a buffer the connection
keeps (`asyncio.BufferedProtocol`), replaced by a larger one only when a piece
asked for does not fit, and a body leaves it in a single copy.

Reads raise what `asyncio.StreamReader` raises (IncompleteReadError, LimitOverrunError,
the connection's OSError), so callers map failures the same way.
"""

from __future__ import annotations

import asyncio

_ROOM = 64 * 1024  # the least free space offered to the socket
_TLS_RECORD = 17 * 1024  # room beyond what TLS says is waiting: a record read in part
_HIGH = 4 * 1024 * 1024  # unread bytes at which the socket is no longer read


class Received(asyncio.BufferedProtocol):
    """The protocol of one connection, and the reads its HTTP/1.1 exchange needs."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buf = bytearray(_ROOM)
        self._start = 0  # the first unread byte
        self._end = 0  # the end of what was received
        self._want = 0  # unread bytes a reader waits for: the buffer makes room for all
        self._waiter: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None  # set while writing is paused
        self._paused = False
        self.eof = False
        self.error: BaseException | None = None

    # -- the transport's side -------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def get_buffer(self, sizehint: int) -> memoryview:
        lacking = self._want - self.unread  # what a waiting read lacks: room for all of it
        # TLS says how much is waiting (plain sockets say -1); at a close it reads only
        # once, and what does not fit the buffer offered then is lost
        waiting = sizehint + _TLS_RECORD if sizehint > 0 else 0
        room = max(lacking if lacking > 0 else _ROOM, waiting)
        if len(self._buf) - self._end < room:
            self._make_room(room)
        return memoryview(self._buf)[self._end :]

    def buffer_updated(self, nbytes: int) -> None:
        self._end += nbytes
        if self.unread >= _HIGH and self.transport is not None:
            self.transport.pause_reading()  # a body nobody reads fills no memory
            self._paused = True
        if self.unread >= self._want:  # not before: a wake-up costs a task step
            self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self._wake()
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def pause_writing(self) -> None:
        self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._writable = None

    def _make_room(self, room: int) -> None:
        """The unread bytes moved to the front, and `room` free after them."""
        unread = self.unread
        try:
            if self._start:
                del self._buf[: self._start]
            if len(self._buf) - unread < room:  # with as much again to spare: pages vary
                self._buf.extend(bytes(unread + room + _ROOM - len(self._buf)))
        except BufferError:  # TLS still holds a view of it: it asks again while closing
            fresh = bytearray(max(len(self._buf), unread + room + _ROOM))
            fresh[:unread] = memoryview(self._buf)[self._start : self._end]
            self._buf = fresh
        self._start, self._end = 0, unread

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    # -- the reader's side ----------------------------------------------------------

    @property
    def unread(self) -> int:
        return self._end - self._start

    @property
    def must_drain(self) -> bool:
        """Writing is paused, or the connection is gone: `drain` has something to say."""
        return self._writable is not None or self.error is not None

    async def drain(self) -> None:
        """Wait while the transport holds more than it wants to of what was written."""
        if self._writable is not None:
            await self._writable
        self._raise_error()

    async def readuntil(self, separator: bytes, limit: int) -> bytes:
        """Up to and including `separator`."""
        # unread bytes known not to begin it, counted from the first unread one: while
        # this waits, the unread bytes may move to the front of the buffer
        clear = 0
        while True:
            found = self._buf.find(separator, self._start + clear, self._end)
            if found >= 0 and found + len(separator) - self._start <= limit:
                return self._take(found + len(separator) - self._start)
            if found >= 0 or self.unread > limit:
                raise asyncio.LimitOverrunError("separator not found within the limit", limit)
            clear = max(0, self.unread - len(separator) + 1)
            if self.eof:
                self._raise_error()
                raise asyncio.IncompleteReadError(self._take(self.unread), None)
            await self._wait(self.unread + 1)

    async def upto(self, size: int) -> bytes:
        """`size` bytes, or fewer if the connection ended first."""
        while self.unread < size and not self.eof:
            await self._wait(size)
        if self.unread < size:
            self._raise_error()
        return self._take(min(size, self.unread))

    async def some(self, most: int) -> bytes:
        """Whatever came, at most `most` bytes, once anything has; b"" at the end."""
        while not self.unread and not self.eof:
            await self._wait(1)
        if not self.unread:
            self._raise_error()
        return self._take(min(most, self.unread))

    async def _wait(self, want: int) -> None:
        self._resume()  # what is awaited has not all come: read again
        self._want = want
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None
            self._want = 0

    def _take(self, size: int) -> bytes:
        data = bytes(memoryview(self._buf)[self._start : self._start + size])
        self._start += size
        if self._start == self._end:
            self._start = self._end = 0  # empty again: the next bytes go to the front
        if self.unread < _HIGH // 2:
            self._resume()
        return data

    def _resume(self) -> None:
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()

    def _raise_error(self) -> None:
        if isinstance(self.error, OSError):
            raise self.error
        if self.error is not None:  # the transport's own failure: said as a broken connection
            raise ConnectionAbortedError(f"the connection failed: {self.error!r}") from self.error
