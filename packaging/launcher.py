"""Entry script of the PyInstaller build: the same CLI as the installed ckpt-browser command."""

import sys

from ckpt_browser.cli import main

if __name__ == "__main__":
    sys.exit(main())
