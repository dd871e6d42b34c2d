"""What clients send and what they get back."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from database import JobStatus

#: The longest document accepted, in characters (Unicode code points).
MAX_MARKDOWN = 100_000


class ConversionCreate(BaseModel):
    """A document to convert: the only field a client writes."""

    markdown: Annotated[str, Field(min_length=1, max_length=MAX_MARKDOWN)]


class JobPublic(BaseModel):
    """A job as its owner sees it: not whose it is, nor its input, nor its key."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    status: JobStatus
    result: str | None
    error: str | None
