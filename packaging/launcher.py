"""Entry script of the PyInstaller build: the same CLI as the installed ckpt-browser command, and
the app's own worker processes (started as `ckpt-browser --native-worker`: core/base/child.py)."""

import sys

if __name__ == "__main__":
    from ckpt_browser.core.base.child import serve_child

    if serve_child(sys.argv[1:]):  # a worker of a running app: before the CLI's imports
        sys.exit(0)
    from ckpt_browser.cli import main

    sys.exit(main())
