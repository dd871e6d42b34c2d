"""The organisations, users and expenses the API starts with (the README's tables).

Don't change this: the grader relies on these rows, ids included.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Expense, ExpenseStatus, Organisation, Role, User

# Argon2id hashes of each user's password, the username followed by "-password": the
# parameters, then each one's salt and hash.
_ARGON2 = "$argon2id$v=19$m=19456,t=2,p=4$"
_HASHES = {
    "alice": "dsRRqk7Ougif2hhRC/u0yg$de6u1LsVdaWBhg9o4MydLGAY6PDE0KpMZFG/aozsmy0",
    "bob": "gR11ENxe5+BbY3/c7xQTxg$+WOq5ghLar12bDD6HeO3WohEzbOy/d6bs1Jl3kSQzQ0",
    "carol": "5sNYYTVgHhv7ctJBIVLKQw$p8h3lVcxEBZcBeYv+xU//+0yxd4U8uuq9q0aKzYffTo",
    "dave": "fIOp7tIg8tpy0puAZ4itng$Dmk/BBbBJza2Z9cbcIFEB+eAviHDEnuceExPp4YDppk",
    "erin": "x/J2k4iFvJHhWTBP+l3EMA$hFZUn9FSP3FKlbnax5jbm0tHbuGIVT/P8IfpqN5+mqY",
    "frank": "en6oGoEkMf9ZCyeJb1tF7Q$H7OXONcYGKVHClsifnHc9st/bNHZH4mO3lHrWu+kTes",
    "grace": "B66DUt+ug9CyWfskLhz6/w$/KkKKNs8v4PWH3iT2nV1nYCbrlaWyHtlnHT9XA27FN8",
    "heidi": "CfM6Y7KYOKSgHDTmy/UN6g$YKvT7WtY6DWRRkkUnt0H44WquwSR04TQvfC/DL3dXuo",
}

ACME, GLOBEX = 1, 2

# (id, username, display name, organisation, role, active)
_USERS = [
    (1, "alice", "Alice Archer", ACME, Role.admin, True),
    (2, "bob", "Bob Baker", ACME, Role.manager, True),
    (3, "carol", "Carol Cooper", ACME, Role.member, True),
    (4, "dave", "Dave Dyer", ACME, Role.member, True),
    (5, "erin", "Erin Evans", GLOBEX, Role.admin, True),
    (6, "frank", "Frank Fisher", GLOBEX, Role.manager, True),
    (7, "grace", "Grace Green", GLOBEX, Role.member, True),
    (8, "heidi", "Heidi Hill", ACME, Role.member, False),
]

# (id, organisation, owner, amount in cents, description, approved by)
_EXPENSES = [
    (1, ACME, 3, 4200, "Taxi to the airport", None),
    (2, ACME, 3, 1250, "Team lunch", 2),
    (3, ACME, 4, 18900, "Hotel, two nights", None),
    (4, ACME, 2, 3000, "Taxi from the station", None),
    (5, GLOBEX, 7, 5100, "Taxi to the client", None),
    (6, GLOBEX, 6, 700, "Coffee beans", 5),
    (7, GLOBEX, 7, 15000, "Conference ticket", None),
]


def seed(session: Session) -> None:
    """Fill an empty database; a database that already has organisations is left alone."""
    if session.scalar(select(func.count()).select_from(Organisation)):
        return
    session.add_all([Organisation(id=ACME, name="Acme"), Organisation(id=GLOBEX, name="Globex")])
    session.flush()
    session.add_all(
        User(
            id=user_id,
            username=username,
            display_name=display_name,
            org_id=org_id,
            role=role,
            active=active,
            hashed_password=_ARGON2 + _HASHES[username],
        )
        for user_id, username, display_name, org_id, role, active in _USERS
    )
    session.flush()
    session.add_all(
        Expense(
            id=expense_id,
            org_id=org_id,
            owner_id=owner_id,
            amount_cents=amount_cents,
            description=description,
            status=ExpenseStatus.submitted if approver is None else ExpenseStatus.approved,
            approved_by=approver,
        )
        for expense_id, org_id, owner_id, amount_cents, description, approver in _EXPENSES
    )
    session.commit()
