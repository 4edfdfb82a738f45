"""The explainer window's plots kept in step with the explainer: the loss curve and the model
plot (decision map or fitted curve) redrawn on the plot timer when marked out of date, and while
training one widget per tick in turn. A mixin of ExplainerWindow: it reads the window's
explainer, plots, formula, conv and network views and status bar."""

from __future__ import annotations

from engine.numpy_engine.fmt import num
from engine.numpy_engine.views import decision_grid, fit_curve, grid_resolution

from .conv_state import conv_training_state
from .explainer import one_blas_thread
from .live_formula import live_loss
from .scene_state import training_view_state


class PlotRedraws:
    def _mark_plots(self) -> None:
        self._plots_dirty = True

    def _redraw_plots(self) -> None:
        ex = self.explainer
        if ex.net is None:
            return
        if ex.training:
            self._redraw_live()
            return
        if not self._plots_dirty:
            return
        self._plots_dirty = False
        t, v = ex.loss_t, ex.loss_v
        if self._loss_hidden:  # a forward or loss question: its step's point waits for the answer
            keep = sum(1 for s in t if s < ex.current.t)  # the steps before it (t increases)
            t, v = t[:keep], v[:keep]
        self.plots.set_losses(t, v)
        self._redraw_model_plot()
        self._grid_for = ex.current

    def _redraw_model_plot(self) -> None:
        ex = self.explainer
        d = ex.net.data
        if self._loss_hidden and not ex.training and d.inputs.shape[1] in (1, 2):
            self.plots.hide_model()  # the map or the fit reads the asked output at the sample
            return
        with one_blas_thread():
            if d.inputs.shape[1] == 2:
                res = grid_resolution(ex.net)  # fewer points for a big net: a redraw stays cheap
                self.plots.set_grid(decision_grid(ex.net, ex.latest_state, res))
            elif d.inputs.shape[1] == 1:
                self.plots.set_fit(*fit_curve(ex.net, ex.latest_state))

    def _redraw_live(self) -> None:
        """While training: one widget per tick in turn (loss curve, model plot, drawing), so no
        single repaint blocks the window for long (bench/gui_latency.py)."""
        ex = self.explainer
        self._live_ticks += 1
        part = self._live_ticks % 3
        if part == 0:
            self.plots.set_losses(ex.loss_t, ex.loss_v)
            live = live_loss(ex) if self._live_ticks % 9 == 0 else None  # about once a second
            if live is not None:
                self.formula.show_event(*live)
            self.statusBar().showMessage(
                f"training… step {ex.loss_t[-1] if ex.loss_t else 0}, loss "
                f"{num(ex.loss_v[-1]) if ex.loss_v else '—'}, {ex.steps_per_s:.0f} steps/s"
            )
        elif part == 1:
            self._redraw_model_plot()
        elif self._images():
            self.conv_view.show_state(conv_training_state(ex))
        else:
            self.view.show_state(training_view_state(ex))
        self._grid_for = None
