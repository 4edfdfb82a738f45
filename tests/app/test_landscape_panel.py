def test_every_racer_colour_is_seen_on_white_and_on_black():
    """Nadam (the seventh racer) was white: on the normal look's white plot it vanished."""
    from PySide6.QtGui import QColor

    from app.explainer.landscape_race_view import COLOURS

    def luminance(c: str) -> float:
        q = QColor(c)
        lin = [(v / 255) / 12.92 if v <= 10 else (((v / 255) + 0.055) / 1.055) ** 2.4
               for v in (q.red(), q.green(), q.blue())]  # fmt: skip
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for c in COLOURS:
        on_white = 1.05 / (luminance(c) + 0.05)
        on_black = (luminance(c) + 0.05) / 0.05
        assert min(on_white, on_black) >= 1.9, (c, on_white, on_black)
    assert len(set(COLOURS)) == len(COLOURS) == 8  # one each for the eight optimizers
