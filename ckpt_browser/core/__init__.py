"""Qt-free core: reading checkpoints and analysing them. Never imports Qt.

Packages by concern, each importing only those below it (an import-linter contract in make test):

    state      what the window has open and selected, and its rules (Qt-free)
    checks     a model_dir against its graph, an Estimator call, a script, a log; Keras load pitfalls
    values     tensor values: slicing, statistics, diff, history, verify, fit, export
    model_dir  the checkpoints of a folder: state file, files on disk, events, timeline
    tf         the one lazy TensorFlow import, and what only TensorFlow can do: restore, run, SavedModel
    formats    the format registry, one reader per format, the reader protocol; no TensorFlow
    storage    bytes from local files or fsspec URLs, by ranges; checksums
    base       the exception users read, the progress callback everything takes, child processes
"""
