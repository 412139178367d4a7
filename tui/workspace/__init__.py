"""One destination being edited: the core object the app and `push` drive."""

from tui.workspace.preview import Preview
from tui.workspace.report import Conflict, WritebackReport
from tui.workspace.restore import Restored
from tui.workspace.workspace import Workspace

__all__ = ["Conflict", "Preview", "Restored", "Workspace", "WritebackReport"]
