#!/usr/bin/env python3
"""docs/openapi.yaml against the real craftsync-server, both ways.

Starts the server binary on loopback with a fresh SQLite file, sends every documented
operation its ordinary and hostile requests, records each exchange (to --record, as JSON
lines), and checks every answer against the file. Then it checks the other way: every
status the file documents for an operation must have been answered by some request, except
500 (`internal`), which no well-formed request can provoke. Exit 1 with one line per
disagreement.

Usage: conformance.py SERVER_BINARY SPEC [--record FILE]
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import uuid

from spec_check import METHODS, Spec

MAX_BODY = 8 * 1024 * 1024  # the server's default --max-body
ROLES = ["read", "sync", "admin"]


def answer_of(sock, method):
    """Reads one HTTP/1.1 answer from sock: (status, lower-cased headers, body bytes)."""
    f = sock.makefile("rb")
    status_line = f.readline().decode("latin-1")
    if not status_line:
        raise ConnectionError("the server closed the connection without an answer")
    status = int(status_line.split()[1])
    headers = {}
    for line in iter(f.readline, b"\r\n"):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = b"" if method == "HEAD" else f.read(length)
    return status, headers, body


class Server:
    def __init__(self, binary, workdir, *extra):
        self.db = os.path.join(workdir, "server.db")
        self.keys = {}
        for role in ROLES:
            out = subprocess.run([binary, "--db", self.db, "keys", "add", "--role", role],
                                 check=True, capture_output=True, text=True)
            self.keys[role] = out.stdout.strip()
        self.log = open(os.path.join(workdir, "server.log"), "w")
        self.proc = subprocess.Popen([binary, "--db", self.db, "--listen", "127.0.0.1:0", *extra],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if "listening on " not in line:
            raise RuntimeError(f"the server did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


class Recorder:
    """Sends requests and keeps every exchange with what the file says of it."""

    def __init__(self, spec, record_file):
        self.spec = spec
        self.record = record_file
        self.seen = set()
        self.failures = []
        self.count = 0

    def raw(self, port, method, path, data, note):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused part way (e.g. a body over --max-body): the answer is waiting
            status, headers, body = answer_of(s, method)
        return self.keep(method, path, status, headers, body, note)

    def keep(self, method, path, status, headers, body, note):
        self.count += 1
        key, errors = self.spec.check(method, path.split("?")[0], status, headers, body)
        if key:
            self.seen.add(key)
        self.record.write(json.dumps({"method": method, "path": path, "note": note,
                                      "status": status, "headers": headers,
                                      "body": body.decode("utf-8", "replace")}) + "\n")
        for e in errors:
            self.failures.append(f"{method} {path} ({note}) -> {status}: {e}")
        return status, headers, body


def request_bytes(method, path, key=None, body=None, headers=None):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if key:
        lines.append(f"Authorization: Bearer {key}")
    payload = b""
    if body is not None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


class Cases:
    def __init__(self, server, rec):
        self.s = server
        self.rec = rec

    def send(self, method, path, note, role="admin", body=None, headers=None, key=None):
        key = key if key is not None else self.s.keys.get(role)
        data = request_bytes(method, "/api/v1" + path if not path.startswith("/metrics")
                             else path, key, body, headers)
        full = "/api/v1" + path if not path.startswith("/metrics") else path
        return self.rec.raw(self.s.port, method, full, data, note)

    def json(self, *args, **kw):
        status, _, body = self.send(*args, **kw)
        return status, json.loads(body) if body else None

    # Answers any documented operation can give, whatever its route does.
    def generic(self, method, path, op):
        full = "/api/v1" + path if not path.startswith("/metrics") else path
        admin = self.s.keys["admin"]
        port = self.s.port
        rec = self.rec
        rec.raw(port, method, full, request_bytes(method, full, admin,
                headers={"X-CraftSync-Protocol": "2"}), "protocol 2")
        rec.raw(port, method, full, request_bytes(method, full, admin,
                headers={"Content-Length": "abc"}), "bad Content-Length")
        rec.raw(port, method, full, request_bytes(method, full, admin,
                headers={"Content-Length": str(MAX_BODY + 1)}), "declared body over --max-body")
        rec.raw(port, method, full, request_bytes(method, full, admin,
                headers={"X-Filler": "x" * (17 * 1024)}), "17 KiB of headers")
        if op.get("security", [{}]) != []:
            rec.raw(port, method, full, request_bytes(method, full), "no key")
            rec.raw(port, method, full, request_bytes(method, full, "csk_" + "0" * 48),
                    "unknown key")
            # Each operation's summary names the least role it needs: "(role sync)".
            role = re.search(r"\(role (read|sync|admin)\)", op["summary"]).group(1)
            for lower in ROLES[:ROLES.index(role)]:
                rec.raw(port, method, full, request_bytes(method, full, self.s.keys[lower]),
                        f"{lower} key where {role} is needed")
            # A record no case relies on: the key is accepted, the route answers 404.
            target = full if method == "GET" else re.sub(r"[0-9a-f-]{36}$", str(uuid.uuid4()),
                                                          full)
            mixed = request_bytes(method, target, self.s.keys[role]).replace(b"Bearer", b"bEaReR")
            status, _, _ = rec.raw(port, method, target, mixed, "scheme word in mixed case")
            if status in (401, 403):
                rec.failures.append(f"{method} {full}: the bearer scheme word is case-sensitive")

    def sync_routes(self, ids):
        c = ids["customers"]
        self.send("GET", "/health", "plain", key="")
        self.send("GET", "/session", "read key", role="read")
        self.send("GET", "/changes?after=0", "from 0", role="read")
        self.send("GET", "/changes?after=0&limit=2&entities=customers,quotes", "page", role="read")
        self.send("GET", "/changes?after=0", "Range is ignored", headers={"Range": "bytes=0-10"})
        for q, note in [("after=junk=5", "cursor with a second ="), ("after=-1", "negative"),
                        ("limit=0", "limit 0"), ("limit=x", "limit not a number"),
                        ("wait=x", "wait not a number"), ("after=0&wait=5", "wait, changes exist"),
                        ("entities=widgets", "unknown entity"), ("entities=", "no entity")]:
            self.send("GET", "/changes?" + q, note, role="read")
        self.send("GET", "/changes?after=999999999", "cursor ahead of the head", role="read")
        _, session = self.json("GET", "/session", "the head", role="read")
        self.send("GET", f"/changes?after={session['head']}&wait=1", "held to its deadline",
                  role="read")

        for q, note in [("entity=customers", "bucket digests"),
                        ("entity=customers&buckets=1&expand=0", "record digests"),
                        ("", "no entity"), ("entity=widgets", "unknown entity"),
                        ("entity=customers&buckets=3", "buckets not a power of two"),
                        ("entity=customers&buckets=16&expand=99", "expand past buckets")]:
            self.send("GET", "/checksums?" + q, note, role="read")

        device = "conformance-" + uuid.uuid4().hex[:8]
        new = str(uuid.uuid4())
        batch = {"device_id": device, "mutations": [
            {"seq": 1, "entity": "customers", "id": new, "op": "upsert", "base_rev": None,
             "data": {"name": "Pushed", "email": "p@example.com"}},
            {"seq": 2, "entity": "customers", "id": c, "op": "upsert", "base_rev": 1,
             "data": {"city": "Stale"}},
            {"seq": 3, "entity": "quotes", "id": str(uuid.uuid4()), "op": "upsert",
             "data": {"customer_id": str(uuid.uuid4()), "total_amount": "1.00",
                      "status": "draft"}},
            {"seq": 4, "entity": "customers", "id": c, "op": "delete", "base_rev": None},
            {"seq": 5, "entity": "customers", "id": str(uuid.uuid4()), "op": "delete"}]}
        self.send("PUT", f"/customers/{c}", "make rev 1 stale", body={"phone": "554"})
        status, first = self.json("POST", "/push", "applied, conflict, rejected, refused delete",
                                  role="sync", body=batch)
        # Move the record on, then replay the batch: the conflict shows the record as it is
        # now, its row and rev together (the file once said the first verdict's rev).
        self.send("PUT", f"/customers/{c}", "move on", body={"phone": "555"})
        status, again = self.json("POST", "/push", "replay", role="sync", body=batch)
        _, now = self.json("GET", f"/customers/{c}", "after the replay", role="read")
        replayed = again["results"][1]
        if replayed["status"] != "conflict" or replayed["rev"] != now.pop("rev") or \
                replayed["server"] != now:
            self.rec.failures.append(f"a replayed conflict is not the current record: {replayed}")
        # quote_number null keeps the stored number; it never clears it.
        _, quote = self.json("PUT", f"/quotes/{ids['quotes']}", "quote_number null",
                             body={"quote_number": None})
        if not quote.get("quote_number"):
            self.rec.failures.append(f"quote_number null cleared the number: {quote}")
        forked = dict(batch, mutations=[dict(batch["mutations"][0], data={"name": "Other"})])
        self.send("POST", "/push", "same seq, other mutation", role="sync", body=forked)
        for body, note in [(b"{", "malformed JSON"), (b'{"device_id":"d","mutations":[]}\x00x',
                                                      "NUL byte"),
                           ({"device_id": "", "mutations": []}, "empty device"),
                           ({"device_id": "d", "mutations": [], "extra": 1}, "unknown field"),
                           ({"device_id": "d", "mutations": [{"seq": 1, "entity": "widgets",
                             "id": new, "op": "upsert", "data": {}}]}, "unknown entity"),
                           ({"device_id": "d", "mutations": [
                               {"seq": i + 1, "entity": "customers", "id": new, "op": "delete"}
                               for i in range(5001)]}, "5001 mutations")]:
            self.send("POST", "/push", note, role="sync", body=body)
        chunk = b"x" * 65536
        data = (b"POST /api/v1/push HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                b"Authorization: Bearer " + self.s.keys["sync"].encode() +
                b"\r\nTransfer-Encoding: chunked\r\n\r\n" +
                b"".join(b"10000\r\n" + chunk + b"\r\n" for _ in range(MAX_BODY // 65536 + 2)) +
                b"0\r\n\r\n")
        self.rec.raw(self.s.port, "POST", "/api/v1/push", data, "chunked body over --max-body")
        self.send("GET", "/metrics", "admin key")

    def entity_routes(self, entity, ids, parents):
        one = ids[entity]
        self.send("GET", f"/{entity}", "first page", role="read")
        self.send("GET", f"/{entity}?limit=1&after_id=0", "full page", role="read")
        self.send("GET", f"/{entity}?limit=0", "limit 0", role="read")
        self.send("GET", f"/{entity}/{one}", "one", role="read")
        self.send("GET", f"/{entity}/{uuid.uuid4()}", "missing", role="read")
        self.send("GET", f"/{entity}/not-a-uuid", "bad id", role="read")
        data = dict(parents)
        self.send("POST", f"/{entity}", "create", body=data)
        self.send("POST", f"/{entity}", "existing id", body=dict(data, id=one))
        self.send("POST", f"/{entity}", "malformed JSON", body=b"[1,")
        self.send("POST", f"/{entity}", "unknown field", body=dict(data, colour="red"))
        self.send("POST", f"/{entity}", "invalid", body=invalid_of(entity))
        self.send("POST", f"/{entity}", "bad id", body=dict(data, id="nope"))
        self.send("PUT", f"/{entity}/{one}", "update", body={})
        self.send("PUT", f"/{entity}/{uuid.uuid4()}", "create by PUT", body=data)
        self.send("PUT", f"/{entity}/{one}", "stale If-Match", body={},
                  headers={"If-Match": '"1"'})
        self.send("PUT", f"/{entity}/{one}", "If-Match junk", body={}, headers={"If-Match": "x"})
        self.send("PUT", f"/{entity}/{one}", "invalid", body=invalid_of(entity))
        self.send("PUT", f"/{entity}/{one}", "other id in body", body={"id": str(uuid.uuid4())})
        self.send("PATCH", f"/{entity}/{one}", "PATCH", body={})
        self.send("HEAD", f"/{entity}", "HEAD")
        status, made = self.json("POST", f"/{entity}", "to delete", body=data)
        gone = made["id"]
        self.send("DELETE", f"/{entity}/{gone}", "delete")
        self.send("DELETE", f"/{entity}/{gone}", "already deleted")
        self.send("PUT", f"/{entity}/{gone}", "onto a tombstone, stale", body={},
                  headers={"If-Match": "1"})
        self.send("DELETE", f"/{entity}/not-a-uuid", "bad id")
        self.send("DELETE", f"/{entity}/{one}", "stale If-Match", headers={"If-Match": "1"})
        status, history = self.json("GET", f"/{entity}/{one}/history", "history", role="read")
        revs = [r["rev"] for r in history["revisions"]]
        if revs != sorted(revs, reverse=True) or len(revs) < 2:
            self.rec.failures.append(f"{entity} history is not newest first: {revs}")
        self.send("GET", f"/{entity}/{one}/history?limit=1", "history page", role="read")
        self.send("GET", f"/{entity}/{gone}/history", "history of a deleted record", role="read")
        self.send("GET", f"/{entity}/{one}/history?before=0", "before 0", role="read")
        self.send("GET", f"/{entity}/{one}/history?limit=x", "history limit", role="read")
        self.send("GET", f"/{entity}/not-a-uuid/history", "history bad id", role="read")
        self.send("GET", f"/{entity}/{uuid.uuid4()}/history", "no history", role="read")
        if entity != "orders":
            self.send("DELETE", f"/{entity}/{one}", "others refer to it")

    def connection_cap(self, binary, workdir, operations):
        """Beyond --max-connections every request gets the 503 answer."""
        full = Server(binary, workdir, "--max-connections", "1", "--quiet")
        try:
            with socket.create_connection(("127.0.0.1", full.port), timeout=30) as held:
                held.sendall(request_bytes("GET", "/api/v1/health").replace(
                    b"Connection: close", b"Connection: keep-alive"))
                answer_of(held, "GET")  # the held connection is open and counted
                for method, path in operations:
                    self.rec.raw(full.port, method, path, request_bytes(method, path),
                                 "over --max-connections")
        finally:
            full.stop()


def invalid_of(entity):
    return {"customers": {"name": "", "email": "no-at-sign"},
            "quotes": {"customer_id": str(uuid.uuid4()), "total_amount": "1.00",
                       "status": "draft"},
            "orders": {"quote_id": str(uuid.uuid4()), "customer_id": str(uuid.uuid4())}}[entity]


def seed(cases):
    ids = {}
    _, c = cases.json("POST", "/customers", "seed", body={"name": "Ada", "city": "Portland"})
    ids["customers"] = c["id"]
    _, q = cases.json("POST", "/quotes", "seed", body={"customer_id": c["id"],
                                                        "total_amount": "10.00",
                                                        "status": "draft"})
    ids["quotes"] = q["id"]
    _, o = cases.json("POST", "/orders", "seed", body={"quote_id": q["id"],
                                                        "customer_id": c["id"]})
    ids["orders"] = o["id"]
    return ids


def concrete(spec_path, ids):
    if spec_path.startswith("/metrics"):
        return spec_path
    entity = spec_path.split("/")[1]
    return "/api/v1" + spec_path.replace("{id}", ids.get(entity, ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("spec")
    ap.add_argument("--record", help="write the exchanges here, as JSON lines")
    args = ap.parse_args()
    spec = Spec(args.spec)
    with tempfile.TemporaryDirectory() as work, \
            open(args.record or os.devnull, "w") as record:
        rec = Recorder(spec, record)
        os.mkdir(os.path.join(work, "main"))
        server = Server(args.server, os.path.join(work, "main"))
        try:
            cases = Cases(server, rec)
            ids = seed(cases)
            parents = {"customers": {"name": "Bea"},
                       "quotes": {"customer_id": ids["customers"], "total_amount": "5.00",
                                  "status": "sent"},
                       "orders": {"quote_id": ids["quotes"], "customer_id": ids["customers"]}}
            operations = []
            for _, spec_path, item in spec.paths:
                for m in METHODS:
                    if m in item:
                        operations.append((m.upper(), concrete(spec_path, ids)))
                        path = operations[-1][1]
                        cases.generic(m.upper(), path.removeprefix("/api/v1"), item[m])
            cases.sync_routes(ids)
            for entity in ("customers", "quotes", "orders"):
                cases.entity_routes(entity, ids, parents[entity])
            cases.send("POST", "/health", "POST on a GET route")
            cases.send("HEAD", "/health", "HEAD")
            cases.send("DELETE", "/changes", "DELETE")
            cases.send("GET", "/push", "GET on a POST route")
            cases.send("GET", "/widgets", "unknown entity")
            cases.send("GET", "/customers/x/y", "too deep")
            rec.raw(server.port, "GET", "/nowhere", request_bytes("GET", "/nowhere"),
                    "outside the API")
        finally:
            server.stop()
        os.mkdir(os.path.join(work, "full"))
        cases.connection_cap(args.server, os.path.join(work, "full"), operations)

    unanswered = sorted(k for k in spec.documented() - rec.seen if k[2] != "500")
    for path, method, status in unanswered:
        rec.failures.append(f"{method} {path}: the file documents {status}, "
                            "no request was answered so")
    print(f"openapi conformance: {rec.count} exchanges, {len(rec.seen)} documented answers "
          f"seen, {len(rec.failures)} disagreements")
    for f in rec.failures:
        print("  " + f)
    return 1 if rec.failures else 0


if __name__ == "__main__":
    sys.exit(main())
