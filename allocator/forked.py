"""Run one function on the other core: in a forked child process, its result sent back pickled.

The command line reads the roster workbook (and screens it) while it reads the demand workbook.
Both reads are Python work for most of their time, so two threads would take turns on one
interpreter lock; a forked child runs truly beside the parent (bench/RESULTS.md, issue 14).

:func:`start` forks where it can — on Linux (macOS system libraries are not safe in a forked
child), and with no other thread running (a fork copies only the calling thread, so a lock held
by another would stay held in the child) — and elsewhere runs the function in a thread, as
before. The child is a copy of the parent at the fork: it needs no imports and no arguments sent
to it; only its answer travels (through a pipe, pickled).

Whatever goes wrong in the child — an exception, a crash, a killed process, an answer that does
not unpickle — the parent runs the function again itself when it asks for the result, so the
caller sees exactly what an ordinary call gives, exceptions included. The child never returns
into the caller's code: it leaves with ``os._exit``, running no ``atexit`` hook, flushing no
buffer it inherited, removing no temporary file of the parent's.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Fork when possible (tests switch it off to check the thread path gives the same answers).
FORK = True


def can_fork() -> bool:
    """Forking is available and safe here: Linux (macOS system libraries are not safe to use
    in a forked child), and this is the only thread."""
    return FORK and sys.platform.startswith("linux") and hasattr(os, "fork") \
        and threading.active_count() == 1


class Pending(Generic[T]):
    """A call under way; :meth:`result` waits for it (and :meth:`cancel` abandons it)."""

    def __init__(self, function: Callable[..., T], *args: Any, **kwargs: Any):
        self.function, self.args, self.kwargs = function, args, kwargs
        self.pid: int | None = None
        self.future: Future[T] | None = None
        self._pool: ThreadPoolExecutor | None = None
        if can_fork():
            self._fork()
        else:
            self._pool = ThreadPoolExecutor(1)
            self.future = self._pool.submit(function, *args, **kwargs)

    @property
    def forked(self) -> bool:
        return self.pid is not None

    def _fork(self) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, answer, leave
            status = 1
            try:
                os.close(read_end)
                try:
                    answer = pickle.dumps(self.function(*self.args, **self.kwargs),
                                          protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException:  # the parent calls again and sees the real exception
                    answer = b""
                with os.fdopen(write_end, "wb") as out:
                    out.write(answer)
                status = 0 if answer else 1
            finally:
                os._exit(status)
        os.close(write_end)
        self.pid, self._read_end = pid, read_end

    def result(self) -> T:
        """The function's value (or its exception), as a call here would give it."""
        if self.future is not None:
            try:
                return self.future.result()
            finally:
                self._close_pool()
        answer = self._answer()
        if answer is not None:
            collecting = gc.isenabled()
            gc.disable()  # millions of new objects, none garbage: no collection meanwhile
            try:
                return pickle.loads(answer)  # our own fork's answer
            except Exception:  # pragma: no cover - a child killed mid-write
                pass
            finally:
                if collecting:
                    gc.enable()
        return self.function(*self.args, **self.kwargs)

    def _answer(self) -> bytes | None:
        """The child's pickled answer, or ``None`` when it failed; the child is reaped."""
        chunks: list[bytes] = []
        try:
            with os.fdopen(self._read_end, "rb") as stream:
                while chunk := stream.read(1 << 20):
                    chunks.append(chunk)
        finally:
            status = self._reap()
        if status != 0 or not chunks:
            return None
        return b"".join(chunks)

    def _reap(self) -> int:
        assert self.pid is not None
        pid, self.pid = self.pid, None
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)

    def cancel(self) -> None:
        """Abandon the call: the child is killed and reaped (a thread is left to finish)."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.close(self._read_end)
            with contextlib.suppress(ChildProcessError):
                self._reap()
        self._close_pool()

    def _close_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None


def start(function: Callable[..., T], *args: Any, **kwargs: Any) -> Pending[T]:
    """Start ``function(*args, **kwargs)`` beside this process (see the module's text)."""
    return Pending(function, *args, **kwargs)
