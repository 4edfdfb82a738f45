"""A custom model's layer list as a person types it, one layer per line (see settings.py), and
back: parse_layers (strict: every word known, each once, the line named in each error, at most
MAX_LAYERS lines) and format_layers (its inverse)."""

from __future__ import annotations

from .models import ACTS, MAX_LAYERS, ModelSpecError


def parse_layers(text: str) -> tuple[dict, ...]:
    """The one-layer-per-line form into the engine's layer dicts; ModelSpecError names the line
    (and, for a word it does not know, the words that line may hold). At most MAX_LAYERS lines."""
    out = []
    lines = [ln.split("#")[0].strip() for ln in str(text).splitlines()]
    used = [ln for ln in lines if ln]
    if len(used) > MAX_LAYERS:
        raise ModelSpecError(f"{len(used)} layers; the limit is {MAX_LAYERS}")
    for no, line in enumerate(lines, 1):
        if not line:
            continue
        words = line.lower().split()
        try:
            out.append(_layer(words))
        except UnknownWord as e:
            what = "a second activation" if e.again else "unknown word"
            raise ModelSpecError(
                f"line {no} ('{line[:60]}'): {what} '{e.word[:20]}'; a {words[0]} line "
                f"takes {e.allowed}"
            ) from None
        except OutOfRange as e:  # the form is right, the number is not
            raise ModelSpecError(f"line {no} ('{line[:60]}'): {e}") from None
        except (ValueError, IndexError):
            raise ModelSpecError(f"line {no} ('{line[:60]}'): {_LAYER_HELP}") from None
    if not out:
        raise ModelSpecError("the layer list is empty; end it with 'dense 10'")
    return tuple(out)


_LAYER_HELP = (
    "write 'conv FILTERS KERNEL [relu] [pad P] [stride S] [bn]', 'pool 2', 'avgpool 2', "
    "'bn [relu]', 'flatten', 'dense UNITS [relu]' or 'dropout P'"
)
_ACT_WORDS = " | ".join(ACTS)
_ALLOWED = {  # what each kind of line may hold after its numbers, in words
    "conv": f"FILTERS KERNEL, then any of: an activation ({_ACT_WORDS}), pad P, stride S, bn",
    "dense": f"UNITS, then an activation ({_ACT_WORDS})",
    "bn": f"an activation ({_ACT_WORDS})",
}


class UnknownWord(ValueError):
    """A word a layer line may not hold (or holds twice)."""

    def __init__(self, word: str, kind: str, again: bool = False):
        super().__init__(word)
        self.word, self.allowed, self.again = word, _ALLOWED[kind], again


def _extras(kind: str, rest: list[str]) -> dict:
    """The words after a conv's or a dense layer's numbers: each one known, once."""
    d: dict = {}
    i = 0
    while i < len(rest):
        w = rest[i]
        if w in ACTS and "activation" in d:
            raise UnknownWord(w, kind, again=True)
        if w in ACTS:
            d["activation"] = w
        elif (
            kind == "conv"
            and w in ("pad", "stride")
            and (("padding" if w == "pad" else "stride") not in d)
        ):
            lo = 0 if w == "pad" else 1
            d["padding" if w == "pad" else "stride"] = _int(rest[i + 1], lo, 28, w)
            i += 1
        elif kind == "conv" and w == "bn" and "batchnorm" not in d:
            d["batchnorm"] = True
        else:
            raise UnknownWord(w, kind)
        i += 1
    return d


def format_layers(layers) -> str:
    """The layer dicts back into the one-per-line form (the inverse of parse_layers)."""
    out = []
    for d in layers:
        t, act = d.get("type"), d.get("activation", "")
        if t == "conv":
            extra = [f"pad {d['padding']}"] if d.get("padding") else []
            extra += [f"stride {d['stride']}"] if d.get("stride", 1) != 1 else []
            extra += ["bn"] if d.get("batchnorm") else []
            out.append(" ".join(["conv", str(d["out"]), str(d.get("kernel", 3)), act, *extra]))
        elif t == "pool":
            out.append(f"{'avgpool' if d.get('kind') == 'avg' else 'pool'} {d.get('size', 2)}")
        elif t == "dense":
            out.append(f"dense {d['units']} {act}")
        elif t == "batchnorm":
            out.append(f"bn {act}")
        elif t == "dropout":
            out.append(f"dropout {d.get('p', 0.5):g}")
        else:
            out.append(str(t))
    return "\n".join(" ".join(line.split()) for line in out)


class OutOfRange(ValueError):
    """A whole number where the line wants one, outside what the engine builds."""

    def __init__(self, what: str, word: str, lo: int, hi: int):
        super().__init__(f"{what} is {word[:12]}; it must be {lo:,} to {hi:,}")


def _int(word: str, lo: int, hi: int, what: str = "the number") -> int:
    if not word.isdigit():
        raise ValueError(word)
    if len(word) > 9 or not lo <= int(word) <= hi:  # (5,000 digits: never made an int)
        raise OutOfRange(what, word, lo, hi)
    return int(word)


def _layer(w: list[str]) -> dict:
    kind, rest = w[0], w[1:]
    if kind == "conv":
        d = {
            "type": "conv",
            "out": _int(rest[0], 1, 1024, "FILTERS"),
            "kernel": _int(rest[1], 1, 28, "KERNEL"),
        }
        d |= _extras("conv", rest[2:])
        d["batchnorm"] = d.get("batchnorm", False)
        return d
    if kind in ("pool", "maxpool", "avgpool") and len(rest) <= 1:
        d = {"type": "pool", "size": _int(rest[0] if rest else "2", 1, 28, "the size")}
        d["kind"] = "avg" if kind == "avgpool" else "max"
        return d
    if kind in ("bn", "batchnorm"):  # a batch norm of its own: after pooling, or a dense layer
        return {"type": "batchnorm"} | _extras("bn", rest)
    if kind == "flatten" and not rest:
        return {"type": "flatten"}
    if kind == "dense":
        units = _int(rest[0], 1, 100_000, "UNITS")
        return {"type": "dense", "units": units} | _extras("dense", rest[1:])
    if kind == "dropout" and len(rest) == 1:
        p = float(rest[0])
        if not 0 <= p < 1:
            raise ValueError(p)
        return {"type": "dropout", "p": p}
    raise ValueError(kind)
