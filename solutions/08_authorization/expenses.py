"""Expense claims: each organisation's, each owner's."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session

from database import SessionDep
from deps import (
    ExpenseApprover,
    ExpenseReader,
    ExpenseWriter,
    ObjectId,
    Permission,
    Principal,
    forbidden,
)
from models import Expense, ExpenseStatus
from schemas import ExpenseCreate, ExpensePublic, ExpenseSummary, ExpenseUpdate

router = APIRouter(prefix="/expenses", tags=["expenses"])


class ExpenseFilters(BaseModel):
    """The query of GET /expenses and of its summary."""

    status: ExpenseStatus | None = None
    q: str | None = None


FiltersDep = Annotated[ExpenseFilters, Query()]


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """The expenses `principal` can see: its organisation's, or only its own ones."""
    # The organisation comes from the credentials alone, and every query starts from here.
    in_organisation = Expense.org_id == principal.org_id
    if Permission.SEE_ORGANISATION in principal.permissions:
        return in_organisation
    return and_(in_organisation, Expense.owner_id == principal.user_id)


def matching(principal: Principal, filters: ExpenseFilters) -> list[ColumnElement[bool]]:
    conditions = [visible_to(principal)]
    if filters.status is not None:
        conditions.append(Expense.status == filters.status)
    if filters.q is not None:
        # autoescape: the client's `%` and `_` are characters to find, not LIKE wildcards.
        conditions.append(Expense.description.icontains(filters.q, autoescape=True))
    return conditions


def not_found() -> HTTPException:
    # One answer for "no such expense" and "not yours to see": existence is not disclosed.
    return HTTPException(status.HTTP_404_NOT_FOUND, "Expense not found")


def find_visible(session: Session, principal: Principal, expense_id: int) -> Expense:
    expense = session.scalar(select(Expense).where(Expense.id == expense_id, visible_to(principal)))
    if expense is None:
        raise not_found()
    return expense


@router.post("", status_code=status.HTTP_201_CREATED)
def create_expense(
    body: ExpenseCreate, principal: ExpenseWriter, session: SessionDep
) -> ExpensePublic:
    expense = Expense(
        org_id=principal.org_id,
        owner_id=principal.user_id,
        amount_cents=body.amount_cents,
        description=body.description,
        status=ExpenseStatus.submitted,
    )
    session.add(expense)
    session.commit()
    return ExpensePublic.model_validate(expense)


@router.get("")
def list_expenses(
    principal: ExpenseReader, filters: FiltersDep, session: SessionDep
) -> list[ExpensePublic]:
    expenses = session.scalars(
        select(Expense).where(*matching(principal, filters)).order_by(Expense.id)
    )
    return [ExpensePublic.model_validate(expense) for expense in expenses]


@router.get("/summary")
def summarise_expenses(
    principal: ExpenseReader, filters: FiltersDep, session: SessionDep
) -> ExpenseSummary:
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(Expense.amount_cents), 0)).where(
            *matching(principal, filters)
        )
    ).one()
    return ExpenseSummary(count=count, total_cents=total)


@router.get("/{expense_id}")
def read_expense(
    expense_id: ObjectId, principal: ExpenseReader, session: SessionDep
) -> ExpensePublic:
    return ExpensePublic.model_validate(find_visible(session, principal, expense_id))


@router.patch("/{expense_id}")
def update_expense(
    expense_id: ObjectId, changes: ExpenseUpdate, principal: ExpenseWriter, session: SessionDep
) -> ExpensePublic:
    expense = find_visible(session, principal, expense_id)
    # A manager sees a colleague's claim, and still may not rewrite it.
    if expense.owner_id != principal.user_id:
        raise forbidden()
    # Changed only while submitted, in one statement: an approval cannot slip in between. (The
    # status is set to itself so that an empty PATCH is still an UPDATE, and still a 409.)
    updated = session.scalar(
        update(Expense)
        .where(Expense.id == expense.id, Expense.status == ExpenseStatus.submitted)
        .values(**changes.model_dump(exclude_unset=True), status=ExpenseStatus.submitted)
        .returning(Expense)
    )
    if updated is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "An approved expense cannot change")
    session.commit()
    return ExpensePublic.model_validate(updated)


@router.post("/{expense_id}/approve")
def approve_expense(
    expense_id: ObjectId, principal: ExpenseApprover, session: SessionDep
) -> ExpensePublic:
    expense = find_visible(session, principal, expense_id)
    if expense.owner_id == principal.user_id:
        raise forbidden()
    # Claimed in one UPDATE: of two approvals at once, only one finds it still submitted.
    approved = session.scalar(
        update(Expense)
        .where(Expense.id == expense.id, Expense.status == ExpenseStatus.submitted)
        .values(status=ExpenseStatus.approved, approved_by=principal.user_id)
        .returning(Expense)
    )
    if approved is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "The expense is already approved")
    session.commit()
    return ExpensePublic.model_validate(approved)
