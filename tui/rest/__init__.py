"""The REST engine: one connection per integration, checks, and loading rows.

    Connection(integration, store)         tui.rest.connection
    check_integration / check_all          tui.rest.check
    iter_pages (async) / load_rows (sync)  tui.rest.load
    errors: RestError and its subclasses   tui.rest.errors

Nothing here imports textual or rich.
"""
