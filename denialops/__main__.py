"""``python -m denialops``: the same as the ``denialops`` command."""

from denialops.cli import main

main()
