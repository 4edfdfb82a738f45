"""`quiz`: questions on a network's events in the terminal; `lesson check`: a lesson file checked.

quiz reads one answer per line from standard input; the end of the input stops it early. A bad
answer (not a number) is asked again once, then counted wrong. The last line is the score.
"""

from __future__ import annotations

import sys
from argparse import Namespace

from app.cli.common import fail
from app.cli.trace_commands import EXIT_DIVERGED, _check_work, _load, _one_line_errors

MAX_QUIZ_STEPS = 1000  # steps a quiz may run: each step's arrays are kept for its questions


def _traces(net, steps: int):
    """The traces of the first `steps` steps, or a Diverged record."""
    from engine.numpy_engine.guard import check_step

    state, out = net.initial_state(), []
    for _ in range(steps):
        r = net.step(state)
        diverged = check_step(r)
        if diverged is not None:
            return diverged
        out.append(r.events)
        state = r.after
    return out


def _ask(line: str) -> str | None:
    """One answer line from stdin (None at the end of the input), after the question."""
    print(line, flush=True)
    got = sys.stdin.readline()
    return None if got == "" else got


def run_quiz(traces, picks) -> int:
    from engine.lessons.grade import hint, is_right, parse_answer, question_text, reveal

    right = asked = 0
    for k, p in enumerate(picks, 1):
        ev = traces[p.step][p.index]
        question = f"Q{k} [event {p.number}, {ev.phase}] {question_text(ev)} = ?"
        got = _ask(question)
        if got is not None and parse_answer(got) is None:
            print("a number, please (e.g. 0.25 or −1.5e-3)")
            got = _ask(question)
        if got is None:
            break
        asked += 1
        answer = parse_answer(got)
        if answer is not None and is_right(answer, ev.value):
            right += 1
            print(f"right: {reveal(ev)}", flush=True)
        elif answer is None:
            print(f"not quite (not a number): {reveal(ev)}", flush=True)
        else:
            print(f"not quite: {reveal(ev)}. {hint(traces[p.step], p.index, answer)}", flush=True)
    print(f"score: {right} of {asked}", flush=True)
    return 0


def cmd_quiz(args) -> int:
    from engine.lessons.quiz import MAX_COUNT, pick_questions

    if not 1 <= args.steps <= MAX_QUIZ_STEPS:
        return fail(f"--steps must be between 1 and {MAX_QUIZ_STEPS:,}, got {args.steps:,}")
    if not 1 <= args.count <= MAX_COUNT:
        return fail(f"--count must be between 1 and {MAX_COUNT}, got {args.count:,}")
    if args.seed is not None and not 0 <= args.seed < 2**63:
        return fail(f"--seed must be a whole number from 0 to 2^63 − 1, got {args.seed}")
    net, code = _load(args.network)
    if net is None:
        return code
    problem = _check_work(net, Namespace(steps=args.steps, events="none", latex=None, sample=None))
    if problem:
        return fail(problem)
    traces = _traces(net, args.steps)
    if not isinstance(traces, list):
        print(f"backprop-studio: {traces.message}", file=sys.stderr)
        return EXIT_DIVERGED
    picks = pick_questions(traces, args.count, args.seed)
    if not picks:
        return fail(f"{args.network}: its events have no number to ask")
    return run_quiz(traces, picks)


def cmd_lesson_check(args) -> int:
    from engine.lessons.check import check_file

    problems = check_file(args.file)
    if problems:
        for p in problems:
            print(f"{args.file}: {p}", file=sys.stderr)
        return 2
    print(f"{args.file}: all right")
    return 0


def cmd_lesson_run(args) -> int:
    """Open the explainer on a lesson (its format checked first: a bad file is one line)."""
    from engine.lessons.lesson import LessonError, load_lesson

    try:
        load_lesson(args.file)
    except LessonError as e:
        return fail(str(e))
    from app.cli.gui_commands import no_window

    if why := no_window():
        return fail(why)
    from app.main import run_gui

    return run_gui(lesson=args.file)


def add_commands(sub) -> None:
    q = sub.add_parser("quiz", help="predict each number of a network's training steps")
    q.add_argument("network", help='network file (JSON; the README\'s "The network file")')
    q.add_argument("--steps", type=int, default=1, help="training steps to ask about (default 1)")
    q.add_argument("--count", type=int, default=10, help="questions to ask (default 10)")
    q.add_argument("--seed", type=int, default=None, help="the same seed asks the same questions")
    q.set_defaults(func=cmd_quiz)
    _one_line_errors(q)
    les = sub.add_parser("lesson", help="lesson files")
    lsub = les.add_subparsers(dest="lesson_command", required=True)
    c = lsub.add_parser("check", help="validate a lesson file and name every problem")
    c.add_argument("file", help="lesson file (JSON, see the README)")
    c.set_defaults(func=cmd_lesson_check)
    _one_line_errors(c)
    r = lsub.add_parser("run", help="open the explainer on a lesson")
    r.add_argument("file", help="lesson file (JSON, see the README)")
    r.set_defaults(func=cmd_lesson_run)
    _one_line_errors(r)
    _one_line_errors(les)


__all__ = ["add_commands", "cmd_lesson_check", "cmd_lesson_run", "cmd_quiz", "run_quiz"]
