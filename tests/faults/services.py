"""Private, throwaway services for the real fault tests: a Redis, a PostgreSQL, a gunicorn.

The machine's shared PostgreSQL (5432) and Redis (6379) serve other test runs at the
same time, so the fault tests never stop them: each test starts its own server on a
free port in a temporary folder, really stops it (shutdown, fast restart), and removes
every process and folder it made when it is done, whether the test passed or not.

Only processes started here are ever signalled, and always by their own pid.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PY = sys.executable
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(predicate, *, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _reap(proc: subprocess.Popen, *, timeout: float = 15) -> None:
    """Ends a child started here (by its pid): terminate, then kill if it will not go."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


# --- Redis ----------------------------------------------------------------------------
@dataclass
class PrivateRedis:
    """One redis-server of our own: no RDB, no AOF, so a restart starts empty."""

    directory: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def ping(self) -> bool:
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        assert not self.running, "already running"
        log = self.directory / "redis.log"
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(log),
                "--daemonize",
                "no",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for(
                lambda: self.proc.poll() is not None or self.ping(),
                timeout=30,
                what=f"redis on port {self.port}",
            )
        except TimeoutError:
            _reap(self.proc)
            raise
        if self.proc.poll() is not None:
            raise RuntimeError(f"redis-server exited on start:\n{_tail(log)}")

    def stop(self) -> None:
        """SHUTDOWN NOSAVE, and wait until the process is gone and the port refuses."""
        if not self.running:
            return
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=2, socket_timeout=5)
        # redis-py reports the connection closing under it as the command's error.
        with contextlib.suppress(redis.RedisError):
            client.shutdown(nosave=True)
        client.close()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _reap(self.proc)

    def close(self) -> None:
        if self.proc is not None:
            _reap(self.proc)


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    if not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is not installed (apt-get install -y redis-server)")
    directory = Path(tempfile.mkdtemp(prefix="portal-redis-"))
    server = PrivateRedis(directory)
    try:
        server.start()
        yield server
    finally:
        server.close()
        shutil.rmtree(directory, ignore_errors=True)


# --- PostgreSQL -----------------------------------------------------------------------
def _pg_bindir() -> Path | None:
    """The newest installed server (initdb, pg_ctl and postgres from one version)."""

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.parent.name
        return tuple(int(part) for part in name.split(".") if part.isdigit())

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    return None


@dataclass
class PrivatePostgres:
    """A cluster of our own (trust auth, user postgres), run as the postgres OS user when
    we are root, since the server refuses to run as root."""

    directory: Path
    bindir: Path
    port: int = field(default_factory=free_port)
    run_as: str | None = None

    @property
    def datadir(self) -> Path:
        return self.directory / "data"

    @property
    def logfile(self) -> Path:
        return self.directory / "postgres.log"

    def url(self, database: str = "postgres", **options: object) -> str:
        query = "&".join(f"{k}={v}" for k, v in options.items())
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}" + (
            f"?{query}" if query else ""
        )

    def connect(self, database: str = "postgres", **kwargs):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=database,
            connect_timeout=5,
            **kwargs,
        )

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(
            command,
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{args[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n"
                f"{_tail(self.logfile)}"
            )
        return done

    def init(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )
        # The port, a private socket folder and loopback only: nothing here can collide
        # with the shared server. fsync off: a throwaway cluster, not a durability test.
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.directory}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 30\n"
            )

    def _ctl(self, *args: str, timeout: float = 120) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-l",
            str(self.logfile),
            "-w",
            "-t",
            str(int(timeout)),
            *args,
            timeout=timeout + 10,
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-m", mode)

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.datadir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def accepts(self) -> bool:
        try:
            with self.connect() as conn:
                conn.execute("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure means "not up"
            return False
        return True

    def close(self) -> None:
        """Stops the cluster whatever state it is in (immediate, then the postmaster's pid)."""
        if self.postmaster_pid() is None:
            return
        with contextlib.suppress(Exception):
            self._ctl("stop", "-m", "immediate", timeout=30)
        pid = self.postmaster_pid()
        if pid is None:
            return
        # Still there: kill that postmaster, once sure the pid is ours (a stale pid file
        # could name some other process by now).
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return
        if str(self.datadir) in cmdline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    bindir = _pg_bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        pytest.fail("the PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    run_as = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root and there is no postgres OS user to run PostgreSQL")
        run_as = "postgres"
    # Under /tmp whatever TMPDIR says: the postgres user must be able to reach it, and
    # the socket path inside it must stay short (the limit is about 100 characters).
    directory = Path(tempfile.mkdtemp(prefix="portal-pg-", dir="/tmp"))
    if run_as:
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    cluster = PrivatePostgres(directory, bindir, run_as=run_as)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.close()
        shutil.rmtree(directory, ignore_errors=True)


# --- the portal in a subprocess -------------------------------------------------------
def portal_env(**overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "PYTHONPATH": str(ROOT),
        # What a participant sees in production: the plain error page, never a debug one.
        "DJANGO_DEBUG": "false",
    }
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class PortalServer:
    url: str
    proc: subprocess.Popen
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        return _tail(self.log, lines)


@contextlib.contextmanager
def gunicorn_server(env: dict[str, str], *, workers: int = 1) -> Iterator[PortalServer]:
    """The portal under gunicorn (sync workers) on a free port; its log in a temp file."""
    import requests

    directory = Path(tempfile.mkdtemp(prefix="portal-gunicorn-"))
    log = directory / "gunicorn.log"
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                PY,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
                "--log-level",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = PortalServer(f"http://127.0.0.1:{port}", proc, log)

    def answering() -> bool:
        if proc.poll() is not None:
            return True
        try:
            requests.get(server.url + "/healthz", timeout=5)
        except requests.RequestException:
            return False
        return True

    try:
        _wait_for(answering, timeout=60, what="gunicorn", interval=0.2)
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited on start:\n{server.log_tail()}")
        yield server
    finally:
        _reap(proc, timeout=20)
        shutil.rmtree(directory, ignore_errors=True)


# --- Celery on a private broker -------------------------------------------------------
@contextlib.contextmanager
def celery_on_broker(app, url: str) -> Iterator[None]:
    """Points `app` (broker and result backend, as production shares them) at `url` and
    turns eager mode off, for every thread of this process; restores it all on exit.

    Celery caches the connection pool, the producer pool and the result backend (per
    thread for Redis), so those are dropped too, or publishing would go on using the
    shared Redis.
    """
    import threading

    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}

    def drop_cached_connections() -> None:
        if app._pool is not None:
            with contextlib.suppress(Exception):
                app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None
        app._local = threading.local()

    drop_cached_connections()
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    try:
        yield
    finally:
        drop_cached_connections()
        app.conf.update(saved)


# --- a participant over HTTP ------------------------------------------------------------
PARTICIPANT_PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


class _Inputs(HTMLParser):
    """The values of a page's named inputs (hidden fields, CSRF token), radios left out."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") not in {"radio", "checkbox"}:
            self.values.setdefault(attrs["name"], attrs.get("value") or "")


def page_inputs(session, url: str) -> dict[str, str]:
    page = session.get(url, timeout=60)
    assert page.status_code == 200, (url, page.status_code)
    parser = _Inputs()
    parser.feed(page.text)
    return parser.values


def log_in(base: str, email: str, password: str = PARTICIPANT_PASSWORD):
    """A requests session logged in through allauth's form (participants have no MFA)."""
    import requests

    session = requests.Session()
    token = page_inputs(session, f"{base}/accounts/login/")["csrfmiddlewaretoken"]
    done = session.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": email, "password": password},
        timeout=60,
    )
    assert done.status_code == 200 and "/accounts/login/" not in done.url, done.url
    return session
