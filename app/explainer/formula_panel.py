"""The current step's formula twice: in symbols, and with its numbers, typeset large."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from app.shared.theme import Theme
from app.shared.typeset import phase_colour, rich
from engine.numpy_engine.fmt import num


class FormulaPanel(QScrollArea):
    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme
        self.setWidgetResizable(True)
        inner = QWidget()
        inner.setObjectName("formulaInner")
        lay = QVBoxLayout(inner)
        self.header = QLabel()
        self.symbolic = QLabel()
        self.numbers = QLabel()
        self.note = QLabel()
        self.detail = QLabel()
        for w in (self.header, self.symbolic, self.numbers, self.note, self.detail):
            w.setWordWrap(True)
            w.setTextFormat(Qt.TextFormat.RichText)
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            lay.addWidget(w)
        lay.addStretch(1)
        self.setWidget(inner)
        self.setMinimumWidth(360)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setStyleSheet(f"QScrollArea, QWidget#formulaInner {{ background: {theme.window}; }}")

    def show_event(self, ev, position: str) -> None:
        th = self.theme
        big, small = th.formula_size, round(th.formula_size * 0.7)
        colour = phase_colour(ev.phase)
        sample = f" · sample {ev.sample}" if ev.sample is not None else " · whole batch"
        self.header.setText(
            f"<span style='font-size:{small}pt; color:{colour}; font-weight:bold'>"
            f"{ev.phase.upper()}</span><span style='font-size:{small}pt; color:{th.text}'>"
            f"{sample} · {html.escape(position)}</span>"
        )
        self.symbolic.setText(
            f"<div style='font-size:{big}pt; color:{th.text}'>{rich(ev.formula)}</div>"
        )
        self.numbers.setText(
            f"<div style='font-size:{big}pt; color:{th.text}'>= {rich(ev.substituted)}</div>"
            f"<div style='font-size:{small}pt; color:{colour}'><b>{html.escape(ev.symbol)} = "
            f"{html.escape(num(ev.value, 6))}</b></div>"
        )
        self.note.setText(
            f"<i style='font-size:{small}pt; color:{th.text}'>{html.escape(ev.note)}</i>"
            if ev.note
            else ""
        )
        if ev.phase == "update" and ev.detail:
            rows = "".join(
                f"<tr><td>{html.escape(k)}</td><td>&nbsp;{html.escape(num(v))}</td></tr>"
                for k, v in ev.detail.items()
            )
            self.detail.setText(
                f"<span style='font-size:{small}pt; color:{th.text}'>"
                f"optimizer state:<table>{rows}</table></span>"
            )
        else:
            self.detail.setText("")

    def plain_text(self) -> str:
        """What the panel shows, as plain text (for tests and the clipboard)."""
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        parts = []
        for w in (self.header, self.symbolic, self.numbers, self.note):
            doc.setHtml(w.text())
            parts.append(doc.toPlainText())
        return "\n".join(parts)
