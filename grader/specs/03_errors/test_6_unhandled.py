"""Task 6: any other exception is a 500 problem that says nothing about it, and is logged."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter

from grader.kit import SpecClient, call, fail

pytestmark = pytest.mark.task(6)

Problem = Callable[..., dict[str, Any]]
Leaks = Callable[..., None]
Hook = Any

HEADER = "X-Request-ID"
SPECS = str(Path(__file__).resolve().parent)
#: What a traceback or a debug page gives away, besides the exception's own words.
INSIDES = ("Traceback", "site-packages", SPECS, 'File "')


def expect_500(
    response: httpx.Response, problem: Problem, leaks: Leaks, error: BaseException, *words: str
) -> dict[str, Any]:
    """A 500 problem that carries the request's id and gives away nothing of `error`."""
    body = problem(response, 500)
    leaks(response, type(error).__name__, *words, *INSIDES)
    request_id = response.headers.get(HEADER)
    if request_id is None or body.get("request_id") != request_id:
        raise fail(
            f'{call(response)} → the 500\'s "request_id" should be its {HEADER} header, got '
            f"{body.get('request_id')!r} and {request_id!r}"
        )
    return body


@pytest.mark.rule("unhandled-500", "request-id-everywhere", "hook-errors")
async def test_crash_in_a_dependency(
    safe: SpecClient, problem: Problem, leaks: Leaks, hook: Hook
) -> None:
    """A RuntimeError raised in get_ledger answers a 500 problem naming only the request."""
    error = RuntimeError("cannot open /srv/wallet/ledger.sqlite3 (canary-dep-31)")
    hook.raises(error)
    for response in (await safe.get("/accounts"), await safe.post("/transfers", json=_sent())):
        expect_500(response, problem, leaks, error, "canary-dep-31", "/srv/wallet", "sqlite3")


@pytest.mark.rule("unhandled-500", "no-insides")
async def test_database_error_in_an_endpoint(
    safe: SpecClient, problem: Problem, leaks: Leaks, hook: Hook
) -> None:
    """A sqlite3.OperationalError holding SQL, raised in an endpoint: a 500 without the SQL."""
    error = sqlite3.OperationalError(
        'no such column: balance_cents_v2 in "SELECT balance_cents_v2 FROM accounts WHERE '
        "owner = 'canary-sql-32'\""
    )
    hook.ledger_raises(error)
    for response in (await safe.get("/accounts/1"), await safe.post("/accounts/1/close")):
        expect_500(response, problem, leaks, error, "canary-sql-32", "SELECT", "balance_cents_v2")


@pytest.mark.rule("unhandled-500", "lookalikes", "no-insides")
async def test_pydantic_error_inside_the_app_is_a_500(
    safe: SpecClient, problem: Problem, leaks: Leaks, hook: Hook
) -> None:
    """A pydantic ValidationError raised inside the app is a 500, not a 422, and echoes nothing."""
    error = _pydantic_error("canary-pyd-33")
    hook.ledger_raises(error)
    response = await safe.post("/transfers", json=_sent())
    expect_500(response, problem, leaks, error, "canary-pyd-33", "int_parsing")


@pytest.mark.rule("unhandled-500", "lookalikes", "no-insides")
async def test_broken_data_from_the_ledger_is_a_500(
    safe: SpecClient, problem: Problem, leaks: Leaks, hook: Hook, ledger: ModuleType
) -> None:
    """An account with a balance of "canary-data-34" from the ledger: a 500 that echoes nothing."""
    broken = ledger.Account(1, "canary-owner-34", "EUR", "canary-data-34")

    class Broken:
        def get(self, account_id: int) -> Any:
            return broken

        def accounts(self) -> list[Any]:
            return [broken]

    hook.serves(Broken())
    for response in (await safe.get("/accounts/1"), await safe.get("/accounts")):
        body = problem(response, 500)
        leaks(response, "canary-data-34", "canary-owner-34", "ValidationError", *INSIDES)
        if body.get("request_id") != response.headers.get(HEADER):
            raise fail(f"{call(response)} → request_id should be the {HEADER} header")


@pytest.mark.rule("unhandled-500", "lookalikes", "no-insides")
async def test_value_and_key_errors_are_500s(
    safe: SpecClient, problem: Problem, leaks: Leaks, hook: Hook
) -> None:
    """ValueError, KeyError, LookupError and TypeError are 500s, never 400, 404 or 422."""
    for error, canary in (
        (ValueError("canary-val-35 is not a valid amount"), "canary-val-35"),
        (KeyError("canary-key-35"), "canary-key-35"),
        (LookupError("canary-lookup-35"), "canary-lookup-35"),
        (TypeError("'canary-type-35' object is not callable"), "canary-type-35"),
        (ZeroDivisionError("division by zero"), "division by zero"),
    ):
        hook.ledger_raises(error)
        response = await safe.post("/accounts/1/deposits", json={"amount_cents": 5})
        expect_500(response, problem, leaks, error, canary)


@pytest.mark.rule("logged", "log-root")
async def test_500_is_logged_with_its_request_id(
    safe: SpecClient, problem: Problem, leaks: Leaks, hook: Hook, logs: list[logging.LogRecord]
) -> None:
    """A 500 is logged at ERROR, quoting the request's id, with the exception attached."""
    error = RuntimeError("canary-log-36")
    hook.ledger_raises(error)
    for sent in ({HEADER: "support-ticket-36"}, {}):
        logs.clear()
        response = await safe.get("/accounts", headers=sent)
        expect_500(response, problem, leaks, error, "canary-log-36")
        request_id = response.headers[HEADER]
        if sent and request_id != sent[HEADER]:
            raise fail(f"{call(response)} with {HEADER}: {sent[HEADER]} → header {request_id!r}")
        found = [record for record in logs if _quotes(record, request_id)]
        if not found:
            raise fail(
                f"{call(response)} → no log record at ERROR or above quotes the request id "
                f"{request_id!r} (in its message or as its request_id attribute); "
                f"records seen: {[_shown(record) for record in logs][:3]}"
            )
        if not any(_carries(record, error) for record in found):
            raise fail(
                f"{call(response)} → the log record quoting {request_id!r} does not carry the "
                "exception (logger.exception(...), or exc_info=): its traceback is not logged"
            )


def _quotes(record: logging.LogRecord, request_id: str) -> bool:
    if record.levelno < logging.ERROR:
        return False
    try:
        message = record.getMessage()
    except Exception:
        message = str(record.msg)
    return request_id in message or getattr(record, "request_id", None) == request_id


def _carries(record: logging.LogRecord, error: BaseException) -> bool:
    logged = record.exc_info[1] if record.exc_info else None
    seen: set[int] = set()
    while logged is not None and id(logged) not in seen:
        if logged is error:
            return True
        seen.add(id(logged))
        logged = logged.__cause__ or logged.__context__
    return False


def _shown(record: logging.LogRecord) -> str:
    return f"{record.levelname} {record.name}: {str(record.msg)[:80]}"


def _pydantic_error(value: str) -> BaseException:
    """The ValidationError pydantic raises for `value` as an int."""
    try:
        TypeAdapter(int).validate_python(value)
    except Exception as error:
        return error
    raise AssertionError("pydantic accepted the value")


def _sent() -> dict[str, int]:
    return {"source_id": 1, "target_id": 2, "amount_cents": 100}
