"""Access rules of a destination: who may write, who may administer its locks.

A guard against mistakes: the REST API's own credentials are the real enforcement.
"""

from __future__ import annotations

from tui.config.model import Destination


def write_refusal(dest: Destination, login: str) -> str | None:
    """Why `login` may not write to `dest`, or None when it may."""
    if dest.read_only:
        return f"{dest.id} is read-only"
    access = dest.access
    if not access.secure or login in access.write or login in access.admin:
        return None
    return f"{login} may not write to {dest.id} (not in destinations.{dest.id}.access.write)"


def is_admin(dest: Destination, login: str) -> bool:
    """Admins may break another user's lock; on an open destination everyone may."""
    return not dest.access.secure or login in dest.access.admin


def admin_refusal(dest: Destination, login: str) -> str | None:
    if is_admin(dest, login):
        return None
    return f"{login} may not break locks on {dest.id} (not in destinations.{dest.id}.access.admin)"
