"""Password hashing and token making: plain functions, no FastAPI."""

# TODO: hash and verify passwords with argon2 (pwdlib), at the costs the settings give.

# TODO: create an access token: a JWT signed with HS256 and JWT_SECRET, with an exp claim.

# TODO: read an access token back, refusing anything that is not one of yours and valid now.

# TODO: make refresh tokens, and what the database keeps of them.
