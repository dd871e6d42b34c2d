"""Fixtures of the authorization exercise: tokens signed like the given `security.py` signs them,
the seeded data, checks of 401, 403 and hidden 404 answers, and the database the README lets the
grader read and change.

Helpers are fixtures that return functions (spec folders are not packages, so specs cannot
import from here); each is called inside the spec, so a broken app fails the spec rather than
erroring its setup.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable
from contextlib import closing
from typing import TYPE_CHECKING, Any

import httpx
import jwt
import pytest

from grader.kit import (
    SpecClient,
    bearer_header,
    body_excerpt,
    call,
    expect_bearer_401,
    expect_object,
    fail,
)

if TYPE_CHECKING:
    from grader.specs.conftest import World

#: The HS256 key the grader gives the app (`JWT_SECRET`), so specs can sign tokens with it.
JWT_SECRET = "kata-grader-secret-08-4f1c2a9e7b3d5c6a8e0f1b2c"
ALL_SCOPES = ("expenses:read", "expenses:write", "expenses:approve", "admin")

#: The seeded users, as GET /users/me shows them (the README's table).
USERS: dict[int, dict[str, Any]] = {
    user_id: {
        "id": user_id,
        "org_id": org_id,
        "username": username,
        "display_name": display_name,
        "role": role,
        "active": active,
    }
    for user_id, username, display_name, org_id, role, active in [
        (1, "alice", "Alice Archer", 1, "admin", True),
        (2, "bob", "Bob Baker", 1, "manager", True),
        (3, "carol", "Carol Cooper", 1, "member", True),
        (4, "dave", "Dave Dyer", 1, "member", True),
        (5, "erin", "Erin Evans", 2, "admin", True),
        (6, "frank", "Frank Fisher", 2, "manager", True),
        (7, "grace", "Grace Green", 2, "member", True),
        (8, "heidi", "Heidi Hill", 1, "member", False),
    ]
}

#: The seeded expenses, as every response shows them (the README's table).
EXPENSES: dict[int, dict[str, Any]] = {
    expense_id: {
        "id": expense_id,
        "owner_id": owner_id,
        "amount_cents": amount_cents,
        "description": description,
        "status": "submitted" if approver is None else "approved",
        "approved_by": approver,
    }
    for expense_id, owner_id, amount_cents, description, approver in [
        (1, 3, 4200, "Taxi to the airport", None),
        (2, 3, 1250, "Team lunch", 2),
        (3, 4, 18900, "Hotel, two nights", None),
        (4, 2, 3000, "Taxi from the station", None),
        (5, 7, 5100, "Taxi to the client", None),
        (6, 6, 700, "Coffee beans", 5),
        (7, 7, 15000, "Conference ticket", None),
    ]
}

#: An id no seeded or created object ever has: its 404 is the one every hidden object must give.
NOWHERE = 987_654_321

#: Path ids that name nothing, on both sides of SQLite's 64-bit range: 2**63 - 1 and -2**63 fit
#: in an INTEGER, one more each way does not (a Python int bound to it raises OverflowError).
NO_SUCH_IDS = (
    "0",
    "-1",
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    "9" * 30,
    str(-(2**63)),
    str(-(2**63) - 1),
)

#: `mint(3)`, `mint(3, ["expenses:read"])`: an access token of that user, as `security.py`
#: makes them; keyword arguments replace claims (`exp=...`), or drop them when None.
Mint = Callable[..., str]
#: `bearer(3)`, `bearer(3, ["expenses:read"])`: the Authorization header of such a token.
Bearer = Callable[..., dict[str, str]]
#: `expect_401(response, "with ...")`: a 401 carrying `WWW-Authenticate: Bearer`.
Expect401 = Callable[[httpx.Response, str], None]
#: `expect_403(response, "with ...")`: a 403.
Expect403 = Callable[[httpx.Response, str], None]
#: `expect_scope_403(response, {"expenses:read"}, "with ...")`: a 403 whose WWW-Authenticate
#: is Bearer with a `scope` parameter listing exactly those scopes.
ExpectScope403 = Callable[[httpx.Response, set[str], str], None]
#: `await expect_hidden(response, "as carol")`: a 404 whose body is the body of the same request
#: about an id that exists nowhere (the last number of the path replaced by NOWHERE; a body
#: naming the id it was asked about is compared as if it named NOWHERE).
ExpectHidden = Callable[[httpx.Response, str], Awaitable[None]]
#: `await create_key(admin=1, name="accounting")`: POST /admin/api-keys, expect 201, the body.
CreateKey = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def app_env() -> dict[str, str]:
    return {"JWT_SECRET": JWT_SECRET}


def _mint(user_id: int | str, scopes: Iterable[str] | None = None, **claims: Any) -> str:
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": str(user_id),
        "scope": " ".join(ALL_SCOPES if scopes is None else scopes),
        "iat": now,
        "exp": now + 1800,
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, JWT_SECRET, algorithm="HS256")


@pytest.fixture
def mint() -> Mint:
    return _mint


@pytest.fixture
def bearer() -> Bearer:
    def bearer(user_id: int | str, scopes: Iterable[str] | None = None) -> dict[str, str]:
        return bearer_header(_mint(user_id, scopes))

    return bearer


def _sent(response: httpx.Response, what: str) -> str:
    return f"{call(response)} {what}".rstrip()


def _check_403(response: httpx.Response, what: str) -> None:
    if response.status_code != 403:
        raise fail(
            f"{_sent(response, what)} → expected 403, got {response.status_code}: "
            f"{body_excerpt(response)}"
        )


#: An auth-param of a challenge: `name="quoted value"` or `name=token`.
_PARAM = re.compile(r'([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))')


def _check_scope_403(response: httpx.Response, scopes: set[str], what: str) -> None:
    _check_403(response, what)
    sent = _sent(response, what)
    wanted = " ".join(sorted(scopes))
    challenge = response.headers.get("WWW-Authenticate")
    if challenge is None:
        raise fail(
            f'{sent} → the 403 must carry WWW-Authenticate: Bearer scope="{wanted}", got none'
        )
    scheme, _, rest = challenge.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise fail(f'{sent} → expected WWW-Authenticate: Bearer scope="...", got "{challenge}"')
    params = {
        name.lower(): re.sub(r"\\(.)", r"\1", quoted) if quoted or not plain else plain
        for name, quoted, plain in _PARAM.findall(rest)
    }
    if "scope" not in params:
        raise fail(f'{sent} → WWW-Authenticate has no scope="..." parameter: "{challenge}"')
    listed = params["scope"].split()
    if set(listed) != scopes:
        raise fail(
            f"{sent} → WWW-Authenticate must list the scopes the endpoint requires, "
            f'"{wanted}" in any order, got scope="{params["scope"]}"'
        )


@pytest.fixture
def expect_401() -> Expect401:
    return expect_bearer_401


@pytest.fixture
def expect_403() -> Expect403:
    return _check_403


@pytest.fixture
def expect_scope_403() -> ExpectScope403:
    return _check_scope_403


def _parsed(response: httpx.Response) -> Any:
    return _parsed_text(response.text)


def _parsed_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


#: The last id of a path: `/expenses/5` and `/expenses/5/approve` name expense 5.
_LAST_ID = re.compile(r"/(-?\d+)(?:/[^/]*)?$")


@pytest.fixture
def expect_hidden(client: SpecClient) -> ExpectHidden:
    async def expect_hidden(response: httpx.Response, what: str) -> None:
        sent = _sent(response, what)
        if response.status_code != 404:
            raise fail(
                f"{sent} → expected 404 (not visible to this principal), got "
                f"{response.status_code}: {body_excerpt(response)}"
            )
        request = response.request
        path = request.url.path
        found = _LAST_ID.search(path)
        if found is None:
            raise fail(f"{sent}: the grader found no id in the path")
        nowhere_path = f"{path[: found.start(1)]}{NOWHERE}{path[found.end(1) :]}"
        reference = await client.request(
            request.method,
            nowhere_path,
            params=request.url.params,
            headers=request.headers,
            content=request.content,
        )
        if reference.status_code != 404:
            raise fail(
                f"{call(reference)} → expected 404 for an id that exists nowhere, got "
                f"{reference.status_code}: {body_excerpt(reference)}"
            )
        # A body may name the id it was asked about: compare it as if it had named NOWHERE.
        named = re.sub(rf"(?<![\d-]){re.escape(found.group(1))}(?!\d)", str(NOWHERE), response.text)
        if _parsed(reference) != _parsed_text(named):
            raise fail(
                f"{sent} → the 404 tells the object exists: its body "
                f"{body_excerpt(response, 80)} differs from the body for an id that exists "
                f"nowhere ({call(reference)}: {body_excerpt(reference, 80)})"
            )

    return expect_hidden


@pytest.fixture
def no_such_ids() -> tuple[str, ...]:
    return NO_SUCH_IDS


@pytest.fixture
def seeded_users() -> dict[int, dict[str, Any]]:
    return {user_id: dict(user) for user_id, user in USERS.items()}


@pytest.fixture
def seeded_expenses() -> dict[int, dict[str, Any]]:
    return {expense_id: dict(expense) for expense_id, expense in EXPENSES.items()}


@pytest.fixture
def create_key(client: SpecClient) -> CreateKey:
    async def create_key(admin: int = 1, name: str = "accounting") -> dict[str, Any]:
        response = await client.post(
            "/admin/api-keys",
            json={"name": name},
            headers={"Authorization": f"Bearer {_mint(admin)}"},
        )
        body = expect_object(response, 201, "id", "name", "key")
        if not isinstance(body["key"], str) or not body["key"]:
            raise fail(f'{call(response)} → "key" must be a non-empty string, got {body["key"]!r}')
        return body

    return create_key


class Database:
    """The app's SQLite file, as the README lets the grader read and change it."""

    def __init__(self, path: str) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def set_user(self, user_id: int, **columns: Any) -> None:
        """Change columns of a user (`role="member"`, `active=False`) straight in the table."""
        assignments = ", ".join(f"{name} = ?" for name in columns)
        try:
            with closing(self._connect()) as connection, connection:
                cursor = connection.execute(
                    f"UPDATE users SET {assignments} WHERE id = ?", (*columns.values(), user_id)
                )
        except sqlite3.Error as error:
            raise fail(
                f"could not change the users table ({error}): models.py and database.py must "
                "stay as given"
            ) from None
        if cursor.rowcount != 1:
            raise fail(f"the users table has no row with id {user_id}")

    def row(self, table: str, row_id: int) -> dict[str, Any]:
        """A row of a table, by id."""
        try:
            with closing(self._connect()) as connection:
                connection.row_factory = sqlite3.Row
                found = connection.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
                row = found.fetchone()
        except sqlite3.Error as error:
            raise fail(f"could not read the {table} table ({error})") from None
        if row is None:
            raise fail(f"the {table} table has no row with id {row_id}")
        return dict(row)

    def cells(self) -> list[tuple[str, str, Any]]:
        """Every value of every table: (table, column, value)."""
        found: list[tuple[str, str, Any]] = []
        with closing(self._connect()) as connection:
            tables = [
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            ]
            for table in tables:
                cursor = connection.execute(f'SELECT * FROM "{table}"')
                columns = [description[0] for description in cursor.description]
                for row in cursor:
                    found.extend(zip([table] * len(columns), columns, row, strict=True))
        return found


@pytest.fixture
def database(world: World) -> Database:
    return Database(str(world.root / "app.db"))
