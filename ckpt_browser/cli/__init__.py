"""The command line: `ckpt-browser` opens the window, its subcommands answer in a terminal.

commands.py parses the arguments and dispatches; each subcommand's printing lives in a module of its
own (ls, listing, checks, fit, health, keras), all writing through output.py.
"""

from ckpt_browser.cli.commands import main

__all__ = ["main"]
