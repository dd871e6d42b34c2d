"""Rooms, their members and their history, kept in memory by one Hub per app."""

#: Messages a newcomer is sent when it joins a room.
HISTORY_SIZE = 20
#: Frames that may wait for one member before it counts as gone.
BACKLOG_SIZE = 100


class Hub:
    """Every room of the app: who is in it, and its last messages."""

    # TODO: the members of each room and the last HISTORY_SIZE messages of each room, and
    # join / leave / broadcast. A broadcast must never wait for one member (task 5): give each
    # member its own queue of at most BACKLOG_SIZE frames, written to its socket by a task of its
    # own.
