"""An order intake API whose every rule lives in its Pydantic models (schemas.py, payments.py).

TODO: write the endpoints of the README's tasks: POST /orders, GET /orders/{order_id},
GET /orders and PUT /orders/{order_id}/delivery-window. Keep the orders in the given store.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from store import OrderStore

#: A clock: the current time, timezone-aware.
Clock = Callable[[], datetime]


# Don't change this: the grader overrides it through app.dependency_overrides to set the time.
def get_clock() -> Clock:
    """The clock that dates new orders."""
    return lambda: datetime.now(timezone.utc)


ClockDep = Annotated[Clock, Depends(get_clock)]


# Don't change this: the grader relies on it (every app starts with an empty store).
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.store = OrderStore()
    yield


app = FastAPI(title="Orders", lifespan=lifespan)


# Don't change this: the grader relies on it.
def get_store(request: Request) -> OrderStore:
    """The app's order store."""
    store: OrderStore = request.app.state.store
    return store


StoreDep = Annotated[OrderStore, Depends(get_store)]

# TODO: POST /orders (201) and GET /orders/{order_id} (404 when there is no such order): hand
# the store `model_dump()` of a validated OrderCreate, and answer with an OrderPublic built from
# the row it returns. Date the order with ClockDep.

# TODO: GET /orders, every order by id.

# TODO: PUT /orders/{order_id}/delivery-window (task 5).
