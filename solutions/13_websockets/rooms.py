"""Rooms, their members and their history, kept in memory by one Hub per app."""

import asyncio
import json
from collections import defaultdict, deque
from typing import Any

from fastapi import WebSocket

#: Messages a newcomer is sent when it joins a room.
HISTORY_SIZE = 20
#: Frames that may wait for one member before it counts as gone.
BACKLOG_SIZE = 100

Event = dict[str, Any]


class Member:
    """One connection in a room: its user, and the frames waiting to be written to it."""

    def __init__(self, websocket: WebSocket, user: str) -> None:
        self.websocket = websocket
        self.user = user
        # Its own bounded queue, so a member that stops reading holds up nobody but itself.
        self.outbox: asyncio.Queue[str] = asyncio.Queue(maxsize=BACKLOG_SIZE)
        self.dropped = asyncio.Event()

    def offer(self, frame: str) -> bool:
        """Queue a frame without waiting; False when the member is too far behind."""
        try:
            self.outbox.put_nowait(frame)
        except asyncio.QueueFull:
            return False
        return True

    async def pump(self) -> None:
        """Write the queued frames to the connection, in order, until writing fails."""
        while True:
            frame = await self.outbox.get()
            await self.websocket.send_text(frame)


class Hub:
    """Every room of the app. Its methods never await, so each runs as one step."""

    def __init__(self) -> None:
        self._members: dict[str, list[Member]] = defaultdict(list)
        self._history: dict[str, deque[Event]] = defaultdict(lambda: deque(maxlen=HISTORY_SIZE))

    def join(self, room: str, member: Member) -> None:
        """Send the newcomer the room's history, then tell everyone, newcomer included."""
        member.offer(json.dumps({"type": "history", "messages": list(self._history[room])}))
        self._members[room].append(member)
        self.broadcast(room, {"type": "join", "user": member.user})

    def leave(self, room: str, member: Member) -> None:
        """Take the member out of the room, once, and tell the others."""
        members = self._members.get(room, [])
        if member not in members:
            return
        members.remove(member)
        if not members:
            del self._members[room]
        self.broadcast(room, {"type": "leave", "user": member.user})

    def say(self, room: str, user: str, text: str) -> None:
        message = {"type": "message", "from": user, "text": text}
        self._history[room].append(message)
        self.broadcast(room, message)

    def tell(self, room: str, member: Member, event: Event) -> None:
        """Send one member an event that is for it alone."""
        if not member.offer(json.dumps(event)):
            self.drop(room, member)

    def broadcast(self, room: str, event: Event) -> None:
        frame = json.dumps(event)
        # A copy: dropping a member changes the list while we walk it.
        for member in list(self._members.get(room, [])):
            if not member.offer(frame):
                self.drop(room, member)

    def drop(self, room: str, member: Member) -> None:
        """A member this far behind has stopped reading: let it go rather than buffer forever."""
        member.dropped.set()
        self.leave(room, member)
