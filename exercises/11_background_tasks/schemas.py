"""What clients send and what they get back."""

from pydantic import BaseModel, ConfigDict

from database import JobStatus


class ConversionCreate(BaseModel):
    """A document to convert: the only field a client writes."""

    # TODO: 1 to 100 000 characters (task 1).
    markdown: str


class JobPublic(BaseModel):
    """A job as its owner sees it: not whose it is, nor its input, nor its key."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    status: JobStatus
    result: str | None
    error: str | None
