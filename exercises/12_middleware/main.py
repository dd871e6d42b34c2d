"""A notes API whose cross-cutting concerns live in middleware, in the right order.

TODO: wrap the app in middleware so that every response carries a request id, timing and
security headers, browsers on the allowed origins may call it, big responses are compressed
(streams too, without buffering them), big request bodies and unknown hosts are refused.
See README.md.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field

from assets import LOGO_PNG
from settings import get_settings


class NoteCreate(BaseModel):
    text: Annotated[str, Field(min_length=1)]


class Note(NoteCreate):
    id: int


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.notes = {}
    yield


app = FastAPI(title="Notes", lifespan=lifespan)

settings = get_settings()
# TODO: add the middleware, in the right order (the last one added runs first): the request
# id, timing and security headers (middleware.py) on every response, the trusted hosts, CORS
# for the allowed origins, the body size limit (middleware.py) and gzip compression.


def get_notes(request: Request) -> dict[int, Note]:
    notes: dict[int, Note] = request.app.state.notes
    return notes


NotesDep = Annotated[dict[int, Note], Depends(get_notes)]


async def export_lines(notes: dict[int, Note]) -> AsyncIterator[bytes]:
    """Every note as one line of JSON."""
    for note in list(notes.values()):
        yield note.model_dump_json().encode() + b"\n"


# Don't change this: the grader overrides it with a feed whose chunks it releases one by one.
def get_export_feed(notes: NotesDep) -> AsyncIterator[bytes]:
    """The chunks GET /api/export streams."""
    return export_lines(notes)


ExportFeedDep = Annotated[AsyncIterator[bytes], Depends(get_export_feed)]


@app.get("/api/notes")
async def list_notes(notes: NotesDep) -> list[Note]:
    return list(notes.values())


@app.post("/api/notes", status_code=status.HTTP_201_CREATED)
async def create_note(note_in: NoteCreate, notes: NotesDep) -> Note:
    note = Note(id=len(notes) + 1, text=note_in.text)
    notes[note.id] = note
    return note


@app.get("/api/notes/{note_id}")
async def read_note(note_id: int, notes: NotesDep) -> Note:
    if note_id not in notes:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Note not found")
    return notes[note_id]


@app.get("/api/notes/{note_id}/raw", response_class=PlainTextResponse)
async def read_note_text(note_id: int, notes: NotesDep) -> str:
    """The note's text alone, as text/plain: its body is exactly the text's bytes."""
    if note_id not in notes:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Note not found")
    return notes[note_id].text


@app.get("/api/export")
async def export_notes(feed: ExportFeedDep) -> StreamingResponse:
    """Every note as a line of JSON, streamed as it is produced."""
    return StreamingResponse(feed, media_type="application/x-ndjson")


@app.get("/api/logo.png")
async def logo() -> Response:
    """An image: already compressed, so compressing it again only costs CPU."""
    return Response(LOGO_PNG, media_type="image/png")


# Don't change this: a bug on purpose, so that you can see what your middleware does with a 500.
@app.get("/api/boom")
async def boom() -> None:
    raise RuntimeError("boom: a bug on purpose")
