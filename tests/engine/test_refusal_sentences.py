"""Refusals read as sentences: a JSON error names its place and what is wrong, and a key where
none is allowed says so."""

from __future__ import annotations

import pytest


def test_json_refusals_read_as_sentences(tmp_path):
    """ "(line 1, column 7: Unterminated string starting at)" and "allowed here: " with nothing
    after it (a session's opt_state of sgd) read as broken sentences."""
    from engine.numpy_engine import fields as F
    from engine.numpy_engine.network import NetworkFileError
    from engine.safe_io import UnreadableFile, read_json

    p = tmp_path / "t.json"
    p.write_text('{"a": "abc')
    with pytest.raises(UnreadableFile) as e:
        read_json(p, 1000, "the file")
    assert str(e.value).endswith("column 7: Unterminated string)")
    with pytest.raises(NetworkFileError) as e:
        F.keys({"m": 1}, "opt_state", ())
    assert "no key is allowed here" in str(e.value) and "allowed here: " not in str(e.value)
