"""Task 4: one quota per client: its API key, else its address; X-Forwarded-For only from a
trusted proxy."""

from collections.abc import Awaitable, Callable

import httpx
import pytest

from grader.kit import SpecClient, call, expect_status, fail

pytestmark = pytest.mark.task(4)

Spend = Callable[..., Awaitable[list[httpx.Response]]]
Refused = Callable[[httpx.Response, str], None]
ClientAt = Callable[..., SpecClient]

PROXY = ("10.0.0.1", 4000)


async def forged_then_refused(
    sender: SpecClient, spend: Spend, refused: Refused, *, after: str, whose: str, refusal: str
) -> None:
    """Five requests pass and a sixth is refused, each with an X-Forwarded-For of its own: a
    forged first entry (198.51.100.1 to .6), then `after` (more entries, or none). `whose` says
    whose requests they are ("from 127.0.0.1"); `refusal`, why the sixth is refused."""
    for number in range(1, 6):
        await spend(
            sender,
            1,
            headers={"X-Forwarded-For": f"198.51.100.{number}{after}"},
            why=f"(request {number} of 5 {whose})",
        )
    refused(
        await sender.get("/api/quotes/random", headers={"X-Forwarded-For": f"198.51.100.6{after}"}),
        refusal,
    )


@pytest.mark.rule("client-by-address", "first-client-is-address")
async def test_addresses_have_separate_quotas(
    client: SpecClient, client_at: ClientAt, spend: Spend, refused: Refused
) -> None:
    """A client at 10.0.0.7 gets its full quota after 127.0.0.1 used up its own."""
    await spend(client, 5, why="from 127.0.0.1 with RATE_LIMIT=5")
    refused(await client.get("/api/quotes/random"), "after 5 requests from 127.0.0.1")
    async with client_at(("10.0.0.7", 4000)) as other:
        await spend(other, 5, why="from 10.0.0.7, which has made no request yet")
        refused(await other.get("/api/quotes/random"), "after 5 requests from 10.0.0.7")


@pytest.mark.rule("client-by-key")
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


@pytest.mark.rule("client-by-key")
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


@pytest.mark.rule("key-never-shares-with-address")
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


@pytest.mark.rule("xff-ignored-without-proxies", "xff-row-empty")
async def test_forwarded_for_ignored_without_trusted_proxies(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """With no TRUSTED_PROXIES, a new X-Forwarded-For on each request does not reset the quota."""
    await forged_then_refused(
        client,
        spend,
        refused,
        after="",
        whose="from 127.0.0.1",
        refusal="after 5 requests from 127.0.0.1: X-Forwarded-For is ignored when no proxy is "
        "trusted",
    )


@pytest.mark.env(TRUSTED_PROXIES="10.0.0.1")
@pytest.mark.rule("xff-ignored-from-untrusted-peer", "xff-row-untrusted-peer")
async def test_forwarded_for_ignored_from_untrusted_peer(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """With TRUSTED_PROXIES=10.0.0.1, X-Forwarded-For sent by 127.0.0.1 is ignored."""
    await forged_then_refused(
        client,
        spend,
        refused,
        after="",
        whose="from 127.0.0.1",
        refusal="after 5 requests from 127.0.0.1, not a trusted proxy (TRUSTED_PROXIES=10.0.0.1)",
    )


@pytest.mark.env(TRUSTED_PROXIES="10.0.0.1")
@pytest.mark.rule("xff-walk-from-right", "xff-row-one-proxy", "setting-trusted-proxies")
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
@pytest.mark.rule(
    "xff-walk-from-right", "xff-forged-entries", "xff-row-two-proxies", "setting-trusted-proxies"
)
async def test_client_is_rightmost_untrusted_forwarded_entry(
    client_at: ClientAt, spend: Spend, refused: Refused
) -> None:
    """Via trusted proxies, the client is the rightmost untrusted X-Forwarded-For entry."""
    async with client_at(PROXY) as proxy:
        await forged_then_refused(
            proxy,
            spend,
            refused,
            after=", 203.0.113.5, 10.0.0.2",
            whose="for client 203.0.113.5",
            refusal="after 5 requests for client 203.0.113.5 via proxies 10.0.0.2 and 10.0.0.1: "
            "the entries left of it are the client's own to forge",
        )
        await spend(
            proxy,
            5,
            headers={"X-Forwarded-For": "203.0.113.6, 10.0.0.2"},
            why="for client 203.0.113.6 via proxies 10.0.0.2 and 10.0.0.1 (its own quota)",
        )


@pytest.mark.rule("empty-key-is-no-key")
async def test_empty_api_key_counts_as_no_key(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """An empty X-API-Key header is no key: those requests count against the address."""
    await spend(client, 3, why="from 127.0.0.1 without X-API-Key (RATE_LIMIT=5)")
    await spend(client, 2, headers={"X-API-Key": ""}, why="from 127.0.0.1 with an empty X-API-Key")
    why = "after 5 requests from 127.0.0.1, 2 of them with an empty X-API-Key (no key)"
    refused(await client.get("/api/quotes/random"), why)
    refused(await client.get("/api/quotes/random", headers={"X-API-Key": ""}), why)


#: Keys that an app which names its clients by string might confuse with the address 127.0.0.1.
ADDRESS_LOOKALIKES = (
    "127.0.0.1",
    "ip:127.0.0.1",
    "ip-127.0.0.1",
    "ip_127.0.0.1",
    "ip/127.0.0.1",
    "ip|127.0.0.1",
    "ip 127.0.0.1",
    "addr:127.0.0.1",
    "address:127.0.0.1",
    "client:127.0.0.1",
    "host:127.0.0.1",
    "ip:127.0.0.1:50000",
    "127.0.0.1:50000",
    "('ip', '127.0.0.1')",
)


@pytest.mark.rule("key-never-shares-with-address")
async def test_no_key_shares_the_quota_of_an_address(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """After 127.0.0.1 used up its quota, keys spelled like it (ip:127.0.0.1, …) still get 200."""
    await spend(client, 5, why="from 127.0.0.1 without a key (RATE_LIMIT=5)")
    refused(await client.get("/api/quotes/random"), "after 5 requests from 127.0.0.1")
    for key in ADDRESS_LOOKALIKES:
        await spend(
            client,
            1,
            headers={"X-API-Key": key},
            why=f"with X-API-Key: {key}, a key that made no request yet (a key never shares the "
            "quota of an address)",
        )


@pytest.mark.env(TRUSTED_PROXIES="10.0.0.1,10.0.0.2")
@pytest.mark.rule("xff-several-headers")
async def test_several_forwarded_for_headers_are_one_list(
    client_at: ClientAt, spend: Spend, refused: Refused
) -> None:
    """Two X-Forwarded-For headers are read as one list, in order, and walked from the right."""
    async with client_at(PROXY) as proxy:
        for number in range(1, 6):
            await spend(
                proxy,
                1,
                headers=[
                    ("X-Forwarded-For", f"198.51.100.{number}"),
                    ("X-Forwarded-For", "203.0.113.5, 10.0.0.2"),
                ],
                why=f"(request {number} of 5 for client 203.0.113.5)",
            )
        refused(
            await proxy.get(
                "/api/quotes/random",
                headers=[
                    ("X-Forwarded-For", "198.51.100.6"),
                    ("X-Forwarded-For", "203.0.113.5, 10.0.0.2"),
                ],
            ),
            "after 5 requests for client 203.0.113.5: the headers X-Forwarded-For: "
            "198.51.100.6 and X-Forwarded-For: 203.0.113.5, 10.0.0.2 are one list",
        )
        refused(
            await proxy.get(
                "/api/quotes/random",
                headers=[("X-Forwarded-For", "203.0.113.5"), ("X-Forwarded-For", "10.0.0.2")],
            ),
            "after 5 requests for client 203.0.113.5: the headers X-Forwarded-For: "
            "203.0.113.5 and X-Forwarded-For: 10.0.0.2 are one list",
        )


@pytest.mark.env(TRUSTED_PROXIES="10.0.0.1")
@pytest.mark.rule("xff-split-and-strip")
async def test_forwarded_for_entries_are_split_and_stripped(
    client_at: ClientAt, spend: Spend, refused: Refused
) -> None:
    """X-Forwarded-For entries are split on commas with or without spaces, stripped, and empty
    ones skipped."""
    async with client_at(PROXY) as proxy:
        for number in range(1, 4):
            await spend(
                proxy,
                1,
                headers={"X-Forwarded-For": f"198.51.100.{number},203.0.113.7"},
                why=f"(X-Forwarded-For: 198.51.100.{number},203.0.113.7, client 203.0.113.7)",
            )
        for number in range(4, 6):
            await spend(
                proxy,
                1,
                headers={"X-Forwarded-For": f"198.51.100.{number}  ,   203.0.113.7"},
                why=f"(X-Forwarded-For: 198.51.100.{number}  ,   203.0.113.7, client 203.0.113.7)",
            )
        refused(
            await proxy.get(
                "/api/quotes/random", headers={"X-Forwarded-For": "198.51.100.6,203.0.113.7"}
            ),
            "after 5 requests for client 203.0.113.7, written with and without spaces",
        )
        for number in range(1, 6):
            await spend(
                proxy,
                1,
                headers={"X-Forwarded-For": "203.0.113.8, ,"},
                why=f"(request {number} of 5 with X-Forwarded-For: '203.0.113.8, ,', client "
                "203.0.113.8: empty entries are skipped)",
            )
        await spend(
            proxy,
            1,
            headers={"X-Forwarded-For": ", 203.0.113.9,,"},
            why="with X-Forwarded-For: ', 203.0.113.9,,' (client 203.0.113.9, which has made no "
            "request yet: empty entries are skipped)",
        )


@pytest.mark.env(TRUSTED_PROXIES="10.0.0.1,10.0.0.2")
@pytest.mark.rule("xff-missing")
async def test_missing_forwarded_for_means_the_peer(
    client_at: ClientAt, spend: Spend, refused: Refused
) -> None:
    """A trusted proxy's request without X-Forwarded-For counts against the proxy's address."""
    async with client_at(PROXY) as proxy:
        await spend(proxy, 5, why="from trusted proxy 10.0.0.1 without X-Forwarded-For")
        refused(
            await proxy.get("/api/quotes/random"),
            "after 5 requests from 10.0.0.1 without X-Forwarded-For (the client is the peer)",
        )
    async with client_at(("10.0.0.2", 4000)) as other_proxy:
        await spend(
            other_proxy,
            5,
            why="from trusted proxy 10.0.0.2 without X-Forwarded-For (its own address, its own "
            "quota)",
        )


@pytest.mark.env(TRUSTED_PROXIES="10.0.0.1,10.0.0.2")
@pytest.mark.rule("xff-all-trusted")
async def test_all_trusted_entries_mean_the_leftmost(
    client_at: ClientAt, spend: Spend, refused: Refused
) -> None:
    """When every X-Forwarded-For entry is a trusted proxy, the client is the leftmost entry."""
    async with client_at(PROXY) as proxy:
        await spend(
            proxy,
            5,
            headers={"X-Forwarded-For": "10.0.0.2"},
            why="with X-Forwarded-For: 10.0.0.2 (every entry trusted: the client is 10.0.0.2)",
        )
        await spend(
            proxy,
            5,
            headers={"X-Forwarded-For": "10.0.0.1, 10.0.0.2"},
            why="with X-Forwarded-For: 10.0.0.1, 10.0.0.2 (every entry trusted: the client is "
            "10.0.0.1, which has made no request yet)",
        )
        refused(
            await proxy.get(
                "/api/quotes/random", headers={"X-Forwarded-For": "10.0.0.2, 10.0.0.1"}
            ),
            "with X-Forwarded-For: 10.0.0.2, 10.0.0.1 (every entry trusted: the client is the "
            "leftmost, 10.0.0.2, which made 5 requests)",
        )
        refused(
            await proxy.get("/api/quotes/random"),
            "from 10.0.0.1 without X-Forwarded-For, after 5 requests for client 10.0.0.1",
        )


@pytest.mark.env(TRUSTED_PROXIES="10.0.0.10,10.0.0.20")
@pytest.mark.rule("xff-ignored-from-untrusted-peer", "xff-walk-from-right")
async def test_trusted_proxies_are_whole_addresses(
    client_at: ClientAt, spend: Spend, refused: Refused
) -> None:
    """With TRUSTED_PROXIES=10.0.0.10,10.0.0.20, neither 10.0.0.1 nor 10.0.0.2 is trusted."""
    async with client_at(PROXY) as untrusted:
        await forged_then_refused(
            untrusted,
            spend,
            refused,
            after="",
            whose="from 10.0.0.1",
            refusal="after 5 requests from 10.0.0.1, which is not 10.0.0.10 (TRUSTED_PROXIES="
            "10.0.0.10,10.0.0.20): its X-Forwarded-For is ignored",
        )
    async with client_at(("10.0.0.10", 4000)) as proxy:
        await forged_then_refused(
            proxy,
            spend,
            refused,
            after=", 10.0.0.2",
            whose="for client 10.0.0.2 via trusted proxy 10.0.0.10",
            refusal="after 5 requests for client 10.0.0.2 via 10.0.0.10: 10.0.0.2 is not "
            "10.0.0.20, so it is the client, and the entries left of it are its own to forge",
        )


#: X-Forwarded-For values a client (or a broken proxy) may send: none is an error.
HOSTILE_FORWARDED_FOR = (
    "",
    " ",
    ",",
    " , ,",
    "unknown",
    "not an address",
    "999.999.999.999",
    "::1",
    "[2001:db8::1]:443",
    "203.0.113.5:8080",
    "_hidden, 10.0.0.1",
    "' OR 1=1 --",
    "(.*)+$",
    "%00",
    "x" * 300,
    ", ".join(f"198.51.{n // 250}.{n % 250}" for n in range(400)),
)


@pytest.mark.env(TRUSTED_PROXIES="10.0.0.1")
@pytest.mark.rule("xff-forged-entries", "client-by-key")
async def test_hostile_headers_never_cause_errors(client: SpecClient, client_at: ClientAt) -> None:
    """Odd X-Forwarded-For and X-API-Key values are still limited (200 or 429), never an error."""
    async with client_at(PROXY) as proxy:
        for value in HOSTILE_FORWARDED_FOR:
            response = await proxy.get("/api/quotes/random", headers={"X-Forwarded-For": value})
            expect_limited(response)
    for key in (b" ", b"k" * 4096, b"\t", b"' OR 1=1 --", b"../../etc/passwd", "ключ".encode()):
        response = await client.get("/api/quotes/random", headers=[(b"X-API-Key", key)])
        expect_limited(response)


def expect_limited(response: httpx.Response) -> None:
    expect_status(response, 200, 429)
    if "RateLimit-Limit" not in response.headers:
        raise fail(f"{call(response)} → the {response.status_code} has no RateLimit-Limit header")
