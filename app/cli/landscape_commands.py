"""`landscape`: the loss over a plane through parameter space and the optimizers' race across it.

`--json` prints one object: `plane` {origin, d1, d2} in `trace --json`'s `parameters` layout,
`alpha`, `beta`, `loss` (len(beta) rows of len(alpha); loss[r][c] at origin + alpha[c]·d1 +
beta[r]·d2; null where not finite), `paths` (one per optimizer: `optimizer`, `lr`, `diverged`,
`alpha`, `beta`, `loss`, `loss_on_plane`; Nesterov's also `lookahead_alpha`, `lookahead_beta`).
Without --json a short text: the plane, the grid's range and the race table. `-o` writes a PNG or
SVG plot. Bad input (the file, a flag, a name, a size over a limit): one line on stderr, exit 2.
"""

from __future__ import annotations

import json
import math
import sys

from app.cli.common import fail
from app.cli.trace_commands import _load, _one_line_errors


def _finite(values) -> list:
    return [v if math.isfinite(v) else None for v in (float(x) for x in values)]


def _path_json(path, coords, on_plane, plane) -> dict:
    a, b = coords
    out = {
        "optimizer": path.racer.name,
        "lr": path.racer.lr,
        "diverged": path.diverged,
        "alpha": _finite(a),
        "beta": _finite(b),
        "loss": _finite(path.losses),
        "loss_on_plane": _finite(on_plane),
    }
    if path.lookahead is not None:
        la, lb = plane.project(path.lookahead)
        out["lookahead_alpha"], out["lookahead_beta"] = _finite(la), _finite(lb)
    return out


def to_json(ls, like) -> dict:
    return {
        "plane": ls.plane.as_layers(like),
        "alpha": _finite(ls.alpha),
        "beta": _finite(ls.beta),
        "loss": [_finite(row) for row in ls.loss],
        "paths": [
            _path_json(p, c, o, ls.plane)
            for p, c, o in zip(ls.paths, ls.coords, ls.loss_on_plane, strict=True)
        ],
    }


def _print_text(ls) -> None:
    from engine.numpy_engine.landscape_race import race_table

    a, b = ls.plane.axes
    print(f"plane: {ls.plane.kind} ({a}, {b}) through the start")
    print(f"grid: {len(ls.alpha)}×{len(ls.beta)}, {a} and {b} from {ls.alpha[0]:.4g} to "
          f"{ls.alpha[-1]:.4g}; loss from {ls.loss.min():.4g} to {ls.loss.max():.4g}")  # fmt: skip
    target = 0.5 * float(ls.paths[0].losses[0])
    print(f"race (target: half the start loss, {target:.4g}):")
    for row in race_table(ls.paths, target):
        hit = row["steps_to_target"]
        print(f"  {row['optimizer']:<9} η={row['lr']:<8g} steps to target: "
              f"{'never' if hit is None else hit:<6} final loss {row['final_loss']:.4g}"
              f"{'  DIVERGED' if row['diverged'] else ''}")  # fmt: skip


def cmd_landscape(args) -> int:
    from engine.numpy_engine.landscape import LandscapeError
    from engine.numpy_engine.landscape_race import landscape, parse_racers

    if args.output is not None:
        from engine.safe_io import UnwritablePath, check_output_path

        if not args.output.lower().endswith((".png", ".svg")):
            return fail(f"-o: the file name must end in .png or .svg, not {args.output!r}")
        try:
            held = [(args.network, "the network file it reads")]
            args.output = str(check_output_path(args.output, "-o", held))
        except UnwritablePath as e:
            return fail(str(e))
    if not 0 <= args.seed < 2**32:  # numpy's generator said "expected non-negative integer"
        return fail(f"--seed: a whole number from 0 to 4,294,967,295, not {args.seed}")
    net, code = _load(args.network)
    if net is None:
        return code
    try:
        names = args.optimizers if args.optimizers is not None else net.spec.optimizer.name
        rs = parse_racers(names, args.lrs, net)
        ls = landscape(net, rs, args.steps, args.plane, args.grid, args.span, args.seed)
    except (LandscapeError, ValueError) as e:
        return fail(str(e))
    except MemoryError:
        return fail("not enough memory for this landscape; use a smaller --grid or fewer steps")
    if args.output is not None:
        from app.cli.landscape_plot import write_plot

        try:
            write_plot(ls, args.output)
        except OSError as e:
            return fail(f"-o: could not write {args.output} ({e.strerror or e})")
    if args.json:
        json.dump(to_json(ls, net.initial_state().params), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    elif args.output is None:
        _print_text(ls)
    else:
        print(f"wrote {args.output}")
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser(
        "landscape",
        help="the loss over a plane through parameter space, and several optimizers' paths on it",
    )
    p.add_argument("network", help='network file (JSON; the README\'s "The network file")')
    p.add_argument("--optimizers", metavar="A,B,…",
                   help="optimizers to race, e.g. sgd,momentum,adam (default: the file's)")  # fmt: skip
    p.add_argument("--lrs", metavar="η,η,…", help="one learning rate per optimizer "
                   "(default: the file's for its own optimizer, else each one's usual)")  # fmt: skip
    p.add_argument("--steps", type=int, default=50, help="training steps per optimizer (50)")
    p.add_argument("--plane", default="path", help="path (PCA of the visited parameters, the "
                   "default), random (seeded, filter-normalised) or weights:L.J.I,L.J.I")  # fmt: skip
    p.add_argument("--grid", type=int, default=41, help="grid points a side (41)")
    p.add_argument("--span", type=float, default=None,
                   help="the grid covers -S..S on both axes (default: 1.25 × the paths' reach)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="seed of a random plane's directions (0)")
    p.add_argument("--json", action="store_true", help="one JSON object (see the README)")
    p.add_argument("-o", dest="output", metavar="FILE.png|FILE.svg", help="write the plot")
    p.set_defaults(func=cmd_landscape)
    _one_line_errors(p)


__all__ = ["add_commands", "cmd_landscape", "to_json"]
