"""Imported by train_hostile.py: writes a file when imported or called (a checker must do neither)."""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
open(os.path.join(HERE, "RAN-helper-import"), "w").close()


def touch(name):
    open(os.path.join(HERE, name), "w").close()
