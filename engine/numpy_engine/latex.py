"""The one translation of the trace's notation into LaTeX, in the course's notation.

The event makers write formulas in a compact plain notation (what the CLI prints and the CSV
holds): z[l][j], ∂L/∂w[l][j][i], Σ_s, √, ², m̂, words such as "sgd:" or "(83 more terms)". This
module turns that one source into LaTeX, and the screen, the exported frames and GIFs and the
handout all render what it writes, so they cannot disagree:

- w[l][j][i] becomes w^{(l)}_{ji} (y[k] and ℓ[k] become y_{k}, ℓ_{k});
- x/y becomes a stacked \\frac (the operands are the atoms either side of the slash);
- words become \\text{…}, function names \\operatorname{…} or \\ln, \\tanh, …;
- ½ becomes \\frac{1}{2}, m̂ becomes \\hat{m}, 1.5e−05 becomes 1.5\\times10^{-5};
- a formula with several statements ("m ← …;  v ← …") becomes several lines.

The output is plain ASCII LaTeX that pdflatex (amsmath) and the ziamath typesetter both accept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_GREEK = {
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "δ": r"\delta",
    "ε": r"\varepsilon",
    "η": r"\eta",
    "θ": r"\theta",
    "λ": r"\lambda",
    "μ": r"\mu",
    "ρ": r"\rho",
    "σ": r"\sigma",
    "ψ": r"\psi",
    "ω": r"\omega",
    "Δ": r"\Delta",
    "ℓ": r"\ell",
    "∞": r"\infty",
}
_OPS = {
    "+": "+",
    "−": "-",
    "-": "-",
    "·": r"\cdot ",
    "×": r"\times ",
    "=": "=",
    "←": r"\leftarrow ",
    "→": r"\to ",
    "~": r"\sim ",
    "≥": r"\geq ",
    "≤": r"\leq ",
    "≈": r"\approx ",
    ",": ",",
    ":": r"\colon ",
    "…": r"\dots ",
    "|": "|",
}
_MATH_FUNCS = {"ln": r"\ln", "log": r"\log", "exp": r"\exp", "tanh": r"\tanh"}
_MATH_FUNCS |= {"max": r"\max", "min": r"\min", "sin": r"\sin", "cos": r"\cos"}
_SUB_ONLY = {"y", "ℓ", "x"}  # indexed by the sample or output only, no layer
_LETTER = "A-Za-zαβγδεηθλμρσψωΔℓ"
_TOKEN = re.compile(
    rf"(?P<num>\d+(?:\.\d+)?(?:e[−\-+]?\d+)?)"
    rf"|(?P<name>[A-Za-z]{{2,}}|[{_LETTER}]\u0302?(?:\d(?![\d.]))?)"
    r"|(?P<space> +)"
    r"|(?P<other>.)"
)
_TEXT_SPECIALS = {c: "\\" + c for c in "&%$#_{}"} | {"~": r"\textasciitilde{}", "^": r"\^{}"}
_TEXT_SPECIALS["\\"] = r"\textbackslash{}"


@dataclass
class _Tok:
    kind: str  # num | name | space | other
    text: str


@dataclass
class _Node:
    tex: str
    atom: bool = False  # an operand a slash can take
    inner: str = ""  # an atom's tex without its outer parentheses (for \frac)
    word: bool = False  # prose (merged into one \text{})


def _tokens(s: str) -> list[_Tok]:
    return [_Tok(m.lastgroup or "other", m.group()) for m in _TOKEN.finditer(s)]


def _number(t: str) -> str:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)e([−\-+]?)(\d+)", t)
    if not m:
        return t
    sign = "-" if m.group(2) in "−-" and m.group(2) else ""
    return f"{m.group(1)}\\times10^{{{sign}{int(m.group(3))}}}"


def _letter(t: str) -> str:
    base, hat = t[0], "\u0302" in t
    digits = t[2 if hat else 1 :]
    tex = _GREEK.get(base, base)
    tex = f"\\hat{{{tex}}}" if hat else tex
    return f"{tex}_{{{digits}}}" if digits else tex


class _Parser:
    def __init__(self, toks: list[_Tok]):
        self.t, self.i = toks, 0

    def peek(self, k: int = 0) -> _Tok | None:
        j = self.i + k
        return self.t[j] if j < len(self.t) else None

    def take(self) -> _Tok:
        tok = self.t[self.i]
        self.i += 1
        return tok

    def seq(self, close: str | None = None) -> list[_Node]:
        out: list[_Node] = []
        while (tok := self.peek()) is not None:
            if close is not None and tok.text == close:
                return out
            if tok.text in ")]" and close is None:
                self.take()
                out.append(_Node(tok.text))  # a stray closer: kept as it is
                continue
            if tok.text in "−-" and (_unary(out) or self._signed_after_word(out)):
                out.append(self._negative())
                continue
            out.append(self.node())
        return out

    def _signed_after_word(self, out: list[_Node]) -> bool:
        """A minus after prose, written against its number ("gradient −0.01174 ignored"): its
        sign, not a subtraction from the word (it read "gradient − 0.01174")."""
        last = next((n for n in reversed(out) if n.tex.strip()), None)
        nxt = self.peek(1)
        return last is not None and last.word and nxt is not None and nxt.kind == "num"

    def _negative(self) -> _Node:
        """A unary minus: braced so that it sits close ({-0.435}, {-}y), as in print."""
        self.take()
        nxt, after = self.peek(), self.peek(1)
        if nxt is not None and nxt.kind == "num" and (after is None or after.text != "/"):
            node = self.atom()
            return _Node("{-" + node.tex + "}", atom=True)
        return _Node("{-}")

    def node(self) -> _Node:
        tok = self.peek()
        if tok.kind == "space":
            self.take()
            return _Node(r"\quad " if len(tok.text) > 1 else " ", inner=tok.text)
        if tok.text == "/":
            self.take()
            return _Node("/")
        if tok.text in _OPS:
            self.take()
            return _Node(_OPS[tok.text])
        if tok.text == "Σ":
            self.take()
            return _Node(r"\sum" + self._under() + " ")
        if tok.text == "Π":
            self.take()
            return _Node(r"\prod" + self._under() + " ")
        if tok.kind == "name" and len(tok.text) > 1 and tok.text[1] not in "\u03020123456789":
            return self._word_or_function()
        return self.atom()

    def _under(self) -> str:
        """A subscript written "_s", "_k", "_t+1" after Σ, Π or a name; "" when none is."""
        nxt, arg = self.peek(), self.peek(1)
        if nxt is None or nxt.text != "_" or arg is None or arg.kind not in ("name", "num"):
            return ""
        self.take()
        self.take()
        sub = _number(arg.text) if arg.kind == "num" else _letter(arg.text)
        sign, step = self.peek(), self.peek(1)
        if sign is not None and sign.text in "+−-" and step is not None and step.kind == "num":
            self.take()
            sub += ("+" if sign.text == "+" else "-") + self.take().text  # μ_t+1: μ_{t+1}
        return "_{" + sub + "}"

    def _word_or_function(self) -> _Node:
        name = self.take().text
        nxt = self.peek()
        if nxt is not None and (nxt.text in "('" or (name in _MATH_FUNCS and nxt.kind == "space")):
            head = _MATH_FUNCS.get(name, rf"\operatorname{{{name}}}")
            return self._applied(head)
        return _Node(name, word=True)

    def _applied(self, head: str) -> _Node:
        """A function and its argument: f(x), f'(x), ln a."""
        if self.peek() and self.peek().text == "'":
            self.take()
            head += "'"
        if self.peek() is None or self.peek().text in ")]":
            return _Node(head, atom=True)
        if self.peek() and self.peek().kind == "space":
            nxt = self.peek(1)
            if nxt is None or nxt.text in ")]" or nxt.kind == "space":
                return _Node(head, atom=True)
            self.take()
            arg = self.atom()
            return _Node(f"{head} {arg.tex}", atom=True)
        arg = self.atom()
        return _Node(head + arg.tex, atom=True)

    def atom(self) -> _Node:
        if self.peek() is None:  # "√" or "∂" with nothing after it
            return _Node("")
        tok = self.take()
        if tok.text in "([":
            close = ")" if tok.text == "(" else "]"
            inner = _join(self.seq(close))
            if self.peek() is not None:
                self.take()
            lo, hi = ("(", ")") if close == ")" else ("[", "]")
            if r"\frac" in inner or r"\sum" in inner:
                lo, hi = r"\left" + lo, r"\right" + hi
            node = _Node(f"{lo}{inner}{hi}", atom=True, inner=inner)
        elif tok.text == "∂":
            arg = self.atom()
            node = _Node(r"\partial " + arg.tex, atom=True)
        elif tok.text == "√":
            arg = self.atom()
            node = _Node(r"\sqrt{" + (arg.inner or arg.tex) + "}", atom=True)
        elif tok.text == "½":
            node = _Node(r"\frac{1}{2}", atom=True)
        elif tok.kind == "num":
            node = _Node(_number(tok.text), atom=True)
        elif tok.kind == "name":
            if tok.text[0] in "σ" and self.peek() and self.peek().text in "'(":
                return self._postfix(self._applied(r"\sigma"), "σ")
            node = _Node(_letter(tok.text), atom=True)
        elif tok.text in _GREEK:
            node = _Node(_GREEK[tok.text], atom=True)
        else:
            return _Node(_text(tok.text))
        return self._postfix(node, tok.text)

    def _postfix(self, node: _Node, base: str) -> _Node:
        """Index brackets written right after a name, powers, ² and primes."""
        idx: list[str] = []
        while (nxt := self.peek()) is not None and nxt.text == "[":
            self.take()
            idx.append(_join(self.seq("]")))
            if self.peek() is not None:
                self.take()
        tex = node.tex
        if idx:
            tex += _indices(base, idx)
        tex += self._under()
        while (nxt := self.peek()) is not None and nxt.text in "²^'":
            self.take()
            if nxt.text == "²":
                tex = _power(tex, "2")
            elif nxt.text == "'":
                tex += "'"
            elif self.peek() is not None:
                sign = ""
                if self.peek().text in "−-":  # e^−z
                    self.take()
                    sign = "-"
                arg = self.atom()
                tex = _power(tex, sign + (arg.inner or arg.tex))
        if tex != node.tex and not idx and (nxt := self.peek()) is not None and nxt.text == "[":
            while (nxt := self.peek()) is not None and nxt.text == "[":  # σ²[l][c]: {σ²}^(l)_c
                self.take()
                idx.append(_join(self.seq("]")))
                if self.peek() is not None:
                    self.take()
            tex = "{" + tex + "}" + _indices(base, idx)
        return _Node(tex, atom=True, inner=node.inner if tex == node.tex else "")


def _unary(out: list[_Node]) -> bool:
    """Whether a minus here is a sign (nothing, or an operator, before it) or a subtraction."""
    last = next((n for n in reversed(out) if n.tex.strip()), None)
    return last is None or not (last.atom or last.word)


def _power(tex: str, p: str) -> str:
    return f"{{{tex}}}^{{{p}}}" if "^" in tex else f"{tex}^{{{p}}}"


def _indices(base: str, idx: list[str]) -> str:
    if base in _SUB_ONLY or len(idx) == 1 and base not in "azwbδ":
        return "_{" + ",".join(idx) + "}"
    layer, rest = idx[0], idx[1:]
    sep = "" if all(len(i) == 1 for i in rest) and len(rest) <= 2 else ","
    sub = "_{" + sep.join(rest) + "}" if rest else ""
    return f"^{{({layer})}}{sub}"


def _escape_text(s: str) -> str:
    return "".join(_TEXT_SPECIALS.get(c, c) for c in s)


def _escape_math(c: str) -> str:
    special = {"{": r"\{", "}": r"\}", "_": r"\_", "%": r"\%", "#": r"\#", "&": r"\&"}
    special |= {"$": r"\$", "^": r"\wedge "}
    return special.get(c, r"\backslash " if c == "\\" else c)


def _text(c: str) -> str:
    """A character the notation does not know: named in words rather than passed through raw."""
    return r"\text{?}" if not c.isascii() else _escape_math(c)


def _join(nodes: list[_Node]) -> str:
    """Fractions first (a slash takes the atoms either side), then prose merged into \\text."""
    nodes = _fractions(nodes)
    out: list[str] = []
    k = 0
    while k < len(nodes):
        n = nodes[k]
        if n.word:
            words, k = _words(nodes, k)
            out.append(r"\text{" + _escape_text(words) + "}")
            continue
        if n.tex in (" ",):
            prev_word = out and out[-1].startswith(r"\text{")
            nxt = nodes[k + 1] if k + 1 < len(nodes) else None
            aside = nxt is not None and nxt.tex.startswith("(") and k and nodes[k - 1].atom
            out.append(r"\quad " if aside else r"\ " if prev_word or (nxt and nxt.word) else " ")
        else:
            out.append(n.tex)
        k += 1
    return "".join(out).strip()


def _words(nodes: list[_Node], k: int) -> tuple[str, int]:
    """A run of words (with the spaces and colons between them) from index k."""
    parts: list[str] = []
    while k < len(nodes):
        n = nodes[k]
        if n.word:
            parts.append(n.tex)
        elif n.tex == r"\colon " and parts:
            parts.append(":")
        elif n.tex == " " and k + 1 < len(nodes) and nodes[k + 1].word:
            parts.append(" ")
        else:
            break
        k += 1
    return "".join(parts), k


def _fractions(nodes: list[_Node]) -> list[_Node]:
    out: list[_Node] = []
    k = 0
    while k < len(nodes):
        n = nodes[k]
        if n.tex == "/":
            left = _pop_operand(out)
            right_k = k + 1
            while right_k < len(nodes) and nodes[right_k].tex == " ":
                right_k += 1
            if left is not None and right_k < len(nodes) and nodes[right_k].atom:
                right = nodes[right_k]
                num, den = left.inner or left.tex, right.inner or right.tex
                out.append(_Node(rf"\frac{{{num}}}{{{den}}}", atom=True))
                k = right_k + 1
                continue
            if left is not None:
                out.append(left)
            out.append(_Node("/"))
            k += 1
            continue
        out.append(n)
        k += 1
    return out


def _pop_operand(out: list[_Node]) -> _Node | None:
    while out and out[-1].tex == " ":
        out.pop()
    if out and out[-1].atom:
        return out.pop()
    return None


@lru_cache(maxsize=8192)
def to_latex(text: str) -> str:
    """One line of trace notation as LaTeX (math mode, no delimiters). Kept for the next time:
    the symbolic formulas of a step repeat thousands of times. A line too deeply nested to
    parse is written as text rather than refused."""
    try:
        return _join(_Parser(_tokens(text.strip())).seq())
    except RecursionError:
        return r"\text{" + _escape_text("".join(c if c.isascii() else "?" for c in text)) + "}"
