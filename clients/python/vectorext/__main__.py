"""python3 -m vectorext: the CLI (vectorext.cli)."""
from .cli import main

raise SystemExit(main())
