"""Who is acting: the OS account of this process, never an environment variable."""

from __future__ import annotations

import os
import pwd
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    login: str
    host: str
    pid: int
    ssh_client: str | None = None  # the SSH client's address, when the process runs over SSH

    @property
    def who(self) -> str:
        return f"{self.login}@{self.host}"

    @property
    def owner(self) -> str:
        """The holder name of this process's automatic locks."""
        return f"{self.login}@{self.host}#{self.pid}"


def os_login(uid: int | None = None) -> str:
    """The login name of a user id (the process's own by default)."""
    uid = os.getuid() if uid is None else uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid with no passwd entry (containers): the number is all there is
        return f"uid{uid}"


def current_identity() -> Identity:
    """This process: login from its user id, host name, pid, and the SSH client if any."""
    ssh = os.environ.get("SSH_CONNECTION", "").split()
    return Identity(os_login(), socket.gethostname(), os.getpid(), ssh[0] if ssh else None)
