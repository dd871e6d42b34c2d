"""What the API reads and answers."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr

Username = Annotated[str, Field(min_length=3, max_length=32)]


class UserBase(BaseModel):
    username: Username


class UserCreate(UserBase):
    #: SecretStr: the password never shows up in a repr or a log line. (A 422 still echoes what
    #: the client sent: see main.py.)
    password: Annotated[SecretStr, Field(min_length=8, max_length=128)]


class UserPublic(UserBase):
    model_config = ConfigDict(from_attributes=True)

    id: int


# TODO: TokenPair, what POST /token and POST /token/refresh answer.


# TODO: RefreshRequest, the JSON body of POST /token/refresh.
