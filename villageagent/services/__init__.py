"""Use cases shaped ``f(db, ...) -> result`` (and the ``Changes`` they made).

- Each use case that writes runs in one transaction and records every change as events.
- The UI and the CLI both call these; neither touches SQL.
"""
