"""`trace`: every number of N training steps of a network file, as text or JSON."""

from __future__ import annotations

import json
import sys

from app.cli.common import fail


def cmd_trace(args) -> int:
    from engine.numpy_engine import CsvError, Network, NetworkFileError, params_as_layers

    try:
        net = Network.from_file(args.network)
    except (NetworkFileError, CsvError) as e:
        return fail(str(e))
    if net.data is None:
        return fail(f"{args.network}: the file has no 'data' to train on")
    if args.steps < 1:
        return fail("--steps must be at least 1")
    state = net.initial_state()
    events, losses = [], []
    for k in range(args.steps):
        want = args.events == "all" or (args.events == "first" and k == 0)
        r = net.step(state, trace=want)
        losses.append(r.loss)
        events.extend(r.events)
        state = r.after
    losses.append(net.loss(state))  # after the last step: the whole data, no dropout
    if args.json:
        out = {
            "events": [e.to_dict() for e in events],
            "losses": losses,
            "parameters": params_as_layers(state.params),
            "steps": args.steps,
            "mode": net.mode(),
        }
        json.dump(out, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    current = None
    for e in events:
        if (e.step, e.phase) != current:
            current = (e.step, e.phase)
            print(f"\n== step {e.step} · {e.phase} ==")
        where = f"  [sample {e.sample}]" if e.sample is not None else ""
        print(f"{e.formula}{where}\n    = {e.substituted}" + (f"   ({e.note})" if e.note else ""))
    print("\nloss before each step and after the last:", ", ".join(f"{v:.6g}" for v in losses))
    return 0


def add_commands(sub) -> None:
    t = sub.add_parser("trace", help="print every number of N training steps of a network file")
    t.add_argument("network", help="network file (JSON, see DESIGN.md)")
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
    t.set_defaults(func=cmd_trace)
