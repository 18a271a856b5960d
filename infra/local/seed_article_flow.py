#!/usr/bin/env python3
"""The seed article's flow against an FPTR site (or infra/local/fptr-sim), with plain `requests`:

1. get an access token with the client_credentials grant (script name + key),
2. find a HumanUser by name with _search,
3. find that user's Notes (paging until an empty page, as FPTR's links.next never stops),
4. download a Note's image with ?alt=original into a local file.

Usage (the defaults are the simulator's: infra/local/fptr-sim and its demo seed):
  infra/local/seed_article_flow.py [--site http://127.0.0.1:8090] [--script-name fptr-functions]
      [--script-key demo-script-key-0000] [--user "Jane Doe"] [--out DIR]
Prints one JSON line describing what it did; exits non-zero (with the reason on stderr) on failure.
"""
import argparse
import hashlib
import json
import os
import sys
import tempfile

import requests

API = "/api/v1.1"
HASH_JSON = "application/vnd+shotgun.api3_hash+json"
TRANSIENT = "/images/status/transient/"


def fail(message, response=None):
    if response is not None:
        message += f" (HTTP {response.status_code}: {response.text[:500]})"
    print(message, file=sys.stderr)
    sys.exit(1)


def access_token(session, site, script_name, script_key):
    r = session.post(f"{site}{API}/auth/access_token",
                     data={"grant_type": "client_credentials", "client_id": script_name, "client_secret": script_key},
                     headers={"Accept": "application/json"}, timeout=30)
    if r.status_code != 200:
        fail("Could not get an access token", r)
    return r.json()["access_token"]


def search(session, site, entity, filters, fields, page_size=500):
    """Every record matching a hash filter, page after page until FPTR answers an empty page."""
    records, page = [], 1
    while True:
        body = {"filters": filters, "fields": fields, "sort": "id", "page": {"size": page_size, "number": page}}
        r = session.post(f"{site}{API}/entity/{entity}/_search", data=json.dumps(body),
                         headers={"Content-Type": HASH_JSON, "Accept": "application/json"}, timeout=60)
        if r.status_code != 200:
            fail(f"_search on {entity} failed", r)
        data = r.json()["data"]
        if not data:
            return records
        records.extend(data)
        page += 1


def download_image(session, site, note_id, out_dir):
    """GET .../image?alt=original answers 302 to a signed storage URL; fetch that URL without our token."""
    r = session.get(f"{site}{API}/entity/notes/{note_id}/image", params={"alt": "original"},
                    allow_redirects=False, timeout=30)
    if r.status_code != 302 or "Location" not in r.headers:
        fail(f"Note {note_id}: expected a 302 to the image", r)
    location = r.headers["Location"]
    # A fresh request: the signed URL carries its own authorisation, and storage refuses a second one.
    with requests.get(location, stream=True, timeout=60) as download:
        if download.status_code != 200:
            fail(f"Note {note_id}: storage refused the download", download)
        path = os.path.join(out_dir, f"note_{note_id}_original" + extension(download.headers.get("Content-Type", "")))
        digest, size = hashlib.sha256(), 0
        with open(path, "wb") as f:
            for chunk in download.iter_content(chunk_size=1024 * 1024):
                f.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        expected = download.headers.get("Content-Length")
        if expected is not None and int(expected) != size:
            fail(f"Note {note_id}: got {size} bytes, storage announced {expected}")
        return {"path": path, "size": size, "sha256": digest.hexdigest(),
                "content_type": download.headers.get("Content-Type")}


def extension(content_type):
    return {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}.get(content_type.split(";")[0].strip(), "")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--site", default="http://127.0.0.1:8090", help="site URL (default: the local simulator)")
    p.add_argument("--script-name", default="fptr-functions", help="script (ApiUser) name")
    p.add_argument("--script-key", default="demo-script-key-0000", help="script key")
    p.add_argument("--user", default="Jane Doe", help="the HumanUser's name (default: Jane Doe)")
    p.add_argument("--out", default=None, help="directory for the downloaded image (default: a new temp dir)")
    args = p.parse_args()
    site = args.site.rstrip("/")

    session = requests.Session()
    token = access_token(session, site, args.script_name, args.script_key)
    session.headers["Authorization"] = f"Bearer {token}"

    users = search(session, site, "HumanUser",
                   {"logical_operator": "and", "conditions": [["name", "is", args.user]]}, ["name", "login"])
    if not users:
        fail(f"No HumanUser is named {args.user!r}")
    user = {"type": "HumanUser", "id": users[0]["id"]}

    # A Note's author is its `user` field (created_by is whoever wrote it through the API).
    notes = search(session, site, "Note",
                   {"logical_operator": "and", "conditions": [["user", "is", user]]},
                   ["subject", "image", "created_at"])
    if not notes:
        fail(f"{args.user} has no Notes")
    with_image = [n for n in notes
                  if n["attributes"].get("image") and TRANSIENT not in n["attributes"]["image"]]
    if not with_image:
        fail(f"None of {args.user}'s {len(notes)} Notes has an image")
    note = with_image[0]

    out_dir = args.out or tempfile.mkdtemp(prefix="seed-article-")
    os.makedirs(out_dir, exist_ok=True)
    downloaded = download_image(session, site, note["id"], out_dir)
    print(json.dumps({"user": {"id": user["id"], "name": users[0]["attributes"].get("name")},
                      "notes": len(notes), "notes_with_image": len(with_image),
                      "note": {"id": note["id"], "subject": note["attributes"].get("subject")},
                      "download": downloaded}))


if __name__ == "__main__":
    main()
