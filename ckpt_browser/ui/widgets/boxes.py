"""Rows and columns of widgets without margins: how the views lay out their controls."""

from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QLayout, QVBoxLayout, QWidget


def _fill(layout: QBoxLayout, items) -> None:
    """Each item: a widget, a layout, a label's text, or (any of those, stretch)."""
    for item in items:
        thing, stretch = item if isinstance(item, tuple) else (item, 0)
        if isinstance(thing, str):
            thing = QLabel(thing)
        if isinstance(thing, QLayout):
            layout.addLayout(thing, stretch)
        else:
            layout.addWidget(thing, stretch)


def row(*items) -> QHBoxLayout:
    layout = QHBoxLayout()
    _fill(layout, items)
    return layout


def column(*items) -> QWidget:
    """A widget holding the items one under the other, flush with its edges."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    _fill(layout, items)
    return box
