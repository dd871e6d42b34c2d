"""Task 2: browse the catalogue with optional filters, a repeatable tag and a bounded limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_object, fail

pytestmark = pytest.mark.task(2)

ExpectBooks = Callable[..., list[Any]]
Params = dict[str, Any]


async def expect_422(client: SpecClient, params: Params, why: str) -> None:
    r = await client.get("/books", params=params)
    if r.status_code != 422:
        raise fail(f"{call(r)} ({why}) → expected 422, got {r.status_code}: {body_excerpt(r)}")
    expect_object(r, 422, "detail")


@pytest.mark.rule("list-books", "limit-default", "id-order", "book-shape")
async def test_first_five_by_default(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /books with no query parameters answers 200 with books 1-5, whole, in id order."""
    expect_books(await client.get("/books"), [1, 2, 3, 4, 5])


@pytest.mark.rule("limit-range", "id-order")
async def test_limit_at_its_bounds(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /books accepts limit=1 (one book), limit=20 (the whole catalogue) and 2 to 19."""
    expect_books(await client.get("/books", params={"limit": 1}), [1])
    expect_books(await client.get("/books", params={"limit": 2}), [1, 2])
    expect_books(await client.get("/books", params={"limit": 7}), list(range(1, 8)))
    expect_books(await client.get("/books", params={"limit": 19}), list(range(1, 13)))
    expect_books(await client.get("/books", params={"limit": 20}), list(range(1, 13)))


@pytest.mark.rule("limit-range", "limit-422", "error-422", "error-detail")
async def test_limit_out_of_bounds(client: SpecClient) -> None:
    """GET /books answers 422 for limit=0, 21, -1, many, 2.5, empty and an integer past 64 bits."""
    cases = {
        "0": "below 1",
        "21": "above 20",
        "-1": "below 1",
        "many": "not an integer",
        "2.5": "not an integer",
        "": "empty",
        "99999999999999999999": "far above 20",
    }
    for limit, why in cases.items():
        await expect_422(client, {"limit": limit}, why)


@pytest.mark.rule("tag-filter")
async def test_one_tag(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /books?tag=award-winner returns only the books with that tag."""
    expect_books(await client.get("/books", params={"tag": "award-winner"}), [2, 4, 6, 11])
    expect_books(await client.get("/books", params={"tag": "survival"}), [12])


@pytest.mark.rule("tag-filter")
async def test_repeated_tag(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /books?tag=cyberpunk&tag=whodunit returns the books with either tag, not just one."""
    r = await client.get("/books", params={"tag": ["cyberpunk", "whodunit"]})
    expect_books(r, [5, 6, 9, 10])
    r = await client.get("/books", params={"tag": ["satire", "no-such-tag", "thriller"]})
    expect_books(r, [8, 9])


@pytest.mark.rule("tag-exact")
async def test_tags_match_exactly(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /books?tag=… matches whole tags, case included: Cyberpunk, cyber and epics match none."""
    for tag in ("Cyberpunk", "CYBERPUNK", "cyber", "punk", "epics", "award", "no-such-tag"):
        expect_books(await client.get("/books", params={"tag": tag}), [])


@pytest.mark.rule("q-filter")
async def test_search_title_or_author(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /books?q=… matches the title or the author, anywhere in it, ignoring case."""
    expect_books(await client.get("/books", params={"q": "GUIN"}), [1, 2])
    expect_books(await client.get("/books", params={"q": "snow cr"}), [9])
    expect_books(await client.get("/books", params={"q": "hOBBIT"}), [3])
    expect_books(await client.get("/books", params={"q": "rothfuss"}), [7])


@pytest.mark.rule("q-filter")
async def test_search_only_title_and_author(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /books?q=… looks at title and author only: a tag, genre, year or ISBN matches none."""
    for q in ("epic", "fantasy", "mystery", "1984", "9780441569595"):
        expect_books(await client.get("/books", params={"q": q}), [])


@pytest.mark.rule("q-literal")
async def test_search_is_plain_text(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /books?q=… takes q as plain text: ".", "*", "(" and "%" are characters, not patterns."""
    expect_books(await client.get("/books", params={"q": "k."}), [1, 2])
    expect_books(await client.get("/books", params={"q": "r. r."}), [3])
    for q in (".*", "..", "((", "[a", "a+", "%%", "__", "\\d"):
        expect_books(await client.get("/books", params={"q": q}), [])


@pytest.mark.rule("q-length")
async def test_search_length_bounds(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /books?q=… answers 200 for 2 and 40 characters, 422 for empty, 1 and 41 characters."""
    expect_books(await client.get("/books", params={"q": "du"}), [4])
    for q in ("x" * 40, "é" * 40):
        expect_books(await client.get("/books", params={"q": q}), [])
    cases = {"": "empty", "a": "1 character", "x" * 41: "41 characters", "é" * 41: "41 characters"}
    for q, why in cases.items():
        await expect_422(client, {"q": q}, why)


@pytest.mark.rule("limit-after-filter")
async def test_limit_applies_after_filtering(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /books filters first, then keeps at most `limit` books (5 when not given)."""
    expect_books(await client.get("/books", params={"tag": "classic"}), [1, 2, 3, 4, 5])
    r = await client.get("/books", params={"tag": "classic", "limit": 20})
    expect_books(r, [1, 2, 3, 4, 5, 10])
    expect_books(await client.get("/books", params={"tag": "cyberpunk", "limit": 1}), [6])
    expect_books(await client.get("/books", params={"q": "the", "limit": 20}), [2, 3, 5, 7, 10, 12])
    expect_books(await client.get("/books", params={"q": "the", "limit": 2}), [2, 3])


@pytest.mark.rule("filters-combine")
async def test_filters_combine(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /books with tag and q keeps only the books that pass both filters."""
    r = await client.get("/books", params={"tag": "classic", "q": "the", "limit": 20})
    expect_books(r, [2, 3, 5, 10])
    r = await client.get("/books", params={"tag": ["cyberpunk", "whodunit"], "q": "snow"})
    expect_books(r, [9])
    expect_books(await client.get("/books", params={"tag": "epic", "q": "guin"}), [])
