"""A quotes API whose /api endpoints are rate-limited per client.

Task: count every client's requests to /api in a sliding window, refuse the excess with 429 and
Retry-After, report the quota in RateLimit-* headers, and tell clients apart by API key or
address without believing a spoofed X-Forwarded-For. See README.md.
"""

import math
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.security import APIKeyHeader
from pydantic import BaseModel

from clients import ClientIdentifier
from limiter import SlidingWindowLimiter, Verdict
from settings import get_settings

#: A clock: seconds as a float, from any starting point, never going backwards.
Clock = Callable[[], float]


# Don't change this: the grader overrides it through app.dependency_overrides to move time.
def get_clock() -> Clock:
    """The clock the rate limiter reads."""
    return time.monotonic


ClockDep = Annotated[Clock, Depends(get_clock)]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # State lives on the app, not in the module, so every app instance starts with empty logs.
    settings = get_settings()
    app.state.limiter = SlidingWindowLimiter(
        settings.rate_limit, settings.rate_limit_window_seconds
    )
    app.state.clients = ClientIdentifier(settings.trusted_proxy_list)
    yield


app = FastAPI(title="Quotes", lifespan=lifespan)

# auto_error=False: a missing key is fine, the client is then known by its address.
ApiKeyDep = Annotated[str | None, Depends(APIKeyHeader(name="X-API-Key", auto_error=False))]


def rate_limit_headers(verdict: Verdict) -> dict[str, str]:
    """The quota as RateLimit-* headers; times are whole seconds, rounded up."""
    return {
        "RateLimit-Limit": str(verdict.limit),
        "RateLimit-Remaining": str(verdict.remaining),
        # Rounded up, so a client that waits this long is never refused for being early.
        "RateLimit-Reset": str(math.ceil(verdict.reset_after)),
    }


async def rate_limit(
    request: Request, response: Response, api_key: ApiKeyDep, clock: ClockDep
) -> None:
    """Count the request against its client's quota; refuse it with 429 once that is used up."""
    limiter: SlidingWindowLimiter = request.app.state.limiter
    clients: ClientIdentifier = request.app.state.clients
    # One synchronous call decides and records, so no other request can slip in between.
    verdict = limiter.hit(clients.key(request, api_key), clock())
    headers = rate_limit_headers(verdict)
    if not verdict.allowed:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "Too many requests",
            headers={**headers, "Retry-After": headers["RateLimit-Reset"]},
        )
    response.headers.update(headers)


class Quote(BaseModel):
    text: str
    author: str


QUOTES = [
    Quote(text="Premature optimization is the root of all evil.", author="Donald Knuth"),
    Quote(text="Simple is better than complex.", author="Tim Peters"),
    Quote(text="Make it work, make it right, make it fast.", author="Kent Beck"),
]

# The limit sits on the router, so every /api endpoint shares it and /health stays outside.
api = APIRouter(prefix="/api", dependencies=[Depends(rate_limit)])


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
