"""Where the Landscape panel's plots go, by the shape of their scene: the map on the left and,
in a scene tall enough, the loss per step above the layer strip; in a wide and low one (a dock
dragged low, a lecturer's 1080-line wall) the three side by side, where their least widths fit.
A collapsed strip (a net of one weight layer) leaves the loss per step its whole column."""

from __future__ import annotations

from PySide6.QtCore import Qt

WIDE, STACKED = 2.4, 2.2  # width / height: side by side above the first, stacked again below
# the second (apart, so that a size between them keeps what it has)
MARGINS = 30  # px: the grid's spacing and borders beside the three plots' least widths
STRETCH = {False: (3, 2, 0), True: (3, 2, 2)}  # the columns' shares, stacked / side by side


class PlotPlaces:
    def __init__(self, scene, map_plot, race_plot, strip):
        self.scene, self.map, self.race, self.strip = scene, map_plot, race_plot, strip
        self.wide = False  # the plots side by side now (refit: the panel calls it on a resize)
        strip.on_collapse = lambda _on: self.refit()

    def refit(self) -> None:
        w, h = self.scene.width(), self.scene.height()
        if h <= 0:
            return
        ratio = w / h
        wide = (ratio >= STACKED if self.wide else ratio > WIDE) and not self.strip.collapsed
        wide = wide and self._least_side_by_side() <= w
        if wide != self.wide:
            self.place(wide)

    def _least_side_by_side(self) -> float:
        """The scene's least width with the three side by side (at lecturer type on a 1366-px
        wall that is about 940 px of 863: there they stay stacked)."""
        least = Qt.SizeHint.MinimumSize
        items = (self.map, self.race, self.strip.plot)
        return sum(i.effectiveSizeHint(least).width() for i in items) + MARGINS

    def place(self, wide: bool) -> None:
        """Take the plots out of the scene's grid and put them back side by side or stacked."""
        self.wide = wide
        ci, strip = self.scene.ci, self.strip
        for item in (self.map, self.race, strip.plot, strip.label):
            ci.removeItem(item)
        if wide:
            spots = ((self.map, 0, 0, 2), (self.race, 0, 1, 2), (strip.plot, 0, 2, 1),
                     (strip.label, 1, 2, 1))  # fmt: skip
        else:
            spots = ((self.map, 0, 0, 3), (self.race, 0, 1, 1), (strip.plot, 1, 1, 1),
                     (strip.label, 2, 1, 1))  # fmt: skip
        for item, row, col, rows in spots:
            ci.addItem(item, row=row, col=col, rowspan=rows)
        shares = STRETCH[wide]
        for col, share in enumerate(shares):
            ci.layout.setColumnStretchFactor(col, share)
        rows = (1, 0, 0) if wide else (1, 1, 0)  # the norms' label only as tall as its lines
        for row, share in enumerate(rows):
            ci.layout.setRowStretchFactor(row, share)
        strip.column_share = shares[-1 if wide else 1] / sum(shares)
        strip.refit()
