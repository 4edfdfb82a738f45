"""The layer modules by kind: each holds forward, backward, event writers and event counts."""

from __future__ import annotations

from types import ModuleType


def module(kind: str) -> ModuleType:
    from . import conv, dense, flatten, pool

    return {"dense": dense, "conv": conv, "maxpool": pool, "avgpool": pool, "flatten": flatten}[
        kind
    ]
