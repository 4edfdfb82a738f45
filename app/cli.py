"""The `backprop-studio` command: the GUI by default, and headless `trace`, `train`, `lr-find`,
`sweep`. Qt and torch are imported only by the subcommands that need them, so `trace` starts fast.
Bad input is one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_BAD_INPUT = 2


def fail(message: str) -> int:
    print(f"backprop-studio: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


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


def cmd_gui(args) -> int:
    from app.main import run_gui

    return run_gui(args.network)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="backprop-studio", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command")
    g = sub.add_parser("gui", help="open the explainer window (the default)")
    g.add_argument("network", nargs="?", help="a network file to open")
    g.set_defaults(func=cmd_gui)

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

    from app import cli_torch

    cli_torch.add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["gui", *(argv or sys.argv[1:])])
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
