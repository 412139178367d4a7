"""The panes around the grid: integrations, destinations, audit trail, status line."""
