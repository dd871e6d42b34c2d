"""The two bases every API model derives from, and the value types they share."""

from datetime import datetime, timezone
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    # camelCase on the wire, snake_case in Python; requests may use either spelling.
    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, validate_by_alias=True
    )


class RequestModel(ApiModel):
    # An unknown field is a client's mistake (or a try at setting what the server owns): 422.
    model_config = ConfigDict(extra="forbid")


class PublicModel(ApiModel):
    # Built from the store's rows, reading only the attributes declared: internal ones stay out.
    model_config = ConfigDict(from_attributes=True)


def _string_only(value: object) -> object:
    if not isinstance(value, str):
        # A JSON number is a binary float to most parsers: 0.1 is already not 0.1.
        raise ValueError('money must be a string such as "12.50", not a number')
    return value


#: An amount in a request: a string, more than 0, at most 10000, at most two decimals.
Money = Annotated[
    Decimal,
    BeforeValidator(_string_only),
    Field(gt=0, le=10000, decimal_places=2),
    # Without it, /openapi.json would say that a number is fine too.
    WithJsonSchema(
        {"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$", "examples": ["12.50"]}
    ),
]

CENT = Decimal("0.01")

#: An amount in a response: always a string with exactly two decimals.
MoneyOut = Annotated[Decimal, PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str)]


def _as_utc(moment: datetime) -> datetime:
    # The store keeps UTC without an offset: a naive time from it is UTC, and must say so.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


#: A time in a response: always UTC, with its offset.
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
