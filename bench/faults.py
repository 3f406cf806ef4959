"""Fault test: 1,000 visits from several clients while the server is killed and restarted.

    .venv/bin/python -m bench.faults [--visits 1000] [--clients 8] [--kills 5]
                                     [--fault-chance 0.04]

Each client sends visits with a phone-minted id, as the outbox does, with random timeouts.
Every visit has its own content: answers drawn at random for every question of the car
wash checklist, notes on some answers, its own notes, a visit time no other visit has (some
days before others, so they arrive after a later visit of their premises) and, for most, one
or two small generated JPEGs. A failure (timeout, refused connection, reset, 5xx) is retried
after a random pause; 401 signs in again; 409 is given up and counted as a duplicate; any
other 4xx five times over fails the run with the server's message.

Two kinds of kill: the whole server (gunicorn and its workers) is killed with SIGKILL and
started again, ``--kills`` times, at random moments; and each worker kills itself, with
``--fault-chance``, at three points inside the write (fieldapp.faults): after the visit row
is inserted, after every row is written and its photos staged but before the commit, and
after the commit before its photos are made final. How often each fired is printed.

Then, from the stored database and upload folder alone (bench._fault_checks): lost (sent,
not stored), duplicated (stored twice, or a 409), stored but never sent, altered (any
answer, note, the visit's own fields or a photo's SHA-256 not as sent), orphaned photo
files (a row without both its final files, a final file without a row, a committed photo
left pending), premises whose current risk is not that of the visit the clients know is
their latest, ``PRAGMA integrity_check`` and the audit chain. Pending files of attempts
killed before their commit are counted but are not orphans: ``flask photos sweep`` clears
them. Targets: every count 0, integrity ok, the chain intact, at least one kill inside the
write. For a quick try: --visits 40 --clients 2 --kills 1. Exits 0 if all are met, 1 if not.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

from PIL import Image

from bench import _fault_checks
from bench._fault_checks import Sent
from bench._server import (
    ROOT,
    USER_AGENT,
    Browser,
    free_port,
    prepare_instance,
    visit_fields,
    wait_until_up,
)
from bench._targets import Targets
from fieldapp import faults


class KillableServer:
    """gunicorn in its own process group, so SIGKILL takes the master and every worker."""

    def __init__(self, instance, port: int, fault_chance: float):
        self.instance, self.port = instance, port
        self.fault_log = instance / "faults.log"
        self.log = open(instance / "server.log", "ab")  # noqa: SIM115 - open while it runs
        # The fault points inside the write (fieldapp.faults): each worker kills itself
        # there with this chance, so some kills land mid-transaction, not only between.
        self.faults = {
            "FIELDAPP_TESTING_FAULTS": "1",
            "FIELDAPP_FAULT_POINTS": ",".join(f"{p}:{fault_chance}" for p in faults.POINTS),
            "FIELDAPP_FAULT_LOG": str(self.fault_log),
        }
        self.url = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self) -> None:
        env = {**os.environ, "FIELDAPP_INSTANCE_PATH": str(self.instance), **self.faults}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "3",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "critical",
                "fieldapp:create_app()",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stderr=self.log,  # the app's access log, kept out of the figures
            stdout=self.log,
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def wait_ready(self) -> None:
        wait_until_up(self.url)


class Refused(Exception):
    """The server kept refusing a visit (a 4xx the outbox would not retry past)."""


def photo_bytes(rng: random.Random) -> bytes:
    """A small real JPEG of its own colour and size, so every photo's hash is distinct."""
    image = Image.new("RGB", (rng.randint(16, 64), rng.randint(16, 48)), tuple(rng.randbytes(3)))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def multipart(fields: dict, files: list[bytes]) -> tuple[bytes, str]:
    """The form as multipart/form-data, with each photo as a "photos" file."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    for i, data in enumerate(files):
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
            f'filename="photo{i}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Load:
    """Clients sending visits as phones' outboxes do: retrying until the server has them.

    Timeouts, refused connections, resets and 5xx are retried without end, as the outbox
    does; 401 signs in again; 409 (a different visit under this id) is given up, and
    counted; any other 4xx is retried ``MAX_REFUSALS`` times, then fails the run.
    """

    MAX_REFUSALS = 5

    def __init__(self, server: KillableServer, per_client: int, base: datetime):
        self.server, self.per_client, self.base = server, per_client, base
        self.sent: dict[str, Sent] = {}
        self.refused: list[str] = []
        self.lock = threading.Lock()
        self.stats = {"attempts": 0, "failures": 0, "conflicts": 0, "photos": 0}

    def _count(self, stat: str) -> None:
        with self.lock:
            self.stats[stat] += 1

    def send(self, client: Browser, visit: Sent, photos: list[bytes]) -> None:
        refusals = 0
        data, content_type = multipart({"csrf_token": client.token, **visit.fields}, photos)
        while True:
            request = urllib.request.Request(
                f"{self.server.url}/premises/{visit.premises_id}/visits/new",
                data=data,
                headers={
                    "Accept": "application/json",
                    "Content-Type": content_type,
                    "User-Agent": USER_AGENT,  # the session is tied to the signing-in browser
                },
            )
            self._count("attempts")
            try:
                with client.opener.open(request, timeout=random.uniform(0.3, 3)) as response:
                    if response.status in (200, 201):
                        return
            except urllib.error.HTTPError as error:
                if error.code == 409:
                    self._count("conflicts")
                    return
                if error.code == 401:
                    with contextlib.suppress(OSError, AttributeError, AssertionError):
                        client.sign_in()  # tried again on the next 401 if killed meanwhile
                    data, content_type = multipart(
                        {"csrf_token": client.token, **visit.fields}, photos
                    )
                elif error.code < 500:
                    refusals += 1
                    if refusals >= self.MAX_REFUSALS:
                        body = error.read().decode(errors="replace")[:300]
                        raise Refused(f"{visit.fields['visit_id']}: {error.code} {body}") from None
            except (OSError, ValueError):
                pass
            self._count("failures")
            time.sleep(random.uniform(0.05, 0.5))

    def client_loop(self, index: int, client: Browser) -> None:
        rng = random.Random(index)
        try:
            for n in range(self.per_client):
                self._one(rng, client, index * self.per_client + n)
        except Exception as error:  # noqa: BLE001 - a client that stops fails the run, named
            with self.lock:
                self.refused.append(f"client {index} stopped: {error!r}")

    def _one(self, rng: random.Random, client: Browser, number: int) -> None:
        premises_id = rng.randint(1, 50)
        # Visit times distinct across every client, and sent in no particular order, so
        # some arrive after a later visit of their premises (the risk's slow path).
        at = self.base - timedelta(hours=3) + timedelta(seconds=number * 7 + rng.randint(0, 6))
        if rng.random() < 0.3:  # two days before any other: it lands after later visits
            at -= timedelta(days=2, seconds=2 * (number * 7 + 7))
        fields = visit_fields(premises_id, rng, at.isoformat())
        fields["visit_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        photos = [photo_bytes(rng) for _ in range(rng.choice((0, 0, 1, 2)))]
        visit = Sent(premises_id, fields, [hashlib.sha256(p).hexdigest() for p in photos])
        with self.lock:
            self.sent[fields["visit_id"]] = visit
            self.stats["photos"] += len(photos)
        self.send(client, visit, photos)
        # Now and then the "phone" re-sends a visit already stored, as an outbox does
        # when a reply was lost.
        if rng.random() < 0.1:
            self.send(client, visit, photos)


def chaos(server: KillableServer, kills: int, done: threading.Event) -> None:
    """Kill the server with SIGKILL and start it again ``kills`` times, at random moments."""
    rng = random.Random(99)
    for _ in range(kills):
        time.sleep(rng.uniform(0.5, 2.0))
        if done.is_set():
            break
        server.kill()
        time.sleep(rng.uniform(0.2, 1.0))
        server.start()
    done.wait()


def run(server: KillableServer, load: Load, clients: list[Browser], kills: int) -> float:
    """Every client's visits sent while the server is killed; return the seconds taken."""
    done = threading.Event()
    started = time.monotonic()
    killer = threading.Thread(target=chaos, args=(server, kills, done))
    killer.start()
    threads = [
        threading.Thread(target=load.client_loop, args=(i, c)) for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    killer.join()
    server.wait_ready()
    return time.monotonic() - started


def report(args, load: Load, server: KillableServer, elapsed: float) -> int:
    """Check what the killed server stored against what was sent; print it; the exit code."""
    found = _fault_checks.check(
        server.instance / "fieldapp.db", server.instance / "uploads", load.sent
    )
    fired = _fault_checks.fired(server.fault_log)
    stats, sent = load.stats, len(load.sent)
    print(
        f"{sent} visits ({stats['photos']} photos) from {args.clients} clients in "
        f"{elapsed:.1f} s; server killed (SIGKILL, every process) and restarted {args.kills} "
        f"times; workers killed inside the write {sum(fired.values())} times: "
        + ", ".join(f"{p} {fired.get(p, 0)}" for p in faults.POINTS)
    )
    print(
        f"attempts {stats['attempts']}, failed attempts retried {stats['failures']}, "
        f"conflicts {stats['conflicts']}; {found.stored_photos} photos stored, "
        f"{found.leftovers} pending files left by killed attempts (the sweep clears them)"
    )
    problems = [*load.refused, *found.altered, *found.orphaned]
    problems += [f"lost {v}" for v in found.lost] + [f"never sent {v}" for v in found.unsent]
    problems += [f"premises {p}: current risk is not its latest visit's" for p in found.risk_wrong]
    for line in problems[:20]:
        print("  " + line)
    targets = Targets()
    base = f"{sent} visits sent"
    targets.check("lost", len(found.lost), 0, baseline=base)
    targets.check("duplicated", len(found.duplicated) + stats["conflicts"], 0, baseline=base)
    targets.check("stored but never sent", len(found.unsent), 0, baseline=base)
    targets.check("altered", len(found.altered), 0, baseline=base)
    targets.check("refused (lasting 4xx)", len(load.refused), 0, baseline=base)
    targets.check(
        "orphaned photo files", len(found.orphaned), 0, baseline=f"{stats['photos']} sent"
    )
    targets.check("premises risk wrong", len(found.risk_wrong), 0, baseline="50 premises")
    targets.check(
        "integrity_check not ok", int(found.integrity != "ok"), 0, baseline=found.integrity
    )
    targets.check("audit chain broken", int(not found.audit_intact), 0)
    targets.check(
        "fault points fired", sum(fired.values()), 1 if args.fault_chance else 0, better="higher"
    )
    return targets.finish()


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument(
        "--fault-chance",
        type=float,
        default=0.04,
        help="chance a worker kills itself at each fault point inside the write (0: none)",
    )
    args = parser.parse_args()

    instance = prepare_instance(premises=50)
    server = KillableServer(instance, free_port(), args.fault_chance)
    server.start()
    server.wait_ready()
    clients = [Browser(server.url) for _ in range(args.clients)]
    base = datetime.now(UTC).replace(microsecond=0)
    load = Load(server, args.visits // args.clients, base)
    elapsed = run(server, load, clients, args.kills)
    server.kill()
    return report(args, load, server, elapsed)


if __name__ == "__main__":
    raise SystemExit(main())
