"""Tensor values: what part is on screen (slicing), statistics, diff, history, verify, the files
of a checkpoint with their checksums, fit, export. Imports model_dir, reader, tf, formats, storage."""
