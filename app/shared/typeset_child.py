"""What the typesetting process runs: LaTeX to SVG with ziamath. No Qt here, so the process starts
light; app/shared/typeset.py turns the SVG into an image in the window's process."""

from __future__ import annotations

import warnings
from functools import cache


@cache
def ziamath():
    """The typesetter, configured for Qt's SVG renderer (SVG 1.1: no <symbol> reuse)."""
    with warnings.catch_warnings():  # 0.13 reads its font through a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath as zm
    zm.config.svg2 = False
    return zm


def svg_of(tex: str, size: float, colour: str) -> str:
    return ziamath().Latex(tex, size=size, color=colour).svg()


def warm() -> None:
    """Load the typesetter and its font once, before the first formula is asked for."""
    svg_of(r"\frac{\partial L}{\partial w^{(1)}_{00}} = \sum_{s} x", 20, "#000000")
