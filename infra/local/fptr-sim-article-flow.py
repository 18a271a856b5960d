#!/usr/bin/env python3
"""The seed article's flow against a running simulator, with Python `requests` only:
token (client_credentials) -> HumanUser by name (_search) -> that user's Notes -> a Note's image (?alt=original).

    infra/local/fptr-sim --port 8090 &
    infra/local/fptr-sim-article-flow.py http://127.0.0.1:8090 "Jane Doe"
"""
import sys

import requests

site = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8090"
user_name = sys.argv[2] if len(sys.argv) > 2 else "Jane Doe"
script_name = sys.argv[3] if len(sys.argv) > 3 else "fptr-functions"
script_key = sys.argv[4] if len(sys.argv) > 4 else "demo-script-key-0000"
api = site + "/api/v1.1"
HASH = "application/vnd+shotgun.api3_hash+json"

r = requests.post(api + "/auth/access_token", data={
    "grant_type": "client_credentials", "client_id": script_name, "client_secret": script_key})
r.raise_for_status()
session = requests.Session()
session.headers["Authorization"] = "Bearer " + r.json()["access_token"]
print("token: expires_in", r.json()["expires_in"])

r = session.post(api + "/entity/human_users/_search", headers={"Content-Type": HASH}, json={
    "filters": {"logical_operator": "and", "conditions": [["name", "is", user_name]]},
    "fields": ["name", "login"]})
r.raise_for_status()
users = r.json()["data"]
if not users:
    sys.exit(f"no HumanUser named {user_name!r}")
user = users[0]
print("user:", user["id"], user["attributes"]["name"], user["attributes"]["login"])

notes, page = [], 1
while True:
    r = session.post(api + "/entity/notes/_search", headers={"Content-Type": HASH}, json={
        "filters": {"logical_operator": "and", "conditions": [
            ["created_by", "is", {"type": "HumanUser", "id": user["id"]}]]},
        "fields": ["subject", "image", "note_links"], "sort": "-created_at",
        "page": {"size": 500, "number": page}})
    r.raise_for_status()
    data = r.json()["data"]
    if not data:
        break
    notes += data
    page += 1
print("notes:", len(notes))
for n in notes:
    print("  ", n["id"], n["attributes"]["subject"], [l["name"] for l in n["relationships"]["note_links"]["data"]])

with_image = [n for n in notes if n["attributes"].get("image")]
if not with_image:
    print("image: none of these notes has an image")
    sys.exit(0)
note = with_image[0]
r = session.get(f"{api}/entity/notes/{note['id']}/image", params={"alt": "original"}, allow_redirects=False)
if r.status_code != 302:
    sys.exit(f"image: expected a 302, got {r.status_code} {r.text[:200]}")
location = r.headers["Location"]
image = requests.get(location if location.startswith("http") else site + location)
image.raise_for_status()
print("image:", note["id"], len(image.content), "bytes", image.headers.get("Content-Type"))
