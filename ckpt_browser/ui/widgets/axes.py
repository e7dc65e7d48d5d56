"""Axes people read without arithmetic: tick labels carry their SI prefix ("20µ", "1.5k") or
their unit, never a factor in the axis title (pyqtgraph's "value (x0.001)" reads 20 for 0.02)."""

from __future__ import annotations

import math

from ckpt_browser.ui.plotting import pg

PREFIXES = {-15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P"}
PLAIN = (1e-2, 1e4)  # magnitudes written as plain decimals: 0.05, 250, 5000


def tick_texts(values: list[float], spacing: float) -> list[str]:
    """One prefix for the whole axis, chosen from its largest tick; as many decimals as the
    spacing needs. 0.00002, 0.00004 -> "20µ", "40µ"; 15000, 20000 -> "15k", "20k"."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    biggest = max(finite, default=0.0)
    if biggest == 0 or PLAIN[0] <= biggest < PLAIN[1]:
        exponent = 0
    else:
        exponent = int(math.floor(math.log10(biggest) / 3) * 3)
        exponent = max(min(exponent, 15), -15)
    unit = 10.0**exponent
    step = abs(spacing) / unit if spacing else 0
    places = max(0, math.ceil(-math.log10(step) - 1e-9)) if step and math.isfinite(step) else 0
    places = min(places, 12)
    out = []
    for v in values:
        if not math.isfinite(v):
            out.append("")
            continue
        x = v / unit
        if abs(x) < 0.5 * 10**-places:  # -0.0 and rounding noise: the tick at zero reads 0
            out.append("0")
            continue
        out.append(f"{x:.{places}f}".replace("-", "−") + PREFIXES[exponent])
    return out


class ReadableAxis(pg.AxisItem):
    """An AxisItem whose ticks say their own magnitude."""

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        if self.logMode:
            return super().tickStrings(values, scale, spacing)
        return tick_texts([v * scale for v in values], spacing * scale)


def make_readable(axis: pg.AxisItem) -> None:
    """An axis pyqtgraph made itself (a colour bar's) reads like a ReadableAxis."""
    import types

    axis.enableAutoSIPrefix(False)
    axis.tickStrings = types.MethodType(ReadableAxis.tickStrings, axis)


def readable_axes() -> dict[str, ReadableAxis]:
    """axisItems for a PlotWidget / PlotItem: the shown sides read without a factor."""
    return {side: ReadableAxis(side) for side in ("left", "bottom")}


def plot_widget(**kwargs) -> pg.PlotWidget:
    return pg.PlotWidget(axisItems=readable_axes(), **kwargs)
