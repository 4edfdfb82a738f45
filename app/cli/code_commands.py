"""`export-code`: a network file as one standalone script, NumPy (`--numpy`) or PyTorch
(`--torch`), that trains it from scratch and prints what `trace --json` prints.

Bad input (the file, the output path) is one line on stderr and exit code 2; nothing is written.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from app.cli.common import fail


def cmd_export_code(args) -> int:
    from engine.safe_io import UnwritablePath, check_output_path

    try:
        out = check_output_path(args.output, "-o")
    except UnwritablePath as e:
        return fail(str(e))
    network = Path(args.network).expanduser()
    if out.exists() and network.exists() and out.resolve() == network.resolve():
        return fail("-o: that is the network file itself; give another file name")
    from app.cli.trace_commands import _load

    net, code = _load(args.network)
    if net is None:
        return code
    from engine.atomic import atomic_write_bytes
    from engine.numpy_engine.codegen import ExportError, export_script

    flavour = "numpy" if args.numpy else "torch"
    try:
        text = export_script(net, flavour, network, out)
    except ExportError as e:
        return fail(f"{args.network}: {e}")
    try:
        atomic_write_bytes(out, text.encode("utf-8"))
    except OSError as e:
        return fail(f"-o: could not write {out} ({e.strerror or e})")
    lines = text.count("\n")
    run = shlex.quote(str(args.output))  # as typed: a path from this folder, not the bare name
    print(f"wrote {out}: a {lines}-line {flavour} script; run it with: python {run}",
          file=sys.stderr)  # fmt: skip
    return 0


def add_commands(sub) -> None:
    e = sub.add_parser(
        "export-code",
        help="a network file as a standalone NumPy or PyTorch script that reproduces its trace",
    )
    e.add_argument("network", help='network file (JSON; the README\'s "The network file")')
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--numpy", action="store_true", help="a script that imports only numpy")
    which.add_argument("--torch", action="store_true", help="an nn.Module and torch.optim")
    e.add_argument("-o", "--output", required=True, metavar="SCRIPT.py", help="the script to write")
    e.set_defaults(func=cmd_export_code)
