"""The trainer's insides talk to the window only through InsidesHost: public members, no
attribute set on the window, no private method called."""

import ast
import inspect
from pathlib import Path

from app.trainer.insides import wiring
from app.trainer.insides.wiring import InsidesHost, InsidesLink
from tests.app.test_trainer_window import make_trainer  # noqa: F401 (a fixture)

WIRING = Path(wiring.__file__)


def _host_members() -> set[str]:
    members = set(InsidesHost.__annotations__)
    members |= {n for n, v in vars(InsidesHost).items() if inspect.isfunction(v)}
    return members


def test_the_wiring_uses_only_the_hosts_public_members():
    tree = ast.parse(WIRING.read_text(encoding="utf-8"))
    used, stored = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner = node.value
            if (
                isinstance(inner.value, ast.Name)
                and inner.value.id == "self"
                and inner.attr == "host"
            ):
                used.add(node.attr)
                if isinstance(node.ctx, ast.Store):
                    stored.append(node.attr)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in ("h", "host") and isinstance(node.ctx, ast.Store):
                stored.append(node.attr)
            if node.value.id == "h":
                used.add(node.attr)
    assert used, "the scan found no use of the host"
    assert not stored, stored  # nothing set on the window
    assert not [u for u in used if u.startswith("_")]
    assert used <= _host_members(), used - _host_members()


def test_the_trainer_window_is_an_insides_host(make_trainer):  # noqa: F811
    w = make_trainer()
    assert isinstance(w.insides_link, InsidesLink) and w.insides_link.host is w
    for name in _host_members():
        assert hasattr(w, name), name
    assert w.job_runs("transfer") is None  # no job in hand
    assert not hasattr(w, "insides_run") and not hasattr(w, "live_run_id")
