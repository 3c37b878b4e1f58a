"""Allow `python -m inspector.cli`."""

from inspector.cli import main

main()
