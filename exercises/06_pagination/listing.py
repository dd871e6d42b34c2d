"""What both list endpoints share: page size, filters, the sort order and Link headers."""

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Deep offsets make the database skip ever more rows; past this, clients use the feed.
MAX_OFFSET = 10_000

# TODO: `limit` (1 to MAX_LIMIT, default DEFAULT_LIMIT) and `offset` (0 to MAX_OFFSET) query
# parameters, declared once so that both endpoints validate them the same way.


# TODO: the filters, `category`, `min_price`, `max_price` and `q`, as query parameters that
# become SQL conditions (bound values, never strings pasted into SQL). Prices go up to
# `schemas.MAX_INTEGER`, the largest integer SQLite can take.


# TODO: the sort: an allow-list of keys (`id`, `name`, `price`, each also with a `-` for
# descending) mapped to columns, and the ORDER BY that breaks ties by id.


# TODO: next/prev URLs built from the request's own URL, and the RFC 8288 Link header value.
