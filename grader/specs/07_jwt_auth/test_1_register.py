"""Task 1: registering an account, and how its password is kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from grader.kit import SpecClient, call, expect_object, expect_status, fail

if TYPE_CHECKING:
    from grader.specs.conftest import World

pytestmark = pytest.mark.task(1)

PASSWORD = "correct-horse-battery"


async def register(client: SpecClient, username: str = "alice") -> httpx.Response:
    return await client.post("/users", json={"username": username, "password": PASSWORD})


def stored_texts(world: World) -> list[str]:
    """Every text value in every column of every table of the app's SQLite file."""
    database = Path(world.env["DATABASE_URL"].removeprefix("sqlite:///"))
    if not database.is_file():
        raise fail(f"no database at DATABASE_URL ({database.name}): is the app using it?")
    texts: list[str] = []
    with sqlite3.connect(database) as connection:
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
    connection.close()
    return texts


@pytest.mark.parametrize(
    "body",
    [
        {"password": PASSWORD},
        {"username": "alice", "password": PASSWORD + "x" * 200},
        {"username": "alice", "password": "s3cr3t!"},
    ],
    ids=["no username", "password too long", "password too short"],
)
async def test_invalid_registration_does_not_echo_the_password(
    client: SpecClient, body: dict[str, str]
) -> None:
    """POST /users answers 422 for an invalid body without repeating the password back."""
    response = await client.post("/users", json=body)
    expect_status(response, 422)
    if body["password"] in response.text:
        raise fail(f"{call(response)} → the 422 response repeats the password the client sent")


async def test_register_answers_201_with_public_fields(client: SpecClient) -> None:
    """POST /users answers 201 with the account's id and username, and never its password."""
    response = await register(client)
    body = expect_object(response, 201, "id", "username")
    if body["username"] != "alice":
        raise fail(f'{call(response)} → expected "username": "alice", got {body["username"]!r}')
    for field in ("password", "hashed_password"):
        if field in body:
            raise fail(f'{call(response)} → response has field "{field}"')
    if PASSWORD in response.text or "$argon2" in response.text:
        raise fail(f"{call(response)} → the response contains the password or its hash")


async def test_duplicate_username_is_409(client: SpecClient) -> None:
    """POST /users answers 409 for a username that is already taken."""
    expect_status(await register(client), 201)
    expect_status(await register(client), 409)


async def test_password_is_not_stored_in_plain_text(client: SpecClient, world: World) -> None:
    """The database holds no column with the plain password in it."""
    expect_status(await register(client), 201)
    for text in stored_texts(world):
        if PASSWORD in text:
            raise fail("POST /users → the database stores the password in plain text")


async def test_password_is_hashed_with_argon2(client: SpecClient, world: World) -> None:
    """The database stores the password as an argon2 hash ($argon2…)."""
    expect_status(await register(client), 201)
    if not any(text.startswith("$argon2") for text in stored_texts(world)):
        raise fail("POST /users → no argon2 hash ($argon2…) in the database")
