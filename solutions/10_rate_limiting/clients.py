"""Who is asking: the key a client's requests are counted under."""

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv6Address, ip_address

from fastapi import Request

IPAddress = IPv4Address | IPv6Address


def _parse(text: str) -> IPAddress | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


class ClientIdentifier:
    """Turns a request into a client key: its API key if it sent one, else its address."""

    def __init__(self, trusted_proxies: Iterable[str]) -> None:
        self._trusted = {address for entry in trusted_proxies if (address := _parse(entry))}

    def _is_trusted(self, text: str) -> bool:
        address = _parse(text)
        return address is not None and address in self._trusted

    def address(self, request: Request) -> str:
        """The client's address: the peer's, or what a trusted proxy says it forwarded for."""
        peer = request.client.host if request.client else "unknown"
        if not self._is_trusted(peer):
            # Anyone can write X-Forwarded-For; only a proxy we run gets to be believed.
            return peer
        hops = [
            hop.strip()
            for header in request.headers.getlist("x-forwarded-for")
            for hop in header.split(",")
            if hop.strip()
        ]
        # Each proxy appends the address it saw, so the entries on the right are the ones our
        # proxies wrote; the first untrusted one from the right is the real client, and anything
        # left of it is whatever the client chose to send.
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                return hop
        return hops[0] if hops else peer

    def key(self, request: Request, api_key: str | None) -> str:
        """The name the client's requests are counted under."""
        # Prefixes keep the namespaces apart: a key spelled like an address is still a key.
        if api_key:
            return f"key:{api_key}"
        return f"ip:{self.address(request)}"
