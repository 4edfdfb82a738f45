"""`landscape -o`: the heat map of the loss over the plane with each optimizer's path, as a PNG
(numpy + Pillow) or a hand-written SVG. No Qt, no matplotlib. Colour is log10 of the loss (a
landscape spans orders of magnitude), from the viridis colours; the colour bar reads the loss.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

# viridis at 0, 1/8, …, 1 (matplotlib's table, sampled): dark = low loss
VIRIDIS = np.array([
    (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
    (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
], dtype=float)  # fmt: skip
PATH_COLOURS = ("#ff4040", "#ffffff", "#ff9f1c", "#2ec4ff", "#ff66cc", "#00e676", "#c8a2ff",
                "#ffd166")  # fmt: skip
WIDTH, HEIGHT = 960, 720
PLOT = (90, 40, 650, 600)  # left, top, right, bottom of the heat map, in pixels
BAR = (700, 40, 725, 600)  # the colour bar


def _colours(t: np.ndarray) -> np.ndarray:
    """(…, 3) uint8 viridis colours of t in [0, 1]; NaN (no number) is grey."""
    x = np.clip(np.nan_to_num(t, nan=0.0), 0, 1) * (len(VIRIDIS) - 1)
    i = np.minimum(x.astype(int), len(VIRIDIS) - 2)
    f = (x - i)[..., None]
    rgb = VIRIDIS[i] * (1 - f) + VIRIDIS[i + 1] * f
    rgb[np.isnan(t)] = (128, 128, 128)
    return rgb.round().astype(np.uint8)


def _scale(loss: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(t in [0, 1] or NaN, lowest, highest loss shown): log10 of the loss when all are > 0."""
    finite = loss[np.isfinite(loss)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    with np.errstate(all="ignore"):
        if lo > 0:
            v, a, b = np.log10(loss), np.log10(lo), np.log10(hi)
        else:
            v, a, b = loss.astype(float), lo, hi
        t = (v - a) / (b - a) if b > a else np.zeros_like(v)
    t = np.where(np.isfinite(loss), t, np.nan)
    return t, lo, hi


def _px(ls, a, b) -> tuple[np.ndarray, np.ndarray]:
    """Pixel x, y of plane coordinates a, b."""
    x0, y0, x1, y1 = PLOT
    al, be = ls.alpha, ls.beta
    x = x0 + (np.asarray(a) - al[0]) / (al[-1] - al[0]) * (x1 - x0)
    y = y1 - (np.asarray(b) - be[0]) / (be[-1] - be[0]) * (y1 - y0)
    return x, y


def _ticks(lo: float, hi: float, n: int = 5) -> list[tuple[float, float]]:
    """(position 0..1 up the bar, loss) for n labels."""
    ts = np.linspace(0, 1, n)
    if lo > 0:
        return [(t, 10 ** (np.log10(lo) + t * (np.log10(hi) - np.log10(lo)))) for t in ts]
    return [(t, lo + t * (hi - lo)) for t in ts]


def _labels(ls, lo, hi) -> list[tuple[float, float, str, str]]:
    """(x, y, text, anchor) of every label: axes, ticks, the bar's values, the legend."""
    x0, y0, x1, y1 = PLOT
    out = [((x0 + x1) / 2, y1 + 40, ls.plane.axes[0], "mt"),
           (x0 - 60, y0 - 25, ls.plane.axes[1], "lt"),
           (BAR[0], y0 - 25, "loss (log scale)" if lo > 0 else "loss", "lt")]  # fmt: skip
    for v in (ls.alpha[0], 0.0, ls.alpha[-1]):
        out.append((float(_px(ls, v, 0)[0]), y1 + 8, f"{v:.3g}", "mt"))
    for v in (ls.beta[0], 0.0, ls.beta[-1]):
        out.append((x0 - 8, float(_px(ls, 0, v)[1]), f"{v:.3g}", "rm"))
    ticks = _ticks(lo, hi)
    for (t, _), text in zip(ticks, bar_texts([v for _, v in ticks]), strict=True):
        out.append((BAR[2] + 8, BAR[3] - t * (BAR[3] - BAR[1]), text, "lm"))
    return out


def bar_texts(values) -> list[str]:
    """The colour bar's values with as few significant digits (3 to 7) as tell them apart: the
    deep sigmoid's map, flat over layer 1's weights (0.7026 to 0.7031), read "0.703" five times."""
    for digits in range(3, 8):
        texts = [f"{v:.{digits}g}" for v in values]
        if len(set(texts)) == len(texts):
            return texts
    return texts


def _legend(ls) -> list[tuple[float, float, str, str]]:
    """(x, y, colour, text) of each path's legend entry, two a row under the plot."""
    x0, _, _, y1 = PLOT
    out = []
    for k, p in enumerate(ls.paths):
        tail = " (diverged)" if p.diverged else ""
        text = (
            f"{p.racer.name} lr={p.racer.lr:g}: loss {p.losses[0]:.3g} -> {p.losses[-1]:.3g}{tail}"
        )
        x, y = x0 + 300 * (k % 2), y1 + 62 + 18 * (k // 2)
        out.append((x, y, PATH_COLOURS[k % len(PATH_COLOURS)], text))
    return out


def png_bytes(ls) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    t, lo, hi = _scale(ls.loss)
    img = Image.new("RGB", (WIDTH, HEIGHT + 18 * max(0, (len(ls.paths) - 1) // 2)), "white")
    x0, y0, x1, y1 = PLOT
    heat = Image.fromarray(_colours(t[::-1]))  # row 0 = the highest β, at the top
    img.paste(heat.resize((x1 - x0, y1 - y0), Image.NEAREST), (x0, y0))
    bar = _colours(np.linspace(1, 0, BAR[3] - BAR[1])[:, None].repeat(BAR[2] - BAR[0], 1))
    img.paste(Image.fromarray(bar), (BAR[0], BAR[1]))
    draw = ImageDraw.Draw(img)
    font, delta = _font(ImageFont)
    paths = Image.new("RGBA", (x1 - x0, y1 - y0), (0, 0, 0, 0))  # clipped to the map: a path
    on = ImageDraw.Draw(paths)  # that explodes leaves it (the map spans its tame points)
    for k, (a, b) in enumerate(ls.coords):
        xs, ys = _px(ls, a, b)
        xs, ys = xs - x0, ys - y0
        colour = PATH_COLOURS[k % len(PATH_COLOURS)]
        on.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=colour, width=3)
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
            on.ellipse((x - 2.5, y - 2.5, x + 2.5, y + 2.5), fill=colour)
        on.ellipse((xs[-1] - 6, ys[-1] - 6, xs[-1] + 6, ys[-1] + 6), outline=colour, width=3)
    img.paste(paths, (x0, y0), paths)
    sx, sy = _px(ls, 0.0, 0.0)
    draw.rectangle((sx - 5, sy - 5, sx + 5, sy + 5), outline="black", width=2)
    for x, y, text, anchor in _labels(ls, lo, hi):
        draw.text((x, y), text.replace("Δ", delta), fill="black", font=font, anchor=anchor)
    for x, y, colour, text in _legend(ls):
        draw.rectangle((x, y + 2, x + 12, y + 14), fill=colour, outline="black")
        draw.text((x + 18, y), text, fill="black", font=font, anchor="lt")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _font(image_font):
    """DejaVu Sans where the system has it (it writes the axes' Δ), else Pillow's own font,
    which has no Δ (it drew a box): "d" then stands for it."""
    try:
        return image_font.truetype("DejaVuSans.ttf", 15), "Δ"
    except OSError:
        return image_font.load_default(size=15), "d"


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg_text(ls) -> str:
    t, lo, hi = _scale(ls.loss)
    rgb = _colours(t)
    x0, y0, x1, y1 = PLOT
    rows, cols = ls.loss.shape
    cw, ch = (x1 - x0) / cols, (y1 - y0) / rows
    h = HEIGHT + 18 * max(0, (len(ls.paths) - 1) // 2)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{h}" '
           f'font-family="sans-serif" font-size="15"><rect width="100%" height="100%" fill="white"/>',
           '<g shape-rendering="crispEdges">']  # fmt: skip
    for r in range(rows):
        for c in range(cols):
            col = "#{:02x}{:02x}{:02x}".format(*rgb[r, c])
            y = y1 - (r + 1) * ch
            out.append(f'<rect x="{x0 + c * cw:.2f}" y="{y:.2f}" width="{cw + 0.3:.2f}" '
                       f'height="{ch + 0.3:.2f}" fill="{col}"/>')  # fmt: skip
    n = BAR[3] - BAR[1]
    for i, c in enumerate(_colours(np.linspace(1, 0, n))):
        out.append(f'<rect x="{BAR[0]}" y="{BAR[1] + i}" width="{BAR[2] - BAR[0]}" height="1" '
                   f'fill="#{c[0]:02x}{c[1]:02x}{c[2]:02x}"/>')  # fmt: skip
    out.append("</g>")
    out.append(f'<clipPath id="map"><rect x="{x0}" y="{y0}" width="{x1 - x0}" '
               f'height="{y1 - y0}"/></clipPath><g clip-path="url(#map)">')  # fmt: skip
    for k, ((a, b), p) in enumerate(zip(ls.coords, ls.paths, strict=True)):
        xs, ys = _px(ls, a, b)
        colour = PATH_COLOURS[k % len(PATH_COLOURS)]
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="3">'
                   f"<title>{_esc(p.racer.name)}</title></polyline>")  # fmt: skip
        out.append(f'<circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="6" fill="none" '
                   f'stroke="{colour}" stroke-width="3"/>')  # fmt: skip
    out.append("</g>")
    sx, sy = _px(ls, 0.0, 0.0)
    out.append(f'<rect x="{sx - 5:.1f}" y="{sy - 5:.1f}" width="10" height="10" fill="none" '
               'stroke="black" stroke-width="2"/>')  # fmt: skip
    anchors = {"m": "middle", "l": "start", "r": "end"}
    base = {"t": "hanging", "m": "middle"}
    for x, y, text, anchor in _labels(ls, lo, hi):
        out.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchors[anchor[0]]}" '
                   f'dominant-baseline="{base[anchor[1]]}">{_esc(text)}</text>')  # fmt: skip
    for x, y, colour, text in _legend(ls):
        out.append(f'<rect x="{x}" y="{y + 2}" width="12" height="12" fill="{colour}" '
                   'stroke="black"/>')  # fmt: skip
        out.append(f'<text x="{x + 18}" y="{y}" dominant-baseline="hanging">{_esc(text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_plot(ls, path: str) -> None:
    """The plot as PNG or SVG by the file's suffix, written atomically."""
    from engine.atomic import atomic_write_bytes

    if Path(path).suffix.lower() == ".svg":
        atomic_write_bytes(path, svg_text(ls).encode("utf-8"))
    else:
        atomic_write_bytes(path, png_bytes(ls))
