"""Task 1: registering an account, and how its password is kept."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_object, expect_status, fail

if TYPE_CHECKING:
    from grader.specs.conftest import World

pytestmark = pytest.mark.task(1)

ExpectNoSecrets = Callable[[httpx.Response, str], None]

PASSWORD = "correct-horse-battery"
#: A real argon2 hash of another password, for a client that tries to set its own hash.
FOREIGN_HASH = (
    "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$"
    "3bbjJb5CKmQvBqLw3Cc0vBy8mG5f7vKx0A5o6mJq9cM"
)


async def register(
    client: SpecClient, username: str = "alice", password: str = PASSWORD
) -> httpx.Response:
    return await client.post("/users", json={"username": username, "password": password})


def stored_texts(world: World) -> list[str]:
    """Every text value in every column of every table of the app's SQLite file."""
    database = Path(world.env["DATABASE_URL"].removeprefix("sqlite:///"))
    if not database.is_file():
        raise fail(f"no database at DATABASE_URL ({database.name}): is the app using it?")
    texts: list[str] = []
    with closing(sqlite3.connect(database)) as connection:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            quoted = table.replace('"', '""')
            for row in connection.execute(f'SELECT * FROM "{quoted}"'):
                texts.extend(value for value in row if isinstance(value, str))
                texts.extend(
                    value.decode("utf-8", "replace") for value in row if isinstance(value, bytes)
                )
    return texts


def expect_account(response: httpx.Response, username: str) -> dict[str, Any]:
    """A 201 whose body is the new account: an integer id and the username as sent."""
    body = expect_object(response, 201, "id", "username")
    if not isinstance(body["id"], int) or isinstance(body["id"], bool):
        raise fail(f'{call(response)} → "id" must be an integer, got {body["id"]!r}')
    if body["username"] != username:
        raise fail(
            f'{call(response)} → expected "username": {username!r}, got {body["username"]!r}'
        )
    return body


@pytest.mark.rule("register-created", "no-secrets")
async def test_register_answers_201_with_public_fields(
    client: SpecClient, expect_no_secrets: ExpectNoSecrets
) -> None:
    """POST /users answers 201 with the account's id and username, and never its password."""
    response = await register(client)
    expect_account(response, "alice")
    expect_no_secrets(response, PASSWORD)


@pytest.mark.rule("argon2-costs", "argon2-memory", "argon2-time-cost")
async def test_password_is_hashed_at_the_costs_of_the_settings(
    client: SpecClient, world: World
) -> None:
    """The stored argon2 hash uses ARGON2_MEMORY_KIB (1024) and ARGON2_TIME_COST (1)."""
    expect_status(await register(client), 201)
    hashes = [text for text in stored_texts(world) if text.startswith("$argon2")]
    if not hashes:
        raise fail("POST /users → no argon2 hash ($argon2…) in the database")
    costs = re.search(r"\$m=(\d+),t=(\d+)", hashes[0])
    if costs is None or costs.groups() != ("1024", "1"):
        shown = f"m={costs[1]}, t={costs[2]}" if costs else "no m= and t= in it"
        raise fail(
            "POST /users → the argon2 hash should use m=1024 and t=1 (ARGON2_MEMORY_KIB and "
            f"ARGON2_TIME_COST), got {shown}"
        )


@pytest.mark.rule("username-length", "any-characters")
async def test_usernames_of_3_and_32_characters_are_accepted(client: SpecClient) -> None:
    """POST /users accepts usernames of 3 and of 32 characters, whatever the characters."""
    for username in ("bob", "c" * 32, "Ω" * 32, "o'hara_%", 'x"; DROP TABLE users; --'):
        expect_account(await register(client, username), username)


@pytest.mark.rule("username-length")
async def test_usernames_outside_3_to_32_characters_are_422(client: SpecClient) -> None:
    """POST /users answers 422 to a username of 0, 2 or 33 characters."""
    for username in ("", "bo", "d" * 33, "Ω" * 33):
        response = await register(client, username)
        if response.status_code != 422:
            raise fail(
                f"{call(response)} with a username of {len(username)} characters → expected "
                f"422, got {response.status_code}"
            )


@pytest.mark.rule("password-length", "any-characters")
async def test_passwords_of_8_and_128_characters_are_accepted(client: SpecClient) -> None:
    """POST /users accepts passwords of 8 and of 128 characters (256 bytes of "Ω" included)."""
    for number, password in enumerate(("8chars!!", "p" * 128, "Ω" * 128)):
        username = f"user-{number}"
        expect_account(await register(client, username, password), username)


@pytest.mark.rule("password-length")
async def test_passwords_outside_8_to_128_characters_are_422(client: SpecClient) -> None:
    """POST /users answers 422 to a password of 7 or of 129 characters."""
    for number, password in enumerate(("7chars!", "q" * 129, "Ω" * 129)):
        response = await register(client, f"user-{number}", password)
        if response.status_code != 422:
            raise fail(
                f"{call(response)} with a password of {len(password)} characters → expected "
                f"422, got {response.status_code}"
            )


FORM = "application/x-www-form-urlencoded"


#: Invalid sign-ups whose default 422 would repeat the password: what is sent, and the password.
INVALID_BODIES: dict[str, tuple[dict[str, Any], str]] = {
    "without a username": ({"json": {"password": PASSWORD}}, PASSWORD),
    "with a password too long": ({"json": {"username": "alice", "password": "y" * 129}}, "y" * 129),
    "with a password too short": (
        {"json": {"username": "alice", "password": "s3cr3t!"}},
        "s3cr3t!",
    ),
    "with a username too short": ({"json": {"username": "al", "password": PASSWORD}}, PASSWORD),
    "with a JSON array": ({"json": [{"username": "alice", "password": PASSWORD}]}, PASSWORD),
    "with a form": (
        {"content": f"username=alice&password={PASSWORD}", "headers": {"content-type": FORM}},
        PASSWORD,
    ),
    "with cut-off JSON": (
        {"content": f'{{"username": "alice", "password": "{PASSWORD}"'},
        PASSWORD,
    ),
}


@pytest.mark.rule("validation-no-input", "invalid-body", "no-secrets")
async def test_invalid_registration_does_not_echo_the_password(
    client: SpecClient, expect_no_secrets: ExpectNoSecrets
) -> None:
    """POST /users answers 422 to an invalid body, as FastAPI's errors without their input."""
    for what, (request_body, password) in INVALID_BODIES.items():
        response = await client.post("/users", **request_body)
        sent = f"{call(response)} {what}"
        if response.status_code != 422:
            raise fail(f"{sent} → expected 422, got {response.status_code}")
        detail = expect_object(response, 422, "detail")["detail"]
        if not isinstance(detail, list) or not detail:
            raise fail(f'{sent} → "detail" must be FastAPI\'s list of errors, got {detail!r}')
        for error in detail:
            if not isinstance(error, dict) or not {"loc", "msg"} <= error.keys():
                raise fail(f"{sent} → each error keeps FastAPI's shape (loc, msg, …): {error!r}")
            if "input" in error:
                raise fail(f'{sent} → an error still carries the "input" the client sent')
        expect_no_secrets(response, password)


@pytest.mark.rule("username-taken", "no-secrets")
async def test_duplicate_username_is_409(
    client: SpecClient, expect_no_secrets: ExpectNoSecrets
) -> None:
    """POST /users answers 409 for a username that is already taken."""
    expect_status(await register(client), 201)
    again = await register(client, password="another-password-2")
    expect_status(again, 409)
    expect_no_secrets(again, "another-password-2")


#: Rounds of the sign-up race: a check-then-insert whose gap is short loses about half of them.
RACE_ROUNDS = 20


@pytest.mark.rule("username-race", "username-taken")
async def test_concurrent_sign_ups_for_one_username(
    client: SpecClient, frequent_switches: None
) -> None:
    """Of 12 sign-ups for one username sent at once, exactly one gets 201, the others 409."""
    for round_ in range(RACE_ROUNDS):
        username = f"racer-{round_}"
        responses = await asyncio.gather(
            *(register(client, username, f"password-number-{n}") for n in range(12))
        )
        statuses = Counter(response.status_code for response in responses)
        if statuses != Counter({201: 1, 409: 11}):
            shown = ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))
            raise fail(
                f"12 × POST /users with the username {username!r} at once → expected one 201 "
                f"and eleven 409, got {shown}"
            )


@pytest.mark.rule("mass-assignment")
async def test_extra_fields_never_reach_the_account(client: SpecClient, world: World) -> None:
    """POST /users ignores (or refuses with 422) an id or a hashed_password in the body."""
    first = expect_account(await register(client, "carol"), "carol")
    for number, extra in enumerate(
        ({"id": first["id"]}, {"id": 4242}, {"hashed_password": FOREIGN_HASH, "is_admin": True})
    ):
        username = f"mallory-{number}"
        body = {"username": username, "password": PASSWORD, **extra}
        response = await client.post("/users", json=body)
        if response.status_code == 422:
            continue
        created = expect_account(response, username)
        if "id" in extra and created["id"] == extra["id"]:
            raise fail(f'{call(response)} with "id": {extra["id"]} → the account got that id')
    if any(FOREIGN_HASH in text for text in stored_texts(world)):
        raise fail("POST /users with a hashed_password field → the database stored it")


@pytest.mark.rule("argon2", "plain-password", "database-url")
async def test_password_is_stored_as_an_argon2_hash(client: SpecClient, world: World) -> None:
    """The database stores the password as an argon2 hash ($argon2…), never in plain text."""
    expect_status(await register(client), 201)
    texts = stored_texts(world)
    if any(PASSWORD in text for text in texts):
        raise fail("POST /users → the database stores the password in plain text")
    if not any(text.startswith("$argon2") for text in texts):
        raise fail("POST /users → no argon2 hash ($argon2…) in the database")
