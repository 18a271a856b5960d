#!/usr/bin/env python3
"""A studio tool calling fptr-functions' IAM-authorised routes, as a DCC plugin or a pipeline script would:
every request is signed with SigV4 (service execute-api) through botocore, with the caller's own AWS
credentials (environment, ~/.aws, an instance or container role: botocore's usual chain).

  1. POST /v1/token                         an FPTR access token (printed without the token itself)
  2. POST /v1/notes/search                  notes matching the criteria (--search, JSON)
  3. PUT  /v1/entities/Note/{id}/thumbnail  the first found note's image copied into the bucket

Against a deployed stack:   studio_tool.py --api https://<api id>.execute-api.<region>.amazonaws.com
Against the local stack:    infra/local/up --iam, then with the two keys it prints
                            AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... studio_tool.py --api http://127.0.0.1:8080

Exit status: 0 when all three steps worked, 1 when the API refused a step (its problem is printed), 2 for
no credentials or no connection."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Optional

import botocore.session
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

# Answers worth waiting for and sending again: FPTR busy (503) or the thumbnail still being made (409),
# each with the Retry-After the API gives. Every step here is safe to repeat (a token, a search, a copy
# that answers "unchanged" the second time); a create would not be.
RETRY_STATUSES = (409, 503)
MAX_ATTEMPTS = 4
MAX_WAIT_S = 60


class Refused(Exception):
    """The API answered an error: its status and problem+json (or API Gateway's {"message"})."""

    def __init__(self, status: int, body: dict):
        super().__init__(f"{status} {body.get('title') or body.get('message')}: {body.get('detail', '')}".rstrip(": "))
        self.status = status
        self.body = body


class NoCredentials(Exception):
    pass


class FptrFunctions:
    """The API, with each request signed for `region` by the credentials botocore finds."""

    def __init__(self, api: str, region: str, profile: Optional[str] = None):
        session = botocore.session.Session(profile=profile)
        credentials = session.get_credentials()
        if credentials is None:
            raise NoCredentials("no AWS credentials found (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, a role)")
        self.api = api.rstrip("/")
        self.signer = SigV4Auth(credentials.get_frozen_credentials(), "execute-api", region)
        self.http = requests.Session()

    def call(self, method: str, path: str, body: Optional[dict] = None, query: str = "") -> dict:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            response = self._send(method, path, body, query)
            if response.status_code < 400:
                return response.json()
            problem = _json(response)
            wait = _retry_after(response)
            if response.status_code not in RETRY_STATUSES or wait is None or attempt == MAX_ATTEMPTS:
                raise Refused(response.status_code, problem)
            print(f"   {response.status_code} {problem.get('title')}: waiting {wait} s (Retry-After), then again")
            time.sleep(wait)
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, body: Optional[dict], query: str) -> requests.Response:
        url = self.api + path + (f"?{query}" if query else "")
        data = json.dumps(body).encode() if body is not None else b""
        request = AWSRequest(method=method, url=url, data=data,
                             headers={"Content-Type": "application/json"} if body is not None else {})
        self.signer.add_auth(request)  # signed again on every attempt: a signature is good for 5 minutes
        return self.http.request(method, url, data=data, headers=dict(request.headers.items()), timeout=35)


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {"message": response.text[:200]}
    return body if isinstance(body, dict) else {"message": str(body)[:200]}


def _retry_after(response: requests.Response) -> Optional[int]:
    value = response.headers.get("Retry-After", "")
    return min(int(value), MAX_WAIT_S) if value.isdigit() else None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", required=True, help="the API's base URL (the stack's ApiUrl output)")
    parser.add_argument("--region", default=None, help="the API's region (default: AWS_REGION, else AWS_DEFAULT_REGION "
                                                       "or the profile's region, else us-east-1)")
    parser.add_argument("--profile", help="an AWS profile of ~/.aws to sign with")
    parser.add_argument("--sudo-as", metavar="LOGIN", help="ask for a token acting as this FPTR user")
    parser.add_argument("--search", default='{"has_thumbnail": true, "limit": 5}', metavar="JSON",
                        help="the note search's criteria (default: %(default)s)")
    args = parser.parse_args(argv)
    # AWS_REGION first, as the AWS SDKs and CLI v2 read it; botocore itself knows only AWS_DEFAULT_REGION and the profile.
    region = (args.region or os.environ.get("AWS_REGION")
              or botocore.session.Session(profile=args.profile).get_config_variable("region") or "us-east-1")
    try:
        api = FptrFunctions(args.api, region, args.profile)
        token = api.call("POST", "/v1/token", {"sudo_as_login": args.sudo_as} if args.sudo_as else {})
        print(f"1. token: {token['token_type']}, expires in {token['expires_in']} s (at {token['expires_at']})")

        found = api.call("POST", "/v1/notes/search", json.loads(args.search))
        print(f"2. notes: {found['count']}{' (more matched)' if found['truncated'] else ''}")
        for note in found["notes"]:
            print(f"   {note['id']}  {note.get('subject')!r} by {(note.get('created_by') or {}).get('name')}")
        with_image = [note for note in found["notes"] if note.get("image") or note.get("image_pending")]
        if not with_image:
            print("3. thumbnail: no note found has an image; nothing to copy")
            return 0

        note_id = with_image[0]["id"]
        copy = api.call("PUT", f"/v1/entities/Note/{note_id}/thumbnail", query="variant=thumbnail")
        print(f"3. thumbnail of Note {note_id}: {copy['status']} s3://{copy['bucket']}/{copy['key']} "
              f"({copy['size']} bytes, {copy['content_type']})")
        return 0
    except Refused as refused:
        print(f"refused: {refused}", file=sys.stderr)
        return 1
    except NoCredentials as e:
        print(e, file=sys.stderr)
        return 2
    except requests.RequestException as e:
        print(f"cannot reach {args.api}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
