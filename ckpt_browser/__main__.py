"""Entry point for ``python -m ckpt_browser``."""

from ckpt_browser.cli import main

raise SystemExit(main())
