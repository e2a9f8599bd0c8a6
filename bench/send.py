#!/usr/bin/env python3
"""Send-path benchmark: prints ONE JSON line of figures.

For each database (SQLite in a temp file; PostgreSQL when --postgres [URL] or
ONECAST_BENCH_POSTGRES_URL is given) it migrates a fresh database, creates an API space with
the CLI, starts a real `onecast serve` process (API + delivery worker) on a free loopback port
and drives it with httpx over several keep-alive connections:

  single   N single POST /apispaces/{id}/messages (sandbox sms), C concurrent
  batch    B POST /apispaces/{id}/messages/batch of S items, C concurrent
  paced    a light load (one POST at a time, at a fixed rate): latency when the worker is idle

After each phase it waits (bounded) until every accepted message has left processing/retrying
and reads statusHistory: accept -> `sent` latency (accept time = when the client got the 2xx,
`sent` = the server's timestamp), drain time and delivered messages per second.
The server is stopped at the end, also on error or Ctrl-C. Only loopback traffic.

  .venv/bin/python bench/send.py [--quick] [--runs 3] [--postgres [URL]]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

BIN = Path(sys.executable).parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432"
LOOPBACK = {"127.0.0.1", "localhost", "::1", ""}
IN_FLIGHT = {"processing", "retrying"}


class BenchError(RuntimeError):
    pass


# ---------------------------------------------------------------- figures

def pct(values: list[float], q: float) -> float | None:
    """Percentile q (0..100) with linear interpolation; None for no values."""
    if not values:
        return None
    data = sorted(values)
    k = (len(data) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def ms_summary(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"p50": r(pct(ms, 50)), "p99": r(pct(ms, 99)), "max": r(max(ms) if ms else None)}


def ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def median_of(runs: list):
    """The median of every number across runs (same shape); other values from the first run."""
    first = runs[0]
    if isinstance(first, dict):
        return {k: median_of([run.get(k) for run in runs]) for k in first}
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        nums = [x for x in runs if isinstance(x, (int, float))]
        value = statistics.median(nums)
        if all(isinstance(x, int) for x in nums) and value == int(value):
            return int(value)
        return round(value, 3)
    return first


# ---------------------------------------------------------------- processes

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def onecast_bin() -> str:
    candidate = BIN / "onecast"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("onecast")
    if not found:
        raise BenchError("the `onecast` command is not installed (run `make install`)")
    return found


def run_cli(args: list[str], env: dict[str, str], cwd: str, timeout: float = 120) -> str:
    proc = subprocess.run([onecast_bin(), *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise BenchError(f"onecast {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


class Server:
    """`onecast serve` in its own process group; stop() ends the group (TERM, then KILL)."""

    def __init__(self, env: dict[str, str], cwd: str, port: int) -> None:
        self.env, self.cwd, self.port = env, cwd, port
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(cwd) / "serve.log"
        self.base = f"http://127.0.0.1:{port}"

    ready_path = "/openapi.json"
    label = "onecast serve"

    def command(self) -> list[str]:
        return [onecast_bin(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]

    def start(self) -> None:
        log = open(self.log_path, "wb")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            self.command(),
            env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        log.close()

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process so far (Linux /proc), else None."""
        if self.proc is None:
            return None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    async def wait_ready(self, client: httpx.AsyncClient, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise BenchError(f"{self.label} exited early:\n{self.log_tail()}")
            try:
                if (await client.get(self.ready_path, timeout=2)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        raise BenchError(f"{self.label} not ready after {timeout}s:\n{self.log_tail()}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue


class PostgresDatabase:
    """A throwaway database on a loopback PostgreSQL, created and dropped with psql."""

    def __init__(self, server_url: str) -> None:
        parts = urlsplit(server_url)
        if parts.scheme not in ("postgresql", "postgres"):
            raise BenchError(f"--postgres wants a postgresql:// URL, not {server_url!r}")
        if (parts.hostname or "") not in LOOPBACK:
            raise BenchError(f"--postgres must point at a loopback server, not {parts.hostname!r}")
        self.parts = parts
        self.admin_url = urlunsplit((parts.scheme, parts.netloc, parts.path if parts.path not in ("", "/")
                                     else "/postgres", parts.query, ""))
        self.name = f"onecast_bench_{int(time.time())}_{os.getpid()}"
        self.url = urlunsplit(("postgresql", parts.netloc, "/" + self.name, parts.query, ""))
        self.created = False
        if not shutil.which("psql"):
            raise BenchError("psql is not installed")

    def _psql(self, sql: str) -> str:
        proc = subprocess.run(["psql", self.admin_url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                              capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise BenchError(f"psql failed: {proc.stderr.strip()}")
        return proc.stdout.strip()

    def version(self) -> str:
        return self._psql("SHOW server_version")

    def create(self) -> str:
        self._psql(f'CREATE DATABASE "{self.name}"')
        self.created = True
        return self.url

    def drop(self) -> None:
        if self.created:
            self.created = False
            try:
                self._psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            except (BenchError, subprocess.TimeoutExpired) as exc:
                print(f"bench: could not drop {self.name}: {exc}", file=sys.stderr)


# ---------------------------------------------------------------- load

def sms(i: int, tag: str) -> dict:
    return {"to": {"phoneNumber": f"4477009{i % 100000:05d}"}, "body": f"bench {tag} {i}", "rules": ["sms"]}


class Accepted:
    def __init__(self) -> None:
        self.at: dict[str, float] = {}  # message id -> client time the 2xx arrived (epoch s)
        self.request_s: list[float] = []  # per request round trip
        self.errors = 0
        self.first_error: str | None = None

    def error(self, text: str) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = text[:300]


async def _post(client: httpx.AsyncClient, url: str, payload, acc: Accepted, batch: bool) -> None:
    t0 = time.perf_counter()
    try:
        resp = await client.post(url, json=payload)
    except httpx.HTTPError as exc:
        acc.error(repr(exc))
        return
    now = time.time()
    acc.request_s.append(time.perf_counter() - t0)
    if resp.status_code not in (201, 202):
        acc.error(f"{resp.status_code} {resp.text}")
        return
    body = resp.json()
    for item in body if batch else [body]:
        acc.at[item["messageId"]] = now


async def run_pool(jobs, concurrency: int) -> None:
    """Run coroutine factories from an iterator with `concurrency` workers."""
    it = iter(jobs)

    async def worker() -> None:
        for job in it:
            await job()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def phase_single(client, space: str, n: int, concurrency: int) -> tuple[dict, Accepted]:
    acc = Accepted()
    url = f"/apispaces/{space}/messages"
    t0 = time.perf_counter()
    await run_pool((lambda i=i: _post(client, url, sms(i, "single"), acc, False) for i in range(n)), concurrency)
    elapsed = time.perf_counter() - t0
    return {"requests": n, "concurrency": concurrency, "accepted": len(acc.at), "errors": acc.errors,
            "seconds": r(elapsed, 3), "accepted_per_s": r(len(acc.at) / elapsed),
            "request_ms": ms_summary(acc.request_s), **({"first_error": acc.first_error} if acc.errors else {})
            }, acc


async def phase_batch(client, space: str, batches: int, size: int, concurrency: int) -> tuple[dict, Accepted]:
    acc = Accepted()
    url = f"/apispaces/{space}/messages/batch"
    payloads = [[sms(b * size + i, "batch") for i in range(size)] for b in range(batches)]
    t0 = time.perf_counter()
    await run_pool((lambda p=p: _post(client, url, p, acc, True) for p in payloads), concurrency)
    elapsed = time.perf_counter() - t0
    return {"batches": batches, "batch_size": size, "concurrency": concurrency, "accepted": len(acc.at),
            "errors": acc.errors, "seconds": r(elapsed, 3), "accepted_per_s": r(len(acc.at) / elapsed),
            "request_ms": ms_summary(acc.request_s), **({"first_error": acc.first_error} if acc.errors else {})
            }, acc


async def phase_paced(client, space: str, n: int, rate: float) -> tuple[dict, Accepted]:
    acc = Accepted()
    url = f"/apispaces/{space}/messages"
    t0 = time.perf_counter()
    for i in range(n):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await _post(client, url, sms(i, "paced"), acc, False)
    elapsed = time.perf_counter() - t0
    return {"requests": n, "rate_per_s": rate, "accepted": len(acc.at), "errors": acc.errors,
            "seconds": r(elapsed, 3), "request_ms": ms_summary(acc.request_s),
            **({"first_error": acc.first_error} if acc.errors else {})}, acc


async def wait_delivered(client, space: str, acc: Accepted, started: float, accepted_end: float,
                         timeout: float, server: Server, concurrency: int = 16) -> dict:
    """Poll (bounded) until every accepted message left processing/retrying; latency and drain."""
    deadline = time.monotonic() + timeout
    ids = list(acc.at)
    final: dict[str, dict] = {}

    async def fetch(mid: str) -> None:
        try:
            resp = await client.get(f"/apispaces/{space}/messages/{mid}")
        except httpx.HTTPError:
            return
        if resp.status_code == 200:
            body = resp.json()
            if body["status"] not in IN_FLIGHT:
                final[mid] = body

    # Cheap gate first: the last accepted messages are the last the worker claims.
    gate = ids[-8:]
    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    while gate and time.monotonic() < deadline:
        await asyncio.gather(*(fetch(m) for m in gate if m not in final))
        if all(m in final for m in gate):
            break
        await asyncio.sleep(0.25)
    cpu1, gate_s = server.cpu_seconds(), time.perf_counter() - t0
    # Then everything, re-polling what is still in flight.
    while time.monotonic() < deadline:
        pending = [m for m in ids if m not in final]
        if not pending:
            break
        await run_pool((lambda m=m: fetch(m) for m in pending), concurrency)
        if any(m not in final for m in ids):
            await asyncio.sleep(0.5)

    latencies, sent_at, statuses = [], [], {}
    for mid, body in final.items():
        statuses[body["status"]] = statuses.get(body["status"], 0) + 1
        sent = next((e["timestamp"] for e in body.get("statusHistory", []) if e["status"] == "sent"), None)
        if sent is not None:
            t = ts(sent)
            sent_at.append(t)
            latencies.append(t - acc.at[mid])
    last = max(sent_at) if sent_at else None
    drain = (last - started) if last else None
    return {
        "messages": len(ids), "sent": len(sent_at), "unfinished": len(ids) - len(final), "statuses": statuses,
        "accept_to_sent_ms": ms_summary(latencies),
        "drain_s": r(drain, 3),  # first request -> last `sent`
        "after_accept_s": r(max(0.0, last - accepted_end), 3) if last else None,  # last 2xx -> last `sent`
        "delivered_per_s": r(len(sent_at) / drain) if drain else None,
        # Share of one core the server used from the last 2xx until the last messages were done.
        "server_cpu_util": r((cpu1 - cpu0) / gate_s, 2) if cpu0 is not None and cpu1 is not None and gate_s > 1
        else None,
    }


async def bench_server(base: str, space: str, key: str, server: Server, args) -> dict:
    limits = httpx.Limits(max_connections=max(args.concurrency, 16), max_keepalive_connections=max(args.concurrency, 16))
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"},
                                 timeout=httpx.Timeout(120, connect=10), limits=limits) as client:
        await server.wait_ready(client)
        # Warm up connections and code paths (not counted).
        warm, _ = await phase_single(client, space, 32, min(args.concurrency, 8))
        if warm["errors"]:
            raise BenchError(f"warm-up failed: {warm.get('first_error')}")
        await asyncio.sleep(1.0)

        async def measured(name: str, load) -> None:
            cpu0, started, t_wall = server.cpu_seconds(), time.perf_counter(), time.time()
            accept, acc = await load
            elapsed = time.perf_counter() - started
            cpu1 = server.cpu_seconds()
            if cpu0 is not None and cpu1 is not None:
                # Share of one core the server process used while accepting (1.0 = a full core).
                accept["server_cpu_util"] = r((cpu1 - cpu0) / elapsed, 2)
            delivery = await wait_delivered(client, space, acc, t_wall, t_wall + elapsed, args.drain_timeout, server)
            if name == "paced":  # the pacing rate, not a capacity; the server is mostly idle
                delivery.pop("delivered_per_s")
                delivery.pop("server_cpu_util")
            out[name] = {"accept": accept, "delivery": delivery}

        out: dict = {}
        await measured("single", phase_single(client, space, args.messages, args.concurrency))
        await measured("batch", phase_batch(client, space, args.batches, args.batch_size, args.batch_concurrency))
        await asyncio.sleep(1.0)  # let the worker go idle
        await measured("paced", phase_paced(client, space, args.paced, args.paced_rate))
        return out


def one_run(kind: str, args, pg_url: str | None) -> dict:
    return on_fresh_server(kind, pg_url, Server, lambda server, _db_url, space, key: asyncio.run(
        bench_server(server.base, space, key, server, args)))


def on_fresh_server(kind: str, pg_url: str | None, server_class: type[Server], drive) -> dict:
    """A fresh database (migrated, one API space), a server of `server_class` on it, and
    `drive(server, db_url, space_id, api_key)`; everything is stopped and dropped after."""
    tmp = tempfile.mkdtemp(prefix="onecast-bench-")
    pg = PostgresDatabase(pg_url) if kind == "postgresql" else None
    server = None
    try:
        db_url = pg.create() if pg else f"sqlite:///{tmp}/bench.db"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONECAST_") or k.startswith("ONECAST_WORKER")}
        env.update({"ONECAST_DATABASE_URL": db_url, "ONECAST_LOG_JSON": "true", "PYTHONUNBUFFERED": "1"})
        run_cli(["migrate"], env, tmp)
        created = json.loads(run_cli(["spaces", "create", "bench", "--json"], env, tmp).strip().splitlines()[-1])
        server = server_class(env, tmp, free_port())
        server.start()
        result = drive(server, db_url, created["apiSpaceId"], created["apiKey"])
        if server.proc is not None and server.proc.poll() is not None:
            raise BenchError(f"{server.label} died during the run:\n{server.log_tail()}")
        return result
    finally:
        if server is not None:
            server.stop()
        if pg is not None:
            pg.drop()
        shutil.rmtree(tmp, ignore_errors=True)


def machine(pg_version: str | None, load_at_start: list[float] | None) -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        mem_gb = None
    import sqlite3

    info = {"cpu": cpu, "cpus": os.cpu_count(), "mem_gb": mem_gb, "os": platform.platform(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "load_avg_at_start": load_at_start}
    if pg_version:
        info["postgresql"] = pg_version
    return info


def database_args(p: argparse.ArgumentParser) -> None:
    """The options every database-backed bench shares."""
    p.add_argument("--quick", action="store_true", help="a small run (seconds, not minutes)")
    p.add_argument("--postgres", nargs="?", const=DEFAULT_PG, default=os.environ.get("ONECAST_BENCH_POSTGRES_URL"),
                   metavar="URL", help=f"also on PostgreSQL (a throwaway database on URL; default {DEFAULT_PG}); "
                                       "env ONECAST_BENCH_POSTGRES_URL")
    p.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    p.add_argument("--runs", type=int, default=1, help="repeat on fresh databases and report medians")


def database_kinds(p: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The databases to run on; SIGTERM / SIGHUP end the run like Ctrl-C from here on, so the
    server and the database are cleaned up."""
    if args.runs < 1 or args.runs > 20:
        p.error("--runs is 1 to 20")

    def _interrupt(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    kinds = ([] if args.no_sqlite else ["sqlite"]) + (["postgresql"] if args.postgres else [])
    if not kinds:
        p.error("nothing to run")
    return kinds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_args(p)
    p.add_argument("--messages", type=int, help="single POSTs (default 2000, quick 200)")
    p.add_argument("--concurrency", type=int, default=16, help="connections for single POSTs")
    p.add_argument("--batches", type=int, help="batch POSTs (default 50, quick 5)")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--batch-concurrency", type=int, default=4)
    p.add_argument("--paced", type=int, help="paced single POSTs (default 100, quick 20)")
    p.add_argument("--paced-rate", type=float, default=20.0, help="paced POSTs per second")
    p.add_argument("--drain-timeout", type=float, help="seconds to wait for delivery per phase (default 300)")
    args = p.parse_args()
    args.messages = args.messages or (200 if args.quick else 2000)
    args.batches = args.batches or (5 if args.quick else 50)
    args.paced = args.paced if args.paced is not None else (20 if args.quick else 100)
    args.drain_timeout = args.drain_timeout or (60.0 if args.quick else 300.0)
    kinds = database_kinds(p, args)

    def collect(out: dict) -> None:
        for kind in kinds:
            runs = [one_run(kind, args, args.postgres) for _ in range(args.runs)]
            out[kind] = median_of(runs) if len(runs) > 1 else runs[0]

    return report("send", args, collect)


def report(name: str, args: argparse.Namespace, collect) -> int:
    """Print the one JSON line `collect(out)` fills in, with the machine and its load; exit code."""
    out: dict = {"bench": name, "quick": args.quick, "runs": args.runs,
                 "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    try:
        load = [round(x, 2) for x in os.getloadavg()]  # other work on the machine skews the figures
    except OSError:
        load = None
    try:
        pg_version = PostgresDatabase(args.postgres).version() if args.postgres else None
        collect(out)
        out["machine"] = machine(pg_version, load)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    print(json.dumps(out, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
