"""Writing a change set back: planning requests, sending them, a result per row."""
