"""What the panes ask the app for: a config form, a removal, the checks run again.

Posted up from the pane (``self.post_message``) and handled by the app's
``on_config_*`` handlers, so a pane never reaches into the app.
"""

from __future__ import annotations

from typing import Literal

from textual.message import Message

Section = Literal["integrations", "destinations"]


class AddIntegration(Message, namespace="config"):
    """Open the form for a new integration."""


class EditIntegration(Message, namespace="config"):
    def __init__(self, integration: str) -> None:
        super().__init__()
        self.integration = integration


class AddDestination(Message, namespace="config"):
    """Open the form for a new destination, of ``integration`` when one is shown."""

    def __init__(self, integration: str | None) -> None:
        super().__init__()
        self.integration = integration


class EditDestination(Message, namespace="config"):
    def __init__(self, destination: str) -> None:
        super().__init__()
        self.destination = destination


class RemoveEntry(Message, namespace="config"):
    """Ask, then remove an integration or destination from the config file."""

    def __init__(self, section: Section, ident: str) -> None:
        super().__init__()
        self.section: Section = section
        self.ident = ident


class CheckIntegrations(Message, namespace="config"):
    """Check every integration now."""
