"""An order intake API whose every rule lives in its Pydantic models (schemas.py, payments.py)."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, status

from schemas import DeliveryWindow, OrderCreate, OrderPublic
from store import OrderRow, OrderStore

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


def get_order(order_id: int, store: StoreDep) -> OrderRow:
    """The order in the path, or 404."""
    row = store.get(order_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Order not found")
    return row


OrderDep = Annotated[OrderRow, Depends(get_order)]


@app.post("/orders", status_code=status.HTTP_201_CREATED)
def place_order(order: OrderCreate, store: StoreDep, clock: ClockDep) -> OrderPublic:
    # Only validated data reaches the store, and only the public model reads the row back.
    row = store.add(order.model_dump(), now=clock())
    return OrderPublic.model_validate(row)


@app.get("/orders")
def list_orders(store: StoreDep) -> list[OrderPublic]:
    return [OrderPublic.model_validate(row) for row in store.all()]


@app.get("/orders/{order_id}")
def read_order(row: OrderDep) -> OrderPublic:
    return OrderPublic.model_validate(row)


@app.put("/orders/{order_id}/delivery-window")
def move_delivery_window(window: DeliveryWindow, row: OrderDep, store: StoreDep) -> OrderPublic:
    # DeliveryWindow checks its own rule, so this path cannot skip it.
    store.set_delivery_window(row.id, window.model_dump())
    return OrderPublic.model_validate(row)
