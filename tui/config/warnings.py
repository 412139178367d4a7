"""Settings that are valid but risky: said out loud, never silently accepted."""

from __future__ import annotations

from tui.config.model import Config


def warnings_for(config: Config) -> list[str]:
    lines: list[str] = []
    for name, integration in config.integrations.items():
        if not integration.verify:
            lines.append(f"integrations.{name}.verify = false: TLS certificates are NOT checked")
        if integration.url.startswith("http://") and integration.auth.type != "none":
            lines.append(f"integrations.{name}: credentials are sent over plain http://")
    for name, dest in config.destinations.items():
        if dest.access.secure and not dest.access.write:
            lines.append(f"destinations.{name}.access: secure with no writers: read-only for all")
    return lines
