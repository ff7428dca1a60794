"""What the small benchmark scripts share: the best time of a few runs."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(repeat: int, run: Callable[[], object],
            clock: Callable[[], float] = time.perf_counter) -> float:
    """The shortest time, in seconds, of ``repeat`` calls of ``run``: wall time by default;
    ``clock=time.process_time`` gives CPU time, which the machine's other work cannot inflate
    as much (a shared, loaded machine)."""
    times = []
    for _ in range(repeat):
        start = clock()
        run()
        times.append(clock() - start)
    return min(times)
