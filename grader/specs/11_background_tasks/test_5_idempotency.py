"""Task 5: an Idempotency-Key makes retries give back the job they already made, once per user,
even when the retries race."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_status, fail

pytestmark = pytest.mark.task(5)

Jobs = Any
Documents = Callable[..., list[str]]


def keyed(rows: dict[str, dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [row for row in rows.values() if row.get("idempotency_key") == key]


@pytest.mark.rule("replay", "new-key")
async def test_retry_gives_back_the_same_job(
    service: Any, client: SpecClient, jobs: Jobs, converter: Any, mailer: Any
) -> None:
    """A retry with the same key and markdown answers 202 with the same job; nothing new runs."""
    markdown = "# Invoice 2024-117"
    first = await jobs.submit(client, markdown, key="invoice-2024-117")
    retry = await jobs.submit(client, markdown, key="invoice-2024-117")
    if retry.id != first.id:
        raise fail(
            f"{call(retry.response)} with Idempotency-Key: invoice-2024-117, sent twice → "
            f"two jobs, {first.id} and {retry.id}: a retry gives back the first"
        )
    done = await jobs.wait(client, first, "done")
    late = await jobs.submit(client, markdown, key="invoice-2024-117")
    if late.id != first.id or late.body != done:
        raise fail(
            f"{call(late.response)}, a retry once the job was done → {late.body}, expected the "
            f"job as it is now: {done}"
        )
    await service.settle()
    rows = keyed(jobs.rows(), "invoice-2024-117")
    if len(rows) != 1 or len(converter.calls) != 1 or len(mailer.calls) != 1:
        raise fail(
            f"3 POST /conversions with one Idempotency-Key → {len(rows)} jobs saved with the key, "
            f"{len(converter.calls)} conversions and {len(mailer.calls)} receipts, expected 1 each"
        )


@pytest.mark.rule("no-key-new-job")
async def test_without_a_key_every_post_makes_a_job(
    client: SpecClient, jobs: Jobs, converter: Any
) -> None:
    """Without Idempotency-Key, the same markdown sent twice makes two jobs."""
    first = await jobs.submit(client, "# Same text")
    second = await jobs.submit(client, "# Same text")
    if first.id == second.id:
        raise fail(
            f"{call(second.response)} without Idempotency-Key, sent twice → the same job twice"
        )
    await jobs.wait(client, second, "done")


@pytest.mark.rule("key-other-markdown")
async def test_key_with_another_markdown_is_422(
    client: SpecClient, jobs: Jobs, converter: Any
) -> None:
    """A used key with another markdown answers 422, and the first job stays as it was."""
    first = await jobs.submit(client, "# Draft", key="draft-1")
    body = await jobs.wait(client, first, "done")
    for other in ("# Draft ", "# draft", "# Draf", "# Draft, version 2"):
        response = await client.post(
            "/conversions", json={"markdown": other}, headers={"Idempotency-Key": "draft-1"}
        )
        if response.status_code != 422:
            raise fail(
                f"{call(response)} with Idempotency-Key: draft-1, used before for '# Draft', and "
                f"markdown {other!r} → expected 422, got {response.status_code}: "
                f"{body_excerpt(response)}"
            )
    if await jobs.get(client, first.id) != body or len(jobs.rows()) != 1:
        raise fail("after the 422s, the first job changed or another job was saved")
    if len(converter.calls) != 1:
        raise fail(f"after the 422s, {len(converter.calls)} conversions ran, expected 1")


@pytest.mark.rule("keys-per-user")
async def test_keys_belong_to_their_user(client: SpecClient, ben: SpecClient, jobs: Jobs) -> None:
    """The same key from ada and from ben makes two jobs, and neither gets the other's."""
    adas = await jobs.submit(client, "# Shared title", key="monday-report")
    bens = await jobs.submit(ben, "# Shared title", key="monday-report")
    if bens.id == adas.id:
        raise fail(
            f"{call(bens.response)} as ben, with the Idempotency-Key ada used → ada's job: "
            "a key belongs to the user who sent it"
        )
    expect_status(await ben.get(adas.path), 404)
    if (await jobs.submit(client, "# Shared title", key="monday-report")).id != adas.id:
        raise fail("ada's retry with her key did not give back her job")
    if (await jobs.submit(ben, "# Shared title", key="monday-report")).id != bens.id:
        raise fail("ben's retry with his key did not give back his job")
    other = await jobs.submit(ben, "# Ben's own", key="tuesday-report")
    response = await client.post(
        "/conversions",
        json={"markdown": "# Ada's own"},
        headers={"Idempotency-Key": "tuesday-report"},
    )
    if jobs.accepted(response).id == other.id:
        raise fail(f"{call(response)} as ada, with ben's key → ben's job")


@pytest.mark.rule("keys-exact")
async def test_keys_are_compared_exactly(client: SpecClient, jobs: Jobs) -> None:
    """Keys differing in case, or matching as LIKE patterns or SQL, are different keys."""
    for first_key, second_key in (
        ("Report-A", "report-a"),
        ("abc", "a_c"),
        ("a_c", "abc"),
        ("xyz", "x%"),
        ("x%", "xyz"),
        ("q'1", "q'OR'1'='1"),
    ):
        first = await jobs.submit(client, f"# {first_key}", key=first_key)
        second = await jobs.submit(client, f"# {second_key}", key=second_key)
        if first.id == second.id:
            raise fail(
                f"{call(second.response)} with Idempotency-Key: {second_key}, after one with "
                f"{first_key} → the same job: keys are compared exactly"
            )
        again = await jobs.submit(client, f"# {second_key}", key=second_key)
        if again.id != second.id:
            raise fail(f"a retry with Idempotency-Key: {second_key} → a new job")


@pytest.mark.rule("key-format")
async def test_key_format_edges(client: SpecClient, jobs: Jobs) -> None:
    """A key of 1 to 255 visible ASCII characters is accepted; anything else answers 422."""
    for key in ("k", "!~", "k" * 255, "a-Z_0.9:/+=@~"):
        await jobs.submit(client, f"# key {len(key)} {key[:4]}", key=key)
    accepted = len(jobs.rows())
    refused: list[tuple[bytes, str]] = [
        (b"", "an empty value"),
        (b"k" * 256, "256 characters"),
        (b"two words", "a space"),
        (b"tab\tkey", "a tab"),
        (b"del\x7f", "a DEL character"),
        ("clé".encode(), "a non-ASCII character"),
    ]
    for value, shown in refused:
        response = await client.post(
            "/conversions",
            json={"markdown": "# refused key"},
            headers=[(b"Idempotency-Key", value)],
        )
        if response.status_code != 422:
            raise fail(
                f"{call(response)} with Idempotency-Key of {shown} → expected 422, got "
                f"{response.status_code}: {body_excerpt(response)}"
            )
    if len(jobs.rows()) != accepted:
        raise fail("POST /conversions answered 422 for its key, yet a job was saved")


@pytest.mark.rule("two-keys")
async def test_two_key_headers_are_422(client: SpecClient, jobs: Jobs) -> None:
    """Two Idempotency-Key headers answer 422, whether they agree or not, and make no job."""
    for values in (("k1", "k2"), ("k3", "k3")):
        response = await client.post(
            "/conversions",
            json={"markdown": "# two keys"},
            headers=[("Idempotency-Key", value) for value in values],
        )
        if response.status_code != 422:
            raise fail(
                f"{call(response)} with two Idempotency-Key headers, {values[0]} and "
                f"{values[1]} → expected 422, got {response.status_code}: {body_excerpt(response)}"
            )
    if jobs.rows():
        raise fail(
            "POST /conversions with two Idempotency-Key headers answered 422, yet saved a job"
        )
    await jobs.submit(client, "# one key", key="k1")


@pytest.mark.usefixtures("switch_often")
@pytest.mark.rule("concurrent-retries")
async def test_concurrent_retries_make_one_job(
    service: Any, client: SpecClient, jobs: Jobs, converter: Any, mailer: Any
) -> None:
    """Ten retries sent at once make one job: all answer 202 with it; one conversion, one email."""
    for round_ in (1, 2):
        key, markdown = f"retried-at-once-{round_}", f"# Retried {round_}"
        # While no write can land, every retry that looks its key up finds nothing: a lookup
        # followed by an insert then makes each of them insert.
        async with jobs.writes_held():
            sending = asyncio.gather(
                *(
                    client.post(
                        "/conversions",
                        json={"markdown": markdown},
                        headers={"Idempotency-Key": key},
                    )
                    for _ in range(10)
                )
            )
        responses = await sending
        statuses = [response.status_code for response in responses]
        if statuses != [202] * 10:
            bad = next(response for response in responses if response.status_code != 202)
            raise fail(
                f"10 concurrent POST /conversions with one Idempotency-Key → statuses {statuses}, "
                f"expected 202 for all: {call(bad)} → {bad.status_code}: {body_excerpt(bad)}"
            )
        ids = {jobs.accepted(response).id for response in responses}
        await service.settle()
        await jobs.until(
            lambda round_=round_: len(converter.calls) >= round_ and len(mailer.calls) >= round_,
            f"10 concurrent POST /conversions with one Idempotency-Key → {len(converter.calls)} "
            f"conversions and {len(mailer.calls)} receipts in all, for {round_} such bursts",
        )
        await asyncio.sleep(0.01)
        rows = keyed(jobs.rows(), key)
        # Each burst before this one made one job, one conversion and one receipt.
        conversions, receipts = len(converter.calls) - round_ + 1, len(mailer.calls) - round_ + 1
        if len(ids) != 1 or len(rows) != 1 or conversions != 1 or receipts != 1:
            raise fail(
                f"10 concurrent POST /conversions with one Idempotency-Key → {len(ids)} distinct "
                f"jobs answered, {len(rows)} saved, {conversions} conversions, "
                f"{receipts} receipts: expected one of each"
            )
