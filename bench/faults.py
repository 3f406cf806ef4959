"""Fault test: 1,000 visits from several clients while the server is killed and restarted.

    .venv/bin/python -m bench.faults [--visits 1000] [--clients 8] [--kills 5]

Each client sends visits with a phone-minted id, as the outbox does, with random timeouts;
any failure (timeout, refused connection, reset, 5xx) is retried after a random pause until
the server answers 200 or 201. Meanwhile the server (gunicorn and its workers) is killed
with SIGKILL and started again, several times. At the end it prints how many visits were
lost (sent but not stored), how many were duplicated (stored more than once or with content
other than what was sent) and how many were half-written (stored with more or fewer answers
than were sent). Targets: lost = 0, duplicated = 0, half-written = 0. For a quick
try: --visits 40 --clients 2 --kills 1. Exits 0 if all three are 0, 1 if not.
"""

from __future__ import annotations

import argparse
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

from bench._server import ROOT, Browser, free_port, prepare_instance, visit_fields, wait_until_up
from bench._targets import Targets
from fieldapp.queries import connect


class KillableServer:
    """gunicorn in its own process group, so SIGKILL takes the master and every worker."""

    def __init__(self, instance, port: int):
        self.instance, self.port = instance, port
        self.url = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self) -> None:
        env = {**os.environ, "FIELDAPP_INSTANCE_PATH": str(self.instance)}
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
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def wait_ready(self) -> None:
        wait_until_up(self.url)


class Load:
    """Clients sending visits as phones' outboxes do: retrying until the server has them."""

    def __init__(self, server: KillableServer, per_client: int):
        self.server, self.per_client = server, per_client
        self.sent: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.stats = {"attempts": 0, "failures": 0, "conflicts": 0}

    def _count(self, stat: str) -> None:
        with self.lock:
            self.stats[stat] += 1

    def send(self, client: Browser, fields: dict, premises_id: int) -> None:
        data = urllib.parse.urlencode({"csrf_token": client.token, **fields}).encode()
        while True:
            request = urllib.request.Request(
                f"{self.server.url}/premises/{premises_id}/visits/new",
                data=data,
                headers={"Accept": "application/json"},
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
            except (OSError, ValueError):
                pass
            self._count("failures")
            time.sleep(random.uniform(0.05, 0.5))

    def client_loop(self, index: int, client: Browser) -> None:
        rng = random.Random(index)
        for _ in range(self.per_client):
            premises_id = rng.randint(1, 50)
            fields = visit_fields(premises_id)
            fields["visit_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            with self.lock:
                self.sent[fields["visit_id"]] = fields
            self.send(client, fields, premises_id)
            # Now and then the "phone" re-sends a visit already stored, as an outbox does
            # when a reply was lost.
            if rng.random() < 0.1:
                self.send(client, fields, premises_id)


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


def tally(instance, sent: dict[str, dict]) -> tuple[list[str], list[str], list[str]]:
    """(lost, stored but never sent, half-written): visit ids, from the stored database."""
    db = connect(str(instance / "fieldapp.db"))
    stored = {row[0]: row[1] for row in db.execute("SELECT id, notes FROM visits")}
    answers = dict(
        db.execute("SELECT visit_id, count(*) FROM answers GROUP BY visit_id").fetchall()
    )
    lost = [v for v in sent if v not in stored]
    extra = [v for v in stored if v not in sent]
    # A visit whose answers were written twice or partly would show a different count.
    expected_answers = sum(1 for k in visit_fields(1) if k.startswith("q-"))
    damaged = [v for v in sent if v in stored and answers.get(v) != expected_answers]
    return lost, extra, damaged


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--kills", type=int, default=5)
    args = parser.parse_args()

    instance = prepare_instance(premises=50)
    server = KillableServer(instance, free_port())
    server.start()
    server.wait_ready()
    clients = [Browser(server.url) for _ in range(args.clients)]
    load = Load(server, args.visits // args.clients)
    elapsed = run(server, load, clients, args.kills)
    server.kill()

    lost, extra, damaged = tally(instance, load.sent)
    stats = load.stats
    print(
        f"{len(load.sent)} visits from {args.clients} clients in {elapsed:.1f} s; server killed "
        f"(SIGKILL) and restarted {args.kills} times"
    )
    print(
        f"attempts {stats['attempts']}, failed attempts retried {stats['failures']}, "
        f"conflicts {stats['conflicts']}"
    )
    targets = Targets()
    sent = f"{len(load.sent)} visits sent"
    targets.check("lost", len(lost), 0, baseline=sent)
    targets.check("duplicated", len(extra) + stats["conflicts"], 0, baseline=sent)
    targets.check("half-written", len(damaged), 0, baseline=sent)
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
