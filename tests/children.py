"""The processes a test may leave: none but the formulas' typesetter (a long-lived helper)."""

import multiprocessing


def job_children() -> list:
    """Child processes that are not the typesetter: a job's, left running by mistake."""
    from app.shared.typeset import typesetter_pids

    helpers = typesetter_pids()
    return [p for p in multiprocessing.active_children() if p.pid not in helpers]
