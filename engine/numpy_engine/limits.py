"""Every size limit of the small-network engine, in one place, each with its reason.

The engine refuses anything beyond these with a plain sentence naming the limit, before it
allocates or computes anything large. `LIMITS` lists them for the README and the CLI's help.
"""

from __future__ import annotations

from engine.safe_io import MAX_INT_DIGITS, MAX_JSON_DEPTH

# ---- networks ----
MAX_UNITS = 2048  # units in one layer: MNIST's 784 inputs fit; a drawing shows 16 per layer anyway
MAX_LAYERS = 32  # layers including the input: deeper nets teach nothing more here
MAX_PARAMETERS = 2_000_000  # weights + biases: a step stays well under a second on a laptop CPU
MAX_CLASSES = 10  # classes read from a CSV target column holding 0, 1, …, K−1

# ---- data ----
MAX_ROWS = 100_000  # samples in a dataset (CSV, inline data, a built-in's n): MNIST's 60k fit
MAX_COLUMNS = MAX_UNITS  # columns of a dataset (inputs + targets): one per input unit at most
MAX_CELLS = 50_000_000  # rows × columns: MNIST's 60,000 × 794 fits (400 MB as float64)
MAX_CELL_CHARS = 100  # characters in one CSV cell: a number needs fewer than 30

# ---- files (bytes) ----
MAX_NETWORK_FILE_BYTES = 32 * 2**20  # a 784-256-128-10 MLP with every weight written is ~5 MB
MAX_SESSION_FILE_BYTES = 128 * 2**20  # network, Adam state (3× the weights), data, loss history
MAX_CSV_FILE_BYTES = 64 * 2**20  # about 100k rows of 30 numbers
MAX_TEXT_CHARS = 10_000  # a name or description in a network file

# ---- work ----
MAX_STEPS = 100_000  # training steps in one `trace` run
MAX_TRACE_WORK = 2 * 10**11  # steps × batch rows × parameters in one `trace` run (minutes of CPU)
MAX_PRINTED_EVENTS = 200_000  # events one `trace` run prints (use --events none beyond that)
MAX_LOSS_POINTS = 1_000_000  # points of loss history kept in a session
MAX_T = 10**9  # a training step number in a session
MAX_GRADCHECK_PARAMS = 5_000  # parameters the gradient check compares; a seeded sample beyond
MAX_HISTORY_BYTES = 512 * 2**20  # memory for the window's recorded steps (fewer steps for big nets)

LIMITS: tuple[tuple[str, int, str], ...] = (
    ("units per layer", MAX_UNITS, "network file, editor"),
    ("layers (with the input)", MAX_LAYERS, "network file, editor"),
    ("parameters (weights + biases)", MAX_PARAMETERS, "network file, editor"),
    ("classes from a CSV target column", MAX_CLASSES, "CSV"),
    ("rows of data", MAX_ROWS, "CSV, inline data, built-in datasets, sessions"),
    ("columns of data", MAX_COLUMNS, "CSV, inline data, sessions"),
    ("cells of data (rows × columns)", MAX_CELLS, "CSV, inline data, sessions"),
    ("characters in a CSV cell", MAX_CELL_CHARS, "CSV"),
    ("network file size (bytes)", MAX_NETWORK_FILE_BYTES, "network file"),
    ("session file size (bytes)", MAX_SESSION_FILE_BYTES, "session"),
    ("CSV file size (bytes)", MAX_CSV_FILE_BYTES, "CSV"),
    ("JSON nesting depth", MAX_JSON_DEPTH, "network file, session"),
    ("digits of a JSON integer", MAX_INT_DIGITS, "network file, session"),
    ("characters of a name or description", MAX_TEXT_CHARS, "network file"),
    ("training steps per trace run", MAX_STEPS, "trace"),
    ("steps × batch × parameters per trace run", MAX_TRACE_WORK, "trace"),
    ("events printed per trace run", MAX_PRINTED_EVENTS, "trace"),
    ("loss-history points in a session", MAX_LOSS_POINTS, "session"),
    ("parameters compared by the gradient check", MAX_GRADCHECK_PARAMS, "window (G)"),
    ("memory for recorded steps (bytes)", MAX_HISTORY_BYTES, "window"),
)


def describe_limits() -> str:
    """The limits as a plain-text table, one per line (for the README and `--help`)."""
    width = max(len(name) for name, _, _ in LIMITS)
    return "\n".join(f"{name:<{width}}  {value:>15,}  ({where})" for name, value, where in LIMITS)


class LimitError(ValueError):
    """Something larger than a stated limit; the message names the limit."""


# ---- image layers (conv, pooling) ----
MAX_CHANNELS = 64  # channels of an input image, filters of a conv layer
MAX_IMAGE_SIDE = 128  # rows or columns of an input image (MNIST's 28 fit)
MAX_KERNEL = 15  # rows or columns of a filter or a pooling window
MAX_STRIDE = 16  # cells a filter or window moves per step
MAX_PADDING = 16  # zeros added on each side of a conv layer's input
MAX_MAP_UNITS = 65_536  # cells of one layer's maps (C × H × W): 8 maps of 28×28 fit
MAX_SYMBOL_CHARS = 8  # a name given to an input cell or a filter weight (a, α, x11 …)

LIMITS += (
    ("channels or filters of an image layer", MAX_CHANNELS, "network file"),
    ("rows or columns of an input image", MAX_IMAGE_SIDE, "network file"),
    ("rows or columns of a filter or pooling window", MAX_KERNEL, "network file"),
    ("stride of a filter or pooling window", MAX_STRIDE, "network file"),
    ("padding of a conv layer", MAX_PADDING, "network file"),
    ("cells of one layer's maps", MAX_MAP_UNITS, "network file"),
)
