"""Task 3: CORS for the allowed origins only, with credentials, and strict preflights."""

from collections.abc import Callable

import httpx
import pytest

from grader.kit import SpecClient, call, expect_status, fail

pytestmark = pytest.mark.task(3)

Names = Callable[[httpx.Response, str], set[str]]

ALLOWED = ["https://app.example.com", "https://admin.example.com"]
NOT_ALLOWED = [
    "https://evil.example",
    "null",
    "http://app.example.com",
    "https://app.example.com:8443",
    "https://app.example.com.evil.net",
    "https://evilapp.example.com",
    "https://example.com",
]


def expect_allowed_origin(response: httpx.Response, origin: str) -> None:
    got = response.headers.get_list("Access-Control-Allow-Origin")
    if got != [origin]:
        raise fail(
            f"{call(response)} with Origin: {origin} (allowed) → expected "
            f"Access-Control-Allow-Origin: {origin}, got {got or 'none'}"
        )
    credentials = response.headers.get("Access-Control-Allow-Credentials")
    if credentials != "true":
        raise fail(
            f"{call(response)} with Origin: {origin} → expected "
            f"Access-Control-Allow-Credentials: true, got {credentials!r}"
        )


def expect_no_allowed_origin(response: httpx.Response, origin: str) -> None:
    got = response.headers.get_list("Access-Control-Allow-Origin")
    if got:
        raise fail(
            f"{call(response)} with Origin: {origin} (not in CORS_ORIGINS) → "
            f"Access-Control-Allow-Origin: {', '.join(got)}: the browser would let that "
            "page read the answer"
        )


@pytest.mark.rule("cors-allowed")
async def test_allowed_origin_is_echoed(client: SpecClient, names: Names) -> None:
    """An allowed Origin is echoed with credentials, exposed headers and Vary: Origin."""
    for origin in ALLOWED:
        response = expect_status(await client.get("/api/notes", headers={"Origin": origin}), 200)
        expect_allowed_origin(response, origin)
        exposed = names(response, "Access-Control-Expose-Headers")
        if not {"x-request-id", "server-timing"} <= exposed:
            raise fail(
                f"{call(response)} with Origin: {origin} → Access-Control-Expose-Headers "
                f"must name X-Request-ID and Server-Timing, got {sorted(exposed) or 'none'}"
            )
        if "origin" not in names(response, "Vary"):
            raise fail(
                f"{call(response)} with Origin: {origin} → Vary must name Origin (the answer "
                f"depends on it), got {response.headers.get_list('Vary') or 'none'}"
            )


@pytest.mark.rule("cors-allowed")
async def test_allowed_origin_on_errors(client: SpecClient) -> None:
    """An allowed Origin is echoed on a 404 and a 422 too: the page must be able to read them."""
    origin = ALLOWED[0]
    response = expect_status(await client.get("/api/notes/9", headers={"Origin": origin}), 404)
    expect_allowed_origin(response, origin)
    response = await client.post("/api/notes", json={}, headers={"Origin": origin})
    expect_allowed_origin(expect_status(response, 422), origin)


@pytest.mark.rule("cors-not-allowed", "cors-exact", "cors-no-star")
async def test_other_origins_are_not_echoed(client: SpecClient) -> None:
    """null, another scheme or port, look-alike domains: served, but never allowed."""
    expect_allowed_origin(
        await client.get("/api/notes", headers={"Origin": ALLOWED[0]}), ALLOWED[0]
    )
    for origin in NOT_ALLOWED:
        response = await client.get("/api/notes", headers={"Origin": origin})
        expect_status(response, 200)
        expect_no_allowed_origin(response, origin)


@pytest.mark.rule("preflight-ok")
async def test_preflight_for_allowed_method_and_headers(client: SpecClient, names: Names) -> None:
    """A preflight for POST with Content-Type, X-Request-ID from an allowed origin answers 200."""
    for origin, method, asked in (
        (ALLOWED[0], "POST", "content-type, x-request-id"),
        (ALLOWED[1], "GET", "X-Request-ID"),
        (ALLOWED[0], "POST", None),
    ):
        headers = {"Origin": origin, "Access-Control-Request-Method": method}
        if asked is not None:
            headers["Access-Control-Request-Headers"] = asked
        response = await client.options("/api/notes", headers=headers)
        what = f"preflight from {origin} for {method}" + (f" with {asked}" if asked else "")
        if response.status_code != 200:
            raise fail(f"OPTIONS /api/notes ({what}) → expected 200, got {response.status_code}")
        expect_allowed_origin(response, origin)
        methods = names(response, "Access-Control-Allow-Methods")
        if method.lower() not in methods or methods & {"put", "patch", "delete", "*"}:
            raise fail(
                f"OPTIONS /api/notes ({what}) → Access-Control-Allow-Methods must name "
                f"{method} and none of PUT, PATCH, DELETE, got {sorted(methods) or 'none'}"
            )
        allowed_headers = names(response, "Access-Control-Allow-Headers")
        wanted = {h.strip().lower() for h in (asked or "").split(",") if h.strip()}
        if not wanted <= allowed_headers or "*" in allowed_headers:
            raise fail(
                f"OPTIONS /api/notes ({what}) → Access-Control-Allow-Headers must name "
                f"{sorted(wanted)}, got {sorted(allowed_headers) or 'none'}"
            )
        max_age = response.headers.get("Access-Control-Max-Age")
        if max_age != "600":
            raise fail(
                f"OPTIONS /api/notes ({what}) → expected Access-Control-Max-Age: 600, "
                f"got {max_age!r}"
            )


@pytest.mark.rule("preflight-bad-origin")
async def test_preflight_from_other_origin_is_refused(client: SpecClient) -> None:
    """A preflight from an origin not on the list answers 400 without Allow-Origin."""
    for origin in NOT_ALLOWED:
        headers = {"Origin": origin, "Access-Control-Request-Method": "GET"}
        response = await client.options("/api/notes", headers=headers)
        if response.status_code != 400:
            raise fail(
                f"OPTIONS /api/notes (preflight from {origin}, not allowed) → expected 400, "
                f"got {response.status_code}"
            )
        expect_no_allowed_origin(response, origin)


@pytest.mark.rule("preflight-bad-request")
async def test_preflight_for_other_method_or_header_is_refused(client: SpecClient) -> None:
    """A preflight for DELETE, PUT, or an Authorization or X-Admin header answers 400."""
    cases = [
        ("DELETE", None),
        ("PUT", None),
        ("PATCH", None),
        ("POST", "Authorization"),
        ("GET", "X-Admin"),
        ("POST", "content-type, x-admin"),
    ]
    for method, asked in cases:
        headers = {"Origin": ALLOWED[0], "Access-Control-Request-Method": method}
        if asked is not None:
            headers["Access-Control-Request-Headers"] = asked
        response = await client.options("/api/notes", headers=headers)
        if response.status_code != 400:
            what = f"for {method}" + (f" with {asked}" if asked else "")
            raise fail(
                f"OPTIONS /api/notes (preflight from {ALLOWED[0]} {what}) → expected 400, "
                f"got {response.status_code}"
            )
