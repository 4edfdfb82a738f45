"""`export-network`: a trained checkpoint and chosen MNIST test digits as a network file, which the
explainer opens like any preset (see engine.torch_engine.export)."""

from __future__ import annotations

import contextlib
import sys

from app.cli.common import fail


def _indices(args) -> list[int] | str:
    """The digits' test-set indices (--digit first, then --digits), or what is wrong with them."""
    texts = ([args.digit] if args.digit is not None else []) + (
        args.digits.split(",") if args.digits else []
    )
    if not texts:
        return "give --digit INDEX (or --digits I,J,…): the test digits to step through"
    out: list[int] = []
    for t in texts:
        try:
            i = int(t.strip())
        except ValueError:
            return f"--digit/--digits: {t.strip()[:40]!r} is not a whole number"
        if i not in out:
            out.append(i)
    if len(out) > 100:
        return f"--digits: {len(out)} digits; at most 100 fit in one network file"
    return out


def _held(args) -> list:
    """What -o must not be: the checkpoint it reads, a file of the MNIST it reads, the run
    store or a run's saved model (the default store, read only if it exists)."""
    from engine.torch_engine.mnist import data_files
    from engine.torch_engine.runstore import RunStore, RunStoreError

    held = [(args.checkpoint, "the checkpoint it reads")]
    held += [(f, "a file of the MNIST it reads") for f in data_files(args.data)]
    with contextlib.suppress(RunStoreError, OSError):  # no usable store: nothing of it to keep
        held += RunStore(make_folder=False).held_files()
    return held


def cmd_export_network(args) -> int:
    from engine.safe_io import check_output_path

    idx = _indices(args)
    if isinstance(idx, str):
        return fail(idx)
    if not 0 < args.lr <= 1e6:
        return fail(f"--lr: {args.lr} must be above 0 and at most 1e6")
    try:
        out = check_output_path(args.output, "-o", _held(args))
        from engine.torch_engine.checkpoint import load_checkpoint
        from engine.torch_engine.export import export_network, write_network_file
        from engine.torch_engine.mnist import default_data_dir, load_mnist

        ck = load_checkpoint(args.checkpoint)
        data = load_mnist(args.data if args.data is not None else default_data_dir())
        bad = [i for i in idx if not 0 <= i < len(data.test_x)]
        if bad:
            return fail(
                f"--digit: {bad[0]} is not a test digit; the test set has "
                f"{len(data.test_x):,} (0 to {len(data.test_x) - 1:,})"
            )
        net = export_network(ck, data.test_x[idx], data.test_y[idx], lr=args.lr, indices=idx,
                             batchnorm=args.batchnorm)  # fmt: skip
        write_network_file(out, net)
    except (ValueError, OSError) as e:  # CheckpointError, MnistError, ExportError, UnwritablePath
        return fail(str(e) or type(e).__name__)
    except MemoryError:
        return fail("not enough memory to export this model")
    labels = ", ".join(str(int(data.test_y[i])) for i in idx)
    print(f"wrote {out}: {ck.config.model.name}, test digits {idx} (labels {labels})",
          file=sys.stderr)  # fmt: skip
    return 0


def add_commands(sub) -> None:
    e = sub.add_parser(
        "export-network",
        help="a trained checkpoint and MNIST test digits as a network file for the explainer",
    )
    e.add_argument("checkpoint", help="a file written by 'train --save'")
    e.add_argument("--data", default=None, help="folder with MNIST (IDX or CSV form)")
    e.add_argument("--digit", default=None, help="the test digit's index (0 to 9999)")
    e.add_argument("--digits", default=None, help="more test digits, comma-separated: 3,17,42")
    e.add_argument("--lr", type=float, default=0.01, help="SGD's learning rate in the file")
    e.add_argument("--batchnorm", choices=("fold", "keep"), default="fold",
                   help="fold each batch norm into its conv (the default) or keep it as a "
                   "batchnorm layer stepped in evaluation mode")  # fmt: skip
    e.add_argument("-o", "--output", required=True, help="the network file to write")
    e.set_defaults(func=cmd_export_network)
