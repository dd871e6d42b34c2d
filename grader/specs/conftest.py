"""Fixtures every spec can use: the learner's app in a fresh world, and a client for it.

A spec's world is a temporary folder that is the working directory while the app runs, and an
environment holding the grading interface each README promises (`DATABASE_URL` for every
exercise; an exercise's own `conftest.py` adds more by overriding `app_env`). The app is imported
afresh for every spec, so nothing leaks between specs.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from grader import ROOT, SPECS_DIR
from grader.kit import CLIENT_ADDRESS, SpecClient, client_for, open_client, started
from grader.loader import LoadedApp, environment, loaded_app, working_directory
from grader.manifest import Exercise, Track, load_track

#: Environment variable naming the folder to grade, for runs that cannot pass `--target`.
TARGET_VARIABLE = "KATA_TARGET"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--target",
        default=os.environ.get(TARGET_VARIABLE, "exercises"),
        help="folder laid out like exercises/ whose apps the specs grade (default: exercises)",
    )


@dataclass
class World:
    """The spec's own temporary folder and the environment the app is started with."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    def path(self, *parts: str) -> Path:
        """A path inside the world; its parent folders exist."""
        path = self.root.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


@pytest.fixture(scope="session")
def track() -> Track:
    return load_track()


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Path:
    """The folder being graded."""
    folder = Path(pytestconfig.getoption("target"))
    return (folder if folder.is_absolute() else ROOT / folder).resolve()


@pytest.fixture
def exercise(request: pytest.FixtureRequest, track: Track) -> Exercise:
    """The exercise whose specs are running, found from the spec's folder name."""
    folder = Path(request.path).resolve()
    while folder.parent != SPECS_DIR:
        folder = folder.parent
    return track.get(folder.name)


@pytest.fixture
def exercise_dir(target: Path, exercise: Exercise) -> Path:
    """The learner's folder for this exercise."""
    folder = target / exercise.name
    if not folder.is_dir():
        pytest.fail(f"folder {exercise.name} is missing from {target}")
    return folder


@pytest.fixture
def world(tmp_path: Path) -> World:
    """A fresh temporary folder and the environment common to every exercise."""
    root = tmp_path / "world"
    root.mkdir()
    return World(root=root, env={"DATABASE_URL": f"sqlite:///{(root / 'app.db').as_posix()}"})


@pytest.fixture
def app_env(world: World) -> dict[str, str]:
    """Extra environment for the app; an exercise's conftest overrides this."""
    return {}


@pytest.fixture
def load_app(
    exercise_dir: Path, exercise: Exercise, world: World, app_env: dict[str, str]
) -> Iterator[Callable[..., LoadedApp]]:
    """Import the learner's app afresh; keyword arguments add or change environment variables.

    The environment and working directory stay in force until the spec ends, since apps may read
    their settings lazily, on the first request.
    """
    with ExitStack() as stack:
        stack.enter_context(working_directory(world.root))

        def load(**env: str) -> LoadedApp:
            stack.enter_context(environment({**world.env, **app_env, **env}))
            return stack.enter_context(loaded_app(exercise_dir, exercise.app))

        yield load


@pytest.fixture
def loaded(load_app: Callable[..., LoadedApp]) -> LoadedApp:
    """The learner's app, with the default environment, and its module."""
    return load_app()


@pytest.fixture
def app(loaded: LoadedApp) -> Any:
    return loaded.app


@pytest.fixture
def connect(exercise_dir: Path) -> Callable[..., AbstractAsyncContextManager[SpecClient]]:
    """`async with connect(other_app) as client:`: start another app (its own lifespan) and
    talk to it; for another client of the spec's own app, use `client_at`."""

    def connect(app: Any, **options: Any) -> AbstractAsyncContextManager[SpecClient]:
        return open_client(app, folder=exercise_dir, **options)

    return connect


@pytest.fixture
async def running(app: Any, exercise_dir: Path) -> AsyncIterator[Any]:
    """The learner's app, started: its lifespan runs once per spec, around all its clients."""
    async with started(app, folder=exercise_dir) as running:
        yield running


#: `async with client_at(("10.0.0.7", 4000), headers={...}) as other:`: another client of the
#: spec's running app, seen by the app at that address.
ClientAt = Callable[..., SpecClient]


@pytest.fixture
def client_at(running: Any, exercise_dir: Path) -> ClientAt:
    """Make more clients of the spec's running app, at any address (same app, same state)."""

    def client_at(
        address: tuple[str, int] = CLIENT_ADDRESS, headers: dict[str, str] | None = None
    ) -> SpecClient:
        return client_for(running, folder=exercise_dir, address=address, headers=headers)

    return client_at


@pytest.fixture
async def client(client_at: ClientAt) -> AsyncIterator[SpecClient]:
    """A client talking HTTP to the learner's started app."""
    async with client_at() as client:
        yield client
