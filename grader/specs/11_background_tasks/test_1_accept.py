"""Task 1: a conversion is accepted at once as a job with an unguessable id, which only its
owner can read."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_status, fail
from grader.messages import clip

pytestmark = pytest.mark.task(1)

Jobs = Any
Documents = Callable[..., list[str]]


@pytest.mark.env(JOB_WORKERS="1")
@pytest.mark.rule("post-202", "location", "created-status", "result-error-null")
async def test_post_answers_202_with_location_and_the_job(
    client: SpecClient, jobs: Jobs, converter: Any, documents: Documents
) -> None:
    """POST /conversions answers 202, Location /conversions/{id}, and the job, not finished."""
    converter.hold()
    first, second = documents(2)
    submitted = await jobs.submit(client, first)
    # With the first job held, the second cannot have started: it is as it was created.
    later = await jobs.submit(client, second)
    for job, allowed in ((submitted, ("pending", "running")), (later, ("pending",))):
        body = job.body
        if body["status"] not in allowed:
            raise fail(
                f"{call(job.response)} → the new job's status is {body['status']}, expected "
                f"{' or '.join(allowed)}"
            )
        if body["result"] is not None or body["error"] is not None:
            raise fail(
                f'{call(job.response)} → a job that is not finished has "result": null and '
                f'"error": null, got {clip(str(body), 160)}'
            )


@pytest.mark.rule("get-own")
async def test_get_answers_the_job_as_it_is_now(
    client: SpecClient, jobs: Jobs, converter: Any, documents: Documents
) -> None:
    """GET /conversions/{id} answers 200 with the caller's job, as it is now."""
    converter.hold()
    (markdown,) = documents(1)
    job = await jobs.submit(client, markdown)
    before = await jobs.get(client, job.id)
    if before["status"] in ("done", "failed"):
        raise fail(f"GET {job.path} → status {before['status']} before its conversion returned")
    converter.let_go_all()
    body = await jobs.wait(client, job, "done", why="once its conversion returned")
    if body["result"] != converter.result_for(markdown):
        raise fail(
            f"GET {job.path} → result {clip(repr(body['result']), 80)}, expected what the "
            "converter returned"
        )


@pytest.mark.rule("uuid4-ids")
async def test_ids_are_random_uuid4(client: SpecClient, jobs: Jobs, documents: Documents) -> None:
    """Every job id is a random UUID (version 4) in its 36-character form, never a repeat."""
    first, second = documents(2)
    submitted = [await jobs.submit(client, markdown) for markdown in (first, first, second, first)]
    seen: set[str] = set()
    for job in submitted:
        try:
            parsed = uuid.UUID(job.id)
        except ValueError:
            parsed = None
        if parsed is None or str(parsed) != job.id or parsed.version != 4:
            raise fail(
                f"{call(job.response)} → id {clip(repr(job.id), 60)}, expected a random UUID "
                'written as str(uuid.uuid4()) gives, e.g. "0b5c8a52-7f52-4f0e-9d8e-2a3b9f4c1d6e"'
            )
        if job.id in seen:
            raise fail(f"{call(job.response)} → id {job.id} was given to an earlier job too")
        seen.add(job.id)


@pytest.mark.rule("markdown-limits", "bad-body-422")
async def test_markdown_length_edges(client: SpecClient, jobs: Jobs) -> None:
    """markdown of 1 and 100 000 characters (code points) is accepted; 0 and 100 001 are 422."""
    for markdown, what in (
        ("x", "1 character"),
        ("a" * 100_000, "100 000 characters"),
        ("é" * 100_000, "100 000 characters of 2 bytes each"),
        ("😀" * 100_000, "100 000 characters of 4 bytes each"),
    ):
        response = await client.post("/conversions", json={"markdown": markdown})
        if response.status_code != 202:
            raise fail(
                f"{call(response)} with a markdown of {what} → expected 202, got "
                f"{response.status_code}: {body_excerpt(response)}"
            )
    for markdown, what in (
        ("", "0 characters"),
        ("a" * 100_001, "100 001 characters"),
        ("😀" * 100_001, "100 001 characters"),
    ):
        response = await client.post("/conversions", json={"markdown": markdown})
        if response.status_code != 422:
            raise fail(
                f"{call(response)} with a markdown of {what} → expected 422, got "
                f"{response.status_code}: {body_excerpt(response)}"
            )
    if len(jobs.rows()) != 4:
        raise fail(f"after 4 accepted and 3 refused POSTs, the jobs table has {len(jobs.rows())}")


@pytest.mark.rule("bad-body-422")
async def test_malformed_bodies_are_422_and_make_no_job(
    service: Any, client: SpecClient, jobs: Jobs, converter: Any, mailer: Any
) -> None:
    """A body that is not {"markdown": "..."} answers 422 and makes no job, no call, no email."""
    bodies: list[tuple[str, bytes]] = [
        ("{}", b"{}"),
        ('{"markdown": null}', b'{"markdown": null}'),
        ('{"markdown": 42}', b'{"markdown": 42}'),
        ('{"markdown": ["# a"]}', b'{"markdown": ["# a"]}'),
        ('{"markdown": {"text": "# a"}}', b'{"markdown": {"text": "# a"}}'),
        ('{"text": "# a"}', b'{"text": "# a"}'),
        ('["# a"]', b'["# a"]'),
        ('"# a"', b'"# a"'),
        ("{", b"{"),
        ("an empty body", b""),
    ]
    for shown, content in bodies:
        response = await client.post(
            "/conversions", content=content, headers={"Content-Type": "application/json"}
        )
        if response.status_code != 422:
            raise fail(
                f"{call(response)} with the body {shown} → expected 422, got "
                f"{response.status_code}: {body_excerpt(response)}"
            )
    await service.settle()
    if jobs.rows() or converter.calls or mailer.calls:
        raise fail(
            f"after {len(bodies)} POST /conversions answered 422 → {len(jobs.rows())} jobs in the "
            f"table, {len(converter.calls)} conversions, {len(mailer.calls)} emails: expected none"
        )
    await jobs.submit(client, "# after the refusals")


@pytest.mark.rule("mass-assignment")
async def test_fields_other_than_markdown_are_ignored(
    client: SpecClient, ben: SpecClient, jobs: Jobs, converter: Any, documents: Documents
) -> None:
    """POST /conversions ignores id, status, result, error, owner and keys sent in the body."""
    converter.hold()
    forged_id = str(uuid.uuid4())
    first, second = documents(2)
    response = await client.post(
        "/conversions",
        json={
            "markdown": first,
            "id": forged_id,
            "status": "done",
            "result": "<p>forged</p>",
            "error": "forged",
            "owner": "ben",
            "idempotency_key": "forged-key",
        },
    )
    job = jobs.accepted(response)
    sent = "with id, status, result, error, owner and idempotency_key in the body"
    if job.id == forged_id:
        raise fail(f"{call(response)} {sent} → the job took the id the client chose")
    if job.body["status"] not in ("pending", "running") or job.body["result"] is not None:
        raise fail(f"{call(response)} {sent} → the client's fields were used: {job.body}")
    row = jobs.row(job)
    if row.get("owner") != "ada":
        raise fail(f"{call(response)} {sent} → the job's owner is {row.get('owner')!r}")
    expect_status(await ben.get(f"/conversions/{job.id}"), 404)
    expect_status(await client.get(f"/conversions/{forged_id}"), 404)
    # The body's idempotency_key is not a key: the header with that value is a new one.
    await jobs.submit(client, second, key="forged-key")


@pytest.mark.rule("committed", "database-url")
async def test_job_is_committed_with_owner_and_markdown(client: SpecClient, jobs: Jobs) -> None:
    """The accepted job is in the jobs table of DATABASE_URL, with owner and markdown as sent."""
    markdown = "  # Title  \r\n\n\tindented\n\n*trailing*   \n\n"
    job = await jobs.submit(client, markdown)
    row = jobs.row(job)
    if row.get("owner") != "ada" or row.get("markdown") != markdown:
        raise fail(
            f"{call(job.response)} as ada → the jobs table holds owner {row.get('owner')!r} and "
            f"markdown {clip(repr(row.get('markdown')), 80)}, expected 'ada' and "
            f"{clip(repr(markdown), 80)}, exactly as sent"
        )


@pytest.mark.rule("owner-only", "get-other-404")
async def test_another_users_job_is_404(
    client: SpecClient, ben: SpecClient, jobs: Jobs, converter: Any
) -> None:
    """A user asking for another's job gets the 404 of an id that was never used, and nothing."""
    for owner, name, other, other_name in (
        (client, "ada", ben, "ben"),
        (ben, "ben", client, "ada"),
    ):
        secret = f"secret-plan-{name}-4711"
        markdown = f"# {name}'s private notes\n\n{secret}"
        job = await jobs.submit(owner, markdown)
        await jobs.wait(owner, job, "done")
        unknown = str(uuid.uuid4())
        theirs = await other.get(f"/conversions/{job.id}")
        nobody = await other.get(f"/conversions/{unknown}")
        for response in (theirs, nobody):
            if response.status_code != 404:
                raise fail(
                    f"{call(response)} as {other_name}, for {name}'s job or an unknown id → "
                    f"expected 404, got {response.status_code}: {body_excerpt(response)}"
                )
        if theirs.text.replace(job.id, "ID") != nobody.text.replace(unknown, "ID"):
            raise fail(
                f"{call(theirs)} as {other_name} → {body_excerpt(theirs)}, unlike the 404 of an "
                f"unknown id: {body_excerpt(nobody)} (it tells {other_name} that the job exists)"
            )
        for shown in (secret, converter.result_for(markdown)):
            if shown in theirs.text or shown in str(theirs.headers):
                raise fail(
                    f"{call(theirs)} as {other_name} → the response shows {name}'s job: "
                    f"{clip(shown, 60)}"
                )
        await jobs.get(owner, job.id)


@pytest.mark.rule("get-other-404")
async def test_unknown_and_malformed_ids(client: SpecClient, jobs: Jobs) -> None:
    """GET /conversions/{id} with an unknown, cut, wildcard or hostile id: 404 (422), never 500."""
    job = await jobs.submit(client, "# mine")
    for job_id, allowed in (
        (str(uuid.uuid4()), (404,)),
        (job.id[:8], (404, 422)),
        (job.id[:-1], (404, 422)),
        (job.id + "0", (404, 422)),
        ("%25", (404, 422)),
        (job.id[:8] + "%25", (404, 422)),
        ("_" * 36, (404, 422)),
        ("abc", (404, 422)),
        ("0", (404, 422)),
        ("-1", (404, 422)),
        ("%27%20OR%20%271%27%3D%271", (404, 422)),
        ("..%2F..%2Fetc%2Fpasswd", (404, 422)),
        ("a" * 300, (404, 422)),
    ):
        response = await client.get(f"/conversions/{job_id}")
        if response.status_code not in allowed:
            raise fail(
                f"{call(response)} → expected {' or '.join(map(str, allowed))}, got "
                f"{response.status_code}: {body_excerpt(response)}"
            )


@pytest.mark.rule("needs-token")
async def test_requests_need_a_known_token(
    client: SpecClient, anonymous: SpecClient, jobs: Jobs
) -> None:
    """Without a known bearer token, POST and GET /conversions answer 401 and make no job."""
    job = await jobs.submit(client, "# mine")
    for headers in (
        {},
        {"Authorization": "Bearer ada-7c1f0b2e9d4"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic ada-7c1f0b2e9d4a"},
        {"Authorization": "ada-7c1f0b2e9d4a"},
    ):
        for response in (
            await anonymous.post("/conversions", json={"markdown": "# x"}, headers=headers),
            await anonymous.get(f"/conversions/{job.id}", headers=headers),
        ):
            if response.status_code != 401:
                shown = headers.get("Authorization", "no Authorization header")
                raise fail(
                    f"{call(response)} with {shown} → expected 401, got "
                    f"{response.status_code}: {body_excerpt(response)}"
                )
    if len(jobs.rows()) != 1:
        raise fail(f"POST /conversions answered 401, yet the jobs table has {len(jobs.rows())}")
