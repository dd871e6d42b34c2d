"""Task 5: every response carries its request's id, the client's when sound, in header and body."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, fail

pytestmark = pytest.mark.task(5)

Problem = Callable[..., dict[str, Any]]
OpenAccount = Callable[..., Awaitable[dict[str, Any]]]
Hook = Any

HEADER = "X-Request-ID"
VALID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id(response: httpx.Response) -> str:
    """The response's X-Request-ID, which must be there once and follow the README's rule."""
    values = response.headers.get_list(HEADER)
    if len(values) != 1:
        raise fail(
            f"{call(response)} → expected one {HEADER} header on the {response.status_code}, got "
            f"{len(values)}{': ' + ', '.join(values) if values else ''}"
        )
    if not VALID.fullmatch(values[0]):
        raise fail(
            f"{call(response)} → {HEADER} should be 1 to 64 letters, digits, '.', '_' or '-', "
            f"got {values[0]!r}"
        )
    return values[0]


def same_in_body(response: httpx.Response, body: dict[str, Any], expected: str) -> None:
    if body.get("request_id") != expected:
        shown = repr(body.get("request_id")) if "request_id" in body else "no request_id member"
        raise fail(
            f'{call(response)} → the problem\'s "request_id" should be {expected!r}, the '
            f"response's {HEADER}, got {shown}"
        )


async def each_kind(
    client: SpecClient, anonymous: SpecClient, open_account: OpenAccount, headers: dict[str, str]
) -> list[tuple[httpx.Response, bool]]:
    """One response of every kind the API answers, and whether it is a problem."""
    account = await open_account(deposit=100)
    path = f"/accounts/{account['id']}"
    to_itself = {"source_id": account["id"], "target_id": account["id"], "amount_cents": 1}
    return [
        (await client.get("/accounts", headers=headers), False),
        (await client.post("/accounts", json={"owner": "Io", "currency": "USD"}, headers=headers),
         False),
        (await client.post(f"{path}/deposits", json={"amount_cents": 1}, headers=headers), False),
        (await client.head(path, headers=headers), False),
        (await client.options(path, headers=headers), False),
        (await client.head("/accounts/404", headers=headers), False),
        (await client.get("/nope", headers=headers), True),
        (await client.put("/accounts", headers=headers), True),
        (await client.get("/accounts/abc", headers=headers), True),
        (await client.get("/accounts/404", headers=headers), True),
        (await anonymous.post("/accounts", json={}, headers=headers), True),
        (await client.post("/transfers", json=to_itself, headers=headers), True),
    ]  # fmt: skip


@pytest.mark.rule("request-id-everywhere", "request-id-new")
async def test_every_response_carries_an_id(
    client: SpecClient, anonymous: SpecClient, open_account: OpenAccount
) -> None:
    """Successes, problems, HEAD and OPTIONS answers all carry one valid X-Request-ID."""
    for response, _ in await each_kind(client, anonymous, open_account, {}):
        request_id(response)


@pytest.mark.rule("request-id-in-body", "member-request-id")
async def test_problem_body_quotes_the_header(
    client: SpecClient, anonymous: SpecClient, open_account: OpenAccount
) -> None:
    """Every problem's request_id is its own response's X-Request-ID."""
    for response, is_problem in await each_kind(client, anonymous, open_account, {}):
        if is_problem:
            same_in_body(response, response.json(), request_id(response))


@pytest.mark.rule("request-id-kept", "request-id-in-body")
async def test_clients_sound_id_is_kept(
    client: SpecClient, anonymous: SpecClient, open_account: OpenAccount
) -> None:
    """A sound X-Request-ID (1 to 64 of A-Z a-z 0-9 . _ -) comes back, in header and body."""
    for sent in ("a", "Z" * 64, "trace-2024.07_31-Ab9", "0", "...", "-_-"):
        # Beside the headers clients send anyway, some named like it: one X-Request-ID all the same.
        headers = {"X-Session-Id": "s-1", "X-Request-Start": "t-2", "Z-Trace": "z", HEADER: sent}
        for response, is_problem in await each_kind(client, anonymous, open_account, headers):
            got = request_id(response)
            if got != sent:
                raise fail(
                    f"{call(response)} with {HEADER}: {sent} → expected it back, got {got!r}"
                )
            if is_problem:
                same_in_body(response, response.json(), sent)


@pytest.mark.rule("request-id-replaced", "request-id-new")
async def test_unsound_id_is_replaced(client: SpecClient, problem: Problem) -> None:
    """An empty, 65-character, spaced, comma, slash, colon or non-ASCII X-Request-ID is replaced."""
    for sent in (
        "",
        "spoofed" + "x" * 58,
        "spoofed id",
        "spoofed,id",
        "spoofed/id",
        "spoofed:id",
        "spoofed+id",
        "spoofed\tid",
        "spoofed%0Aid",
    ):
        await _replaced(client, problem, [(HEADER, sent)], repr(sent))
    await _replaced(client, problem, [(HEADER, b"spoofed\xc3\xa9")], "'spoofedé' (UTF-8)")


@pytest.mark.rule("request-id-replaced")
async def test_repeated_header_is_replaced(client: SpecClient, problem: Problem) -> None:
    """Two X-Request-ID headers, even sound ones, are replaced by a new id."""
    await _replaced(client, problem, [(HEADER, "spoofedone"), (HEADER, "spoofedtwo")], "twice")
    await _replaced(
        client, problem, [(HEADER, "spoofedsame"), (HEADER.lower(), "spoofedsame")], "twice"
    )


async def _replaced(
    client: SpecClient, problem: Problem, headers: list[tuple[str, Any]], shown: str
) -> None:
    for path in ("/nope", "/accounts"):
        response = await client.get(path, headers=headers)
        got = request_id(response)
        if "spoofed" in got or got == "":
            raise fail(
                f"{call(response)} with {HEADER} {shown} → expected a new id of the server's, "
                f"got {got!r}"
            )
        if response.status_code == 404:
            same_in_body(response, problem(response, 404), got)


@pytest.mark.rule("request-id-new")
async def test_new_ids_are_unique(client: SpecClient) -> None:
    """Forty requests without an X-Request-ID get forty different ids."""
    ids = [request_id(await client.get("/nope" if n % 2 else "/accounts")) for n in range(40)]
    if len(set(ids)) != len(ids):
        repeated = sorted({value for value in ids if ids.count(value) > 1})
        raise fail(f"40 requests without {HEADER} → ids repeat: {repeated[:3]}")


@pytest.mark.rule("request-id-concurrent", "request-id-in-body", "ledger-hook")
async def test_concurrent_requests_keep_their_own_ids(
    client: SpecClient, open_account: OpenAccount, hook: Hook
) -> None:
    """20 requests held together at get_ledger: each answers with its own id, header and body."""
    await open_account()
    hook.gate(20)
    paths = [f"/accounts/{1 if n % 4 == 0 else 100 + n}" for n in range(20)]
    sent = [f"concurrent-{n:02d}" for n in range(20)]
    responses = await asyncio.gather(
        *(client.get(path, headers={HEADER: rid}) for path, rid in zip(paths, sent, strict=True))
    )
    for response, rid in zip(responses, sent, strict=True):
        got = request_id(response)
        if got != rid:
            raise fail(
                f"{call(response)} with {HEADER}: {rid}, sent beside 19 others → header {got!r}"
            )
        if response.status_code != 200:
            same_in_body(response, response.json(), rid)


@pytest.mark.rule("request-id-concurrent", "request-id-new")
async def test_concurrent_new_ids_are_unique_and_quoted(client: SpecClient, hook: Hook) -> None:
    """20 requests without ids held together at get_ledger: 20 ids, each its body's request_id."""
    hook.gate(20)
    responses = await asyncio.gather(*(client.get(f"/accounts/{500 + n}") for n in range(20)))
    ids = [request_id(response) for response in responses]
    if len(set(ids)) != 20:
        raise fail(
            f"20 concurrent GET /accounts/{{id}} without {HEADER} → only {len(set(ids))} ids"
        )
    for response, rid in zip(responses, ids, strict=True):
        same_in_body(response, response.json(), rid)
