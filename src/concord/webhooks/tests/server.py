"""A real HTTP server on a local socket, run in a thread, that records what it receives."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    """Answers with the scripted statuses in turn (then 200); records every request."""

    host: str
    port: int = 0
    statuses: list[int] = field(default_factory=list)
    redirect_to: str = ""
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/hook?x=1"


def _handler(recorder: Recorder) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            recorder.requests.append(
                Received("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            if recorder.delay:
                threading.Event().wait(recorder.delay)
            if recorder.redirect_to:
                self.send_response(307)
                self.send_header("Location", recorder.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = recorder.statuses.pop(0) if recorder.statuses else 200
            answer = f"answer {status}".encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class _IPv6Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6


@contextmanager
def recording_server(host: str = "127.0.0.1") -> Iterator[Recorder]:
    recorder = Recorder(host=host)
    server_class = _IPv6Server if ":" in host else http.server.ThreadingHTTPServer
    server = server_class((host, 0), _handler(recorder))
    server.daemon_threads = True
    recorder.port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
