"""JWT authentication: register, log in with the OAuth2 password flow, refresh, delete."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

import auth
import users
from database import Base, engine


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    Base.metadata.create_all(engine)
    yield
    engine.dispose()


app = FastAPI(title="JWT authentication", lifespan=lifespan)
app.include_router(users.router)
app.include_router(auth.router)


# FastAPI's 422 repeats each refused `input`, and a refused body may hold a password.
@app.exception_handler(RequestValidationError)
async def validation_error_without_input(
    request: Request, error: RequestValidationError
) -> JSONResponse:
    errors = error.errors()
    for e in errors:
        e.pop("input", None)
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": jsonable_encoder(errors)},
    )
