#!/usr/bin/env python3
"""A studio tool's test session against the FPTR simulator, with plain `requests` (README: "Test your
own tools against the simulator"). Start the simulator first:

    java -jar target/fptr-sim.jar --port 0      # prints: FPTR simulator listening on http://127.0.0.1:N
    infra/local/studio_session.py http://127.0.0.1:N
"""
import hashlib
import hmac
import json
import queue
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import requests

SITE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8090"
API = SITE + "/api/v1.1"
HASH = {"Content-Type": "application/vnd+shotgun.api3_hash+json"}
s = requests.Session()

# 1. A token, as from a real site (the demo site's script; --script-name/--script-key set your own).
token = s.post(f"{API}/auth/access_token", data={"grant_type": "client_credentials",
               "client_id": "fptr-functions", "client_secret": "demo-script-key-0000"}).json()
s.headers["Authorization"] = f"Bearer {token['access_token']}"
print("1. token:", token["token_type"], "expires_in", token["expires_in"])

# 2. Seeding: back to the demo site, then your own rows in seed format (ids optional, links by id).
s.post(f"{SITE}/_sim/reset").raise_for_status()
seeded = s.post(f"{SITE}/_sim/records", json={"records": [
    {"type": "Shot", "id": 5001, "code": "tool_sh010", "project": {"type": "Project", "id": 70}},
    {"type": "Note", "subject": "tool_sh010: fix the flicker", "project": {"type": "Project", "id": 70},
     "note_links": [{"type": "Shot", "id": 5001}], "user": {"type": "HumanUser", "id": 88}}]}).json()
print("2. seeded ids:", seeded["ids"])

# 3. Your tool's own calls, exactly as against a real site.
notes = s.post(f"{API}/entity/notes/_search", headers=HASH, json={
    "filters": {"logical_operator": "and", "conditions": [["note_links", "is", {"type": "Shot", "id": 5001}]]},
    "fields": ["subject", "user"]}).json()["data"]
print("3. notes on tool_sh010:", [(n["attributes"]["subject"], n["relationships"]["user"]["data"]["name"]) for n in notes])

# 4. Faults. A 503 with Retry-After, once:
s.post(f"{SITE}/_sim/faults", json={"method": "GET", "path": "/entity/shots$", "status": 503,
                                    "retry_after": "2", "times": 1}).raise_for_status()
r = s.get(f"{API}/entity/shots")
print("4a.", r.status_code, "Retry-After:", r.headers["Retry-After"], "then", s.get(f"{API}/entity/shots").status_code)
#    latency on one call (a read timeout in your tool's client):
s.post(f"{SITE}/_sim/faults", json={"path": "/entity/shots$", "latency_ms": 1500}).raise_for_status()
try:
    s.get(f"{API}/entity/shots", timeout=0.5)
except requests.exceptions.ReadTimeout:
    print("4b. read timed out after 0.5 s")
#    a connection cut after 100 bytes of a body announced whole:
s.post(f"{SITE}/_sim/faults", json={"method": "GET", "path": "/entity/notes$", "cut_after_bytes": 100}).raise_for_status()
try:
    s.get(f"{API}/entity/notes", params={"fields": "subject,content"})
except requests.exceptions.RequestException as e:
    print("4c. cut mid-body:", type(e).__name__)

# 5. Webhooks to a local receiver, checked the way FPTR signs them (HMAC-SHA1 of the raw body).
deliveries = queue.Queue()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "sha1=" + hmac.new(b"s3cret", body, hashlib.sha1).hexdigest()
        deliveries.put((self.headers["X-SG-SIGNATURE"] == expected, json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


receiver = HTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
s.post(f"{API}/webhook/hooks", json={"url": f"http://127.0.0.1:{receiver.server_port}/hook", "token": "s3cret",
                                     "entity_types": {"Shot": {"update": ["sg_status_list"]}}}).raise_for_status()
s.put(f"{API}/entity/shots/5001", json={"sg_status_list": "ip"}).raise_for_status()
signed, event = deliveries.get(timeout=10)
meta = event["data"]["meta"]
print("5. delivery:", event["data"]["event_type"], meta["attribute_name"], meta["old_value"], "->", meta["new_value"],
      "signature ok" if signed else "BAD SIGNATURE")
receiver.shutdown()

# 6. The admin API: what your tool sent, and the site's clock (token expiry without waiting).
calls = s.get(f"{SITE}/_sim/requests").json()["requests"]
print("6a.", len(calls), "calls, e.g.", calls[2]["method"], calls[2]["path"], calls[2]["status"])
s.put(f"{SITE}/_sim/clock", json={"advance_seconds": 601}).raise_for_status()
print("6b. 601 s later the token is refused:", s.get(f"{API}/entity/shots").status_code)
s.put(f"{SITE}/_sim/config", json={"max_page_size": 2}).raise_for_status()
s.post(f"{SITE}/_sim/reset").raise_for_status()   # real clock, default config, seed data, no faults, no hooks
print("6c. after the reset:", s.get(f"{API}/entity/shots").status_code)
