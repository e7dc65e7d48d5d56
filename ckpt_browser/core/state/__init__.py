"""The app state the window renders: open sources, selection, filter, follow-latest (Qt-free)."""
