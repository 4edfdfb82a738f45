def test_every_racer_colour_is_seen_on_white_and_on_black():
    """Nadam (the seventh racer) was white: on the normal look's white plot it vanished."""
    from app.explainer.landscape_race_view import COLOURS
    from app.shared.theme import contrast_ratio

    for c in COLOURS:
        assert min(contrast_ratio(c, "#ffffff"), contrast_ratio(c, "#000000")) >= 1.9, c
    assert len(set(COLOURS)) == len(COLOURS) == 8  # one each for the eight optimizers
