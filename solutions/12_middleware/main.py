"""A notes API whose cross-cutting concerns live in middleware, in the right order.

Task: wrap the app in middleware so that every response carries a request id, timing and
security headers, browsers on the allowed origins may call it, big responses are compressed
(streams too, without buffering them), big request bodies and unknown hosts are refused.
See README.md.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field

from assets import LOGO_PNG
from middleware import BodyLimitMiddleware, ResponseHeadersMiddleware
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

# Middleware is part of the app's structure, fixed before it starts: read the settings now.
settings = get_settings()
# Each add_middleware wraps everything added before it, so the last one added runs first.
# GZip innermost: it sees the endpoint's own body and streams it chunk by chunk.
app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_min_bytes)
# Inside CORS and the host check, so their answers never wait for a body.
app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
# An exact allow-list with credentials: the origin is echoed only when it is on the list.
app.add_middleware(
    CORSMiddleware,
    allow_origins=settings.cors_origin_list,
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type", "X-Request-ID"],
    allow_credentials=True,
    expose_headers=["X-Request-ID", "Server-Timing"],
    max_age=600,
)
app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_host_list)
# Outermost, so its headers reach every answer: the host check's 400, a preflight, a 413, a 500.
app.add_middleware(ResponseHeadersMiddleware)


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
