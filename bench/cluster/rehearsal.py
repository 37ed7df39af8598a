"""`make cluster-rehearsal`: the portal on a cluster of Linux network namespaces.

Hosts, each its own network namespace on a private bridge (10.231.N.0/24, N free):

  lb      HAProxy (deploy/haproxy/haproxy.cfg), TLS with a throwaway certificate
  web1-2  gunicorn (deploy/systemd/portal-web.service's command)
  work1-2 Celery workers; work2 also runs the one Celery beat
  db1     PostgreSQL primary + PgBouncer (deploy/pgbouncer/pgbouncer.ini, transaction mode)
  db2     PostgreSQL streaming replica (pg_basebackup -R)
  cache   Redis (cache, sessions, rate limits, broker)
  s3      S3-compatible object storage (moto's server) for the private files
  client  the load generator (locust), with 100 addresses of its own

Scenarios: an enrollment surge through HAProxy with one web host SIGKILLed half-way; a
cohort of genomes on 1 then 2 worker hosts, then 2 with one SIGKILLed half-way; a
failover drill (stop the primary, promote the replica, point PgBouncer at it). Figures go
to bench/results.json (or --results); everything started here is stopped and every
namespace, link and folder removed, whatever happens. Only processes started here are
signalled, by their own pid or process group.

Traffic stays on loopback and inside the namespaces created here. Needs root, `ip`,
haproxy, pgbouncer, PostgreSQL and redis-server (.ci/cluster.sh installs what is missing).
"""

# SQL here is built from this file's own constants (table names, sample prefixes), never
# from input; the S3 key is the fake server's throwaway one.
# ruff: noqa: S608, S106

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PY = sys.executable
RESULTS = ROOT / "bench" / "results.json"
READY_SUBJECT = "You have something new on your page"

HOSTS = {  # name -> last octet
    "lb": 5,
    "db1": 10,
    "db2": 11,
    "cache": 12,
    "s3": 13,
    "web1": 21,
    "web2": 22,
    "work1": 31,
    "work2": 32,
    "client": 100,
}
CLIENT_ADDRESSES = range(101, 201)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def sh(*args: str, check: bool = True, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(args), capture_output=True, text=True, check=check, timeout=timeout, **kw
    )


def pg_bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql")
    return found[-1].parent


def free_subnet() -> int:
    used = sh("ip", "-o", "-4", "addr").stdout + sh("ip", "-4", "route").stdout
    for n in list(range(190, 250)) + list(range(100, 190)):
        if f"10.231.{n}." not in used:
            return n
    raise SystemExit("no free 10.231.N.0/24 subnet")


@dataclass
class Cluster:
    short: bool
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:4])
    subnet: int = 0
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="portal-cluster-")))
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    namespaces: list[str] = field(default_factory=list)
    bridge: str = ""
    pg_dirs: list[Path] = field(default_factory=list)
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    measured: dict = field(default_factory=dict)

    # --- addresses -------------------------------------------------------------------
    def ip(self, host: str) -> str:
        return f"10.231.{self.subnet}.{HOSTS[host]}"

    def ns(self, host: str) -> str:
        return f"pc{self.tag}-{host}"

    @property
    def lb_url(self) -> str:
        return f"https://{self.ip('lb')}"

    def primary_dsn(self, host: str = "db1", port: int = 5432) -> list[str]:
        return ["-h", self.ip(host), "-p", str(port), "-U", "postgres"]

    def psql(self, sql: str, host: str = "db1", port: int = 5432, db: str = "portal") -> str:
        done = sh("psql", *self.primary_dsn(host, port), "-d", db, "-Atqc", sql, timeout=60)
        return done.stdout.strip()

    def count(self, sql: str, **kw) -> int:
        return int(self.psql(sql, **kw) or 0)

    # --- network ---------------------------------------------------------------------
    def network_up(self) -> None:
        self.subnet = free_subnet()
        self.bridge = f"pcb{self.tag}"
        sh("ip", "link", "add", self.bridge, "type", "bridge")
        sh("ip", "addr", "add", f"10.231.{self.subnet}.1/24", "dev", self.bridge)
        sh("ip", "link", "set", self.bridge, "up")
        for index, host in enumerate(HOSTS):
            ns = self.ns(host)
            sh("ip", "netns", "add", ns)
            self.namespaces.append(ns)
            outside = f"pcv{self.tag}{index:02d}"
            sh("ip", "link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", ns)
            sh("ip", "link", "set", outside, "master", self.bridge, "up")
            sh("ip", "-n", ns, "addr", "add", f"{self.ip(host)}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        for last in CLIENT_ADDRESSES:
            sh(
                "ip",
                "-n",
                self.ns("client"),
                "addr",
                "add",
                f"10.231.{self.subnet}.{last}/24",
                "dev",
                "eth0",
            )
        log(f"network: bridge {self.bridge}, 10.231.{self.subnet}.0/24, {len(HOSTS)} namespaces")

    # --- processes -------------------------------------------------------------------
    def start(self, name: str, host: str, command: list[str], *, env=None, user=None):
        logfile = (self.tmp / f"{name}.log").open("ab")
        prefix = ["ip", "netns", "exec", self.ns(host)]
        if user:
            prefix += ["runuser", "-u", user, "--"]
        proc = subprocess.Popen(
            [*prefix, *command],
            cwd=ROOT,
            env=env or os.environ.copy(),
            stdin=subprocess.DEVNULL,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a host's processes die together
        )
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)

    def stop(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill(name)

    def wait_for(self, what: str, predicate, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if predicate():
                    return
            time.sleep(0.3)
        raise TimeoutError(f"{what} did not come up in {timeout:.0f} s")

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.tmp / f"{name}.log"
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            if path.exists()
            else ""
        )

    # --- PostgreSQL ------------------------------------------------------------------
    def _pg(self, host: str, *args: str, timeout: float = 300) -> None:
        sh(
            "ip",
            "netns",
            "exec",
            self.ns(host),
            "runuser",
            "-u",
            "postgres",
            "--",
            str(pg_bindir() / args[0]),
            *args[1:],
            timeout=timeout,
        )

    def pg_ctl(self, data: Path, *args: str, timeout: float = 120) -> None:
        """pg_ctl on a data folder as postgres (stop and promote need no namespace)."""
        sh(
            "runuser", "-u", "postgres", "--", str(pg_bindir() / "pg_ctl"), "-D", str(data),
            *args, timeout=timeout,
        )  # fmt: skip

    def pg_conf(self, data: Path, host: str) -> None:
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nlisten_addresses = '{self.ip(host)}'\nport = 5432\n"
                f"unix_socket_directories = '{data.parent}'\n"
                "max_connections = 150\nshared_buffers = 128MB\n"
                # A throwaway cluster on a shared disk: no fsync (not a durability test:
                # the failover drill stops the primary cleanly and checks every commit).
                "fsync = off\nfull_page_writes = off\n"
                "wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n"
            )

    def postgres_up(self) -> None:
        self.tmp.chmod(0o755)  # the postgres user runs the servers and PgBouncer
        for host in ("db1", "db2"):
            folder = self.tmp / f"pg-{host}"
            folder.mkdir()
            shutil.chown(folder, "postgres", "postgres")
            self.pg_dirs.append(folder / "data")
        primary = self.pg_dirs[0]
        self._pg(
            "db1",
            "initdb",
            "-D",
            str(primary),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.pg_conf(primary, "db1")
        with (primary / "pg_hba.conf").open("a") as hba:
            net = f"10.231.{self.subnet}.0/24"
            hba.write(f"host all all {net} trust\nhost replication all {net} trust\n")
        self._pg(
            "db1", "pg_ctl", "-D", str(primary), "-l", str(primary.parent / "log"), "-w", "start"
        )
        self.psql("CREATE DATABASE portal", db="postgres")
        # PgBouncer in transaction mode: no per-connection SET TIME ZONE from Django.
        self.psql("ALTER DATABASE portal SET timezone TO 'UTC'", db="postgres")
        log("postgres: primary up on db1")

    def replica_up(self) -> None:
        replica = self.pg_dirs[1]
        self._pg(
            "db2",
            "pg_basebackup",
            "-h",
            self.ip("db1"),
            "-U",
            "postgres",
            "-D",
            str(replica),
            "-X",
            "stream",
            "-R",
            "-c",
            "fast",
            "--no-sync",
        )
        conf = (replica / "postgresql.conf").read_text()
        conf = re.sub(r"\nlisten_addresses = .*", "", conf)
        conf = re.sub(r"\nunix_socket_directories = .*", "", conf)
        (replica / "postgresql.conf").write_text(conf)
        self.pg_conf(replica, "db2")
        self._pg(
            "db2", "pg_ctl", "-D", str(replica), "-l", str(replica.parent / "log"), "-w", "start"
        )
        log("postgres: streaming replica up on db2 (pg_basebackup -R)")

    def pg_stop_all(self) -> None:
        for data in self.pg_dirs:
            if (data / "postmaster.pid").exists():
                with contextlib.suppress(Exception):
                    self.pg_ctl(data, "-m", "immediate", "-w", "stop", timeout=60)

    # --- PgBouncer, Redis, S3 --------------------------------------------------------
    def pgbouncer_config(self, target_host: str) -> None:
        text = (ROOT / "deploy/pgbouncer/pgbouncer.ini").read_text()
        folder = self.tmp / "pgbouncer"
        folder.mkdir(exist_ok=True)
        shutil.chown(folder, "postgres", "postgres")
        replace = {
            r"^portal = .*$": f"portal = host={self.ip(target_host)} port=5432 dbname=portal",
            r"^listen_addr = .*$": f"listen_addr = {self.ip('db1')}",
            r"^auth_type = .*$": "auth_type = trust",
            r"^auth_file = .*$": f"auth_file = {folder / 'userlist.txt'}",
            r"^admin_users = .*$": "admin_users = postgres",
            r"^stats_users = .*$": "stats_users = postgres",
            r"^logfile = .*$": f"logfile = {folder / 'pgbouncer.log'}",
            r"^pidfile = .*$": f"pidfile = {folder / 'pgbouncer.pid'}",
            # This rehearsal's PostgreSQL allows 150 connections.
            r"^max_db_connections = .*$": "max_db_connections = 100",
        }
        for pattern, value in replace.items():
            text, n = re.subn(pattern, value, text, flags=re.M)
            assert n == 1, pattern
        (folder / "pgbouncer.ini").write_text(text)
        (folder / "userlist.txt").write_text('"postgres" ""\n')
        for name in ("pgbouncer.ini", "userlist.txt"):
            shutil.chown(folder / name, "postgres", "postgres")

    def pgbouncer_up(self) -> None:
        self.pgbouncer_config("db1")
        self.start(
            "pgbouncer",
            "db1",
            ["pgbouncer", str(self.tmp / "pgbouncer/pgbouncer.ini")],
            user="postgres",
        )
        self.wait_for("pgbouncer", lambda: self.psql("select 1", port=6432) == "1")
        log("pgbouncer: transaction mode on db1:6432")

    def pgbouncer_reload(self, target_host: str) -> None:
        self.pgbouncer_config(target_host)
        pid = int((self.tmp / "pgbouncer/pgbouncer.pid").read_text().split()[0])
        os.kill(pid, signal.SIGHUP)  # our own pgbouncer (its pid file): re-read the config

    def redis_up(self) -> None:
        self.start(
            "redis",
            "cache",
            [
                "redis-server",
                "--bind",
                self.ip("cache"),
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
                "--dir",
                str(self.tmp),
            ],
        )
        self.wait_for(
            "redis", lambda: "PONG" in sh("redis-cli", "-h", self.ip("cache"), "ping").stdout
        )
        log("redis: up on cache:6379")

    def s3_up(self) -> None:
        self.start(
            "s3",
            "s3",
            [PY, "-m", "moto.server", "-H", self.ip("s3"), "-p", "9000"],
            env={**os.environ, **self.s3_env()},
        )
        self.wait_for("s3", lambda: self.s3().list_buckets() is not None)
        self.s3().create_bucket(Bucket="portal-private")
        log("s3: object storage up on s3:9000, bucket portal-private")

    def s3_env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": "rehearsal",
            "AWS_SECRET_ACCESS_KEY": "rehearsal-not-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def s3(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=f"http://{self.ip('s3')}:9000",
            region_name="us-east-1",
            aws_access_key_id="rehearsal",
            aws_secret_access_key="rehearsal-not-secret",
        )

    def s3_keys(self, prefix: str) -> list[str]:
        pages = (
            self.s3()
            .get_paginator("list_objects_v2")
            .paginate(Bucket="portal-private", Prefix=prefix)
        )
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    # --- the portal ------------------------------------------------------------------
    def portal_env(self, host: str | None = None) -> dict[str, str]:
        private = self.tmp / f"local-disk-{host or 'orchestrator'}"
        env = {
            **os.environ,
            **self.s3_env(),
            "DJANGO_SETTINGS_MODULE": "bench.cluster.settings",
            "PYTHONPATH": str(ROOT),
            "SECRET_KEY": self.secret,
            # a separate key for the duplicate-participant blind index (issue 18)
            "DUPLICATE_INDEX_KEY": "dup-" + self.secret[::-1],
            "ALLOWED_HOSTS": f"{self.ip('lb')},portal.example.org",
            "SITE_URL": self.lb_url,
            "TRUSTED_PROXIES": self.ip("lb"),
            "DATABASE_URL": f"postgres://postgres@{self.ip('db1')}:6432/portal",
            "DATABASE_PGBOUNCER": "true",
            "DATABASE_REPLICA_URL": f"postgres://postgres@{self.ip('db2')}:5432/portal",
            "REDIS_URL": f"redis://{self.ip('cache')}:6379/1",
            "CELERY_BROKER_URL": f"redis://{self.ip('cache')}:6379/2",
            "CELERY_RESULT_BACKEND": f"redis://{self.ip('cache')}:6379/3",
            # How soon another host runs the task a killed worker host held (production:
            # 2 hours; tasks here take seconds).
            "CELERY_VISIBILITY_TIMEOUT": "20",
            "PRIVATE_STORAGE_S3_BUCKET": "portal-private",
            "PRIVATE_STORAGE_S3_ENDPOINT_URL": f"http://{self.ip('s3')}:9000",
            "PRIVATE_STORAGE_S3_REGION": "us-east-1",
            # Must stay empty: a stateless host writes nothing of its own to local disk.
            "PRIVATE_STORAGE_ROOT": str(private),
            "CLUSTER_MAIL_DIR": str(self.tmp / "mail"),
            "LOG_LEVEL": "INFO" if (host or "").startswith("work") else "WARNING",
        }
        env.pop("DJANGO_DEBUG", None)
        return env

    def migrate(self) -> None:
        env = self.portal_env()
        # Migrations go to the primary directly, not through PgBouncer (portal-migrate.service).
        env.update(
            DATABASE_URL=f"postgres://postgres@{self.ip('db1')}:5432/portal",
            DATABASE_PGBOUNCER="false",
        )
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["load_default_consents"],
            ["load_surveys"],
        ):
            sh(PY, "manage.py", *command, cwd=ROOT, env=env, timeout=600)
        log("schema: migrated on the primary; consents and surveys loaded")

    def web_up(self, host: str) -> None:
        self.start(
            host,
            host,
            [
                PY,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"{self.ip(host)}:8000",
                "--workers",
                "2",
                "--timeout",
                "60",
                "--graceful-timeout",
                "20",
                "--forwarded-allow-ips",
                self.ip("lb"),
                "--no-control-socket",
            ],
            env=self.portal_env(host),
        )

    def worker_up(self, host: str) -> None:
        self.start(
            host,
            host,
            [
                PY,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "-P",
                "prefork",
                "-c",
                "1",
                "-n",
                f"{host}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            env=self.portal_env(host),
        )

    def beat_up(self) -> None:
        self.start(
            "beat",
            "work2",
            [
                PY,
                "-m",
                "celery",
                "-A",
                "portal",
                "beat",
                "--schedule",
                str(self.tmp / "celerybeat-schedule"),
                "--loglevel",
                "WARNING",
            ],
            env=self.portal_env("work2"),
        )

    def certificate(self) -> Path:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portal.example.org")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName(
                    [
                        x509.DNSName("portal.example.org"),
                        x509.IPAddress(ipaddress.ip_address(self.ip("lb"))),
                    ]
                ),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        path = self.tmp / "portal.pem"
        path.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
            + key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
        return path

    def haproxy_up(self) -> None:
        text = (ROOT / "deploy/haproxy/haproxy.cfg").read_text()
        lb = self.ip("lb")
        replace = {
            r"^    log /dev/log local0$": "    log stdout format raw local0 notice",
            r"^    daemon$": "",
            r"^    user haproxy$": "",
            r"^    group haproxy$": "",
            r"^    bind :80$": f"    bind {lb}:80",
            r"^    bind :443 ssl crt \S+": f"    bind {lb}:443 ssl crt {self.certificate()}",
            r"^    server web1 \S+": f"    server web1 {self.ip('web1')}:8000",
            r"^    server web2 \S+": f"    server web2 {self.ip('web2')}:8000",
            r"^    bind 127.0.0.1:8404$": f"    bind {lb}:8404",
            # Each web host here runs 2 sync workers.
            r"maxconn 5$": "maxconn 2",
        }
        for pattern, value in replace.items():
            text, n = re.subn(pattern, value, text, flags=re.M)
            assert n == 1, pattern
        config = self.tmp / "haproxy.cfg"
        config.write_text(text)
        sh("haproxy", "-c", "-q", "-f", str(config))
        self.start("haproxy", "lb", ["haproxy", "-db", "-f", str(config)])
        log("haproxy: TLS on lb:443, /healthz checks on web1 and web2")

    def http(self):
        import requests
        import urllib3

        urllib3.disable_warnings()
        session = requests.Session()
        session.verify = False  # our own throwaway certificate
        session.trust_env = False  # never through a proxy: the namespaces only
        return session

    def healthy(self) -> bool:
        return self.http().get(f"{self.lb_url}/healthz", timeout=5).status_code == 200

    def backends_up(self) -> int:
        """How many web hosts HAProxy's health checks see up (its statistics page)."""
        out = self.http().get(f"http://{self.ip('lb')}:8404/;csv", timeout=5).text
        return sum(
            1 for line in out.splitlines() if line.startswith("portal_web,web") and ",UP," in line
        )

    def up(self) -> None:
        self.network_up()
        self.postgres_up()
        self.migrate()
        self.replica_up()
        self.pgbouncer_up()
        self.redis_up()
        self.s3_up()
        (self.tmp / "mail").mkdir()
        for host in ("web1", "web2"):
            self.web_up(host)
        for host in ("work1", "work2"):
            self.worker_up(host)
        self.beat_up()
        self.haproxy_up()
        self.wait_for("both web hosts healthy behind HAProxy", lambda: self.backends_up() == 2, 120)
        log("cluster: up")

    def down(self) -> None:
        for name in list(self.procs):
            self.stop(name)
        self.pg_stop_all()
        for ns in self.namespaces:
            # Anything still running inside a namespace made here was started here.
            for pid in sh("ip", "netns", "pids", ns, check=False).stdout.split():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            sh("ip", "netns", "del", ns, check=False)
        if self.bridge:
            sh("ip", "link", "del", self.bridge, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)
        log("cluster: torn down")

    def cpu(self, host: str) -> float:
        """CPU seconds used so far by the processes of a host (and children they reaped)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in sh("ip", "netns", "pids", self.ns(host), check=False).stdout.split():
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        return total / tick

    def cpu_all(self) -> dict[str, float]:
        return {host: self.cpu(host) for host in HOSTS}

    def db_bytes(self) -> int:
        return self.count("SELECT pg_database_size('portal')")

    def leftovers(self) -> list[str]:
        names = sh("ip", "netns", "list").stdout
        links = sh("ip", "-o", "link").stdout
        return [n for n in (*self.namespaces, self.bridge) if n and (n in names or n in links)]


# ======================================================================== scenarios
def surge(c: Cluster, volunteers: int, users: int, run_time: str) -> dict:
    """Sign-ups through The Basics via HAProxy; web1 SIGKILLed when half have signed up."""
    mail = c.tmp / "mail"
    stats = c.tmp / "surge"
    trails = c.tmp / "trails"
    trails.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "LOAD_MAIL_DIR": str(mail),
        "LOAD_VOLUNTEERS": str(volunteers),
        "LOAD_TRAIL_DIR": str(trails),
        "CLUSTER_SOURCE_ADDRESSES": ",".join(f"10.231.{c.subnet}.{n}" for n in CLIENT_ADDRESSES),
    }
    cpu_before = c.cpu_all()
    bytes_before = c.db_bytes()
    started = time.monotonic()
    locust = c.start(
        "locust",
        "client",
        [
            PY,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench/cluster/locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(max(1, users // 5)),
            "--run-time",
            run_time,
            "--host",
            c.lb_url,
            "--csv",
            str(stats),
            "--only-summary",
            "--stop-timeout",
            "30",
        ],
        env=env,
    )
    killed_at = None
    signed_up_at_kill = 0
    while locust.poll() is None:
        signed = c.count("SELECT count(*) FROM participants_user WHERE email LIKE 'surge%'")
        if killed_at is None and signed >= volunteers // 2:
            web1_cpu = c.cpu("web1")
            c.kill("web1")  # SIGKILL to the host's whole process group: master and workers
            killed_at = time.monotonic() - started
            signed_up_at_kill = signed
            log(f"surge: web1 SIGKILLed at {killed_at:.0f} s ({signed} signed up)")
        time.sleep(1)
    duration = time.monotonic() - started
    cpu = {h: v - cpu_before[h] for h, v in c.cpu_all().items()}
    if killed_at is not None:
        cpu["web1"] = web1_cpu - cpu_before["web1"]
    c.psql("CHECKPOINT", db="postgres")
    grown = c.db_bytes() - bytes_before
    import csv

    with Path(f"{stats}_stats.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    journeys_failed = sum(int(r["Failure Count"]) for r in rows if r["Name"] == "journey")
    failures = Path(f"{stats}_failures.csv")
    if failures.exists():
        for failure in csv.DictReader(failures.open()):
            log(
                f"surge failure: {failure['Method']} {failure['Name']} x{failure['Occurrences']}: "
                f"{failure['Error'][:300]}"
            )
    request_failures = int(total["Failure Count"]) - journeys_failed
    accounts = c.count("SELECT count(*) FROM participants_user WHERE email LIKE 'surge%'")
    completed = c.count(
        "SELECT count(DISTINCT r.participant_id) FROM surveys_surveyresponse r "
        "JOIN participants_participant p ON p.id = r.participant_id "
        "JOIN participants_user u ON u.id = p.user_id "
        "WHERE u.email LIKE 'surge%' AND r.status = 'completed' AND r.survey_code = 'the_basics'"
    )
    duplicates = c.count(
        "SELECT (SELECT count(*) - count(DISTINCT user_id) FROM participants_participant)"
        " + (SELECT count(*) - count(DISTINCT (participant_id, survey_code)) FROM "
        "    surveys_surveyresponse WHERE status = 'completed')"
        " + (SELECT count(*) - count(DISTINCT lower(email)) FROM participants_user)"
    )
    lost = volunteers - completed
    if lost:
        # Who did not finish, and every request they made: the first thing to read.
        done = set(
            c.psql(
                "SELECT u.email FROM surveys_surveyresponse r "
                "JOIN participants_participant p ON p.id = r.participant_id "
                "JOIN participants_user u ON u.id = p.user_id WHERE u.email LIKE 'surge%' "
                "AND r.status = 'completed' AND r.survey_code = 'the_basics'"
            ).split()
        )
        for n in range(volunteers):
            email = f"surge{n}@example.org"
            if email not in done:
                trail = trails / f"{email}.log"
                text = trail.read_text() if trail.exists() else "(no trail: never started)\n"
                log(f"surge: {email} did not finish; its requests:\n{text}")
    requests = int(total["Request Count"])
    web_cpu = cpu["web1"] + cpu["web2"]
    db_cpu = cpu["db1"] + cpu["cache"]
    c.measured["surge"] = {
        "requests": requests,
        "journeys": completed,
        "duration_s": duration,
        "req_per_s": requests / duration,
        "web_cpu_s": web_cpu,
        "db_cpu_s": db_cpu,
        "lb_cpu_s": cpu["lb"],
        "db_bytes_per_participant": grown / max(1, completed),
    }
    detail = (
        f"{volunteers} volunteers ({users} at a time, locust FastHttpUser over TLS from 100 "
        f"client addresses) through HAProxy to 2 web hosts (gunicorn, 2 sync workers each), "
        f"PgBouncer (transaction mode), Redis, S3; production settings and rate limits; web1 "
        f"SIGKILLed at {killed_at or 0:.0f} s with {signed_up_at_kill} signed up; "
        f"{duration:.0f} s, {int(total['Request Count'])} requests, p99 {total['99%']} ms; "
        f"all on the same 2 cores"
    )
    return {
        "cluster_surge_signups_ok": {
            "value": completed,
            "unit": "accounts",
            "detail": f"sign-up through The Basics completed; {detail}",
        },
        "cluster_surge_errors": {
            "value": request_failures + journeys_failed,
            "unit": "errors",
            "detail": f"{request_failures} failed requests (in flight on "
            f"web1 when it died, each retried by the volunteer) + "
            f"{journeys_failed} failed journeys",
        },
        "cluster_surge_lost_or_duplicated": {
            "value": lost + duplicates,
            "unit": "records",
            "detail": f"{lost} volunteers without a completed "
            f"journey, {duplicates} duplicate accounts, "
            f"participants or responses ({accounts} accounts)",
        },
        "cluster_surge_duration_s": {"value": round(duration, 1), "unit": "s", "detail": detail},
        "cluster_web_cpu_ms_per_request": {
            "value": round(web_cpu / requests * 1000, 1),
            "unit": "ms",
            "detail": f"CPU of both web hosts (gunicorn) per request in the surge; database "
            f"(PostgreSQL + PgBouncer) {db_cpu / requests * 1000:.1f} ms (Redis included), "
            f"HAProxy with TLS {cpu['lb'] / requests * 1000:.1f} ms per request",
        },
        "cluster_db_cpu_ms_per_request": {
            "value": round(db_cpu / requests * 1000, 1),
            "unit": "ms",
            "detail": "CPU of the database host (PostgreSQL + PgBouncer) and Redis per request "
            "in the surge",
        },
        "cluster_lb_cpu_ms_per_request": {
            "value": round(cpu["lb"] / requests * 1000, 2),
            "unit": "ms",
            "detail": "CPU of HAProxy (TLS termination, health checks) per request in the surge",
        },
        "cluster_surge_requests_per_s": {
            "value": round(requests / duration),
            "unit": "req/s",
            "detail": "the surge's request rate through HAProxy (the measured peak)",
        },
        "cluster_db_bytes_per_participant": {
            "value": round(grown / max(1, completed)),
            "unit": "bytes",
            "detail": "growth of the database (pg_database_size, after a checkpoint) per "
            "volunteer enrolled through The Basics: account, profile, consents, survey, "
            "audit and history rows, indexes",
        },
    }


def _cohort_phase(c: Cluster, prefix: str, ids: list[str], vcfs: Path, kill: str | None) -> dict:
    ids_file = c.tmp / f"{prefix}.json"
    ids_file.write_text(json.dumps(ids))
    cpu_before = c.cpu_all()
    bytes_before = c.db_bytes()
    out = sh(
        PY,
        "-m",
        "bench.cluster.cohort",
        "ingest",
        prefix,
        str(ids_file),
        str(vcfs),
        cwd=ROOT,
        env=c.portal_env(),
        timeout=1800,
    )
    started = json.loads(out.stdout.strip().splitlines()[-1])["started"]
    like = f"sample_id LIKE '{prefix}%'"
    done_sql = (
        "SELECT count(*) FROM results_interpretation i JOIN results_sample s ON s.id = i.sample_id"
        f" WHERE s.{like} AND (i.reports_built_at IS NOT NULL OR i.state = 'failed')"
    )
    reports_sql = (
        "SELECT count(*) FROM results_report r JOIN results_interpretation i ON "
        f"i.id = r.interpretation_id JOIN results_sample s ON s.id = i.sample_id WHERE s.{like}"
    )
    killed = False
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        done = c.count(done_sql)
        pending = c.count(f"{reports_sql} AND r.state IN ('pending', 'ready')")
        released = c.count(f"{reports_sql} AND r.state = 'released'")
        review = c.count(f"{reports_sql} AND r.state = 'needs_review'")
        documents = c.count(
            "SELECT count(*) FROM results_reportdocument d JOIN results_report r ON r.id = "
            "d.report_id JOIN results_interpretation i ON i.id = r.interpretation_id "
            f"JOIN results_sample s ON s.id = i.sample_id WHERE s.{like}"
        )
        # Half-way: half of the reports (3 a genome) have their PDF or wait for review.
        if kill and not killed and documents + review >= len(ids) * 3 // 2:
            c.kill(kill)
            killed = True
            log(f"cohort {prefix}: {kill} SIGKILLed with {documents} of ~{len(ids) * 3} PDFs")
        if done >= len(ids) and not pending and documents >= released:
            break
        # The orchestrator shares the cores with the hosts: its count queries (5 joins over
        # the growing report tables) must not eat into what the workers get.
        time.sleep(2)
    else:
        raise TimeoutError(f"cohort {prefix} did not finish")
    elapsed = time.time() - started
    reports = c.count(reports_sql)
    cpu = {h: v - cpu_before[h] for h, v in c.cpu_all().items()}
    c.psql("CHECKPOINT", db="postgres")
    grown = c.db_bytes() - bytes_before
    log(f"cohort {prefix}: {len(ids)} samples, {reports} reports in {elapsed:.0f} s")
    return {
        "worker_cpu_s": cpu["work1"] + cpu["work2"],
        "db_cpu_s": cpu["db1"] + cpu["cache"] + cpu["s3"],
        "db_bytes": grown,
        "samples": len(ids),
        "reports": reports,
        "elapsed": elapsed,
        "per_hour": reports / elapsed * 3600,
    }


def cohort(c: Cluster, per_phase: int) -> dict:
    """1 worker host, then 2, then 2 with one SIGKILLed half-way; exactly-once checks."""
    people_file = c.tmp / "people.json"
    sh(
        PY,
        "-m",
        "bench.cluster.cohort",
        "people",
        str(per_phase * 3),
        str(people_file),
        cwd=ROOT,
        env=c.portal_env(),
        timeout=3600,
    )
    people = json.loads(people_file.read_text())
    ids = [p["research_id"] for p in people]
    vcfs = c.tmp / "vcfs"
    c.stop("work2")  # warm shutdown: nothing in flight is lost
    one = _cohort_phase(c, "ONE", ids[:per_phase], vcfs, None)
    c.worker_up("work2")
    time.sleep(3)
    two = _cohort_phase(c, "TWO", ids[per_phase : 2 * per_phase], vcfs, None)
    kill = _cohort_phase(c, "KIL", ids[2 * per_phase :], vcfs, "work2")
    c.worker_up("work2")  # the host comes back (as systemd's Restart=always would)

    # Exactly once: interpretations, reports, PDFs (rows and objects), e-mails.
    samples = per_phase * 3
    interpretations = c.count("SELECT count(*) FROM results_interpretation WHERE state = 'done'")
    reports = c.count("SELECT count(*) FROM results_report")
    distinct_reports = c.count(
        "SELECT count(DISTINCT (participant_id, report_type, version)) FROM results_report"
    )
    released = c.count("SELECT count(*) FROM results_report WHERE state = 'released'")
    documents = c.count("SELECT count(*) FROM results_reportdocument")
    objects = len(c.s3_keys("reports/"))
    mail = c.tmp / "mail"
    ready_mails = []
    for person in people:
        inbox = mail / f"{person['email']}.eml"
        text = inbox.read_text(errors="replace") if inbox.exists() else ""
        ready_mails.append(text.count(f"Subject: {READY_SUBJECT}"))
    local_files = [p for p in c.tmp.glob("local-disk-*/**/*") if p.is_file()]
    exactly_once = int(
        interpretations == samples
        and reports == distinct_reports == samples * 3
        and documents == released == objects
        and all(n == 1 for n in ready_mails)
        and not local_files
    )
    ratio = two["per_hour"] / one["per_hour"]
    pdf_bytes = sum(
        item["Size"]
        for page in c.s3().get_paginator("list_objects_v2").paginate(Bucket="portal-private")
        for item in page.get("Contents", [])
        if item["Key"].startswith(("reports/", "consent/"))
    )
    per_genome_cpu = two["worker_cpu_s"] / two["samples"]
    c.measured["cohort"] = {
        "worker_cpu_s_per_genome": per_genome_cpu,
        "db_cpu_s_per_genome": two["db_cpu_s"] / two["samples"],
        "db_bytes_per_genome": two["db_bytes"] / two["samples"],
        "pdf_bytes_per_participant": pdf_bytes / samples,
        "reports_per_genome": two["reports"] / two["samples"],
    }
    return {
        "cluster_worker_cpu_s_per_genome": {
            "value": round(per_genome_cpu, 2),
            "unit": "s",
            "detail": f"CPU of the worker hosts per genome with 2 hosts (interpretation, "
            f"{two['reports'] / two['samples']:.1f} reports, their PDFs, the e-mail); database, "
            f"Redis and S3 {two['db_cpu_s'] / two['samples']:.2f} s; database growth "
            f"{two['db_bytes'] / two['samples'] / 1024:.0f} KiB and PDFs (report + consent) "
            f"{pdf_bytes / samples / 1024:.0f} KiB in object storage per participant",
        },
        "cluster_db_cpu_s_per_genome": {
            "value": round(two["db_cpu_s"] / two["samples"], 3),
            "unit": "s",
            "detail": "CPU of the database host, Redis and S3 per genome (2 worker hosts)",
        },
        "cluster_db_bytes_per_genome": {
            "value": round(two["db_bytes"] / two["samples"]),
            "unit": "bytes",
            "detail": "database growth per genome: sample, interpretation (JSON result), "
            "findings, 3 reports, documents, audit and history rows, indexes",
        },
        "cluster_pdf_bytes_per_participant": {
            "value": round(pdf_bytes / samples),
            "unit": "bytes",
            "detail": "object storage per cohort participant: 2 signed consent PDFs and the "
            "report PDFs (the VCF itself not counted: these are PGx-gene extracts)",
        },
        "cluster_reports_exactly_once": {
            "value": exactly_once,
            "unit": "bool",
            "detail": f"{samples} genomes (renamed 1000 Genomes PGx-gene VCFs in S3): "
            f"{interpretations} interpretations done, {reports} reports "
            f"({distinct_reports} distinct), {released} released, {documents} PDF rows, "
            f"{objects} PDF objects in S3, 'results ready' e-mails per participant: "
            f"min {min(ready_mails)} max {max(ready_mails)}; files on hosts' local disks: "
            f"{len(local_files)}; a worker host SIGKILLed half-way through the last "
            f"{per_phase}",
        },
        "cluster_reports_per_hour": {
            "value": round(two["per_hour"]),
            "unit": "reports/h",
            "detail": f"2 worker hosts (1 Celery process each), {two['samples']} genomes, "
            f"{two['reports']} reports + PDFs in {two['elapsed']:.0f} s; with one killed "
            f"half-way: {kill['per_hour']:.0f}/h ({kill['elapsed']:.0f} s, including the "
            f"20 s visibility timeout for its task)",
        },
        "cluster_worker_scaling": {
            "value": round(ratio, 2),
            "unit": "x",
            "detail": f"2 worker hosts vs 1 in the same run ({one['per_hour']:.0f} reports/h "
            f"on 1 host); target >= 1.7; the whole cluster and the orchestrator share 2 cores",
        },
    }


def failover(c: Cluster) -> dict:
    """Stop the primary, promote the replica, point PgBouncer at it; nothing committed lost."""
    tables = [
        "participants_user",
        "participants_participant",
        "surveys_surveyresponse",
        "results_report",
        "results_reportdocument",
        "portal_auditevent",
    ]
    query = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables)
    c.wait_for(
        "replica caught up",
        lambda: (
            c.psql("SELECT pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn()", host="db2")
            == "t"
        ),
    )
    # Quiesce writers (beat, workers): the drill measures what the portal committed.
    for name in ("beat", "work1", "work2"):
        c.stop(name)
    before = c.psql(query)
    lsn = c.psql("SELECT pg_current_wal_lsn()")
    started = time.monotonic()
    c.pg_ctl(c.pg_dirs[0], "-m", "fast", "-w", "stop")
    log("failover: primary stopped")
    c.pg_ctl(c.pg_dirs[1], "-w", "promote")
    c.pgbouncer_reload("db2")
    log("failover: replica promoted, PgBouncer now points at db2")
    c.wait_for("the portal after failover", c.healthy, 120)
    downtime = time.monotonic() - started
    after = c.psql(query, host="db2")
    # A whole new enrollment through HAProxy: the promoted primary takes writes.
    from bench.load.journey import Journey

    class Client:
        def __init__(self):
            self.session = c.http()

        def _go(self, method, url, data=None, **_):
            response = self.session.request(
                method, url, data=data, headers={"Referer": url}, timeout=60
            )
            response.raise_for_status()
            return response.status_code, response.url, response.text

        def get(self, url, *, name):
            return self._go("GET", url)

        def post(self, url, data, *, name):
            return self._go("POST", url, data)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    write_ok = 1
    try:
        Journey(Client(), c.lb_url, "after-failover@example.org", c.tmp / "mail").run()
    except Exception as error:  # noqa: BLE001 - reported as a figure
        log(f"failover: the journey after failover failed: {error!r}")
        write_ok = 0
    lost = sum(
        int(b.split("|")[1]) - int(a.split("|")[1])
        for b, a in zip(before.splitlines(), after.splitlines(), strict=True)
    )
    return {
        "cluster_failover_s": {
            "value": round(downtime, 1),
            "unit": "s",
            "detail": "primary stopped (fast) -> replica promoted (pg_ctl promote) -> "
            "PgBouncer re-pointed (SIGHUP) -> /healthz 200 through HAProxy; web hosts "
            "untouched (their DATABASE_URL is PgBouncer)",
        },
        "cluster_failover_lost_commits": {
            "value": lost,
            "unit": "rows",
            "detail": f"rows in {', '.join(tables)} before the stop minus after the "
            f"promotion (primary's last LSN {lsn}); then a whole enrollment through HAProxy "
            f"on the promoted primary: {'ok' if write_ok else 'FAILED'}",
        },
        "cluster_failover_write_ok": {
            "value": write_ok,
            "unit": "bool",
            "detail": "sign-up through The Basics after the failover",
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="the CI version (a few minutes)")
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="where to merge the figures (default bench/results.json; --short: print only)",
    )
    parser.add_argument("--volunteers", type=int, default=None)
    parser.add_argument("--genomes", type=int, default=None, help="per cohort phase (x3 in all)")
    parser.add_argument("--only", default="surge,cohort,failover", help="scenarios to run")
    parser.add_argument("--keep-logs", type=Path, default=None, help="copy the hosts' logs here")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("the cluster rehearsal needs root (network namespaces)")
    # Every connection stays inside the namespaces made here: no proxy, ever.
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        os.environ.pop(name, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "*"
    volunteers = args.volunteers or (30 if args.short else 1000)
    # The full run's cohort is the 1,000 genomes: 3 phases of 334 (1,002 in all).
    genomes = args.genomes or (4 if args.short else 334)
    users = min(40, max(10, volunteers // 10))
    cluster = Cluster(short=args.short)
    figures: dict = {}

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    only = set(args.only.split(","))
    try:
        cluster.up()
        if "surge" in only:
            figures.update(surge(cluster, volunteers, users, "4m" if args.short else "15m"))
            cluster.web_up("web1")  # the host comes back for the next scenarios
        if "cohort" in only:
            figures.update(cohort(cluster, genomes))
        if "failover" in only:
            figures.update(failover(cluster))
    except BaseException:
        for name in ("haproxy", "web1", "web2", "work1", "work2", "locust"):
            tail = cluster.tail(name)
            if tail:
                print(f"--- {name} log ---\n{tail}", file=sys.stderr)
        raise
    finally:
        if args.keep_logs:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            for path in [
                *cluster.tmp.glob("*.log"),
                *cluster.tmp.glob("*/log"),
                *cluster.tmp.glob("*.csv"),
            ]:
                name = path.name if path.name != "log" else f"{path.parent.name}.log"
                with contextlib.suppress(OSError):
                    shutil.copy(path, args.keep_logs / name)
        cluster.down()
        left = cluster.leftovers()
        if left:
            print(f"error: left behind: {left}", file=sys.stderr)
            raise SystemExit(3)
    suffix = " (short CI run)" if args.short else ""
    for value in figures.values():
        value["detail"] += suffix
    target = args.results or (None if args.short else RESULTS)
    if target is not None:
        data = json.loads(target.read_text()) if target.exists() else {}
        data.update(figures)
        target.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print("FIGURES " + json.dumps(figures))
    print("MEASURED " + json.dumps(cluster.measured))
    for key, fig in figures.items():
        print(f"{key:<36} {fig['value']:>10} {fig['unit']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
