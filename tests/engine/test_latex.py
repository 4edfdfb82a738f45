"""The one LaTeX source of every formula: the translation, the typesetter's acceptance, the handout
(compiled with pdflatex where one is installed) and `trace --latex`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import ziamath

from app.cli import main
from engine.numpy_engine import Network
from engine.numpy_engine.formula_lines import plain_lines
from engine.numpy_engine.handout import MAX_HANDOUT_EVENTS, event_tex, handout, text_mode
from engine.numpy_engine.latex import to_latex

PRESETS = Path(__file__).resolve().parents[2] / "assets" / "presets"
ALL_PRESETS = sorted(PRESETS.glob("*.json"))
# every command the translation may write: each one amsmath and ziamath both know
KNOWN = set(  # noqa: SIM905 - forty commands read better as words
    [
        r"\frac",
        r"\partial",
        r"\sum",
        r"\prod",
        r"\sqrt",
        r"\hat",
        r"\text",
        r"\operatorname",
        r"\ln",
        r"\log",
        r"\exp",
        r"\tanh",
        r"\max",
        r"\min",
        r"\sin",
        r"\cos",
        r"\cdot",
        r"\times",
        r"\leftarrow",
        r"\to",
        r"\sim",
        r"\geq",
        r"\leq",
        r"\approx",
        r"\colon",
        r"\dots",
        r"\quad",
        r"\left",
        r"\right",
        r"\alpha",
        r"\beta",
        r"\gamma",
        r"\delta",
        r"\varepsilon",
        r"\eta",
        r"\theta",
        r"\lambda",
        r"\mu",
        r"\rho",
        r"\sigma",
        r"\psi",
        r"\omega",
        r"\Delta",
        r"\ell",
        r"\infty",
    ]
)


def math_prose(tex: str) -> list[str]:
    """Words in math mode: runs of two or more letters outside \\text{}, \\operatorname{} and
    commands (LaTeX would set 'with' as the product w·i·t·h)."""
    s = re.sub(r"\\(text|operatorname)\{[^{}]*\}", "", tex)
    s = re.sub(r"\\[A-Za-z]+", "", s)
    return re.findall(r"[A-Za-z]{2,}", s)


def balanced(s: str) -> bool:
    depth = 0
    for c in s.replace(r"\{", "").replace(r"\}", ""):
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


def step_events(path: Path, every: int = 1):
    net = Network.from_file(path)
    events = net.step(net.initial_state()).events
    return [events[i] for i in range(0, len(events), every)]


def preset_events(path: Path):
    n = len(Network.from_file(path).step(Network.from_file(path).initial_state()).events)
    return step_events(path, max(1, n // 4000))


@pytest.mark.parametrize("path", ALL_PRESETS, ids=lambda p: p.stem)
def test_every_event_of_every_preset_translates_cleanly(path):
    for e in preset_events(path):
        t = event_tex(e)
        for line in (t.symbol, t.value, *t.formula, *t.numbers):
            assert line.isascii() and r"\text{?}" not in line, (e.formula, line)
            assert r"\_" not in line, line  # an underscore drawn, a subscript lost
            assert balanced(line), line
            assert not math_prose(line), (line, math_prose(line))
            unknown = set(re.findall(r"\\[A-Za-z]+", line)) - KNOWN
            assert not unknown, (line, unknown)


@pytest.mark.parametrize("path", ALL_PRESETS, ids=lambda p: p.stem)
def test_the_typesetter_accepts_every_kind_of_formula(path):
    """ziamath renders each distinct formula shape of the preset (numbers aside) to an SVG."""
    ziamath.config.svg2 = False
    seen = set()
    for e in preset_events(path):
        shape = (e.kind, e.layer, re.sub(r"[\d.]+", "#", e.formula))
        if shape in seen:
            continue
        seen.add(shape)
        t = event_tex(e)
        for line in (t.value, *t.formula, *t.numbers):
            svg = ziamath.Latex(line, size=24).svg()
            assert svg.startswith("<svg") and "<path" in svg, line


def test_translation_writes_the_course_notation():
    assert to_latex("∂L/∂w[2][0][1]") == r"\frac{\partial L}{\partial w^{(2)}_{01}}"
    assert to_latex("σ(z[1][0])") == r"\sigma(z^{(1)}_{0})"
    assert to_latex("ℓ[3] = ½·(y − a)²") == r"\ell_{3} = \frac{1}{2}\cdot (y - a)^{2}"
    assert to_latex("m̂ = m/(1−β1^t)") == r"\hat{m} = \frac{m}{1-\beta_{1}^{t}}"
    assert to_latex("1.000e−08") == r"1.000\times10^{-8}"
    assert to_latex("w[1][0][2][11][3]") == r"w^{(1)}_{0,2,11,3}"
    assert to_latex("… (83 more terms)") == r"\dots  (83\ \text{more terms})"
    assert to_latex("ReLU(−1)") == r"\operatorname{ReLU}({-1})"
    assert to_latex("= −0.5 − a") == r"= {-0.5} - a"
    assert to_latex("y·ln a") == r"y\cdot \ln a"
    # a sign after prose, against its number: not "gradient − 0.02366" (lesson 10's frozen b)
    assert r"\text{gradient}\ {-0.02366}" in to_latex("(gradient −0.02366 ignored)")
    assert to_latex("loss − 0.2") == r"\text{loss}\ - 0.2"  # spaced: a subtraction
    assert to_latex("100% & #_{x}") == r"100\% \& \#\_\{x\}"
    assert to_latex("a \\ b") == r"a \backslash  b"  # never raw: a backslash starts a command
    assert [to_latex(x) for x in plain_lines("m ← 1;  v ← 2")] == [
        r"m \leftarrow  1",
        r"v \leftarrow  2",
    ]


@pytest.mark.parametrize(
    "text",
    ["", "√", "∂", "∂L/∂", "∂∂", "ab'", "σ'", "(ln )", "Σ_}", "Σ_%", "Σ_$", "Σ_é", "Σ_ s",
     "$", "^", "_", "\\", "{", "}", "%", "#", "&", "~", "a[", "a]", "((", "))", "]]", "[[1",
     "(" * 400 + "a", "x" * 20_000, "1e999", "NaN", "∞", "−∞", "😀", "\x00", "a\nb"],
)  # fmt: skip
def test_any_line_translates_to_balanced_ascii_latex(text):
    tex = to_latex(text)
    assert tex.isascii() and balanced(tex), tex[:200]
    assert "$" not in tex.replace(r"\$", "") and "%" not in tex.replace(r"\%", "")


def test_nadam_writes_its_mu_with_subscripts():
    assert to_latex("μ_t = β1·(1 − ½·0.96^(t·ψ))").startswith(r"\mu_{t} = \beta_{1}")
    assert to_latex("μ_t+1 = 0.4501") == r"\mu_{t+1} = 0.4501"
    assert to_latex("1/(1+e^−z)") == r"\frac{1}{1+e^{-z}}"


def test_long_sums_break_into_lines_that_start_with_their_sign():
    lines = plain_lines(" + ".join(["0.1234·0.5678"] * 7) + " = 0.49", width=40)
    assert len(lines) > 2
    assert all(line.startswith("+") for line in lines[1:-1]) and lines[-1].startswith("=")


def test_adam_update_shows_m_hat_and_v_hat_with_their_values():
    events = step_events(PRESETS / "circle_relu.json")
    e = next(e for e in events if e.kind == "update" and "adam" in e.formula)
    t = event_tex(e)
    formula, numbers = " ".join(t.formula), " ".join(t.numbers)
    assert r"\hat{m} = \frac{m}{1-\beta_{1}^{t}}" in formula
    assert r"\hat{v} = \frac{v}{1-\beta_{2}^{t}}" in formula
    shown_m = re.search(r"\\hat\{m\} = (-?[\d.]+)", numbers)
    shown_v = re.search(r"\\hat\{v\} = ([\d.]+)", numbers)
    assert e.step == 1  # so the bias corrections are 1 − β (the preset's β1 = 0.9, β2 = 0.999)
    assert float(shown_m.group(1)) == pytest.approx(e.detail["m"] / (1 - 0.9), rel=1e-3)
    assert float(shown_v.group(1)) == pytest.approx(e.detail["v"] / (1 - 0.999), rel=1e-3)


def test_handout_has_no_prose_in_math_mode_and_no_raw_unicode():
    steps = [(1, step_events(PRESETS / "moons_regularized.json", 5))]
    steps.append((2, step_events(PRESETS / "circle_relu.json")))
    doc = handout(steps, "Moons — a δ handout ½")
    assert doc.isascii() and "½" not in doc
    for block in re.findall(r"\\begin\{gather\*\}(.*?)\\end\{gather\*\}", doc, re.S):
        assert not math_prose(block), math_prose(block)
    for inline in re.findall(r"\$([^$]*)\$", doc):
        assert not math_prose(inline), inline
    assert text_mode("δ ≥ ½ & 5%") == r"$\delta$ $\geq$ $\frac{1}{2}$ \& 5\%"
    evil = text_mode("Evil \\end{document} é\n\nx <a|b>")
    assert evil == (
        r"Evil \textbackslash{}end\{document\} ? x \textless{}a\textbar{}b\textgreater{}"
    )


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX installation here")
def test_handout_compiles_with_pdflatex(tmp_path):
    for name in ("mazur_2_2_2", "circle_relu", "cnn_maxpool_4x4", "blobs2_adadelta"):
        tex = tmp_path / f"{name}.tex"
        tex.write_text(handout([(1, step_events(PRESETS / f"{name}.json"))], name), "ascii")
        r = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stdout[-2000:]
        assert (tmp_path / f"{name}.pdf").stat().st_size > 1000


def test_trace_latex_writes_one_document_of_all_steps(tmp_path, capsys):
    out = tmp_path / "h.tex"
    assert main(["trace", str(PRESETS / "mazur_2_2_2.json"), "--latex", str(out)]) == 0
    one = out.read_text("ascii")
    assert one.count(r"\section*{Training step") == 1 and one.endswith("\\end{document}\n")
    assert (
        main(["trace", str(PRESETS / "mazur_2_2_2.json"), "--latex", str(out), "--steps", "3"]) == 0
    )
    doc = out.read_text("ascii")
    assert [int(t) for t in re.findall(r"section\*\{Training step (\d+)", doc)] == [1, 2, 3]
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    "target, reason",
    [("", "empty"), ("{dir}", "is a folder"), ("{dir}/no/such/h.tex", "does not exist")],
)
def test_trace_latex_refuses_bad_paths_in_one_line(tmp_path, capsys, target, reason):
    target = target.format(dir=tmp_path)
    code = main(["trace", str(PRESETS / "mazur_2_2_2.json"), "--latex", target])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_trace_latex_expands_the_home_folder_and_never_writes_over_its_input(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["trace", str(PRESETS / "mazur_2_2_2.json"), "--latex", "~/h.tex"]) == 0
    assert (tmp_path / "h.tex").read_text("ascii").startswith("\\documentclass")
    net = tmp_path / "net.json"
    net.write_text((PRESETS / "mazur_2_2_2.json").read_text())
    before = net.read_text()
    assert main(["trace", str(net), "--latex", str(net)]) == 2
    assert "network file itself" in capsys.readouterr().err and net.read_text() == before


def test_trace_latex_refuses_a_handout_too_big_before_running(tmp_path, capsys):
    out = tmp_path / "big.tex"
    code = main(["trace", str(PRESETS / "spiral_deep.json"), "--latex", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and f"{MAX_HANDOUT_EVENTS:,}" in err and not out.exists()


def test_a_line_is_measured_as_typeset_so_conv_terms_share_a_line():
    """Issue 23, defect 2: the brackets of an index vanish when typeset and what they hold is
    smaller, so a conv term is measured shorter than its characters and several share a line."""
    from engine.numpy_engine.formula_lines import plain_lines, typeset_len

    term = "w[1][2,0,0,0]·a[0][0,8,8]"
    assert typeset_len(term) == pytest.approx(3 + 0.8 * 14) and typeset_len("0.25 + 1") == 8
    s = " + ".join([term] * 9)
    by_chars, as_typeset = plain_lines(s, 41), plain_lines(s, 41, typeset_len)
    assert len(by_chars) == 9 and len(as_typeset) == 5
    assert " ".join(as_typeset) == s  # nothing lost or added


def test_a_list_of_values_breaks_after_its_commas_keeping_each_symbol_with_its_value():
    """∂L/∂a's "with a = −2.544, y = 1.83, n = 16, K = 1: −0.5468" was broken before its
    "="s: the lecturer's wall read "with a = −2.544, y" / "= 1.83, n" / "= 16, K"."""
    from engine.numpy_engine.formula_lines import plain_lines, typeset_len

    s = "with a = −2.544, y = 1.83, n = 16, K = 1: −0.5468"
    for width in (12, 20, 30, 40):
        lines = plain_lines(s, width, typeset_len)
        assert ", ".join(x.rstrip(",") for x in lines) == s  # the same text, broken at ", "
        assert all(not x.startswith("=") for x in lines)
        assert all(x.endswith(",") for x in lines[:-1])
        for x in lines:  # each binding whole
            for b in x.rstrip(",").removeprefix("with ").split(", "):
                assert " = " in b, (width, lines)
    assert plain_lines(s, 60, typeset_len) == [s]
