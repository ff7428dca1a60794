"""Writing outputs safely (README): never over an input, never half a file.

* :func:`check_outputs` refuses, before anything is computed or written, an output path that
  names an input of the same command (the demand workbook, a scenario, the store — also through
  a symbolic link, a hard link or another spelling of the path) or another output.
* :func:`write_atomically` writes to a temporary file in the output's own folder and renames it
  over the target in one step, so a failed or interrupted write leaves the old file (or none).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from allocator.i18n import Text, text


class OutputError(ValueError):
    """An output would destroy an input or another output (the command line exits 2)."""

    def __init__(self, message: Text):
        self.message = message
        super().__init__(message.en)


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists() and os.path.samefile(a, b):
            return True
    except OSError:
        pass
    try:
        return a.expanduser().resolve() == b.expanduser().resolve()
    except (OSError, RuntimeError):
        return os.path.abspath(a) == os.path.abspath(b)


def _store_files(store: Path) -> list[Path]:
    """The store file and its SQLite companions (write-ahead log, shared memory, journal)."""
    return [store, *(Path(f"{store}{suffix}") for suffix in ("-wal", "-shm", "-journal"))]


def check_outputs(outputs: Iterable[tuple[str, Path | None]],
                  inputs: Iterable[tuple[str, Path | None]],
                  stores: Iterable[Path | None] = ()) -> None:
    """Refuse (:class:`OutputError`) an output that is an input, the store or another output.

    ``outputs`` and ``inputs`` are (option, path) pairs such as ``("--out", Path("x.xlsx"))``;
    ``None`` paths are skipped. Nothing is written either way.
    """
    given = [(option, Path(path)) for option, path in outputs if path is not None]
    protected = [(option, Path(path)) for option, path in inputs if path is not None]
    for store in stores:
        if store is not None:
            protected += [("--db", path) for path in _store_files(Path(store))]
    for position, (option, path) in enumerate(given):
        for name, source in protected:
            if _same(path, source):
                raise OutputError(text("outputs.is_input", option=option, path=str(path),
                                       input=name))
        for other, earlier in given[:position]:
            if _same(path, earlier):
                raise OutputError(text("outputs.twice", option=option, other=other,
                                       path=str(path)))
        if path.is_dir():
            raise OutputError(text("outputs.is_dir", option=option, path=str(path)))


def write_atomically(path: str | Path, write: Callable[[Path], None],
                     publish: Callable[[Callable[[], None]], None] | None = None) -> None:
    """Call ``write(temporary)`` on a new file beside ``path``, then rename it to ``path``.

    The temporary file is removed when ``write`` fails; the target is then untouched.
    ``publish(rename)``, when given, must call ``rename()`` itself: the export uses it to
    rename the file inside the transaction that logs the export, so both happen or neither.
    """
    target = Path(path)
    if _special(target):
        # A device or a pipe (/dev/stdout, /dev/full, a FIFO): there is no file to replace, and
        # renaming over it would replace the device node itself. Write through it instead.
        write(target)
        if publish is not None:
            publish(lambda: None)
        return
    folder = target.parent if str(target.parent) else Path(".")
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + target.suffix,
                                    dir=folder)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        if publish is None:
            os.replace(temporary, target)
        else:
            publish(lambda: os.replace(temporary, target))
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _special(path: Path) -> bool:
    """``path`` exists and is neither a regular file nor a folder (a device, a pipe, a socket)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def write_bytes_atomically(path: str | Path, data: bytes) -> None:
    write_atomically(path, lambda temporary: temporary.write_bytes(data))


def write_text_atomically(path: str | Path, data: str) -> None:
    write_atomically(path, lambda temporary: temporary.write_text(data, encoding="utf-8"))
