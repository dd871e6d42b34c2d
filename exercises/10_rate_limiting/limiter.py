"""A sliding-window-log rate limiter: pure bookkeeping, no HTTP and no clock of its own."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """What the limiter decided about one request, and what to tell the client."""

    allowed: bool
    limit: int
    #: Requests the client may still make right now (after this one, if it was allowed).
    remaining: int
    #: Seconds until the oldest request counted in the window leaves it.
    reset_after: float


class SlidingWindowLimiter:
    """At most `limit` allowed requests per client in any `window` seconds.

    Every client has a log of the times of its allowed requests in the last `window` seconds;
    a request made at `now` is allowed when fewer than `limit` of them are newer than
    `now - window`. Refused requests are not logged.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        # TODO: keep a log of request times per client, safe against concurrent requests.

    def hit(self, client: str, now: float) -> Verdict:
        """Count one request of `client` made at `now`, if the window has room for it."""
        # TODO: forget the times that left the window, decide, record if allowed, report.
        raise NotImplementedError
