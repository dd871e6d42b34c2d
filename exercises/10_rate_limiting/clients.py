"""Who is asking: the key a client's requests are counted under."""

from collections.abc import Iterable

from fastapi import Request


class ClientIdentifier:
    """Turns a request into a client key: its API key if it sent one, else its address."""

    def __init__(self, trusted_proxies: Iterable[str]) -> None:
        self.trusted_proxies = list(trusted_proxies)

    def address(self, request: Request) -> str:
        """The client's address: the peer's, or what a trusted proxy says it forwarded for."""
        # TODO: believe X-Forwarded-For only when the peer is a trusted proxy (README, task 4).
        raise NotImplementedError

    def key(self, request: Request, api_key: str | None) -> str:
        """The name the client's requests are counted under."""
        # TODO: the API key when one was sent, else the address; never let the two collide.
        raise NotImplementedError
