"""The clock requests are timed by.

Don't change this: the grader puts a clock of its own in this module's place, one it moves by
hand, to check the milliseconds your Server-Timing reports without waiting for them to pass.
"""

import time


def now() -> float:
    """The time in seconds, from an arbitrary start: only the difference of two readings means
    something (`time.perf_counter()`)."""
    return time.perf_counter()
