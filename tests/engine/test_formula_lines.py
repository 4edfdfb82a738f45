"""The formula's line breaking: the splitting at a top-level separator and the typeset width
estimate give what a character-by-character scan gives (the plain reading of their rules), on
random strings of brackets and separators and on every formula of real steps."""

import random
from pathlib import Path

import pytest

from engine.numpy_engine import Network
from engine.numpy_engine.formula_lines import INDEX_WEIGHT, _split_top, typeset_len

PRESETS = Path(__file__).parents[2] / "assets" / "presets"


def scan_split(s: str, sep: str) -> list[str]:
    """The rule read literally: every character, the bracket depth after it, a match there."""
    parts, depth, start = [], 0, 0
    for k, c in enumerate(s):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        if depth == 0 and s.startswith(sep, k):
            parts.append(s[start:k])
            start = k + len(sep)
    parts.append(s[start:])
    return parts


def scan_len(s: str) -> float:
    depth, out = 0, 0.0
    for c in s:
        if c == "[":
            depth += 1
        elif c == "]":
            depth = max(0, depth - 1)
        else:
            out += INDEX_WEIGHT if depth else 1.0
    return out


def test_random_strings_split_and_measure_as_a_scan_does():
    rng = random.Random(0)
    alphabet = ["a", "1", " ", "+", "=", ";", "(", ")", "[", "]", " = ", " + ", "·", "−"]
    for _ in range(20_000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for sep in (";", " = ", " + "):
            assert _split_top(s, sep) == scan_split(s, sep), (s, sep)
        assert typeset_len(s) == scan_len(s), s


@pytest.mark.parametrize(
    ("s", "sep", "want"),
    [
        ("", " + ", [""]),
        ("a + b", " + ", ["a", "b"]),
        ("(a + b) + c", " + ", ["(a + b)", "c"]),
        ("w[1 + 2] + b", " + ", ["w[1 + 2]", "b"]),
        ("a + + b", " + ", ["a", "", "b"]),  # overlapping separators, as the scan finds them
        ("a) + b", " + ", ["a) + b"]),  # an unbalanced bracket: nothing is top level after it
        ("m ← 1;  v ← 2", ";", ["m ← 1", "  v ← 2"]),
    ],
)
def test_worked_splits(s, sep, want):
    assert _split_top(s, sep) == want == scan_split(s, sep)


def test_every_formula_of_real_steps_splits_and_measures_as_a_scan_does():
    for name in ("spiral_deep", "cnn_tiny_digits", "batchnorm_relu", "blobs2_adadelta"):
        net = Network.from_file(PRESETS / f"{name}.json")
        events = net.step(net.initial_state()).events
        for k in range(0, len(events), max(1, len(events) // 400)):
            ev = events[k]
            for text in (ev.formula, ev.substituted):
                for sep in (";", " = ", " + "):
                    assert _split_top(text, sep) == scan_split(text, sep)
                assert typeset_len(text) == scan_len(text)
