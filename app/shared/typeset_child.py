"""What the typesetting process runs: a formula line to LaTeX (engine/numpy_engine/latex.py),
LaTeX to SVG with ziamath, and the SVG to an image's pixels with Qt's SVG renderer
(typeset_raster.py, imported on first use: the process needs no QGuiApplication), so the window's
process only wraps the pixels it receives."""

from __future__ import annotations

import multiprocessing
import os
import threading
import warnings
from functools import cache


def _exit_with(parent) -> None:
    parent.join()  # returns when the window's process has ended
    os._exit(0)


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


def svg_of_line(line: str, size: float, colour: str) -> str:
    """A line of the trace's notation, translated by the engine's one translation, typeset."""
    from engine.numpy_engine.latex import to_latex

    return svg_of(to_latex(line), size, colour)


def pixels_of_line(line: str, px: int, colour: str, scale: float):
    """A line typeset at `px` type size for a screen of this device pixel ratio, as the pixels
    of its image (typeset_raster.Pixels)."""
    from .typeset_raster import raster, to_pixels

    return to_pixels(raster(svg_of_line(line, px * scale, colour), scale))


def warm() -> None:
    """In the new process: leave with the window's process however it ends (a killed window
    leaves no typesetter behind), and load the typesetter and its font before the first
    formula is asked for."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    from .typeset_raster import raster  # Qt's SVG renderer loaded too

    raster(svg_of(r"\frac{\partial L}{\partial w^{(1)}_{00}} = \sum_{s} x", 20, "#000000"))
