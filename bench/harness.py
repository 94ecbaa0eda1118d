"""What bench/run.py (REST API) and bench/ui.py (agent workspace) share.

The machine's description, a uvicorn server run the way ``concord serve`` runs
it, and timing of sequential keep-alive requests (median and nearest-rank p95).
"""

from __future__ import annotations

import importlib.util
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
WARMUP = 30  # untimed requests before each timed line


@dataclass
class Timing:
    name: str
    requests: int
    p50_ms: float
    p95_ms: float
    mean_ms: float
    max_ms: float
    per_second: float
    target: bool  # whether the latency targets apply to this line


def machine() -> dict[str, Any]:
    import sqlite3

    import django

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    # A fixed pure-Python workload, so figures from different machines (or a busy
    # one) can be put side by side: lower is faster.
    calibration = min(timeit.repeat("sum(range(10**6))", number=1, repeat=5))
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "sum_range_1e6_ms": round(calibration * 1000, 1),
        # uvicorn uses these when installed (uvicorn[standard]); they cut the server's overhead.
        "uvloop": importlib.util.find_spec("uvloop") is not None,
        "httptools": importlib.util.find_spec("httptools") is not None,
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def proc_memory(pid: int) -> dict[str, int]:
    """VmHWM (peak resident memory) and VmRSS of a process, in kB."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            found[key] = int(value.split()[0])
    return found


@contextmanager
def server(env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """uvicorn serving Concord on a free loopback port; always stopped on the way out."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "concord.config.asgi:application",
        "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--no-access-log", "--lifespan", "off",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"uvicorn exited with {proc.returncode}: {log.read_text()}")
                try:
                    httpx.get(f"{base}/api/v1/openapi.json", timeout=2)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("uvicorn did not answer within 60 s") from None
                    time.sleep(0.2)
            yield proc, base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def timing(name: str, samples: list[float], elapsed: float, *, target: bool) -> Timing:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]  # nearest rank
    return Timing(
        name=name,
        requests=len(samples),
        p50_ms=round(statistics.median(ordered) * 1000, 2),
        p95_ms=round(p95 * 1000, 2),
        mean_ms=round(statistics.fmean(ordered) * 1000, 2),
        max_ms=round(ordered[-1] * 1000, 2),
        per_second=round(len(samples) / elapsed, 1),
        target=target,
    )


def measure(
    name: str,
    send: Callable[[int], httpx.Response],
    requests: int,
    *,
    expect: tuple[int, ...] = (200,),
    target: bool = True,
) -> Timing:
    """Time ``requests`` sequential calls of ``send(i)`` after WARMUP untimed ones."""
    for i in range(WARMUP):
        check(send(requests + i), expect, name)
    samples = []
    began = time.perf_counter()
    for i in range(requests):
        start = time.perf_counter()
        response = send(i)
        samples.append(time.perf_counter() - start)
        check(response, expect, name)
    result = timing(name, samples, time.perf_counter() - began, target=target)
    print(f"  {name}: p50 {result.p50_ms} ms, p95 {result.p95_ms} ms", flush=True)
    return result


def check(response: httpx.Response, expect: tuple[int, ...], name: str) -> None:
    if response.status_code not in expect:
        raise RuntimeError(
            f"{name}: {response.request.method} {response.request.url} gave "
            f"{response.status_code}, not {expect}: {response.text[:300]}"
        )


def getter(
    client: httpx.Client, url: str | Callable[[int], str]
) -> Callable[[int], httpx.Response]:
    """A sender for measure: GET ``url``, or ``url(i)`` for the i-th request."""
    return lambda i: client.get(url if isinstance(url, str) else url(i))


class ServerFigures(Protocol):
    """A result that records the load around a run and the server's memory."""

    load_average: dict[str, list[float]]
    server_memory_kb: dict[str, int]


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


@contextmanager
def measured_server(env: dict[str, str], log: Path, into: ServerFigures) -> Iterator[str]:
    """``server()``, recording into ``into`` the load average around it and its memory."""
    into.load_average["before"] = _load()
    with server(env, log) as (proc, base):
        yield base
        into.server_memory_kb = proc_memory(proc.pid)
    into.load_average["after"] = _load()


def latency_summary(samples: list[float], *, digits: int = 2) -> dict[str, float]:
    """p50 and nearest-rank p95 in milliseconds of in-process timings (seconds)."""
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, digits),
        "p95_ms": round(p95 * 1000, digits),
        "runs": len(ordered),
    }
