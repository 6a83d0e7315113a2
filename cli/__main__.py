"""``python -m sandi_cli``: the same as the ``sandi`` command."""

from .main import main

raise SystemExit(main())
