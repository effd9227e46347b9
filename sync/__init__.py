"""Village ⇄ township sync: the clock, the event vocabulary, the wire protocol and its client.

- No Qt here, and nothing here imports ``villageagent``: the township center (``sync.township``)
  and the village app both build on this package.
"""
