"""What the small benchmark scripts share: the best time of a few runs."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(repeat: int, run: Callable[[], object],
            clock: Callable[[], float] = time.perf_counter) -> float:
    """The shortest time, in seconds, of ``repeat`` calls of ``run``: wall time by default;
    ``clock=time.process_time`` gives CPU time, which the machine's other work cannot inflate
    as much (a shared, loaded machine)."""
    return best_by_clocks(repeat, run, clock)[0]


def best_by_clocks(repeat: int, run: Callable[[], object],
                   *clocks: Callable[[], float]) -> tuple[float, ...]:
    """For each of ``clocks``, the shortest time it measured over the same ``repeat`` calls of
    ``run`` (e.g. wall and CPU time of one command, without running it twice as often)."""
    times: list[list[float]] = [[] for _ in clocks]
    for _ in range(repeat):
        starts = [clock() for clock in clocks]
        run()
        for clock, start, measured in zip(clocks, starts, times, strict=True):
            measured.append(clock() - start)
    return tuple(min(measured) for measured in times)
