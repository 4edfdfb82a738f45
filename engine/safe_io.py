"""Reading user files defensively: only regular files, never more than a stated number of bytes,
and JSON parsed with guards against inputs that make the parser itself fail (deep nesting,
integers of thousands of digits, NaN and Infinity, repeated keys). And the other way round: an
output path is checked (`check_output_path`) before any work whose result would go there.

Every refusal is an UnreadableFile (a ValueError) whose message is one plain sentence naming the
file, so a command line can print it and a window can show it as it is.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from engine.atomic import written_path

MAX_JSON_DEPTH = 64  # deepest nesting of [ ] and { } accepted (a network file needs 5)
MAX_INT_DIGITS = 18  # longest integer literal accepted in JSON (a seed fits; 10^18 is absurd)

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)  # JSON strings, to skip their brackets


MAX_NAME_BYTES = 255  # longest file name most file systems accept (NAME_MAX)


class UnreadableFile(ValueError):
    """A file that was not read or not understood; the message is one plain sentence."""


class UnwritablePath(ValueError):
    """An output path that cannot be written; the message is one plain sentence."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size_text(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB"


def read_bytes(path: str | Path, max_bytes: int, what: str) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; anything else is an UnreadableFile.

    `what` names the file for the message ("network file", "session", "CSV file").
    The file is opened non-blocking and checked with fstat before a byte is read, so a FIFO or a
    device never blocks and never streams endless data.
    """
    p = Path(path)
    name = f"{what} {p.name or p}"
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise UnreadableFile(f"no such file: {p}") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{name} is a folder, not a file") from None
    except OSError as e:
        raise UnreadableFile(f"cannot open {name}: {e.strerror or e}") from None
    except ValueError:  # a NUL character in the path
        raise UnreadableFile(f"{what} path {str(p)[:80]!r} is not a valid path") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnreadableFile(f"{name} is {_kind(st.st_mode)}, not a regular file")
        if st.st_size > max_bytes:
            raise UnreadableFile(
                f"{name} is {_size_text(st.st_size)}; the limit is {_size_text(max_bytes)}"
            )
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)  # the file may have grown since fstat
    except OSError as e:
        raise UnreadableFile(f"cannot read {name}: {e.strerror or e}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise UnreadableFile(f"{name} is larger than the limit of {_size_text(max_bytes)}")
    return data


def read_text(path: str | Path, max_bytes: int, what: str) -> str:
    """The text of a regular UTF-8 file (a leading byte-order mark is dropped)."""
    data = read_bytes(path, max_bytes, what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UnreadableFile(
            f"{what} {Path(path).name} is not UTF-8 text (byte {e.start} cannot be decoded)"
        ) from None


def json_depth(text: str | bytes) -> int:
    """The deepest nesting of brackets outside JSON strings, without recursion."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    raw = _STRING.sub(b'""', raw)
    arr = np.frombuffer(raw, dtype=np.uint8)
    step = np.zeros(arr.shape, dtype=np.int64)
    step[(arr == ord("[")) | (arr == ord("{"))] = 1
    step[(arr == ord("]")) | (arr == ord("}"))] = -1
    return int(np.cumsum(step).max(initial=0))


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise UnreadableFile(
            f"a whole number with {len(text.lstrip('-'))} digits (at most {MAX_INT_DIGITS} allowed)"
        )
    return int(text)


def _constant(name: str):
    raise UnreadableFile(f"{name} is not a number JSON allows (write a finite number)")


def _pairs(pairs: list[tuple[str, Any]]) -> dict:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise UnreadableFile(f"the key {k!r} appears twice in one object")
        out[k] = v
    return out


def parse_json(text: str, name: str) -> Any:
    """json.loads with the guards above; errors are UnreadableFile naming `name`."""
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise UnreadableFile(
            f"{name} is nested {depth} levels deep; at most {MAX_JSON_DEPTH} are allowed"
        )
    try:
        return json.loads(text, parse_int=_int, parse_constant=_constant, object_pairs_hook=_pairs)
    except UnreadableFile as e:
        raise UnreadableFile(f"{name}: {e}") from None
    except json.JSONDecodeError as e:
        what = e.msg.removesuffix(" at").removesuffix(" starting")  # the place comes first
        raise UnreadableFile(
            f"{name} is not valid JSON (line {e.lineno}, column {e.colno}: {what})"
        ) from None
    except (ValueError, RecursionError) as e:
        raise UnreadableFile(f"{name} is not valid JSON ({e})") from None


def read_json(path: str | Path, max_bytes: int, what: str) -> Any:
    """A JSON file, read with read_text's checks and parsed with parse_json's guards."""
    return parse_json(read_text(path, max_bytes, what), f"{what} {Path(path).name}")


def check_output_path(
    path: str | Path, what: str, held: Iterable[tuple[str | Path, str]] = ()
) -> Path:
    """`path` as a file that can be written (atomically) now: a name that is not a folder nor a
    device, in an existing folder this process can create files in, and none of the files in
    `held` ((path, what it is) pairs: the run store, the file being read, any file the app holds
    open). Raises UnwritablePath, creates nothing. Call it before the work whose result goes
    there, so no result is lost."""
    text = str(path)
    if not text.strip():
        raise UnwritablePath(f"{what}: the file name is empty")
    if "\0" in text:
        raise UnwritablePath(f"{what}: {text[:80]!r} is not a valid path")
    given = Path(text).expanduser()
    if len(os.fsencode(given.name)) > MAX_NAME_BYTES or not given.name:
        raise UnwritablePath(f"{what}: {text[:80]!r} is not a valid file name")
    try:
        p = written_path(given)  # a symbolic link is written through, to its target
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except (OSError, RuntimeError) as e:  # a symlink loop, a long name, a folder we may not enter
        raise UnwritablePath(
            f"{what}: cannot use {given} ({getattr(e, 'strerror', '') or e})"
        ) from None
    shown = given if p == given else f"{given} (a link to {p})"
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise UnwritablePath(f"{what}: {shown} is {_kind(st.st_mode)}; give a file name")
    for other, desc in held:
        if same_file(p, other):
            raise UnwritablePath(f"{what}: {shown} is {desc}; choose another file")
    folder = p.parent
    head = f"{what}:" if p == given else f"{what}: {given} links to {p}, and"
    if not folder.is_dir():
        raise UnwritablePath(f"{head} the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or not _can_create_in(folder):
        raise UnwritablePath(f"{head} the folder {folder} is not writable")
    return p


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (through links, "..", or another spelling)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one does not exist (yet): compare where they would be
        try:
            return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
        except (OSError, RuntimeError, ValueError):
            return False


def _can_create_in(folder: Path) -> bool:
    """Whether a file can be made in `folder`, tried for real (root passes os.access even on
    /proc): an unnamed temp file where the system has them, which leaves nothing behind; else
    a hidden one, removed at once."""
    from engine.atomic import open_unnamed

    try:
        fd = open_unnamed(folder)
        if fd is None:
            fd, name = tempfile.mkstemp(dir=folder, prefix=".write-test.", suffix=".part")
            os.unlink(name)
        os.close(fd)
    except OSError:
        return False
    return True
