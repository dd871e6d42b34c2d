"""Task 4: one quota per client: its API key, else its address; X-Forwarded-For only from a
trusted proxy."""

from collections.abc import Awaitable, Callable

import httpx
import pytest

from grader.kit import SpecClient

pytestmark = pytest.mark.task(4)

Spend = Callable[..., Awaitable[list[httpx.Response]]]
Refused = Callable[[httpx.Response, str], None]
ClientAt = Callable[..., SpecClient]

PROXY = ("10.0.0.1", 4000)


async def test_addresses_have_separate_quotas(
    client: SpecClient, client_at: ClientAt, spend: Spend, refused: Refused
) -> None:
    """A client at 10.0.0.7 gets its full quota after 127.0.0.1 used up its own."""
    await spend(client, 5, why="from 127.0.0.1 with RATE_LIMIT=5")
    refused(await client.get("/api/quotes/random"), "after 5 requests from 127.0.0.1")
    async with client_at(("10.0.0.7", 4000)) as other:
        await spend(other, 5, why="from 10.0.0.7, which has made no request yet")
        refused(await other.get("/api/quotes/random"), "after 5 requests from 10.0.0.7")


async def test_api_keys_have_separate_quotas(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """Each X-API-Key has its own quota, apart from the quota of requests without a key."""
    alice = {"X-API-Key": "alice-key"}
    await spend(client, 5, headers=alice, why="with X-API-Key: alice-key")
    refused(
        await client.get("/api/quotes/random", headers=alice),
        "after 5 requests with X-API-Key: alice-key",
    )
    await spend(
        client,
        5,
        headers={"X-API-Key": "bob-key"},
        why="with X-API-Key: bob-key (alice-key's quota is hers alone)",
    )
    await spend(client, 5, why="without X-API-Key (the address has its own quota)")


async def test_one_api_key_one_quota_from_any_address(
    client: SpecClient, client_at: ClientAt, spend: Spend, refused: Refused
) -> None:
    """The same X-API-Key used from two addresses shares one quota."""
    team = {"X-API-Key": "team-key"}
    await spend(client, 5, headers=team, why="from 127.0.0.1 with X-API-Key: team-key")
    async with client_at(("10.0.0.7", 4000)) as other:
        refused(
            await other.get("/api/quotes/random", headers=team),
            "from 10.0.0.7: X-API-Key team-key already made 5 requests from 127.0.0.1",
        )


async def test_api_key_spelled_like_an_address_is_still_a_key(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """X-API-Key: 127.0.0.1 cannot use up the quota of the client at address 127.0.0.1."""
    key = {"X-API-Key": "127.0.0.1"}
    await spend(client, 5, headers=key, why="with X-API-Key: 127.0.0.1")
    refused(
        await client.get("/api/quotes/random", headers=key),
        "after 5 requests with X-API-Key: 127.0.0.1",
    )
    await spend(
        client, 5, why="from address 127.0.0.1 without a key (a key and an address never share)"
    )


async def test_forwarded_for_ignored_without_trusted_proxies(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """With no TRUSTED_PROXIES, a new X-Forwarded-For on each request does not reset the quota."""
    for number in range(1, 6):
        await spend(
            client,
            1,
            headers={"X-Forwarded-For": f"198.51.100.{number}"},
            why=f"(request {number} of 5 from 127.0.0.1)",
        )
    refused(
        await client.get("/api/quotes/random", headers={"X-Forwarded-For": "198.51.100.6"}),
        "after 5 requests from 127.0.0.1: X-Forwarded-For is ignored when no proxy is trusted",
    )


@pytest.mark.env(TRUSTED_PROXIES="10.0.0.1")
async def test_forwarded_for_ignored_from_untrusted_peer(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """With TRUSTED_PROXIES=10.0.0.1, X-Forwarded-For sent by 127.0.0.1 is ignored."""
    for number in range(1, 6):
        await spend(
            client,
            1,
            headers={"X-Forwarded-For": f"198.51.100.{number}"},
            why=f"(request {number} of 5 from 127.0.0.1)",
        )
    refused(
        await client.get("/api/quotes/random", headers={"X-Forwarded-For": "198.51.100.6"}),
        "after 5 requests from 127.0.0.1, not a trusted proxy (TRUSTED_PROXIES=10.0.0.1)",
    )


@pytest.mark.env(TRUSTED_PROXIES="10.0.0.1")
async def test_trusted_proxy_forwards_each_clients_address(
    client_at: ClientAt, spend: Spend, refused: Refused
) -> None:
    """Behind trusted proxy 10.0.0.1, each X-Forwarded-For client has its own quota."""
    async with client_at(PROXY) as proxy:
        first = {"X-Forwarded-For": "203.0.113.5"}
        await spend(
            proxy, 5, headers=first, why="for client 203.0.113.5 via trusted proxy 10.0.0.1"
        )
        refused(
            await proxy.get("/api/quotes/random", headers=first),
            "after 5 requests for 203.0.113.5 via trusted proxy 10.0.0.1",
        )
        await spend(
            proxy,
            5,
            headers={"X-Forwarded-For": "203.0.113.6"},
            why="for client 203.0.113.6 via the same proxy (each client has its own quota)",
        )


@pytest.mark.env(TRUSTED_PROXIES="10.0.0.1,10.0.0.2")
async def test_client_is_rightmost_untrusted_forwarded_entry(
    client_at: ClientAt, spend: Spend, refused: Refused
) -> None:
    """Via trusted proxies, the client is the rightmost untrusted X-Forwarded-For entry."""
    async with client_at(PROXY) as proxy:
        for number in range(1, 6):
            await spend(
                proxy,
                1,
                headers={"X-Forwarded-For": f"198.51.100.{number}, 203.0.113.5, 10.0.0.2"},
                why=f"(request {number} of 5 for client 203.0.113.5)",
            )
        refused(
            await proxy.get(
                "/api/quotes/random",
                headers={"X-Forwarded-For": "198.51.100.6, 203.0.113.5, 10.0.0.2"},
            ),
            "after 5 requests for client 203.0.113.5 via proxies 10.0.0.2 and 10.0.0.1: "
            "the entries left of it are the client's own to forge",
        )
        await spend(
            proxy,
            5,
            headers={"X-Forwarded-For": "203.0.113.6, 10.0.0.2"},
            why="for client 203.0.113.6 via proxies 10.0.0.2 and 10.0.0.1 (its own quota)",
        )
