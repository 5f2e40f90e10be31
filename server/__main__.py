"""``python -m server`` runs the headless proxy, like the ``cliproxyapi`` command."""

from server.cli import main

raise SystemExit(main())
