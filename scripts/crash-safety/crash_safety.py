#!/usr/bin/env python3
"""Kills `nguon serve` with SIGKILL at random moments during heavy capture and checks, after
every restart, that nothing acknowledged was lost and nothing was half-stored.

Each round starts the server on the same database, checks the documents of the round before,
then lets several clients post capture documents (100 events each, rollback mode) as fast as
the server takes them, and kills the server with SIGKILL after a random 0.3 to 3 s. The checks,
through the server's own API once it has started again:

* it starts: it prints where it listens within 60 s and `/readyz` answers 200;
* every job a client got a `202` for exists, and none is still running (the start marks the
  interrupted ones failed);
* a job reported successful has every event of its document stored;
* no document is partly stored, acknowledged or not: its events are all there or none are.

Run by hand (not part of the test suite), from the repository, with a release build:

    cargo build --release -p nguon
    python3 scripts/crash-safety/crash_safety.py [--kills 50] [--postgres postgres://postgres@127.0.0.1:5432/test]

With --postgres, a scratch database is created on that server for the run and dropped after;
without it, a scratch SQLite file. Exits 1 when any check fails, naming the document.
"""

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EVENTS_PER_DOCUMENT = 100
CLIENTS = 3
TAX_CODE = "0312345679"
GTIN = "08934673000017"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50, help="SIGKILLs (default 50)")
    parser.add_argument("--postgres", help="a PostgreSQL URL where this role may create databases")
    parser.add_argument("--nguon", default=os.path.join(REPO, "target", "release", "nguon"))
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    random.seed(args.seed)
    with tempfile.TemporaryDirectory(prefix="nguon-crash-") as work:
        database, drop = scratch_database(args.postgres, work)
        try:
            totals = run(args, database, work)
        finally:
            drop()
    print(summary(totals))
    sys.exit(1 if totals["violations"] else 0)


def scratch_database(postgres, work):
    """The database URL for the run, and how to delete it."""
    if not postgres:
        return "sqlite://" + os.path.join(work, "crash.db"), lambda: None
    name = "nguon_crash_%d" % os.getpid()
    psql(postgres, "CREATE DATABASE %s" % name)
    parts = urllib.parse.urlsplit(postgres)
    url = urllib.parse.urlunsplit(parts._replace(path="/" + name))
    return url, lambda: psql(postgres, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


def psql(url, statement):
    subprocess.run(["psql", url, "-q", "-c", statement], check=True)


def nguon(args, database, work, *command):
    """Runs a `nguon` command on the database in the scratch directory and returns its stdout."""
    env = dict(os.environ, NGUON_DATABASE_URL=database)
    done = subprocess.run([args.nguon, *command], env=env, cwd=work, check=True,
                          capture_output=True, text=True)
    return done.stdout.strip()


def run(args, database, work):
    """Sets up an organisation and its key, then runs the rounds."""
    nguon(args, database, work, "migrate")
    nguon(args, database, work, "org", "add", "--name", "Hợp tác xã tôm Vĩnh Hậu", "--tax-code", TAX_CODE)
    key = nguon(args, database, work, "key", "create", "--org", TAX_CODE, "--label", "crash-safety")
    totals = dict(kills=0, starts=0, acknowledged=0, successful=0, interrupted_stored=0,
                  interrupted_empty=0, unacknowledged_stored=0, unacknowledged_empty=0,
                  events_checked=0, violations=0)
    pending = []  # the documents of the round before: (job id or None, event ids)
    for round_number in range(1, args.kills + 2):
        server, base = start(args, database, work, totals)
        try:
            check(base, key, pending, totals)
            if round_number > args.kills:
                # The last start is stopped as a service manager would, and must exit cleanly.
                server.send_signal(signal.SIGTERM)
                if server.wait(timeout=30) != 0:
                    violation(totals, "nguon serve exited with %s after SIGTERM" % server.returncode)
                break
            pending = capture_until_killed(server, base, key, totals)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
        print("round %d: %s" % (round_number, summary(totals)), flush=True)
    return totals


def start(args, database, work, totals):
    """Starts `nguon serve` and waits for it to listen and be ready; a failure to start is fatal."""
    env = dict(os.environ, NGUON_DATABASE_URL=database, RUST_LOG="warn,nguon::serve=info",
               NGUON_LIMITS__CAPTURES_PER_MINUTE="0")
    log = open(os.path.join(work, "serve.log"), "a")
    # In the scratch directory: the server makes its signing key file where it runs.
    server = subprocess.Popen([args.nguon, "serve", "--listen", "127.0.0.1:0"], env=env, cwd=work,
                              stdout=subprocess.PIPE, stderr=log, text=True)
    deadline = time.monotonic() + 60
    base = None
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            break
        found = re.search(r"listening on (http://\S+)", line)
        if found:
            base = found.group(1)
            break
    if base is None:
        server.kill()
        sys.exit("nguon serve did not start; see its log in %s" % work)
    # Drain the rest of stdout so the server never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    status, _, _ = request("GET", base + "/readyz")
    if status != 200:
        sys.exit("nguon serve started but /readyz answered %s" % status)
    totals["starts"] += 1
    return server, base


def request(method, url, key=None, body=None, timeout=30):
    """One HTTP request; returns the status and the parsed JSON body (or the text)."""
    headers = {"Accept": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            return answer.status, parse(answer.read()), answer.headers
    except urllib.error.HTTPError as error:
        return error.code, parse(error.read()), error.headers


def parse(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def document():
    """A capture document of shrimp-pond observations; returns it and its event ids."""
    ids = ["urn:uuid:%s" % uuid.uuid4() for _ in range(EVENTS_PER_DOCUMENT)]
    events = []
    for n, event_id in enumerate(ids):
        events.append({
            "type": "ObjectEvent",
            "eventID": event_id,
            "eventTime": "2026-11-30T06:%02d:%02d.000+07:00" % (n // 60 % 60, n % 60),
            "eventTimeZoneOffset": "+07:00",
            "epcList": ["https://id.gs1.org/01/%s/21/%s" % (GTIN, event_id[-12:])],
            "action": "OBSERVE",
            "bizStep": "inspecting",
            "disposition": "active",
            "readPoint": {"id": "https://id.gs1.org/414/8934673000017/254/AO-%d" % (n % 7)},
        })
    body = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-30T06:00:00.000+07:00",
        "epcisBody": {"eventList": events},
    }
    return body, ids


def capture_until_killed(server, base, key, totals):
    """Posts documents from several clients and kills the server at a random moment; returns
    every document sent, with its job id when the server acknowledged it."""
    sent = []
    lock = threading.Lock()
    stop = threading.Event()

    def client():
        while not stop.is_set():
            body, ids = document()
            job = None
            try:
                status, _, headers = request("POST", base + "/epcis/capture", key, body)
                if status == 202:
                    job = headers["Location"].rsplit("/", 1)[-1]
                elif status != 429:
                    raise SystemExit("capture answered %s" % status)
            except (urllib.error.URLError, ConnectionError, OSError):
                pass  # the server died while this document was on its way
            with lock:
                sent.append((job, ids))

    clients = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for thread in clients:
        thread.start()
    time.sleep(random.uniform(0.3, 3.0))
    server.send_signal(signal.SIGKILL)
    server.wait()
    totals["kills"] += 1
    stop.set()
    for thread in clients:
        thread.join()
    return sent


def check(base, key, sent, totals):
    """Checks the documents of the round before against what the restarted server holds."""
    for job, ids in sent:
        stored = count_stored(base, key, ids)
        totals["events_checked"] += len(ids)
        whole = stored in (0, len(ids))
        if job is None:
            totals["unacknowledged_stored" if stored else "unacknowledged_empty"] += 1
            if not whole:
                violation(totals, "a document never acknowledged is partly stored: %d of %d events (first %s)" % (stored, len(ids), ids[0]))
            continue
        totals["acknowledged"] += 1
        status, answer, _ = request("GET", base + "/epcis/capture/" + job, key)
        if status != 200:
            violation(totals, "acknowledged job %s answers %s after the restart" % (job, status))
            continue
        if answer.get("running"):
            violation(totals, "job %s is still running after the restart" % job)
        elif answer.get("success"):
            totals["successful"] += 1
            if stored != len(ids):
                violation(totals, "job %s reported successful has %d of %d events" % (job, stored, len(ids)))
        else:
            totals["interrupted_stored" if stored else "interrupted_empty"] += 1
            if not whole:
                violation(totals, "failed job %s is partly stored: %d of %d events" % (job, stored, len(ids)))


def count_stored(base, key, ids):
    """How many of `ids` the server has, through the EPCIS query interface."""
    query = urllib.parse.urlencode({"EQ_eventID": "|".join(ids), "perPage": str(len(ids))})
    status, answer, _ = request("GET", base + "/epcis/events?" + query, key)
    if status != 200:
        raise SystemExit("the events query answered %s: %s" % (status, answer))
    found = answer["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return len({event["eventID"] for event in found} & set(ids))


def violation(totals, message):
    totals["violations"] += 1
    print("VIOLATION: " + message, flush=True)


def summary(totals):
    return ("%(kills)d kills, %(starts)d clean starts; %(acknowledged)d acknowledged jobs: "
            "%(successful)d successful and complete, %(interrupted_stored)d interrupted with all "
            "events stored, %(interrupted_empty)d interrupted with none; unacknowledged documents: "
            "%(unacknowledged_stored)d stored whole, %(unacknowledged_empty)d not stored; "
            "%(events_checked)d events checked; %(violations)d violations" % totals)


if __name__ == "__main__":
    main()
