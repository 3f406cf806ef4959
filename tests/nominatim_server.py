"""A small Nominatim-format HTTP server on loopback, for tests that go through geopy for real.

geopy's Nominatim client sends ``GET {prefix}/search?q=...&format=json&limit=1`` (plus
``countrycodes=gb`` and friends when asked), or the structured form with ``street``, ``city``,
``county``, ``state``, ``country`` and ``postalcode`` instead of ``q``. This server answers
those from a dict of known addresses, in the same JSON shape as the real service, and records
every request so tests can check what was sent and how often.

    with running_nominatim({"1 high street, leicester": (52.63, -1.13)}) as server:
        settings = GeocoderSettings(url=server.url)
        ...
        assert len(server.requests) == 1
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# The order Nominatim's structured query fields are joined in to match a known address.
STRUCTURED_FIELDS = ("street", "city", "county", "state", "country", "postalcode")

# A known address: (lat, lon) or (lat, lon, display_name).
Place = tuple[float, float] | tuple[float, float, str]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; ``at`` is ``time.monotonic()`` on arrival."""

    path: str
    params: dict[str, str]
    user_agent: str | None
    at: float = field(compare=False)


def _key(text: str) -> str:
    return " ".join(text.lower().split())


class NominatimServer:
    """A threaded HTTP server answering Nominatim ``/search`` requests on 127.0.0.1."""

    def __init__(self, addresses: Mapping[str, Place] | None = None, prefix: str = ""):
        self.addresses = {_key(q): place for q, place in (addresses or {}).items()}
        self.prefix = prefix.rstrip("/")
        self.requests: list[RecordedRequest] = []
        self._status: int | None = None
        self._delay = 0.0
        self._lock = threading.Lock()
        # Set on stop so a handler sleeping for a timeout test wakes up and finishes.
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # A short poll interval so stop() (and so each test) does not wait half a second.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.url = f"http://127.0.0.1:{self._httpd.server_port}{self.prefix}"

    def start(self) -> NominatimServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def fail_with(self, status: int | None) -> None:
        """Answer every request with this HTTP status from now on; None to answer normally."""
        self._status = status

    def delay(self, seconds: float) -> None:
        """Wait this long before answering each request (for timeout tests)."""
        self._delay = seconds

    @property
    def searches(self) -> list[RecordedRequest]:
        """Requests that reached the search endpoint."""
        return [r for r in self.requests if r.path == f"{self.prefix}/search"]

    # -- Answers ---------------------------------------------------------------------------

    def _lookup(self, params: Mapping[str, str]) -> list[dict]:
        if "q" in params:
            query = params["q"]
        else:
            query = ", ".join(params[f] for f in STRUCTURED_FIELDS if params.get(f))
        place = self.addresses.get(_key(query))
        if place is None:
            return []
        lat, lon = place[0], place[1]
        display_name = place[2] if len(place) > 2 else f"{query.title()}, United Kingdom"
        result = {
            "place_id": 100000 + len(self.requests),
            "licence": "Data (c) OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
            "osm_type": "node",
            "osm_id": 200000 + len(self.requests),
            # Nominatim sends coordinates as strings; geopy must parse them.
            "lat": f"{lat:.7f}",
            "lon": f"{lon:.7f}",
            "class": "place",
            "type": "house",
            "place_rank": 30,
            "importance": 0.5,
            "addresstype": "place",
            "name": "",
            "display_name": display_name,
            "boundingbox": [
                f"{lat - 0.0001:.7f}",
                f"{lat + 0.0001:.7f}",
                f"{lon - 0.0001:.7f}",
                f"{lon + 0.0001:.7f}",
            ],
        }
        if params.get("addressdetails") == "1":
            result["address"] = {"country": "United Kingdom", "country_code": "gb"}
        limit = int(params.get("limit", "10"))
        return [result][:limit]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                with server._lock:
                    server.requests.append(
                        RecordedRequest(
                            path=parts.path,
                            params=params,
                            user_agent=self.headers.get("User-Agent"),
                            at=time.monotonic(),
                        )
                    )
                if server._delay and server._stopping.wait(server._delay):
                    return
                if server._status is not None:
                    self._send(server._status, {"error": "Simulated failure"})
                elif parts.path != f"{server.prefix}/search":
                    self._send(404, {"error": "Not found"})
                else:
                    self._send(200, server._lookup(params))

            def _send(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test); nothing to report

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # keep test output quiet

        return Handler


@contextmanager
def running_nominatim(
    addresses: Mapping[str, Place] | None = None, prefix: str = ""
) -> Iterator[NominatimServer]:
    """Start a :class:`NominatimServer` for the ``with`` block and stop it afterwards."""
    server = NominatimServer(addresses, prefix=prefix).start()
    try:
        yield server
    finally:
        server.stop()
