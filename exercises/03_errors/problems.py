"""Problem Details (RFC 9457): one format for every error the API answers.

TODO: answer every error, whatever raised it, as a problem (README, tasks 1, 3, 4 and 6).
"""

from fastapi import FastAPI

#: The media type of every error response.
PROBLEM_MEDIA_TYPE = "application/problem+json"
#: Where the API's own problem types live: `type` is this followed by the problem's slug.
PROBLEM_TYPES = "https://wallet.example/problems/"


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error the app can meet as Problem Details."""
    # TODO: register exception handlers for HTTP errors (task 1), validation errors (task 3),
    # the ledger's errors (task 4), and every other exception (task 6). Mind the classes.
