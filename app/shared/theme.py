"""Two looks: the normal one, and lecturer mode (large type, high contrast, for a projector).

Weights are Okabe & Ito's blue (+) and vermillion/orange (−), told apart with the common
colour-vision deficiencies. The highlight (the number shown now) is neither of them, nor near them
for a colour-blind eye: those eyes tell colours apart mostly on a blue–yellow axis, where blue and
orange are already the two ends, so the highlight differs in lightness instead: black on the white
canvas, white on the black one (tests/app/test_lecturer_colours.py measures it)."""

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


PHASES = ("forward", "loss", "backward", "update")


def relative_luminance(colour: str | tuple[int, int, int]) -> float:
    """WCAG 2's relative luminance of an #rrggbb colour or an (r, g, b) triple: 0 for black, 1
    for white."""
    if isinstance(colour, str):
        colour = tuple(int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    c = [v / 255 for v in colour]
    r, g, b = (x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


ERROR_RED = "#c0392b"  # a refusal or a failure said in the normal look (5.4:1 on white)
ERROR_RED_ON_BLACK = "#ff7b7b"  # the same on the wall


def contrast_ratio(a: str | tuple[int, int, int], b: str | tuple[int, int, int]) -> float:
    """WCAG 2's contrast ratio of two colours, 1 (the same) to 21 (black on white)."""
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_on(fill: str, dark: str = "#000000", light: str = "#ffffff") -> str:
    """The text colour, `dark` or `light`, that reads better on a cell filled with `fill`."""
    return dark if contrast_ratio(fill, dark) >= contrast_ratio(fill, light) else light


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
    # the four phases' colours (the formula's result and phase name): each at least 4.5:1
    # against `window` (WCAG AA for text; tests/app/test_lecturer_colours.py measures it)
    forward: str
    loss: str
    backward: str
    update: str

    def phase_colour(self, phase: str) -> str:
        """The colour of a phase's name and result; the text colour for anything else."""
        return getattr(self, phase) if phase in PHASES else self.text

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
    forward="#1a67a0",  # the forward blue (#1f77b4), darkened to 5.5:1 on the window
    loss="#7e4fa8",
    backward="#c0282a",
    update="#1e7b1e",  # darker than #2ca02c, which is 3.3:1 on the window
)
LECTURER = Theme(
    name="lecturer",
    scale=1.6,
    font_family="DejaVu Sans",
    window="#000000",
    canvas="#000000",
    text="#ffffff",
    muted="#808080",  # #555555 left a backward phase's edges (no gradient yet) unseen on a wall
    positive="#56b4e9",  # Okabe–Ito sky blue: bright on black
    negative="#e69f00",  # Okabe–Ito orange
    highlight="#ffffff",
    node="#1a1a1a",
    node_active="#4d4d4d",
    node_border="#8a8a8a",
    node_text="#ffffff",
    formula_px=36,
    label_px=28,
    forward="#56b4e9",  # Okabe–Ito sky blue, 9.1:1 on black
    loss="#d49bd0",
    backward="#ff7b7b",
    update="#3ddc97",
)


LINE_CONTRAST = 3.0  # WCAG's least contrast for lines and marks against their background
# The runs' colours: those of the one table that a line shows on both looks' canvases (white and
# black), so a plot reads the same on a laptop and on a projector (no yellow on white).
RUN_COLOURS = tuple(
    c
    for c in SERIES_COLOURS
    if min(contrast_ratio(c, t.canvas) for t in (NORMAL, LECTURER)) >= LINE_CONTRAST
)


def run_colour(i: int) -> tuple[int, int, int]:
    """A run's colour (the run list's swatch, its curves in every plot, a sweep's value); also
    any line whose count grows with the user's choices (a layer's gradient norm)."""
    return RUN_COLOURS[i % len(RUN_COLOURS)]
