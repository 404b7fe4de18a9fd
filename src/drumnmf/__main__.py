"""``python -m drumnmf`` runs the command-line interface."""

from drumnmf.cli import main

raise SystemExit(main())
