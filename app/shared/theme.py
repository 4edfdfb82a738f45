"""Two looks: the normal one, and lecturer mode (large type, high contrast, for a projector).

Weights are Okabe & Ito's blue (+) and vermillion/orange (−), told apart with the common
colour-vision deficiencies. The highlight (the number shown now) is neither of them, nor near them
for a colour-blind eye: those eyes tell colours apart mostly on a blue–yellow axis, where blue and
orange are already the two ends, so the highlight differs in lightness instead: black on the white
canvas, white on the black one (tests/app/test_lecturer_colours.py measures it)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The one colour table: runs, classes and series take their colours from here, in this order.
# Okabe & Ito's palette, told apart with the common colour-vision deficiencies.
SERIES_COLOURS = (
    (0, 114, 178),  # blue
    (230, 159, 0),  # orange
    (0, 158, 115),  # bluish green
    (204, 121, 167),  # reddish purple
    (86, 180, 233),  # sky blue
    (213, 94, 0),  # vermillion
    (240, 228, 66),  # yellow
    (120, 120, 120),  # grey
)


def series_colour(i: int) -> tuple[int, int, int]:
    return SERIES_COLOURS[i % len(SERIES_COLOURS)]


@dataclass(frozen=True)
class Theme:
    name: str
    scale: float  # multiplies every font size of the widgets
    font_family: str
    window: str  # window background
    canvas: str  # network drawing background
    text: str
    muted: str  # edges with no value yet
    positive: str  # weights/gradients >= 0
    negative: str  # weights/gradients < 0
    highlight: str  # the current event's neuron and edges
    node: str
    node_active: str  # the fill of the neuron the current event computes
    node_border: str
    node_text: str
    formula_px: int  # pixel height of the formula's main lines
    label_px: int  # the least on-screen pixel height of the drawing's labels

    @property
    def note_pt(self) -> int:
        """The point size of the formula panel's header, notes and optimizer state."""
        return round(self.formula_px * 72 / 96 * 0.7)

    def stylesheet(self, base_pt: float = 10.0) -> str:
        """Every widget's type at `base_pt` (the normal size) times this theme's scale."""
        return (
            f"QWidget {{ font-size: {round(base_pt * self.scale)}pt; }}"
            f"QMainWindow, QDockWidget {{ background: {self.window}; color: {self.text}; }}"
            f"QStatusBar, QStatusBar QLabel, QCheckBox {{ color: {self.text}; }}"
        )


NORMAL = Theme(
    name="normal",
    scale=1.0,
    font_family="DejaVu Sans",
    window="#f4f4f4",
    canvas="#ffffff",
    text="#202020",
    muted="#c8c8c8",
    positive="#0072b2",  # Okabe–Ito blue
    negative="#d55e00",  # Okabe–Ito vermillion: darker than their orange, readable on white
    highlight="#000000",
    node="#eef3fb",
    node_active="#ffe27a",
    node_border="#8a8a8a",  # grey: a highlighted neuron's black ring stands out from it
    node_text="#111111",
    formula_px=22,
    label_px=14,
)
LECTURER = Theme(
    name="lecturer",
    scale=1.6,
    font_family="DejaVu Sans",
    window="#000000",
    canvas="#000000",
    text="#ffffff",
    muted="#555555",
    positive="#56b4e9",  # Okabe–Ito sky blue: bright on black
    negative="#e69f00",  # Okabe–Ito orange
    highlight="#ffffff",
    node="#1a1a1a",
    node_active="#4d4d4d",
    node_border="#8a8a8a",
    node_text="#ffffff",
    formula_px=36,
    label_px=28,
)


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2's contrast ratio of two sRGB colours (1 to 21)."""

    def lum(c) -> float:
        lin = [
            v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in np.divide(c, 255)
        ]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[k : k + 2], 16) for k in (1, 3, 5))


LINE_CONTRAST = 3.0  # WCAG's least contrast for lines and marks against their background
# The runs' colours: those of the one table that a line shows on both looks' canvases (white and
# black), so a plot reads the same on a laptop and on a projector (no yellow on white).
RUN_COLOURS = tuple(
    c
    for c in SERIES_COLOURS
    if min(contrast_ratio(c, _rgb(t.canvas)) for t in (NORMAL, LECTURER)) >= LINE_CONTRAST
)


def run_colour(i: int) -> tuple[int, int, int]:
    """A run's colour (the run list's swatch, its curves in every plot)."""
    return RUN_COLOURS[i % len(RUN_COLOURS)]
