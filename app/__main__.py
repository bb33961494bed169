"""``python -m app`` is the ``trellis`` command."""

from app.cli import main

main()
