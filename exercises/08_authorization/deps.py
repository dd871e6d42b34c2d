"""Who is calling, and what they may do: the dependencies the endpoints declare."""

# TODO: read the credentials: a bearer token (`OAuth2PasswordBearer(tokenUrl="token",
# scopes=security.SCOPES)` also gives /docs its Authorize button) or an API key
# (`APIKeyHeader(name="X-API-Key")`), never both. `auto_error=False` lets you answer yourself.

# TODO: the principal of the request: a user (read from the database on every request) or the
# service account of an API key, with its organisation and its scopes; 401 for anything else.

# TODO: scopes: a dependency used through `Security(..., scopes=[...])` reads every scope the
# endpoint requires in `SecurityScopes`; 403 with `WWW-Authenticate: Bearer scope="..."` if
# the token lacks any of them.

# TODO: roles: reusable dependencies that let through only the principals the README's table
# allows (403 for the others), declared on the endpoints or their routers, never inline.
