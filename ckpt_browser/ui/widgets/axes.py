"""Axes people read without arithmetic: tick labels carry their SI prefix ("20µ", "1.5k") or
their unit, never a factor in the axis title (pyqtgraph's "value (x0.001)" reads 20 for 0.02)."""

from __future__ import annotations

import math
import types

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


def power_text(exponent: float) -> str:
    """10**exponent with its SI prefix, for log axes and log colour scales: -3 -> "1m", -1 -> "100m",
    0.30103 -> "2", 4 -> "10k" (never "10⁻³", nor a factor in the axis title)."""
    if not math.isfinite(exponent):
        return ""
    value = 10.0**exponent
    return tick_texts([value], value)[0]


class ReadableAxis(pg.AxisItem):
    """An AxisItem whose ticks say their own magnitude."""

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        if self.logMode:
            return self.logTickStrings(values, scale, spacing)
        return tick_texts([v * scale for v in values], spacing * scale)

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        """Decades as 1m, 10m, 100m, 1, 10; the 2..9 between them unlabelled unless they are few (the
        axis spans less than a decade): at 1366 x 768 their labels ran into each other."""
        few = len(values) <= 4
        return [power_text(v) if few or abs(v - round(v)) < 1e-6 else "" for v in values]


def make_readable(axis: pg.AxisItem, powers: bool = False) -> None:
    """An axis pyqtgraph made itself (a colour bar's) reads like a ReadableAxis; with powers, its
    values are log10 of what it shows (a log colour scale: -3 reads "1m")."""

    axis.enableAutoSIPrefix(False)
    if powers:
        axis.tickStrings = lambda values, scale, spacing: [power_text(v * scale) for v in values]
    else:
        axis.tickStrings = types.MethodType(ReadableAxis.tickStrings, axis)


def readable_axes() -> dict[str, ReadableAxis]:
    """axisItems for a PlotWidget / PlotItem: the shown sides read without a factor."""
    return {side: ReadableAxis(side) for side in ("left", "bottom")}


class _SideLegend(pg.LegendItem):
    """A LegendItem in the plot's layout: as big as its entries, at the top of its cell (pyqtgraph
    sizes a legend for floating over the data; in a layout cell it was stretched to the plot's height)."""

    def updateSize(self) -> None:  # noqa: N802 - pyqtgraph's name
        super().updateSize()
        size = self.layout.preferredSize()
        self.setMinimumSize(size)
        self.setMaximumSize(size)


def legend_beside(plot: pg.PlotWidget) -> pg.LegendItem:
    """A legend to the right of the plot's axes, never over its data (issue 31: the legends drawn
    inside the plot covered lines and points); curves plotted with a name are listed in it. Its
    text in the palette's colour, no box of its own."""
    from PySide6.QtCore import Qt

    item = plot.getPlotItem()
    legend = _SideLegend(labelTextSize="8pt")
    item.layout.addItem(legend, 2, 3)
    item.layout.setAlignment(legend, Qt.AlignmentFlag.AlignTop)
    item.legend = legend
    return legend
