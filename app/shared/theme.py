"""Two looks: the normal one, and lecturer mode (large type, high contrast, for a projector).
Edge colours are blue (+) and orange (−): distinguishable with the common colour-vision deficiencies.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    scale: float  # multiplies every font size
    font_family: str
    window: str  # window background
    canvas: str  # network drawing background
    text: str
    muted: str  # edges with no value yet
    positive: str  # weights/gradients >= 0
    negative: str  # weights/gradients < 0
    highlight: str  # the current event's neuron and edges
    node: str
    node_active: str
    node_border: str
    node_text: str
    formula_size: int  # point size of the formula panel's main lines

    def stylesheet(self) -> str:
        return (
            f"QWidget {{ font-size: {round(10 * self.scale)}pt; }}"
            f"QMainWindow, QDockWidget {{ background: {self.window}; color: {self.text}; }}"
            f"QStatusBar, QStatusBar QLabel {{ color: {self.text}; }}"
        )


NORMAL = Theme(
    "normal",
    1.0,
    "DejaVu Sans",
    "#f4f4f4",
    "#ffffff",
    "#202020",
    "#c8c8c8",
    "#1f63b4",
    "#e6760a",
    "#d4a000",
    "#eef3fb",
    "#ffe27a",
    "#3a3a3a",
    "#111111",
    17,
)
LECTURER = Theme(
    "lecturer",
    1.6,
    "DejaVu Sans",
    "#000000",
    "#000000",
    "#ffffff",
    "#555555",
    "#4da6ff",
    "#ff9933",
    "#ffff00",
    "#1a1a1a",
    "#665c00",
    "#ffffff",
    "#ffffff",
    30,
)
