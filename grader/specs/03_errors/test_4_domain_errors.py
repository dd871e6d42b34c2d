"""Task 4: the ledger's errors, and new subclasses of them, map to their problem types."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_object, fail

pytestmark = pytest.mark.task(4)

Problem = Callable[..., dict[str, Any]]
OpenAccount = Callable[..., Awaitable[dict[str, Any]]]
Hook = Any

ROWS = {
    "insufficient-funds": (409, "Insufficient funds"),
    "account-closed": (409, "Account closed"),
    "account-not-found": (404, "Account not found"),
    "ledger-rule": (422, "Refused by the ledger"),
}


def expect_domain(
    problem: Problem,
    response: httpx.Response,
    slug: str,
    error: BaseException,
    **members: int,
) -> dict[str, Any]:
    """A problem of that row, whose detail is `str(error)` and whose extensions are `members`."""
    status, title = ROWS[slug]
    body = problem(response, status, slug, title)
    if body["detail"] != str(error):
        raise fail(
            f'{call(response)} → "detail" should be the exception\'s message, {str(error)!r}, '
            f"got {body['detail']!r}"
        )
    for name, value in members.items():
        got = body.get(name)
        if got != value or type(got) is not int:
            raise fail(
                f'{call(response)} → the {slug} problem needs "{name}": {value}, got '
                f"{json.dumps(got) if name in body else 'no such member'}"
            )
    return body


def subclass(name: str, *bases: type[BaseException]) -> Any:
    """A new exception class, as the ledger might grow one: `name(*bases)`."""
    return type(name, bases, {})


def transfer(source: int, target: int, amount: int) -> dict[str, int]:
    return {"source_id": source, "target_id": target, "amount_cents": amount}


@pytest.mark.rule("insufficient-funds", "ledger-detail", "ledger-members")
async def test_insufficient_funds(
    client: SpecClient, problem: Problem, open_account: OpenAccount, ledger: ModuleType
) -> None:
    """Moving 700 cents out of 500: a 409 insufficient-funds problem with the three amounts."""
    source = await open_account(deposit=500)
    target = await open_account(owner="Bob")
    response = await client.post("/transfers", json=transfer(source["id"], target["id"], 700))
    error = ledger.InsufficientFunds(source["id"], 500, 700)
    expect_domain(
        problem, response, "insufficient-funds", error,
        account_id=source["id"], balance_cents=500, amount_cents=700,
    )  # fmt: skip


@pytest.mark.rule("insufficient-funds", "ledger-members")
async def test_insufficient_funds_at_the_edge(
    client: SpecClient, problem: Problem, open_account: OpenAccount, ledger: ModuleType
) -> None:
    """Moving all 500 cents succeeds; one cent more, from the emptied account, is a 409 problem."""
    source = await open_account(deposit=500)
    target = await open_account(owner="Bob")
    response = await client.post("/transfers", json=transfer(source["id"], target["id"], 500))
    expect_object(response, 201, "id")
    response = await client.post("/transfers", json=transfer(source["id"], target["id"], 1))
    error = ledger.InsufficientFunds(source["id"], 0, 1)
    expect_domain(
        problem, response, "insufficient-funds", error,
        account_id=source["id"], balance_cents=0, amount_cents=1,
    )  # fmt: skip


@pytest.mark.rule("account-closed", "ledger-detail", "ledger-members", "ledger-when")
async def test_account_closed(
    client: SpecClient, problem: Problem, open_account: OpenAccount, ledger: ModuleType
) -> None:
    """A deposit into a closed account, a transfer from or to one: 409 account-closed."""
    closed = await open_account(owner="Cy")
    other = await open_account(owner="Di", deposit=300)
    expect_object(await client.post(f"/accounts/{closed['id']}/close"), 200, "closed")
    error = ledger.AccountClosed(closed["id"])
    for response in (
        await client.post(f"/accounts/{closed['id']}/deposits", json={"amount_cents": 5}),
        await client.post("/transfers", json=transfer(other["id"], closed["id"], 5)),
        await client.post("/transfers", json=transfer(closed["id"], other["id"], 5)),
        await client.post(f"/accounts/{closed['id']}/close"),
    ):
        expect_domain(problem, response, "account-closed", error, account_id=closed["id"])


@pytest.mark.rule("account-not-found", "ledger-detail", "ledger-members", "ledger-when")
async def test_account_not_found(
    client: SpecClient, problem: Problem, open_account: OpenAccount, ledger: ModuleType
) -> None:
    """An unknown account, in the path or at either end of a transfer: 404 account-not-found."""
    account = await open_account(deposit=100)
    big = 2**64
    for response, missing in (
        (await client.get("/accounts/999"), 999),
        (await client.get(f"/accounts/{big}"), big),
        (await client.post("/accounts/998/deposits", json={"amount_cents": 5}), 998),
        (await client.post("/accounts/997/close"), 997),
        (await client.post("/transfers", json=transfer(account["id"], 996, 5)), 996),
        (await client.post("/transfers", json=transfer(995, account["id"], 5)), 995),
    ):
        error = ledger.AccountNotFound(missing)
        expect_domain(problem, response, "account-not-found", error, account_id=missing)


@pytest.mark.rule("other-ledger-errors", "ledger-detail", "ledger-when")
async def test_other_ledger_errors(
    client: SpecClient, problem: Problem, open_account: OpenAccount, ledger: ModuleType
) -> None:
    """Two currencies, one account twice, closing a non-empty account: 422 ledger-rule problems."""
    euros = await open_account(deposit=400)
    dollars = await open_account(owner="Sam", currency="USD")
    response = await client.post("/transfers", json=transfer(euros["id"], dollars["id"], 5))
    mismatch = ledger.CurrencyMismatch(
        ledger.Account(euros["id"], "Ada", "EUR", 400),
        ledger.Account(dollars["id"], "Sam", "USD", 0),
    )
    expect_domain(problem, response, "ledger-rule", mismatch)
    response = await client.post("/transfers", json=transfer(euros["id"], euros["id"], 5))
    expect_domain(problem, response, "ledger-rule", ledger.SameAccount(euros["id"]))
    response = await client.post(f"/accounts/{euros['id']}/close")
    expect_domain(problem, response, "ledger-rule", ledger.AccountNotEmpty(euros["id"], 400))


@pytest.mark.rule("ledger-subclasses", "insufficient-funds", "ledger-members")
async def test_subclass_of_insufficient_funds(
    client: SpecClient, problem: Problem, hook: Hook, ledger: ModuleType
) -> None:
    """A new OverdraftLimitReached(InsufficientFunds) is an insufficient-funds problem."""

    OverdraftLimitReached = subclass("OverdraftLimitReached", ledger.InsufficientFunds)
    error = OverdraftLimitReached(3, -2000, 250)
    hook.ledger_raises(error)
    response = await client.post("/transfers", json=transfer(3, 4, 250))
    expect_domain(
        problem, response, "insufficient-funds", error,
        account_id=3, balance_cents=-2000, amount_cents=250,
    )  # fmt: skip


@pytest.mark.rule("ledger-subclasses", "account-closed", "account-not-found")
async def test_subclasses_of_closed_and_not_found(
    client: SpecClient, problem: Problem, hook: Hook, ledger: ModuleType
) -> None:
    """AccountFrozen(AccountClosed) and AccountArchived(AccountNotFound) map as their parents."""

    AccountFrozen = subclass("AccountFrozen", ledger.AccountClosed)
    AccountArchived = subclass("AccountArchived", ledger.AccountNotFound)
    frozen = AccountFrozen(12)
    hook.ledger_raises(frozen)
    response = await client.post("/accounts/12/deposits", json={"amount_cents": 5})
    expect_domain(problem, response, "account-closed", frozen, account_id=12)
    archived = AccountArchived(13)
    hook.ledger_raises(archived)
    expect_domain(
        problem, await client.get("/accounts/13"), "account-not-found", archived, account_id=13
    )


@pytest.mark.rule("ledger-subclasses", "other-ledger-errors")
async def test_new_ledger_errors_are_ledger_rules(
    client: SpecClient, problem: Problem, hook: Hook, ledger: ModuleType
) -> None:
    """New LedgerErrors (DailyLimitExceeded, one that is also a ValueError) are 422 ledger-rule."""

    DailyLimitExceeded = subclass("DailyLimitExceeded", ledger.LedgerError)
    AmountTooPrecise = subclass("AmountTooPrecise", ledger.LedgerError, ValueError)
    for error in (
        DailyLimitExceeded("Account 5 may move at most 5000 cents a day."),
        AmountTooPrecise("Amounts are whole cents."),
    ):
        hook.ledger_raises(error)
        response = await client.post("/transfers", json=transfer(5, 6, 9000))
        expect_domain(problem, response, "ledger-rule", error)
    hook.raises(DailyLimitExceeded("Raised while looking the ledger up."))
    expect_domain(
        problem, await client.get("/accounts"), "ledger-rule",
        DailyLimitExceeded("Raised while looking the ledger up."),
    )  # fmt: skip


@pytest.mark.rule("insufficient-funds", "ledger-members")
async def test_concurrent_transfers_spend_once(
    client: SpecClient, problem: Problem, open_account: OpenAccount
) -> None:
    """12 concurrent transfers of 100 out of 500: five 201s, seven insufficient-funds problems."""
    source = await open_account(deposit=500)
    target = await open_account(owner="Bob")
    sent = transfer(source["id"], target["id"], 100)
    responses = await asyncio.gather(*(client.post("/transfers", json=sent) for _ in range(12)))
    statuses = sorted(response.status_code for response in responses)
    if statuses != [201] * 5 + [409] * 7:
        raise fail(
            f"12 concurrent POST /transfers of 100 cents out of 500 → statuses {statuses}, "
            "expected five 201 and seven 409"
        )
    for response in responses:
        if response.status_code == 409:
            body = problem(response, 409, "insufficient-funds", "Insufficient funds")
            if body.get("balance_cents") != 0 or body.get("amount_cents") != 100:
                raise fail(f"{call(response)} → expected balance_cents 0 and amount_cents 100, "
                           f"got {response.text[:200]}")  # fmt: skip
