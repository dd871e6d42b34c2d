"""Problem Details (RFC 9457): one format for every error the API answers."""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger import AccountClosed, AccountNotFound, InsufficientFunds, LedgerError
from methods import allowed_methods
from request_ids import REQUEST_ID_HEADER, request_id_of

#: The media type of every error response.
PROBLEM_MEDIA_TYPE = "application/problem+json"
#: Where the API's own problem types live: `type` is this followed by the problem's slug.
PROBLEM_TYPES = "https://wallet.example/problems/"

logger = logging.getLogger("wallet.errors")


class Problem(BaseModel):
    """An error, as RFC 9457 describes it, with the request's id to quote to support."""

    # Extension members (a balance, the validation errors) travel beside the standard ones.
    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    request_id: str


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """The problem as a response; without a slug it is `about:blank`, titled by its status."""
    request_id = request_id_of(request)
    problem = Problem(
        type=PROBLEM_TYPES + slug if slug else "about:blank",
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        # The path only: a query string may carry what the client would rather not see echoed.
        instance=request.url.path,
        request_id=request_id,
        **extensions,
    )
    return JSONResponse(
        problem.model_dump(mode="json"),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        # Set here too: a 500 is answered outside the middleware that adds it to the others.
        headers={**(headers or {}), REQUEST_ID_HEADER: request_id},
    )


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Starlette's HTTPException, which FastAPI's subclasses and the router raise (404, 405)."""
    headers = dict(exc.headers or {})
    if "Allow" in headers:
        # The router's 405: its Allow names the methods of one route only, and a path may have
        # several.
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope))
    return problem_response(request, exc.status_code, str(exc.detail), headers=headers)


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    """422 with where and why each value was refused, never the value itself."""
    errors = [
        {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    detail = "Some values of the request are not valid: see errors."
    return problem_response(
        request, 422, detail, slug="validation-error", title="Invalid request", errors=errors
    )


async def ledger_error(request: Request, exc: LedgerError) -> Response:
    """A ledger rule the request would break; the ledger's message is written for clients."""
    # isinstance, not type(exc): the ledger's new errors subclass the ones named here.
    if isinstance(exc, InsufficientFunds):
        return problem_response(
            request, 409, str(exc), slug="insufficient-funds", title="Insufficient funds",
            account_id=exc.account_id, balance_cents=exc.balance_cents,
            amount_cents=exc.amount_cents,
        )  # fmt: skip
    if isinstance(exc, AccountClosed):
        return problem_response(
            request, 409, str(exc), slug="account-closed", title="Account closed",
            account_id=exc.account_id,
        )  # fmt: skip
    if isinstance(exc, AccountNotFound):
        return problem_response(
            request, 404, str(exc), slug="account-not-found", title="Account not found",
            account_id=exc.account_id,
        )  # fmt: skip
    return problem_response(
        request, 422, str(exc), slug="ledger-rule", title="Refused by the ledger"
    )


async def unhandled_error(request: Request, exc: Exception) -> Response:
    """500 that names the request and nothing else; the details go to the log."""
    logger.error("Unhandled error in request %s", request_id_of(request), exc_info=exc)
    return problem_response(request, 500, "Something went wrong on our side.")


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error the app can meet as Problem Details."""
    # Starlette's class, not FastAPI's subclass: the router raises the former for 404 and 405.
    app.exception_handler(StarletteHTTPException)(http_error)
    app.exception_handler(RequestValidationError)(validation_error)
    # The base class: the ledger's errors to come are handled the day they appear.
    app.exception_handler(LedgerError)(ledger_error)
    # Exception goes to the outermost middleware, which answers whatever nothing else caught.
    app.exception_handler(Exception)(unhandled_error)
