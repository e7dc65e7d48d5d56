"""Write tensors out: .npy for numpy, .csv for spreadsheets."""

from __future__ import annotations

import csv
import os

import numpy as np

from ckpt_browser.core.values.slicing import formatter


def save_npy(array: np.ndarray, path: str | os.PathLike) -> None:
    """Never pickles: strings (object arrays of bytes) are stored as fixed-width bytes."""
    if array.dtype.kind == "O":
        array = array.astype(bytes)
    np.save(path, array, allow_pickle=False)


def save_csv(plane: np.ndarray, path: str | os.PathLike) -> None:
    """A 2-D table as CSV, one row per row; floats written in full (repr), strings decoded."""
    if plane.ndim != 2:
        plane = plane.reshape(plane.shape[0] if plane.ndim else 1, -1)
    if plane.dtype.kind in "OSc":
        fmt = formatter(plane.dtype)
    else:

        def fmt(v):
            return repr(v.item())

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        for r in range(plane.shape[0]):
            writer.writerow([fmt(v) for v in plane[r]])
