"""The highlight is never mistaken for a weight colour, with normal colour vision or with any of
the three dichromacies: CIE ΔE*ab (1976) in CIELAB, after Machado, Oliveira & Fernandes' (2009)
simulation at full severity. No Qt here."""

import numpy as np
import pytest

from app.shared.theme import LECTURER, NORMAL

MACHADO = {  # linear-RGB matrices, severity 1.0
    "protan": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
               (-0.003882, -0.048116, 1.051998)),
    "deutan": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
               (-0.011820, 0.042940, 0.968881)),
    "tritan": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
               (0.004733, 0.691367, 0.303900)),
}  # fmt: skip
VISIONS = ("normal", *MACHADO)
FAR = 30.0  # ΔE: about 2.3 is "just noticeable"; 30 is an obviously different colour
SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
WHITE = np.array([0.95047, 1.0, 1.08883])


def linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(lin: np.ndarray) -> np.ndarray:
    t = SRGB_TO_XYZ @ np.clip(lin, 0, 1) / WHITE
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, vision: str = "normal") -> float:
    la, lb = linear(a), linear(b)
    if vision != "normal":
        m = np.array(MACHADO[vision])
        la, lb = m @ la, m @ lb
    return float(np.linalg.norm(lab(la) - lab(lb)))


def test_the_measure_knows_its_colours():
    assert delta_e("#000000", "#ffffff") == pytest.approx(100.0, abs=0.1)
    assert delta_e("#123456", "#123456", "deutan") == 0.0
    # red and green: far apart for most eyes, close for a deuteranope
    assert delta_e("#d62728", "#2ca02c") > 70 > 25 > delta_e("#d62728", "#2ca02c", "deutan")


@pytest.mark.parametrize("theme", [NORMAL, LECTURER], ids=lambda t: t.name)
@pytest.mark.parametrize("vision", VISIONS)
def test_highlights_are_far_from_both_weight_colours(theme, vision):
    for hl in (theme.highlight, theme.node_active):
        for weight in (theme.positive, theme.negative):
            d = delta_e(hl, weight, vision)
            assert d >= FAR, f"{theme.name}: {hl} vs {weight} for {vision} vision: ΔE {d:.0f}"
    assert delta_e(theme.positive, theme.negative, vision) >= 2 * FAR


@pytest.mark.parametrize("theme", [NORMAL, LECTURER], ids=lambda t: t.name)
def test_highlight_and_weights_stand_out_from_the_canvas(theme):
    for c in (theme.highlight, theme.positive, theme.negative):
        assert delta_e(c, theme.canvas) >= 40
    assert delta_e(theme.highlight, theme.node_border) >= 25  # a highlighted ring shows


def test_the_old_gold_highlight_fails_the_same_check():
    """What this file was written against: the old gold beside the old orange, for a
    deuteranope or a protanope (ΔE 6 and 14)."""
    for vision in ("deutan", "protan"):
        assert delta_e("#d4a000", "#e6760a", vision) < FAR / 2


def test_formula_and_label_sizes_are_large_in_lecturer_mode():
    assert LECTURER.formula_px >= 32 and NORMAL.formula_px < LECTURER.formula_px
    assert LECTURER.note_pt * 96 / 72 >= 17  # the formula's notes are large enough to read
    assert (NORMAL.label_px, LECTURER.label_px) == (14, 28)
    assert LECTURER.formula_px > NORMAL.formula_px


def wcag_contrast(a: str, b: str) -> float:
    """WCAG 2's contrast ratio, computed here from `linear` (not from the theme's own helper)."""
    la, lb = (float(np.array([0.2126, 0.7152, 0.0722]) @ linear(c)) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


@pytest.mark.parametrize("theme", [NORMAL, LECTURER], ids=lambda t: t.name)
@pytest.mark.parametrize("phase", ["forward", "loss", "backward", "update"])
def test_every_phase_colour_reads_on_its_background(theme, phase):
    """Issue 23, defect 4: the result line is drawn in its phase's colour; on the lecturer's black
    it was #1F77B4 (3.9:1) and #D62728 (4.1:1), the faintest line on the wall."""
    colour = theme.phase_colour(phase)
    assert colour != theme.text
    assert wcag_contrast(colour, theme.window) >= 4.5
    assert wcag_contrast(colour, theme.canvas) >= 4.5
    assert theme.phase_colour("no such phase") == theme.text


def test_the_phase_colours_follow_the_mode_and_stay_apart():
    assert LECTURER.phase_colour("forward") != NORMAL.phase_colour("forward")
    for th in (NORMAL, LECTURER):
        cols = [th.phase_colour(p) for p in ("forward", "loss", "backward", "update")]
        assert min(delta_e(a, b) for i, a in enumerate(cols) for b in cols[i + 1 :]) > 20


@pytest.mark.parametrize("fill", ["#ffffff", "#000000", "#d9d9d9", "#1a1a1a", "#56b4e9", "#e69f00"])
def test_cell_text_is_chosen_by_the_cell_lightness(fill):
    """Issue 23, defect 3: the text on a map's cell is black or white, whichever reads better."""
    from app.shared.theme import text_on

    chosen = text_on(fill)
    other = "#ffffff" if chosen == "#000000" else "#000000"
    assert wcag_contrast(chosen, fill) >= wcag_contrast(other, fill)
    assert wcag_contrast(chosen, fill) >= 4.5
