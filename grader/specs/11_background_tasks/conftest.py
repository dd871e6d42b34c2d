"""Fixtures of the background-tasks exercise: its grading interface (a converter and a mailer the
spec holds, fails and watches; the jobs table; what a server would log) and the checks its specs
share.

The app runs behind `Service`, which starts its lifespan, stops it and starts it again, as a
deploy would. Requests go through `EarlyTransport`, which hands the response to the spec as soon
as the app has sent it while the app's call goes on: background tasks run after the response
inside the same ASGI call, and httpx's ASGITransport would wait for them. Every exception that
leaves the app, every exception an event loop or a thread reports, and every log record are kept
for the specs that check them.

The fakes block like the real converter and mailer: a call holds its thread. A call made on the
event loop's thread is a mistake the fake records; it then returns at once, since blocking there
would stall the spec as well. A held call waits until the spec lets it go, or HOLD_LIMIT seconds
at most, so that an app whose response waits for the work shows up as a response that came after
the work, not as a hang.

Helpers are fixtures (spec folders are not packages, so specs cannot import from here); each is
called inside the spec, so a broken app fails the spec rather than erroring its setup.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import importlib
import logging
import os
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest

from grader.kit import (
    BASE_URL,
    CLIENT_ADDRESS,
    AppCrashed,
    SpecClient,
    body_excerpt,
    call,
    expect_object,
    fail,
    started,
    thread_switches,
)
from grader.loader import LoadedApp
from grader.messages import clip, describe_exception

if TYPE_CHECKING:
    from grader.specs.conftest import World

ADA = {"Authorization": "Bearer ada-7c1f0b2e9d4a"}
BEN = {"Authorization": "Bearer ben-3e8a5d6f1c7b"}
EMAILS = {"ada": "ada@example.com", "ben": "ben@example.com"}
RECEIPT_SUBJECT = "Conversion received"
JOB_FIELDS = ("id", "status", "result", "error")
STATUSES = ("pending", "running", "done", "failed")
#: Seconds a held call of a fake waits for the spec before it gives up and returns.
HOLD_LIMIT = 3.0
#: Seconds a spec waits for the app to reach a state that nothing holds back.
SETTLE_LIMIT = 3.0
#: Seconds the grader holds the database's write lock while concurrent requests arrive: long
#: enough for them all to read first. Only how often a race shows depends on it, never a pass.
WRITE_HOLD = 0.25
#: Seconds between two looks while a spec waits.
POLL = 0.005


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "env(**variables): extra environment variables the spec's app is started with"
    )


@pytest.fixture
def app_env(request: pytest.FixtureRequest, world: World) -> dict[str, str]:
    marker = request.node.get_closest_marker("env")
    return {
        "JOB_WORKERS": "2",
        "OUTBOX_DIR": str(world.path("outbox")),
        **(marker.kwargs if marker else {}),
    }


# --- the fakes --------------------------------------------------------------------------------
@dataclass
class Call:
    """One call of a fake: what it was given, where it ran, and how it went."""

    number: int
    argument: Any
    #: Made on the event loop's thread, where a blocking call stalls every request.
    on_loop: bool
    released: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    #: Held, and never let go by the spec within HOLD_LIMIT.
    gave_up: bool = False


class Fake:
    """What the converter and the mailer share: calls recorded, held, let go."""

    #: What the scorecard calls the fake's call.
    name = "the fake"

    def __init__(self, loop_thread: int) -> None:
        self._loop_thread = loop_thread
        self._lock = threading.Lock()
        self.calls: list[Call] = []
        self.holding = False

    def hold(self) -> None:
        """From now on, each call waits until the spec lets it go."""
        self.holding = True

    def let_go(self, *calls: Call) -> None:
        for held in calls:
            held.released.set()

    def let_go_all(self) -> None:
        """Let every held call go, and hold no more."""
        self.holding = False
        with self._lock:
            calls = list(self.calls)
        self.let_go(*calls)

    def _enter(self, argument: Any) -> Call:
        on_loop = threading.get_ident() == self._loop_thread
        with self._lock:
            made = Call(len(self.calls) + 1, argument, on_loop)
            self.calls.append(made)
            hold = self.holding and not on_loop
        if hold and not made.released.wait(HOLD_LIMIT):
            made.gave_up = True
        return made

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def finished(self) -> list[Call]:
        return [made for made in self.snapshot() if made.finished.is_set()]

    def on_loop(self) -> list[Call]:
        return [made for made in self.snapshot() if made.on_loop]


class FakeConverter(Fake):
    """The grader's converter: HTML that only it can make, or the exception the spec chose."""

    name = "the converter"

    def __init__(self, loop_thread: int) -> None:
        super().__init__(loop_thread)
        self._mark = secrets.token_hex(6)
        self.errors: dict[str, BaseException] = {}

    def result_for(self, markdown: str) -> str:
        digest = hashlib.sha256(markdown.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return f'<p class="kata-{self._mark}">{digest}</p>'

    def fail(self, markdown: str, error: BaseException) -> None:
        """Raise `error` when asked to convert `markdown`."""
        self.errors[markdown] = error

    def __call__(self, markdown: str) -> str:
        made = self._enter(markdown)
        try:
            error = self.errors.get(markdown)
            if error is not None:
                raise error
            return self.result_for(markdown)
        finally:
            made.finished.set()

    def markdowns(self) -> list[str]:
        return [made.argument for made in self.snapshot()]


class FakeMailer(Fake):
    """The grader's mailer: it keeps what it sent, or raises the exception the spec chose."""

    name = "the mailer"

    def __init__(self, loop_thread: int) -> None:
        super().__init__(loop_thread)
        self.error: BaseException | None = None
        self.sent: list[Any] = []

    def send(self, email: Any) -> None:
        made = self._enter(email)
        try:
            if self.error is not None:
                raise self.error
            with self._lock:
                self.sent.append(email)
        finally:
            made.finished.set()


@pytest.fixture
def converter() -> FakeConverter:
    return FakeConverter(threading.get_ident())


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer(threading.get_ident())


@pytest.fixture
def loaded(
    load_app: Callable[..., LoadedApp], converter: FakeConverter, mailer: FakeMailer
) -> LoadedApp:
    """The learner's app, whose get_converter and get_mailer give the grader's fakes."""
    loaded = load_app()
    for name, fake in (("get_converter", converter), ("get_mailer", mailer)):
        hook = getattr(loaded.module, name, None)
        if hook is None:
            raise fail(
                f"main.py defines no {name}: it is given, and the grader replaces it "
                "(see the README's grading interface)"
            )
        loaded.app.dependency_overrides[hook] = _giving(fake)
    return loaded


def _giving(fake: Fake) -> Callable[[], Fake]:
    # A closure, not a lambda with a default: FastAPI would read the default as a parameter.
    return lambda: fake


def app_module(name: str) -> ModuleType:
    """One of the given modules, as the learner's app imported it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise fail(f"{name}.py is missing: it is given, and the grader uses it") from None


@pytest.fixture
def conversion_error(loaded: LoadedApp) -> type[Exception]:
    """`ConversionError` of the app's own converter.py."""
    error: type[Exception] = app_module("converter").ConversionError
    return error


@pytest.fixture
def mail_error(loaded: LoadedApp) -> type[Exception]:
    """`MailError` of the app's own mail.py."""
    error: type[Exception] = app_module("mail").MailError
    return error


# --- what a server would log ------------------------------------------------------------------
class _Keep(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


#: Loggers that report what escaped an app, rather than what the app itself logged. No server
#: runs here, so an app may log through `uvicorn.error` like any logger of its own.
SERVER_LOGGERS = ("asyncio", "concurrent.futures")


class Watch:
    """Exceptions that escape the app (a server would log each as unhandled), and the log."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._escaped: list[tuple[str, BaseException]] = []
        self.records: list[logging.LogRecord] = []
        self._handler = _Keep(self.records)

    def escaped(self, where: str, error: BaseException) -> None:
        with self._lock:
            self._escaped.append((where, error))

    @asynccontextmanager
    async def installed(self) -> AsyncIterator[Watch]:
        loop = asyncio.get_running_loop()
        old_loop_handler = loop.get_exception_handler()
        old_hook = threading.excepthook
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(self._handler)
        if old_level > logging.WARNING:
            root.setLevel(logging.WARNING)
        loop.set_exception_handler(self._loop_error)
        threading.excepthook = self._thread_error
        try:
            yield self
        finally:
            threading.excepthook = old_hook
            loop.set_exception_handler(old_loop_handler)
            root.removeHandler(self._handler)
            root.setLevel(old_level)

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        self.escaped("the event loop", error or RuntimeError(str(context.get("message"))))

    def _thread_error(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            name = args.thread.name if args.thread else "a thread"
            self.escaped(f"thread {name}", args.exc_value)

    def escapes(self, *, collect: bool = True) -> list[str]:
        """Each exception that escaped so far, described, with where it was reported."""
        if collect:
            # A task whose exception nobody retrieved reports it when it is collected. A full
            # collection takes a while: polls leave it to the check that follows them.
            gc.collect()
        with self._lock:
            escaped = list(self._escaped)
        return [f"{describe_exception(error, self.folder)} ({where})" for where, error in escaped]

    def logged(self, error: BaseException) -> bool:
        """Whether the app logged `error` with its traceback, at WARNING or above."""
        return any(
            record.levelno >= logging.WARNING
            and record.exc_info is not None
            and record.exc_info[1] is error
            and not record.name.startswith(SERVER_LOGGERS)
            for record in list(self.records)
        )


@pytest.fixture
async def watch(exercise_dir: Path) -> AsyncIterator[Watch]:
    async with Watch(exercise_dir).installed() as watch:
        yield watch


# --- the service --------------------------------------------------------------------------------
class Service:
    """The learner's app as a server runs it: started, stopped, started again, and watched."""

    def __init__(self, app: Any, folder: Path, watch: Watch) -> None:
        self.app = app
        self.folder = folder
        self.watch = watch
        self.running: Any = None
        #: ASGI calls not finished yet (background tasks run in them, after the response).
        self.calls: set[asyncio.Task[None]] = set()
        #: Set once a shutdown has finished: threads can look at it.
        self.stopped = threading.Event()
        self._lifespan: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def start(self) -> None:
        """Run the lifespan's startup; the app then answers until `stop`."""
        assert self._lifespan is None, "the app is running already"
        self.stopped.clear()
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._stop = asyncio.Event()
        self._lifespan = asyncio.create_task(self._run(ready))
        try:
            await ready
        except BaseException:
            self._lifespan = None
            raise

    async def _run(self, ready: asyncio.Future[None]) -> None:
        try:
            async with started(self.app, folder=self.folder) as running:
                self.running = running
                ready.set_result(None)
                await self._stop.wait()
        except BaseException as error:
            if not ready.done():
                ready.set_exception(error)
                return
            raise AppCrashed("stopping the app (lifespan shutdown)", error, self.folder) from None
        finally:
            self.running = None
            self.stopped.set()

    async def stop(self) -> None:
        """Run the lifespan's shutdown, and wait for it to finish."""
        task, self._lifespan = self._lifespan, None
        assert task is not None, "the app is not running"
        self._stop.set()
        await task

    @property
    def is_running(self) -> bool:
        return self._lifespan is not None

    def client(self, headers: dict[str, str] | None = None) -> SpecClient:
        """A client of the app; use it as `async with service.client(ADA) as client`."""
        transport = EarlyTransport(self)
        return SpecClient(
            folder=self.folder, transport=transport, base_url=BASE_URL, headers=headers
        )

    def spawn(self, app_call: Any) -> asyncio.Task[None]:
        task = asyncio.create_task(app_call)
        self.calls.add(task)
        task.add_done_callback(self.calls.discard)
        return task

    async def settle(self) -> None:
        """Wait until every ASGI call has finished, background tasks included."""
        if self.calls:
            await asyncio.wait(set(self.calls), timeout=SETTLE_LIMIT)


class EarlyTransport(httpx.AsyncBaseTransport):
    """Like httpx's ASGITransport, but the response comes back as soon as the app has sent it,
    while the app's call (and the background tasks in it) goes on."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        app = self.service.running
        if app is None:
            raise RuntimeError("the grader sent a request while the app was stopped")
        assert isinstance(request.stream, httpx.AsyncByteStream)
        body = b"".join([part async for part in request.stream])
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(name.lower(), value) for name, value in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": CLIENT_ADDRESS,
            "root_path": "",
        }
        complete = asyncio.Event()
        status: int | None = None
        headers: list[tuple[bytes, bytes]] = []
        parts: list[bytes] = []
        body_sent = False
        error: BaseException | None = None

        async def receive() -> dict[str, Any]:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await complete.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body" and not complete.is_set():
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    complete.set()

        async def run() -> None:
            nonlocal error
            try:
                await app(scope, receive, send)
            except Exception as raised:
                error = raised
                self.service.watch.escaped(f"{request.method} {request.url.path}", raised)
            finally:
                complete.set()

        self.service.spawn(run())
        await complete.wait()
        # An exception with no response, or with the 500 Starlette sends for it, is a crash of
        # the handler: the spec says so. One after a finished response escaped a background task.
        if error is not None and (status is None or status >= 500):
            raise error.with_traceback(from_learner(error.__traceback__, self.service.folder))
        if status is None:
            raise RuntimeError("the app's call ended without sending a response")
        return httpx.Response(status, headers=headers, content=b"".join(parts), request=request)


def from_learner(tb: TracebackType | None, folder: Path) -> TracebackType | None:
    """The traceback from the first frame inside `folder` on (all of it if there is none)."""
    # The frames of the ASGI stack above the learner's code say nothing to the learner, and
    # formatting each of them for the report costs the grading a second or more per failure.
    prefix = str(folder.resolve()) + os.sep
    entry = tb
    while entry is not None:
        if os.path.abspath(entry.tb_frame.f_code.co_filename).startswith(prefix):
            return entry
        entry = entry.tb_next
    return tb


@pytest.fixture
async def service(
    loaded: LoadedApp,
    exercise_dir: Path,
    watch: Watch,
    converter: FakeConverter,
    mailer: FakeMailer,
) -> AsyncIterator[Service]:
    """The learner's app, started; a spec may stop it and start it again. At the end, every
    held call is let go and the app is stopped, if the spec left it running."""
    service = Service(loaded.app, exercise_dir, watch)
    await service.start()
    yield service
    converter.let_go_all()
    mailer.let_go_all()
    await service.settle()
    if service.is_running:
        await service.stop()


@pytest.fixture
async def client(service: Service) -> AsyncIterator[SpecClient]:
    """ada's client."""
    async with service.client(ADA) as client:
        yield client


@pytest.fixture
async def ben(service: Service) -> AsyncIterator[SpecClient]:
    """ben's client."""
    async with service.client(BEN) as client:
        yield client


@pytest.fixture
async def anonymous(service: Service) -> AsyncIterator[SpecClient]:
    """A client without a token."""
    async with service.client() as client:
        yield client


# --- jobs ---------------------------------------------------------------------------------------
@dataclass
class Submitted:
    """A job the app accepted: its id, and the 202 that said so."""

    id: str
    response: httpx.Response
    body: dict[str, Any]

    @property
    def path(self) -> str:
        return f"/conversions/{self.id}"


class Jobs:
    """The specs' vocabulary: submit, read and wait for jobs, and look into the jobs table."""

    def __init__(self, database: Path, converter: FakeConverter) -> None:
        self.database = database
        self.converter = converter

    async def submit(
        self,
        client: SpecClient,
        markdown: str,
        *,
        key: str | None = None,
    ) -> Submitted:
        """POST /conversions, which must answer 202 with Location and the job."""
        sent = {"Idempotency-Key": key} if key is not None else {}
        response = await client.post("/conversions", json={"markdown": markdown}, headers=sent)
        return self.accepted(response)

    def accepted(self, response: httpx.Response) -> Submitted:
        """The job of a 202: Location names it, the body is it."""
        body = self.job_body(response, 202)
        location = response.headers.get("location")
        if location is None:
            raise fail(f"{call(response)} → the 202 has no Location header")
        path = urlsplit(location).path
        if path != f"/conversions/{body['id']}":
            raise fail(
                f"{call(response)} → Location: {clip(location, 120)}, expected the job's path "
                f"/conversions/{clip(str(body['id']), 60)}"
            )
        return Submitted(id=body["id"], response=response, body=body)

    def job_body(self, response: httpx.Response, status: int) -> dict[str, Any]:
        """The response's job, checked for its four fields and their types."""
        body = expect_object(response, status, *JOB_FIELDS)
        if not isinstance(body["id"], str):
            raise fail(
                f"{call(response)} → the job's id must be a string: {body_excerpt(response)}"
            )
        if body["status"] not in STATUSES:
            raise fail(
                f"{call(response)} → the job's status must be one of {', '.join(STATUSES)}, "
                f"got {clip(repr(body['status']), 60)}"
            )
        for name in ("result", "error"):
            if body[name] is not None and not isinstance(body[name], str):
                raise fail(
                    f"{call(response)} → the job's {name} must be a string or null: "
                    f"{body_excerpt(response)}"
                )
        return body

    async def get(self, client: SpecClient, job_id: str) -> dict[str, Any]:
        """GET /conversions/{id}, which must answer 200 with the job."""
        response = await client.get(f"/conversions/{job_id}")
        body = self.job_body(response, 200)
        if body["id"] != job_id:
            raise fail(f"{call(response)} → the job's id is {clip(repr(body['id']), 60)}")
        return body

    async def wait(
        self, client: SpecClient, job: Submitted | str, *statuses: str, why: str = ""
    ) -> dict[str, Any]:
        """Poll the job until its status is one of `statuses`; fail if it settles elsewhere."""
        job_id = job if isinstance(job, str) else job.id
        body = await self.get(client, job_id)
        deadline = asyncio.get_running_loop().time() + SETTLE_LIMIT
        while body["status"] not in statuses:
            if body["status"] in ("done", "failed") or asyncio.get_running_loop().time() > deadline:
                wanted = " or ".join(statuses)
                raise fail(
                    f"GET /conversions/{job_id} → expected the job to become {wanted}"
                    f"{' ' + why if why else ''}, it is {body['status']}: "
                    f"{clip(str(body), 160)}"
                )
            await asyncio.sleep(POLL)
            body = await self.get(client, job_id)
        return body

    async def until(self, ready: Callable[[], bool], failure: str) -> None:
        """Wait until `ready()` is true; fail with `failure` if it is not, in time."""
        deadline = asyncio.get_running_loop().time() + SETTLE_LIMIT
        while not ready():
            if asyncio.get_running_loop().time() > deadline:
                raise fail(failure)
            await asyncio.sleep(POLL)

    async def entered(self, fake: Fake, count: int, why: str) -> list[Call]:
        """Wait until `fake` has been called `count` times; the calls, in order."""
        await self.until(
            lambda: len(fake.calls) >= count,
            f"{fake.name} was called {len(fake.calls)} times, expected {count} {why}",
        )
        return fake.snapshot()

    def rows(self) -> dict[str, dict[str, Any]]:
        """The jobs table of DATABASE_URL, by id."""
        if not self.database.is_file():
            raise fail(f"no database file at DATABASE_URL ({self.database.name})")
        with closing(sqlite3.connect(self.database, timeout=5)) as connection:
            connection.row_factory = sqlite3.Row
            try:
                rows = connection.execute("SELECT * FROM jobs").fetchall()
            except sqlite3.Error as error:
                raise fail(f"the database at DATABASE_URL has no jobs table ({error})") from None
        return {str(row["id"]): dict(row) for row in rows}

    def row(self, job: Submitted | str) -> dict[str, Any]:
        job_id = job if isinstance(job, str) else job.id
        row = self.rows().get(job_id)
        if row is None:
            raise fail(f"job {job_id} is not in the jobs table of DATABASE_URL")
        return row

    @asynccontextmanager
    async def writes_held(self) -> AsyncIterator[None]:
        """For WRITE_HOLD seconds from the start of the block, no write lands in the database
        (the grader holds its write lock): requests sent in the block all read before any of
        them commits. A thread lets the lock go on time, even while the app blocks the loop."""
        locked = threading.Event()

        def hold() -> None:
            with closing(sqlite3.connect(self.database, timeout=5, isolation_level=None)) as db:
                db.execute("BEGIN IMMEDIATE")
                locked.set()
                time.sleep(WRITE_HOLD)
                db.execute("ROLLBACK")

        thread = threading.Thread(target=hold, name="grader-write-lock", daemon=True)
        thread.start()
        await asyncio.to_thread(locked.wait, SETTLE_LIMIT)
        try:
            yield
        finally:
            await asyncio.to_thread(thread.join)

    def set_status(self, job: Submitted, status: str, **values: str | None) -> None:
        """Write a job's row as a crash would leave it (while the app is stopped)."""
        changes = {"status": status, **values}
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with closing(sqlite3.connect(self.database, timeout=5)) as connection:
            connection.execute(
                f"UPDATE jobs SET {assignments} WHERE id = ?", [*changes.values(), job.id]
            )
            connection.commit()


@pytest.fixture
def jobs(world: World, converter: FakeConverter) -> Jobs:
    return Jobs(world.root / "app.db", converter)


def markdowns(count: int, label: str = "doc") -> list[str]:
    """`count` distinct documents, so that no spec depends on two jobs sharing one."""
    tag = uuid.uuid4().hex[:8]
    return [f"# {label} {number}\n\nText {tag}-{number}." for number in range(1, count + 1)]


@pytest.fixture
def documents() -> Callable[..., list[str]]:
    """`documents(3)`: three distinct Markdown documents."""
    return markdowns


@pytest.fixture
def switch_often() -> Iterator[None]:
    """Frequent thread switches, so that a race between threads shows up reliably."""
    with thread_switches():
        yield
