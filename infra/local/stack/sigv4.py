"""SigV4 checks for the IAM-authorised routes, the way API Gateway makes them (infra/local/up --iam): the
request is signed for service execute-api in the stack's region, within 5 minutes of now, with host among
the signed headers, by a known access key whose secret gives the same signature. The signature is
recomputed with botocore's own SigV4 signer over the request as it arrived."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional, Union

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from .template import ACCOUNT_ID, REGION

SERVICE = "execute-api"
MAX_CLOCK_SKEW = timedelta(minutes=5)  # API Gateway: "Signature expired: ... (... - 5 min.)"


@dataclass(frozen=True)
class LocalIamUser:
    """An IAM user of the local account: its key pair and what the IAM authoriser puts in the event."""
    name: str
    access_key_id: str
    secret_access_key: str

    def identity(self) -> dict:
        """requestContext.authorizer.iam as API Gateway fills it for an IAM user."""
        user_id = "AIDA" + self.access_key_id[4:]
        return {
            "accessKey": self.access_key_id,
            "accountId": ACCOUNT_ID,
            "callerId": user_id,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": f"arn:aws:iam::{ACCOUNT_ID}:user/{self.name}",
            "userId": user_id,
        }


# The one local IAM user: its keys are printed by infra/local/up --iam and sign requests for it. They are
# fixed so scripts and tests can use them, and they are good for nothing but the local stack.
LOCAL_DEVELOPER = LocalIamUser("local-developer", "AKIALOCALDEVELOPER00", "local-developer-secret-key-not-for-aws")


@dataclass(frozen=True)
class Rejected:
    """Why a request was refused: for the stack's access log only. The caller gets 403 Forbidden."""
    reason: str


_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*SignedHeaders=(?P<signed>[^,\s]+)\s*,"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})\s*")


class SigV4Verifier:
    def __init__(self, users: list[LocalIamUser], region: str = REGION,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.users = {user.access_key_id: user for user in users}
        self.region = region
        self.now = now

    def verify(self, method: str, raw_path: str, raw_query: str, headers: list[tuple[str, str]],
               body: bytes) -> Union[LocalIamUser, Rejected]:
        """The user who signed the request, or why it is refused."""
        by_name: dict[str, list[str]] = {}
        for name, value in headers:
            by_name.setdefault(name.lower(), []).append(value)
        authorization = (by_name.get("authorization") or [""])[0]
        if not authorization:
            return Rejected("no Authorization header (the request is not signed)")
        found = _AUTHORIZATION.fullmatch(authorization.strip())
        if not found:
            return Rejected("the Authorization header is not AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...")
        key_id, _, scope = found.group("credential").partition("/")
        user = self.users.get(key_id)
        if user is None:
            return Rejected(f"access key {key_id} is not a local IAM user's")
        amz_date = (by_name.get("x-amz-date") or [""])[0]
        try:
            signed_at = datetime.strptime(amz_date, SIGV4_TIMESTAMP).replace(tzinfo=timezone.utc)
        except ValueError:
            return Rejected("no X-Amz-Date header of the form 20261201T120000Z")
        if abs(self.now() - signed_at) > MAX_CLOCK_SKEW:
            return Rejected(f"signed at {amz_date}, more than 5 minutes from now")
        expected_scope = f"{amz_date[:8]}/{self.region}/{SERVICE}/aws4_request"
        if scope != expected_scope:
            return Rejected(f"credential scope {scope} is not {expected_scope}")
        signed = found.group("signed").split(";")
        if "host" not in signed:
            return Rejected("host is not among the signed headers")
        missing = [name for name in signed if name not in by_name]
        if missing:
            return Rejected(f"signed headers missing from the request: {', '.join(missing)}")
        content_sha256 = (by_name.get("x-amz-content-sha256") or [None])[0]
        if content_sha256 is not None and content_sha256 != hashlib.sha256(body).hexdigest():
            return Rejected("X-Amz-Content-SHA256 is not the hash of the body")
        signature = _signature(user, self.region, method, raw_path, raw_query, by_name, signed, body, amz_date)
        if not hmac.compare_digest(signature, found.group("signature")):
            return Rejected("the signature does not match (another secret, or the request changed after signing)")
        return user


class _SignedHeadersOnly(SigV4Auth):
    """botocore's signer, signing exactly the headers the request says it signed."""

    def __init__(self, credentials: Credentials, region: str, signed: list[str]):
        super().__init__(credentials, SERVICE, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        chosen = HTTPHeaders()
        for name in self._signed:
            for value in request.headers.get_all(name):
                chosen[name] = value
        return chosen


def _signature(user: LocalIamUser, region: str, method: str, raw_path: str, raw_query: str,
               headers: dict[str, list[str]], signed: list[str], body: bytes, amz_date: str) -> str:
    request = AWSRequest(method=method, url=f"http://local{raw_path}" + (f"?{raw_query}" if raw_query else ""),
                         data=body)
    for name in signed:
        for value in headers[name]:
            request.headers.add_header(name, value)
    request.context["timestamp"] = amz_date
    signer = _SignedHeadersOnly(Credentials(user.access_key_id, user.secret_access_key), region, signed)
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request)


def unsigned_access_key(authorization: Optional[str]) -> Optional[str]:
    """The access key id an Authorization header names, without checking anything (the default, no --iam)."""
    found = re.search(r"Credential=([A-Z0-9]+)/", authorization or "")
    return found.group(1) if found else None
