"""Command-line shells: each module parses arguments and calls the domain library.

Every module exposes ``register(app)``; :mod:`denialops.cli` calls them all. No domain
logic lives here.
"""
