"""The exchange-rate service: an outside system the app reaches over HTTP.

Don't change this: the grader relies on it. In grading, the grader puts a service of its own
in place of the app's, through the `get_rates_service` dependency (see dependencies.py).
"""

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from decimal import Decimal, InvalidOperation
from typing import Protocol

import httpx

from settings import Settings

#: How many units of each currency one euro buys, by ISO 4217 code ("USD": Decimal("1.08")).
Rates = Mapping[str, Decimal]

#: The rates used when no provider is configured (RATES_URL empty): by hand and offline.
FIXED_RATES: Rates = {
    "USD": Decimal("1.08"),
    "GBP": Decimal("0.85"),
    "CHF": Decimal("0.94"),
    "SEK": Decimal("11.50"),
}


class RatesUnavailable(Exception):
    """The provider could not be reached, or answered something that is not rates."""


class RatesService(Protocol):
    """What the app needs from an exchange-rate service."""

    async def latest(self) -> Rates:
        """The current rates from the euro. Each call asks the provider anew."""
        ...


class FixedRates:
    """The same rates every time: for development without a provider."""

    async def latest(self) -> Rates:
        return dict(FIXED_RATES)


class HttpRates:
    """A provider with Frankfurter's API: `GET {url}/latest?from=EUR` answers
    `{"rates": {"USD": 1.08, ...}}` (https://api.frankfurter.app is one)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def latest(self) -> Rates:
        try:
            response = await self._client.get("/latest", params={"from": "EUR"})
            response.raise_for_status()
            # Decimals straight from the JSON text: a float would already have rounded them.
            rates = json.loads(response.content, parse_float=Decimal)["rates"]
            return {str(code): Decimal(value) for code, value in rates.items()}
        except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise RatesUnavailable(str(error)) from error
        except InvalidOperation as error:
            raise RatesUnavailable("the provider sent a rate that is not a number") from error


@asynccontextmanager
async def open_rates_service(settings: Settings) -> AsyncIterator[RatesService]:
    """The app's rates service, for as long as the app runs (its HTTP client is pooled)."""
    if not settings.rates_url:
        yield FixedRates()
        return
    async with httpx.AsyncClient(base_url=settings.rates_url, timeout=5.0) as client:
        yield HttpRates(client)
