"""Fixtures for the rate-limiting specs: a clock the specs move by hand, clients at any address
talking to one running app, requests that spend a quota, and checks of a refusal and of headers.

Every app is started with RATE_LIMIT=5 and RATE_LIMIT_WINDOW_SECONDS=60; a spec marked
`@pytest.mark.env(RATE_LIMIT="10")` gets other values. The app's `get_clock` dependency answers
with the spec's fake clock, so no spec waits for real time to pass.

The app's lifespan runs once per spec, and the shared `client_at(address)` opens further
clients on that same running app, so they share the limiter the app keeps on `app.state`.
Spec modules cannot import this file (its folder name is not a Python identifier), so every
helper is a fixture with a plain callable type.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

import httpx
import pytest

from grader.kit import SpecClient, body_excerpt, call, fail, with_clock
from grader.loader import LoadedApp

#: The environment every app is started with, before a spec's `env` marker.
DEFAULT_ENV = {"RATE_LIMIT": "5", "RATE_LIMIT_WINDOW_SECONDS": "60"}

#: The endpoint most specs spend their quota on.
LIMITED = "/api/quotes/random"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "env(**variables): extra environment variables the spec's app is started with"
    )


class FakeClock:
    """A monotonic clock the spec moves by hand; `clock.at(59)` is 59 s after the start.

    It starts far from zero, as `time.monotonic()` does, so an app that assumes time starts
    at 0 is caught too.
    """

    START = 6000.0

    def __init__(self) -> None:
        self.now = self.START

    def __call__(self) -> float:
        return self.now

    def at(self, seconds: float) -> None:
        """Move to `seconds` after the start; time never goes backwards."""
        target = self.START + seconds
        if target < self.now:
            raise ValueError("the fake clock only moves forward")
        self.now = target


@pytest.fixture
def app_env(request: pytest.FixtureRequest) -> dict[str, str]:
    marker = request.node.get_closest_marker("env")
    return {**DEFAULT_ENV, **(marker.kwargs if marker else {})}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def loaded(load_app: Callable[..., LoadedApp], clock: FakeClock) -> LoadedApp:
    """The learner's app, whose `get_clock` dependency answers with `clock`."""
    return with_clock(load_app(), clock)


#: Another client of the spec's running app: see the shared `client_at` fixture.
ClientAt = Callable[..., SpecClient]


#: `at(59)`: move the fake clock to 59 s after the spec's start (only forward).
At = Callable[[float], None]

#: `await spend(client, 5, path=..., headers=..., why="...")`: send GET requests that must all
#: answer 200; `why` says why they should pass. Returns the responses.
Spend = Callable[..., Awaitable[list[httpx.Response]]]

#: `refused(response, "after 5 requests in 60 s")`: fail unless the response is 429.
Refused = Callable[[httpx.Response, str], None]

#: `header(response, "Retry-After")`: the header as a whole number; fails if absent or not one.
IntHeader = Callable[[httpx.Response, str], int]

#: `expect_int(response, "Retry-After", 30, "at t=30 s (...)")`: fail unless the header is that
#: whole number; the last argument says why that value is expected.
ExpectInt = Callable[[httpx.Response, str, int, str], None]


@pytest.fixture
def at(clock: FakeClock) -> At:
    return clock.at


@pytest.fixture
def spend() -> Spend:
    async def spend(
        client: SpecClient,
        count: int,
        *,
        path: str = LIMITED,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        why: str = "",
    ) -> list[httpx.Response]:
        responses = []
        for number in range(1, count + 1):
            response = await client.get(path, headers=headers)
            if response.status_code != 200:
                raise fail(
                    f"{call(response)} → expected 200 for request {number} of {count}"
                    f"{' ' + why if why else ''}, got {response.status_code}: "
                    f"{body_excerpt(response)}"
                )
            responses.append(response)
        return responses

    return spend


@pytest.fixture
def refused() -> Refused:
    def refused(response: httpx.Response, why: str) -> None:
        if response.status_code != 429:
            # A 200's body is just a quote: only other statuses' bodies say something useful.
            body = "" if response.status_code == 200 else f": {body_excerpt(response)}"
            raise fail(f"{call(response)} → expected 429 {why}, got {response.status_code}{body}")

    return refused


@pytest.fixture
def header() -> IntHeader:
    def header(response: httpx.Response, name: str) -> int:
        values = response.headers.get_list(name)
        if not values:
            raise fail(
                f"{call(response)} → the {response.status_code} response has no {name} header"
            )
        if len(values) > 1:
            raise fail(
                f"{call(response)} → the {response.status_code} response has {len(values)} "
                f"{name} headers ({', '.join(values)}), expected one"
            )
        (value,) = values
        if not (value.strip().isascii() and value.strip().isdigit()):
            raise fail(f"{call(response)} → {name} must be a whole number, got {value!r}")
        return int(value)

    return header


@pytest.fixture
def expect_int(header: IntHeader) -> ExpectInt:
    def expect_int(response: httpx.Response, name: str, expected: int, when: str) -> None:
        value = header(response, name)
        if value != expected:
            raise fail(f"{call(response)} → expected {name}: {expected} {when}, got {value}")

    return expect_int
