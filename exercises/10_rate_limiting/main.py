"""A quotes API whose /api endpoints are rate-limited per client.

TODO: count every client's requests to /api in a sliding window, refuse the excess with 429 and
Retry-After, report the quota in RateLimit-* headers, and tell clients apart by API key or
address without believing a spoofed X-Forwarded-For. See README.md.
"""

import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from pydantic import BaseModel

#: A clock: seconds as a float, from any starting point, never going backwards.
Clock = Callable[[], float]


# Don't change this: the grader overrides it through app.dependency_overrides to move time.
def get_clock() -> Clock:
    """The clock the rate limiter reads."""
    return time.monotonic


ClockDep = Annotated[Clock, Depends(get_clock)]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # TODO: create the limiter (limiter.py) and the client identifier (clients.py) from
    # get_settings() (settings.py), one per app, e.g. on app.state.
    yield


app = FastAPI(title="Quotes", lifespan=lifespan)


async def rate_limit(request: Request, response: Response) -> None:
    """Count the request against its client's quota; refuse it with 429 once that is used up."""
    # TODO: read the time through ClockDep, find the client (X-API-Key or address), ask the
    # limiter, then add the RateLimit-* headers to the response or raise 429 with Retry-After.


class Quote(BaseModel):
    text: str
    author: str


QUOTES = [
    Quote(text="Premature optimization is the root of all evil.", author="Donald Knuth"),
    Quote(text="Simple is better than complex.", author="Tim Peters"),
    Quote(text="Make it work, make it right, make it fast.", author="Kent Beck"),
]

# TODO: rate-limit every /api endpoint, and only those.
api = APIRouter(prefix="/api")


@api.get("/quotes")
async def list_quotes() -> list[Quote]:
    return QUOTES


@api.get("/quotes/random")
async def random_quote() -> Quote:
    return random.choice(QUOTES)


app.include_router(api)


@app.get("/health")
async def health() -> dict[str, str]:
    """Liveness probe: never rate-limited, so monitoring cannot lock itself out."""
    return {"status": "ok"}
