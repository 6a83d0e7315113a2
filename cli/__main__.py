"""``python -m sandi_cli``: the same as the ``sandi`` command."""

from sandi_cli.main import main

raise SystemExit(main())
