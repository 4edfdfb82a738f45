"""`trace`: every number of N training steps of a network file, as text or JSON.

Bad input (the file, the flags, a size over a stated limit) is one line on stderr and exit code 2.
A run that diverges (a loss or parameter that is not finite) stops at that step: one line on
stderr naming it, nothing on stdout, exit code 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.cli.common import EXIT_BAD_INPUT, fail

EXIT_DIVERGED = 1


def _load(path: str):
    """(network, None) or (None, exit code) with the reason already on stderr."""
    from engine.numpy_engine import Network

    try:
        net = Network.from_file(path)
    except ValueError as e:  # NetworkFileError, CsvError, UnreadableFile, LimitError
        return None, fail(str(e))
    except MemoryError:
        return None, fail(f"{path}: not enough memory to build this network")
    if net.data is None:
        return None, fail(f"{path}: the file has no 'data' to train on")
    return net, None


def _check_work(net, args) -> str | None:
    from engine.numpy_engine.event_groups import check_sample
    from engine.numpy_engine.limits import MAX_PRINTED_EVENTS, MAX_STEPS, MAX_TRACE_WORK

    if not 1 <= args.steps <= MAX_STEPS:
        return f"--steps must be between 1 and {MAX_STEPS:,}, got {args.steps:,}"
    try:
        check_sample(args.sample, net.batch_size())
    except ValueError as e:
        return f"--sample: {e}"
    params = sum(d.n_params for d in net.model.layers)
    # a filter weight is used at every position of its map: count its multiply-adds
    macs = sum(d.n_params * (d.units // d.out_shape[0] if d.type.has_filters else 1)
               for d in net.model.layers)  # fmt: skip
    work = args.steps * net.batch_size() * max(params, macs)
    if work > MAX_TRACE_WORK:
        return (
            f"{args.steps:,} steps × {net.batch_size():,} rows × {params:,} parameters is over the "
            f"limit of {MAX_TRACE_WORK:,} for one run; use fewer steps or a smaller batch"
        )
    printed = {"none": 0, "first": 1, "all": args.steps}[args.events]
    if args.latex is not None:  # the handout holds every step's events; nothing is printed
        from engine.numpy_engine.handout import check_handout_size

        way_out = "fewer steps, a smaller batch or a smaller network"
        if args.sample is None:
            way_out = f"use --sample K for one sample's numbers and the batch's sums, or {way_out}"
        try:
            check_handout_size(_written(net, args, args.steps), way_out)
        except ValueError as e:
            return str(e)
        printed = printed if args.json else 0  # --json: the same object as without --latex
    if printed:
        n = _written(net, args, printed)
        if n > MAX_PRINTED_EVENTS:
            return (
                f"this would print {n:,} events (limit {MAX_PRINTED_EVENTS:,}); "
                "use --events none or fewer steps"
            )
    return None


def _written(net, args, steps: int) -> int:
    """The events the first `steps` steps write: all of them, or with --sample one sample's and
    the batch's (as the window's Sample box keeps them)."""
    from engine.numpy_engine.event_groups import sample_event_count

    first = net.step(net.initial_state())
    if args.sample is None:
        return len(first.events) * steps
    return sample_event_count(net, args.sample, steps, first.events.layout.masked)


def _run(net, args):
    """(events, losses, final state) or a Diverged record."""
    from engine.numpy_engine.event_groups import sample_events
    from engine.numpy_engine.guard import Diverged, check_step

    state = net.initial_state()
    events, losses = [], []
    for k in range(args.steps):
        want = args.latex is not None or args.events == "all" or (args.events == "first" and k == 0)
        r = net.step(state, trace=want)
        diverged = check_step(r)
        if diverged is not None:
            return diverged
        losses.append(r.loss)
        if want:
            events.extend(r.events if args.sample is None else sample_events(r.events, args.sample))
        state = r.after
    final = net.loss(state)  # after the last step: the whole data, no dropout
    if final != final or abs(final) == float("inf"):
        return Diverged(
            state, args.steps, final, "the loss on the whole data after it is not finite"
        )
    losses.append(final)
    return events, losses, state


def _printed(args, events) -> list:
    """The events --events prints: with --latex every step's were kept for the handout."""
    if args.latex is None:
        return events
    keep = {"none": 0, "first": 1, "all": args.steps}[args.events]
    steps = list(dict.fromkeys(e.step for e in events))[:keep]
    return [e for e in events if e.step in steps]


def _print(net, args, events, losses, state) -> None:
    from engine.numpy_engine import params_as_layers

    if args.json:
        out = {
            "events": [e.to_dict() for e in _printed(args, events)],
            "losses": losses,
            "parameters": params_as_layers(state.params, state.stats),
            "steps": args.steps,
            "mode": net.mode(),
        }
        json.dump(out, sys.stdout, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
        return
    current = None
    for e in events:
        if (e.step, e.phase) != current:
            current = (e.step, e.phase)
            print(f"\n== step {e.step} · {e.phase} ==")
        where = f"  [sample {e.sample}]" if e.sample is not None else ""
        print(f"{e.formula}{where}\n    = {e.substituted}" + (f"   ({e.note})" if e.note else ""))
    print("\nloss before each step and after the last:", ", ".join(f"{v:.6g}" for v in losses))


def _write_handout(net, args, events) -> None:
    from itertools import groupby

    from engine.atomic import atomic_write_bytes
    from engine.numpy_engine.handout import handout

    steps = [(t, list(evs)) for t, evs in groupby(events, key=lambda e: e.step)]
    title = f"{net.spec.name or 'Network'}: {args.steps} training step{'s' * (args.steps > 1)}"
    which = "" if args.sample is None else f", sample #{args.sample} and the batch's sums"
    atomic_write_bytes(args.latex, handout(steps, title + which).encode("ascii"))
    if not args.json:  # --json: stdout is the one JSON object
        print(f"wrote {args.latex}: {len(events):,} events of {args.steps} step(s){which}")


def cmd_trace(args) -> int:
    try:
        if args.latex is not None:
            from engine.safe_io import UnwritablePath, check_output_path

            try:
                out = check_output_path(args.latex, "--latex")
            except UnwritablePath as e:
                return fail(str(e))
            if out.exists() and out.resolve() == Path(args.network).expanduser().resolve():
                return fail("--latex: that is the network file itself; give another file name")
            args.latex = str(out)  # "~" expanded, as checked
        net, code = _load(args.network)
        if net is None:
            return code
        problem = _check_work(net, args)
        if problem:
            return fail(problem)
        result = _run(net, args)
        if not isinstance(result, tuple):
            print(f"backprop-studio: {result.message}", file=sys.stderr)
            return EXIT_DIVERGED
        if args.latex is not None:
            try:
                _write_handout(net, args, result[0])
            except OSError as e:
                return fail(f"--latex: could not write {args.latex} ({e.strerror or e})")
        if args.latex is None or args.json:
            _print(net, args, *result)
        return 0
    except MemoryError:  # a bug or anything else: main()'s one line and the log file
        return fail("not enough memory for this run; use fewer steps or a smaller network")


def _place(text: str) -> int:
    """--sample's value: a whole number (its range is checked against the batch later)."""
    try:
        return int(text.strip(), 10)
    except ValueError:
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise argparse.ArgumentTypeError(
            f"a place in the batch is a whole number (0 first), not {shown!r}"
        ) from None


def _one_line_errors(parser) -> None:
    """This subcommand's usage errors (bad values, unknown flags) as one line and exit code 2,
    like every other bad input, instead of argparse's usage block."""
    plain = parser.parse_known_args

    def error(message: str):
        sys.exit(fail(message))

    def parse_known_args(args=None, namespace=None):
        ns, extra = plain(args, namespace)
        if extra:
            error(f"unrecognized arguments: {' '.join(extra)}")
        return ns, []

    parser.error = error
    parser.parse_known_args = parse_known_args


def add_commands(sub) -> None:
    t = sub.add_parser("trace", help="print every number of N training steps of a network file")
    t.add_argument("network", help='network file (JSON; the README\'s "The network file")')
    t.add_argument("--steps", type=int, default=1, help="training steps to run (default 1)")
    t.add_argument(
        "--events",
        choices=("first", "all", "none"),
        default="first",
        help="which steps' events to print: the first (default), all, or none",
    )
    t.add_argument(
        "--json", action="store_true", help="one JSON object: events, losses, parameters"
    )
    t.add_argument(
        "--latex",
        metavar="FILE.tex",
        help="write the worked equations of every step run (the first, or all --steps) as one "
        "LaTeX document instead of printing them (with --json the object is printed too)",
    )
    t.add_argument(
        "--sample",
        metavar="K",
        type=_place,
        help="only sample K of each batch (0 first): its forward pass, its loss term and its "
        "backward pass, then the batch's sums and updates, as the window's Sample box",
    )
    t.set_defaults(func=cmd_trace)
    _one_line_errors(t)


__all__ = ["EXIT_BAD_INPUT", "EXIT_DIVERGED", "add_commands", "cmd_trace"]
