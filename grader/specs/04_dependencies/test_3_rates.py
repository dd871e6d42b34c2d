"""Task 3: prices in the client's currency, from a rates service reached through a dependency."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_object, expect_status, fail

pytestmark = pytest.mark.task(3)

BookCheck = Callable[..., dict[str, Any]]
SeedBook = Callable[..., dict[str, Any]]
Same = Callable[[httpx.Response, Any, Any, str], None]
Returned = Callable[[httpx.Response], None]
Fake = Any

#: The seed prices, by id, in euro cents.
PRICES = {
    1: 3999, 2: 4550, 3: 2999, 4: 3650, 5: 2750, 6: 1999,
    7: 1250, 8: 3299, 9: 4299, 10: 3500, 11: 2890, 12: 5000,
}  # fmt: skip


def converted(cents: int, rate: str) -> int:
    return int((cents * Decimal(rate)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def calls(response: httpx.Response, fake: Fake, expected: int, why: str) -> None:
    if fake.calls != expected:
        raise fail(
            f"{call(response)} → the rates service was called {fake.calls} time(s) in all, "
            f"expected {expected}: {why}"
        )


async def all_books(client: SpecClient, currency: str) -> tuple[httpx.Response, list[Any]]:
    response = await client.get("/books", params={"currency": currency, "limit": 50})
    items = expect_object(response, 200, "items")["items"]
    return response, items


@pytest.mark.rule("converted", "conversion", "rates-hook")
async def test_prices_converted_with_the_services_rates(
    client: SpecClient, book: BookCheck, seed_book: SeedBook, same: Same
) -> None:
    """GET /books/3?currency=USD (rate 1.25) answers 3749 USD cents for a 2999-cent book."""
    response = await client.get("/books/3", params={"currency": "USD"})
    same(response, book(response), seed_book(3, "USD", 3749), "the book in USD (rate 1.25)")
    response, items = await all_books(client, "GBP")
    same(
        response,
        items,
        [seed_book(n, "GBP", converted(PRICES[n], "0.80")) for n in range(1, 13)],
        "the books in GBP (rate 0.80)",
    )


@pytest.mark.rule("rounding", "conversion")
async def test_rounding_half_to_even_with_decimals(
    client: SpecClient, rates: Fake, same: Same
) -> None:
    """USD at 1.13: prices round half to even, exactly (5141.5 → 5142, 4124.5 → 4124)."""
    rates.set({"USD": "1.13"})
    response, items = await all_books(client, "USD")
    got = {item.get("id"): item.get("price_cents") for item in items}
    for book_id, cents in PRICES.items():
        exact = Decimal(cents) * Decimal("1.13")
        if got.get(book_id) != converted(cents, "1.13"):
            raise fail(
                f"{call(response)} → book {book_id} ({cents} EUR cents × 1.13 = {exact}) should "
                f"cost {converted(cents, '1.13')} USD cents, got {got.get(book_id)!r}"
            )


@pytest.mark.rule("eur-unchanged", "eur-no-call")
async def test_euros_need_no_rates(
    client: SpecClient, rates: Fake, book: BookCheck, seed_book: SeedBook, same: Same
) -> None:
    """GET /books/1, /books/1?currency=EUR and /books?currency=EUR: stored prices, no call."""
    for params in ({}, {"currency": "EUR"}):
        response = await client.get("/books/1", params=params)
        same(response, book(response), seed_book(1), "the book")
    response, items = await all_books(client, "EUR")
    same(response, items, [seed_book(n) for n in range(1, 13)], "the books in EUR")
    calls(response, rates, 0, "a request in EUR needs no rate, so it never calls the service")


@pytest.mark.rule("eur-no-call")
async def test_euros_work_while_the_service_is_down(
    client: SpecClient, rates: Fake, unavailable: Callable[[], BaseException]
) -> None:
    """While latest() raises RatesUnavailable, GET /books and /books/2 in EUR still answer 200."""
    rates.error = unavailable()
    for path in ("/books", "/books?currency=EUR", "/books/2", "/books/2?currency=EUR"):
        response = await client.get(path)
        if response.status_code != 200:
            raise fail(
                f"{call(response)} while the rates service is down → expected 200 (no rate is "
                f"needed in EUR), got {response.status_code}"
            )


@pytest.mark.rule("once-per-request")
async def test_one_call_per_request(client: SpecClient, rates: Fake) -> None:
    """GET /books?currency=USD&limit=50 converts 12 prices with one call to latest()."""
    response, _ = await all_books(client, "USD")
    calls(response, rates, 1, "one call per request, however many prices it converts")
    response = expect_status(await client.get("/books/4", params={"currency": "GBP"}), 200)
    calls(response, rates, 2, "one call per request in another currency")
    response = expect_status(
        await client.get("/books", params={"currency": "CHF", "q": "the"}), 200
    )
    calls(response, rates, 3, "one call per request in another currency")


@pytest.mark.rule("fresh-rates")
async def test_rates_never_kept_between_requests(
    client: SpecClient, rates: Fake, book: BookCheck
) -> None:
    """The rates change between two GET /books/1?currency=USD: the second uses the new rate."""
    response = await client.get("/books/1", params={"currency": "USD"})
    first = book(response)["price_cents"]
    if first != converted(3999, "1.25"):
        raise fail(f"{call(response)} (USD at 1.25) → price {first}, expected 4999")
    rates.set({"USD": "2.00", "GBP": "0.80"})
    response = await client.get("/books/1", params={"currency": "USD"})
    second = book(response)["price_cents"]
    if second != 7998:
        raise fail(
            f"{call(response)} after the rate of USD became 2.00 → price {second}, expected "
            "7998: every request must ask the service anew, never reuse earlier rates"
        )
    calls(response, rates, 2, "one call per request")


@pytest.mark.rule("hook-in-force", "rates-hook")
async def test_the_override_in_force_is_used(
    client: SpecClient, hook: Any, rates: Fake, book: BookCheck
) -> None:
    """The grader puts another fake in place between two requests: the next request uses it."""
    expect_status(await client.get("/books/5", params={"currency": "USD"}), 200)
    other = type(rates)({"USD": "3.00"})
    hook.serve(other)
    response = await client.get("/books/5", params={"currency": "USD"})
    price = book(response)["price_cents"]
    if price != 8250 or other.calls != 1:
        raise fail(
            f"{call(response)} after the grader swapped get_rates_service's override for one "
            f"with USD at 3.00 → price {price} (expected 8250), and the new service was called "
            f"{other.calls} time(s) (expected 1): resolve the service through "
            "Depends(get_rates_service) on every request, never keep the first one"
        )


@pytest.mark.rule("rates-url-empty", "hook-in-force")
async def test_without_the_override_the_apps_own_service_answers(
    client: SpecClient, hook: Any, rates: Fake, book: BookCheck
) -> None:
    """With the override removed, GET /books/3?currency=USD uses the fixed rates (USD 1.08)."""
    expect_status(await client.get("/books/3", params={"currency": "USD"}), 200)
    hook.remove()
    response = await client.get("/books/3", params={"currency": "USD"})
    price = book(response)["price_cents"]
    if price != 3239 or rates.calls != 1:
        raise fail(
            f"{call(response)} once the grader removed its override → price {price} (expected "
            f"3239, at the fixed 1.08 of rates.py), and the grader's fake was called "
            f"{rates.calls} time(s) in all (expected 1)"
        )


@pytest.mark.rule("unknown-currency")
async def test_currency_the_rates_do_not_list(client: SpecClient) -> None:
    """currency=XXX and currency=SEK (in the fixed rates, not in the grader's) answer 422."""
    for currency in ("XXX", "SEK", "JPY"):
        for path in ("/books", "/books/1"):
            response = await client.get(path, params={"currency": currency})
            if response.status_code != 422:
                raise fail(
                    f"{call(response)} when the service lists only USD, GBP and CHF → expected "
                    f"422, got {response.status_code}"
                )


@pytest.mark.rule("currency-format", "currency-format-first")
async def test_currency_must_be_three_capital_letters(
    client: SpecClient, rates: Fake, unavailable: Callable[[], BaseException]
) -> None:
    """currency=usd, EURO, US1 or empty answers 422, even while the rates service is down."""
    for down in (False, True):
        rates.error = unavailable() if down else None
        for currency in ("usd", "EURO", "US1", "US", "", "Usd", "XUSD"):
            for path in ("/books", "/books/1"):
                response = await client.get(path, params={"currency": currency})
                if response.status_code != 422:
                    raise fail(
                        f"{call(response)}{' while the rates service is down' if down else ''} "
                        f"→ expected 422, got {response.status_code}: a code that is not three "
                        "capital letters is refused before any rate is looked for"
                    )
    if rates.calls:
        raise fail(
            f"GET /books?currency=usd, EURO, US1, ... → the rates service was called {rates.calls} "
            "time(s), expected none: a code that is not three capital letters needs no rates"
        )


@pytest.mark.rule("rates-503", "503-vs-500")
async def test_service_down_is_503(
    client: SpecClient, rates: Fake, unavailable: Callable[[], BaseException], returned: Returned
) -> None:
    """While latest() raises RatesUnavailable, requests in USD or GBP answer 503."""
    rates.error = unavailable()
    for path in ("/books?currency=USD", "/books/1?currency=GBP"):
        response = expect_status(await client.get(path), 503)
        returned(response)
    rates.error = None
    expect_status(await client.get("/books/1?currency=GBP"), 200)


@pytest.mark.rule("rates-500", "503-vs-500")
async def test_a_bug_in_the_service_is_500(
    safe: SpecClient, rates: Fake, returned: Returned
) -> None:
    """When latest() raises RuntimeError (a bug, not RatesUnavailable), the answer is 500."""
    expect_status(await safe.get("/books/1?currency=CHF"), 200)
    rates.error = RuntimeError("a bug in the rates client")
    for path in ("/books?currency=USD", "/books/1?currency=CHF"):
        response = await safe.get(path)
        if response.status_code != 500:
            raise fail(
                f"{call(response)} while latest() raises RuntimeError → expected 500, got "
                f"{response.status_code}: only RatesUnavailable means the service is down"
            )
        returned(response)


@pytest.mark.rule("once-per-request", "fresh-rates")
async def test_concurrent_requests_use_their_own_calls(client: SpecClient, rates: Fake) -> None:
    """8 concurrent GET /books/5?currency=USD each convert with the rate of their own call."""
    values = [f"1.{n}" for n in range(1, 9)]
    rates.sequence = [{"USD": Decimal(value)} for value in values]
    rates.hold = 8
    responses = await asyncio.gather(
        *(client.get("/books/5", params={"currency": "USD"}) for _ in values)
    )
    prices = sorted(
        expect_object(response, 200, "price_cents")["price_cents"] for response in responses
    )
    expected = sorted(converted(2750, value) for value in values)
    if prices != expected or rates.calls != 8:
        raise fail(
            f"8 concurrent GET /books/5?currency=USD, the service's 8 calls answering USD at "
            f"{', '.join(values)} → prices {prices} with {rates.calls} call(s); expected "
            f"{expected} with 8: every request converts with the rates of its own call, and "
            "keeps them in no state shared with other requests"
        )
