"""The one evented app state the window renders (Qt-free; docs/app-state.md): app_state.py (open
sources, selection, the variable list and value, filter, follow-latest, theme, and the rules),
results.py (what background work found per source), evented.py (fields and named events),
headless.py (the same state driven by a one-shot command: `ls` and `show`)."""
