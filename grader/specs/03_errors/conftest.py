"""Fixtures of the errors exercise: its grading interface (the token, the ledger hook, the log)
and the checks every spec shares (what a problem is, what a leak is).

Helpers are fixtures that return functions (spec folders are not packages, so specs cannot
import from here); each is called inside the spec, so a broken app fails the spec rather than
erroring its setup.

The app is started once per spec. Its clients send the token unless a spec asks for an
`anonymous` one; `client` reports an exception that escapes the app as a crash of the learner's
code, while `safe` answers it as the ASGI server would (Starlette re-raises an exception after
its 500 handler has answered, so that servers can log it too), for the specs of task 6.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import Request

from grader.kit import (
    BASE_URL,
    CLIENT_ADDRESS,
    SpecClient,
    body_excerpt,
    call,
    expect_object,
    fail,
    started,
)
from grader.loader import LoadedApp
from grader.messages import clip

#: The bearer token the grader gives the app (`API_TOKEN`).
API_TOKEN = "grader-teller-9d4c2e7a1b"
AUTHORIZED = {"Authorization": f"Bearer {API_TOKEN}"}
PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPES = "https://wallet.example/problems/"
#: The README's rule for a request id the app keeps or makes.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: Requests held at the ledger hook until this many have arrived, to make them interleave.
GATE_YIELDS = 500

#: `problem(response, 409, "insufficient-funds", "Insufficient funds")`: the body of a problem
#: with that status and type (`None`: `about:blank`, titled by the status); fails otherwise.
Problem = Callable[..., dict[str, Any]]
#: `await open_account(deposit=500)`: a new account (POST /accounts, then a deposit), as JSON.
OpenAccount = Callable[..., Awaitable[dict[str, Any]]]
#: `hook.raises(error)`, `hook.ledger_raises(error)`, `hook.serves(fake)`, `hook.gate(n)`.
Hook = Any
#: `leaks(response, "needle", ...)`: fail if any needle is in the response's body or headers.
Leaks = Callable[..., None]


@pytest.fixture
def app_env() -> dict[str, str]:
    return {"API_TOKEN": API_TOKEN}


@pytest.fixture
async def running(app: Any, exercise_dir: Path) -> AsyncIterator[Any]:
    async with started(app, folder=exercise_dir) as running:
        yield running


@pytest.fixture
async def client(client_at: Callable[..., SpecClient]) -> AsyncIterator[SpecClient]:
    """A client holding the token."""
    async with client_at(headers=AUTHORIZED) as client:
        yield client


@pytest.fixture
async def anonymous(client_at: Callable[..., SpecClient]) -> AsyncIterator[SpecClient]:
    """A client without the token."""
    async with client_at() as client:
        yield client


@pytest.fixture
async def safe(running: Any, exercise_dir: Path) -> AsyncIterator[SpecClient]:
    """A client holding the token that receives a 500 as a server would send it."""
    transport = httpx.ASGITransport(app=running, client=CLIENT_ADDRESS, raise_app_exceptions=False)
    async with SpecClient(
        folder=exercise_dir, transport=transport, base_url=BASE_URL, headers=AUTHORIZED
    ) as client:
        yield client


@pytest.fixture
def ledger(loaded: LoadedApp) -> ModuleType:
    """The app's own `ledger` module, whose exceptions the grader raises (and subclasses)."""
    try:
        return importlib.import_module("ledger")
    except ImportError:
        raise fail(
            "ledger.py is missing: it is given, and the grader raises its exceptions"
        ) from None


# --- what a problem is ----------------------------------------------------------------------
def media_type(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0].strip().lower()


def check_problem(
    response: httpx.Response, status: int, slug: str | None = None, title: str | None = None
) -> dict[str, Any]:
    """The body of a problem of that status and type; fails unless the response is one."""
    if response.status_code != status:
        raise fail(
            f"{call(response)} → expected {status}, got {response.status_code}: "
            f"{body_excerpt(response)}"
        )
    if media_type(response) != PROBLEM_MEDIA_TYPE:
        shown = response.headers.get("content-type", "no Content-Type")
        raise fail(
            f"{call(response)} → expected Content-Type {PROBLEM_MEDIA_TYPE}, got {shown}: "
            f"{body_excerpt(response)}"
        )
    body = expect_object(response, status, "type", "title", "status", "detail", "instance")
    kind = PROBLEM_TYPES + slug if slug else "about:blank"
    title = title or (None if slug else HTTPStatus(status).phrase)
    expected: dict[str, Any] = {"type": kind, "status": status, "instance": response.url.path}
    if title is not None:
        expected["title"] = title
    for name, value in expected.items():
        if body[name] != value or type(body[name]) is not type(value):
            raise fail(
                f'{call(response)} → the problem\'s "{name}" should be {json.dumps(value)}, '
                f"got {clip(json.dumps(body[name]), 100)}"
            )
    if not isinstance(body["detail"], str):
        raise fail(
            f'{call(response)} → the problem\'s "detail" should be a string, '
            f"got {clip(json.dumps(body['detail']), 100)}"
        )
    return body


@pytest.fixture
def problem() -> Problem:
    return check_problem


@pytest.fixture
def leaks() -> Leaks:
    def leaks(response: httpx.Response, *needles: str) -> None:
        seen = response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        for needle in needles:
            if needle in seen:
                raise fail(
                    f"{call(response)} → the response gives away {needle!r}: {clip(seen, 200)}"
                )

    return leaks


# --- helpers --------------------------------------------------------------------------------
@pytest.fixture
def open_account(client: SpecClient) -> OpenAccount:
    async def open_account(
        owner: str = "Ada", currency: str = "EUR", deposit: int = 0
    ) -> dict[str, Any]:
        response = await client.post("/accounts", json={"owner": owner, "currency": currency})
        account = expect_object(response, 201, "id")
        if deposit:
            response = await client.post(
                f"/accounts/{account['id']}/deposits", json={"amount_cents": deposit}
            )
            account = expect_object(response, 200, "id", "balance_cents")
        return account

    return open_account


class LedgerHook:
    """What the grader puts in place of `main.get_ledger` (README, "The ledger hook")."""

    def __init__(self, loaded: LoadedApp) -> None:
        self.app = loaded.app
        original = getattr(loaded.module, "get_ledger", None)
        if original is None:
            raise fail(
                "main.py defines no get_ledger: the grader replaces it (README, grading interface)"
            )
        self.original: Callable[..., Any] = original
        self.arrived = 0

    def raises(self, error: BaseException) -> None:
        """The dependency itself raises `error`."""

        def broken_dependency() -> Any:
            raise error

        self.app.dependency_overrides[self.original] = broken_dependency

    def ledger_raises(self, error: BaseException) -> None:
        """The endpoints get a ledger whose every method raises `error`."""
        self.serves(_RaisingLedger(error))

    def serves(self, fake: Any) -> None:
        """The endpoints get `fake` as their ledger."""
        self.app.dependency_overrides[self.original] = lambda: fake

    def gate(self, count: int, error: BaseException | None = None) -> None:
        """Hold each request at the hook until `count` have arrived (or long enough), then give
        the real ledger, or raise `error`: requests that interleave there show whatever state
        they share."""
        original = self.original
        self.arrived = 0

        async def gated(request: Request) -> Any:
            self.arrived += 1
            for _ in range(GATE_YIELDS):
                if self.arrived >= count:
                    break
                await asyncio.sleep(0)
            if error is not None:
                raise error
            return original(request)

        self.app.dependency_overrides[original] = gated


class _RaisingLedger:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def method(*args: Any, **kwargs: Any) -> Any:
            raise self.error

        return method


@pytest.fixture
def hook(loaded: LoadedApp) -> LedgerHook:
    return LedgerHook(loaded)


@pytest.fixture
def logs() -> Iterator[list[logging.LogRecord]]:
    """Every record that reaches the root logger while the spec runs."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield records
    finally:
        root.removeHandler(handler)
