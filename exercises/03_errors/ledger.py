"""The wallet's ledger: accounts and the money moving between them, kept in memory.

Don't change this file: the grader raises these exceptions (and subclasses of them) to check
your handlers. The ledger knows nothing of HTTP: it refuses what would break one of its rules by
raising a `LedgerError`, and turning that into an HTTP answer is the API's job.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Literal

Currency = Literal["EUR", "USD"]


@dataclass(frozen=True)
class Account:
    id: int
    owner: str
    currency: Currency
    balance_cents: int
    closed: bool = False


@dataclass(frozen=True)
class Transfer:
    id: int
    source_id: int
    target_id: int
    amount_cents: int


class LedgerError(Exception):
    """A request the ledger refuses because it would break one of its rules.

    The message is written for the API's clients: it names their own accounts and amounts, and
    nothing about how the ledger works inside.
    """


class AccountNotFound(LedgerError):
    def __init__(self, account_id: int) -> None:
        super().__init__(f"There is no account {account_id}.")
        self.account_id = account_id


class AccountClosed(LedgerError):
    def __init__(self, account_id: int) -> None:
        super().__init__(f"Account {account_id} is closed.")
        self.account_id = account_id


class InsufficientFunds(LedgerError):
    def __init__(self, account_id: int, balance_cents: int, amount_cents: int) -> None:
        super().__init__(
            f"Account {account_id} holds {balance_cents} cents; "
            f"moving {amount_cents} cents needs more."
        )
        self.account_id = account_id
        self.balance_cents = balance_cents
        self.amount_cents = amount_cents


class CurrencyMismatch(LedgerError):
    def __init__(self, source: Account, target: Account) -> None:
        super().__init__(
            f"Account {source.id} holds {source.currency} and account {target.id} holds "
            f"{target.currency}: transfers stay within one currency."
        )


class SameAccount(LedgerError):
    def __init__(self, account_id: int) -> None:
        super().__init__(
            f"A transfer needs two different accounts, not account {account_id} twice."
        )


class AccountNotEmpty(LedgerError):
    def __init__(self, account_id: int, balance_cents: int) -> None:
        super().__init__(
            f"Account {account_id} still holds {balance_cents} cents: empty it before closing it."
        )


class Ledger:
    """Accounts and transfers. Every operation is atomic: it happens whole or not at all."""

    def __init__(self) -> None:
        self._accounts: dict[int, Account] = {}
        self._transfers: list[Transfer] = []
        # Endpoints are plain `def`s, run in a threadpool: one lock keeps each operation whole.
        self._lock = threading.Lock()

    def open_account(self, owner: str, currency: Currency) -> Account:
        with self._lock:
            account = Account(len(self._accounts) + 1, owner, currency, balance_cents=0)
            self._accounts[account.id] = account
            return account

    def accounts(self) -> list[Account]:
        with self._lock:
            return sorted(self._accounts.values(), key=lambda account: account.id)

    def get(self, account_id: int) -> Account:
        with self._lock:
            return self._get(account_id)

    def deposit(self, account_id: int, amount_cents: int) -> Account:
        with self._lock:
            account = self._open(account_id)
            return self._set(replace(account, balance_cents=account.balance_cents + amount_cents))

    def transfer(self, source_id: int, target_id: int, amount_cents: int) -> Transfer:
        with self._lock:
            source, target = self._open(source_id), self._open(target_id)
            if source.id == target.id:
                raise SameAccount(source.id)
            if source.currency != target.currency:
                raise CurrencyMismatch(source, target)
            if source.balance_cents < amount_cents:
                raise InsufficientFunds(source.id, source.balance_cents, amount_cents)
            self._set(replace(source, balance_cents=source.balance_cents - amount_cents))
            self._set(replace(target, balance_cents=target.balance_cents + amount_cents))
            transfer = Transfer(len(self._transfers) + 1, source.id, target.id, amount_cents)
            self._transfers.append(transfer)
            return transfer

    def close(self, account_id: int) -> Account:
        with self._lock:
            account = self._open(account_id)
            if account.balance_cents:
                raise AccountNotEmpty(account.id, account.balance_cents)
            return self._set(replace(account, closed=True))

    def _get(self, account_id: int) -> Account:
        account = self._accounts.get(account_id)
        if account is None:
            raise AccountNotFound(account_id)
        return account

    def _open(self, account_id: int) -> Account:
        account = self._get(account_id)
        if account.closed:
            raise AccountClosed(account_id)
        return account

    def _set(self, account: Account) -> Account:
        self._accounts[account.id] = account
        return account
