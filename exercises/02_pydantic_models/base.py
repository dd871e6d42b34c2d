"""The two bases every API model derives from, and the value types they share.

TODO: configure the bases, and write the value types the models share (see README.md).
"""

from pydantic import BaseModel


class ApiModel(BaseModel):
    """Every API model: camelCase in JSON, snake_case in Python."""

    # TODO: an alias generator, and snake_case names accepted in requests too (task 2).


class RequestModel(ApiModel):
    """The base of every request body and its parts."""

    # TODO: what happens to a field the model does not declare (task 2)?


class PublicModel(ApiModel):
    """The base of every response model."""

    # TODO: responses are built from the store's rows, which are objects, not dicts.


# TODO: the types the models share:
# - money in a request: a string (never a JSON number), more than 0, at most 10000, at most two
#   decimals, held as a Decimal (task 3);
# - money in a response: a string with exactly two decimals (task 3);
# - a time in a response: UTC with its offset, even when the store's row holds it naive (task 3).
