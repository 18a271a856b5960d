#!/usr/bin/env python3
"""Benchmark: copy a 512 MiB image from FPTR into S3 with our `thumbnail` function vs the pipeline a user
would otherwise write, `curl -sL <alt=original url> | aws s3 cp - s3://...`, against the same moto_server
and the same FPTR simulator, in one run.

Our function runs as it does on Lambda: target/function.zip unpacked, AWS's runtime interface client,
the java21-like flags of the local stack, its heap capped at -Xmx96m, fed one API Gateway v2 event per
invocation by a minimal Lambda Runtime API in this script. It is timed cold (JVM start included) and
warm (further copies after the object was deleted, each right after a pipeline run; the medians of
--rounds runs are compared); its peak RSS is /proc/<pid>/status VmHWM.
Everything listens on 127.0.0.1 and is stopped at the end.

    infra/bench/thumbnail/run [--size-mib 512] [--heap-mb 96] [--rounds 3] [--variant NAME:ENV=VALUE,...]...

With several --variant options, each configuration of our function runs in its own process (one cold
start each), and the warm copies alternate between them round by round, e.g. two uploaders:
    infra/bench/thumbnail/run --variant ours:FPTR_S3_UPLOADER=ours --variant sdk:FPTR_S3_UPLOADER=sdk
A variant's Runtime=jvm-aot (the template's parameter) runs the jvm-aot package's bootstrap (its jlinked
Temurin 25 and CDS archive; infra/aot/build makes it when stale) instead of the machine's java under the
runtime interface client, and Runtime=java25 the JDK 25 the local stack's java25 runs on. Without --variant
java21 and jvm-aot run side by side:
    --variant java21 --variant jvm-aot:Runtime=jvm-aot
A variant's Code=DIR runs the target/function.zip of another checkout DIR (built: for jvm-aot, with its
infra/aot/build), so before and after run in one bench run:
    --variant before:Runtime=jvm-aot,Code=/tmp/before --variant after:Runtime=jvm-aot
and its JAVA_TOOL_OPTIONS=... replaces the template's (flags separated by spaces). Its Heap=MB replaces
--heap-mb, e.g. Heap=1503, the heap the template's MemorySize 1769 gives on Lambda (85%), against the cap
that proves the copy streams (the 300 MB peak RSS target is checked on capped variants only):
    --variant capped:Runtime=jvm-aot --variant deployed:Runtime=jvm-aot,Heap=1503
The cold copy is split into its start (process start to the runtime's first /next: the JVM, Quarkus, the
rest of init) and its first call (the event's delivery to the answer), with our JVM's CPU by thread over it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "infra/local"))
from stack.launcher import java_binary, is_stale, unzip_keeping_modes_and_times  # noqa: E402
WORK = REPO / "target" / "bench-thumbnail"
BUCKET = "bench-thumbnails"
PREFIX = "thumbnails/"
SCRIPT_NAME, SCRIPT_KEY = "fptr-functions", "demo-script-key-0000"
NOTE_ID = 7004  # a demo Note without an image: the bench gives it one
# What Lambda's java runtime puts on the command line; the function's own flags come from template.yaml's
# JAVA_TOOL_OPTIONS (ThumbnailFunction's, else the Globals'), read below, as Lambda passes them.
LAMBDA_FLAGS = ["-XX:+UseSerialGC"]
RIC_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda"
HANDLER = "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_REGION": "us-east-1"}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- a minimal Lambda Runtime API: one event at a time, the answer back ----------------------------------

class RuntimeApi:
    """Serves /2018-06-01/runtime/invocation/next to the runtime interface client. An idle /next waits
    (never an error: the RIC's native client crashes on one) until an event is queued or we stop."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.pending: list[tuple[str, bytes]] = []
        self.answers: dict[str, tuple[str, bytes]] = {}
        self.delivered_at: dict[str, float] = {}
        self.stopping = False
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                if not self.path.endswith("/runtime/invocation/next"):
                    self.send_error(404)
                    return
                with api.cond:
                    while not api.pending and not api.stopping:
                        api.cond.wait()
                    if api.stopping:
                        return
                    request_id, body = api.pending.pop(0)
                    api.delivered_at[request_id] = time.monotonic()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 900_000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 "arn:aws:lambda:us-east-1:123456789012:function:ThumbnailFunction")
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = self.path.strip("/").split("/")
                kind = "init-error" if "init" in parts else parts[-1]
                request_id = parts[-2] if kind in ("response", "error") else "init"
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with api.cond:
                    api.answers[request_id] = (kind, body)
                    api.cond.notify_all()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def invoke(self, event: dict, timeout_s: float) -> tuple[dict, float]:
        """Queues one event; returns the function's answer and the seconds from delivery to answer."""
        request_id = str(uuid.uuid4())
        with self.cond:
            self.pending.append((request_id, json.dumps(event).encode()))
            self.cond.notify_all()
            deadline = time.monotonic() + timeout_s
            while request_id not in self.answers and "init" not in self.answers:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the function did not answer in time")
                self.cond.wait(left)
            if "init" in self.answers:
                raise RuntimeError("the function failed to start: " + self.answers["init"][1].decode(errors="replace"))
            kind, body = self.answers.pop(request_id)
            took = time.monotonic() - self.delivered_at[request_id]
        if kind != "response":
            raise RuntimeError(f"the function answered {kind}: {body.decode(errors='replace')}")
        return json.loads(body), took

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        self.server.shutdown()


def thumbnail_event(entity_type: str, entity_id: int, variant: str) -> dict:
    path = f"/v1/entities/{entity_type}/{entity_id}/thumbnail"
    return {
        "version": "2.0", "routeKey": "PUT /v1/entities/{type}/{id}/thumbnail", "rawPath": path,
        "rawQueryString": f"variant={variant}", "headers": {"content-type": "application/json"},
        "queryStringParameters": {"variant": variant},
        "pathParameters": {"type": entity_type, "id": str(entity_id)},
        "requestContext": {"accountId": "123456789012", "apiId": "bench", "domainName": "bench.local",
                           "http": {"method": "PUT", "path": path, "protocol": "HTTP/1.1",
                                    "sourceIp": "127.0.0.1", "userAgent": "bench"},
                           "requestId": str(uuid.uuid4()), "routeKey": "PUT /v1/entities/{type}/{id}/thumbnail",
                           "stage": "$default", "timeEpoch": int(time.time() * 1000)},
        "isBase64Encoded": False,
    }


# ---- the pieces ------------------------------------------------------------------------------------------

def template_java_tool_options(function: str = "ThumbnailFunction") -> str:
    """JAVA_TOOL_OPTIONS of the function in template.yaml, else of the Globals."""
    import re
    text = (REPO / "template.yaml").read_text()
    block = re.search(rf"^  {function}:\n(.*?)(?=^  \S)", text, re.S | re.M)
    for scope in ([block.group(1)] if block else []) + [text.split("Resources:")[0]]:
        found = re.search(r"^\s+JAVA_TOOL_OPTIONS:\s*(.+)$", scope, re.M)
        if found:
            return found.group(1).strip().strip("'\"")
    return ""


def build_if_stale(aot: bool) -> Path:
    """target/function.zip from the current sources (the jvm-aot package when a variant runs it, which the
    java21 variants run as well), unpacked as Lambda unpacks it: permissions and file times kept."""
    zip_path = REPO / "target" / "function.zip"
    if aot:
        subprocess.run([str(REPO / "infra/aot/build"), "--if-stale"], check=True, stdout=sys.stderr)
    elif is_stale(zip_path):
        log("building target/function.zip (./mvnw -B -q package -DskipTests)")
        subprocess.run([str(REPO / "mvnw"), "-B", "-q", "package", "-DskipTests"], cwd=REPO, check=True,
                       stdout=sys.stderr)
    return unpacked(zip_path, WORK / "code")


def unpacked(zip_path: Path, code: Path) -> Path:
    """`zip_path` unpacked into `code` as Lambda unpacks it: permissions and file times kept."""
    if not zip_path.is_file():
        raise SystemExit(f"bench: {zip_path} is missing (build that checkout first)")
    shutil.rmtree(code, ignore_errors=True)
    unzip_keeping_modes_and_times(zip_path, code)
    return code


def runtime_interface_client() -> Path:
    """AWS's RIC jars (version from the root pom), fetched once with the Maven wrapper."""
    import re
    version = re.search(r"<lambda-ric\.version>([^<]+)</lambda-ric\.version>", (REPO / "pom.xml").read_text()).group(1)
    target = WORK / "ric" / version
    if (target / ".complete").exists():
        return target
    log(f"fetching the Lambda runtime interface client {version}")
    pom_dir = WORK / "ric-pom"
    pom_dir.mkdir(parents=True, exist_ok=True)
    (pom_dir / "pom.xml").write_text(f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion><groupId>bench</groupId><artifactId>ric</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies><dependency><groupId>com.amazonaws</groupId>
    <artifactId>aws-lambda-java-runtime-interface-client</artifactId><version>{version}</version></dependency></dependencies>
  <build><plugins><plugin><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin></plugins></build>
</project>""")
    subprocess.run([str(REPO / "mvnw"), "-B", "-q", "-f", str(pom_dir / "pom.xml"), "dependency:copy-dependencies",
                    f"-DoutputDirectory={target}"], cwd=REPO, check=True, stdout=sys.stderr)
    (target / ".complete").touch()
    return target


class Children:
    """Every process we start, each in its own session so stopping it stops what it started."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, argv: list[str], log_path: Path, **kw) -> subprocess.Popen:
        p = subprocess.Popen(argv, stdout=open(log_path, "wb"), stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def stop_all(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in reversed(self.procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def wait_for(predicate, what: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {timeout_s:.0f} s")


def start_moto(children: Children) -> str:
    port = free_port()
    children.start(["moto_server", "-H", "127.0.0.1", "-p", str(port)], WORK / "moto.log")
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            return requests.get(url + "/moto-api/", timeout=1).status_code < 500
        except requests.RequestException:
            return False
    wait_for(up, "moto_server", 30)
    requests.put(f"{url}/{BUCKET}", timeout=10).raise_for_status()
    return url


def start_simulator(children: Children) -> str:
    port = free_port()
    log_path = WORK / "fptr-sim.log"
    children.start([str(REPO / "infra/local/fptr-sim"), "--port", str(port)], log_path, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: b"listening on" in log_path.read_bytes(), "infra/local/fptr-sim", 300)
    return url


def put_image(sim: str, size: int) -> str:
    """Streams `size` random bytes into the simulator as Note 7004's image; returns their sha256."""
    digest = hashlib.sha256()

    def chunks():
        left = size
        while left:
            chunk = os.urandom(min(left, 8 << 20))
            digest.update(chunk)
            left -= len(chunk)
            yield chunk
    r = requests.put(f"{sim}/_sim/files/Note/{NOTE_ID}/image", params={"filename": "plate_4k.png"},
                     headers={"Content-Type": "image/png"}, data=chunks(), timeout=600)
    r.raise_for_status()
    if r.json()["size"] != size:
        raise RuntimeError(f"the simulator stored {r.json()['size']} bytes, not {size}")
    return digest.hexdigest()


def original_url(sim: str) -> str:
    token = requests.post(f"{sim}/api/v1.1/auth/access_token", data={
        "grant_type": "client_credentials", "client_id": SCRIPT_NAME, "client_secret": SCRIPT_KEY}, timeout=30)
    token.raise_for_status()
    r = requests.get(f"{sim}/api/v1.1/entity/notes/{NOTE_ID}/image", params={"alt": "original"},
                     headers={"Authorization": "Bearer " + token.json()["access_token"]},
                     allow_redirects=False, timeout=30)
    if r.status_code != 302:
        raise RuntimeError(f"expected a 302, got {r.status_code}: {r.text[:300]}")
    return r.headers["Location"]


def s3_sha256(moto: str, key: str) -> tuple[int, str]:
    import boto3
    s3 = boto3.client("s3", endpoint_url=moto, aws_access_key_id="test", aws_secret_access_key="test",
                      region_name="us-east-1")
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"]
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: body.read(8 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def s3_delete(moto: str, key: str) -> None:
    import boto3
    s3 = boto3.client("s3", endpoint_url=moto, aws_access_key_id="test", aws_secret_access_key="test",
                      region_name="us-east-1")
    s3.delete_object(Bucket=BUCKET, Key=key)


def stat_cpu_seconds(stat: str) -> float:
    """User + system CPU time from the text of a /proc/.../stat file."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    return stat_cpu_seconds(Path(f"/proc/{pid}/stat").read_text())


def group_cpu_seconds(pgid: int) -> float:
    """CPU time so far of every live process in a process group (a server and what its script started)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text.rsplit(")", 1)[1].split()[2]) == pgid:
            total += stat_cpu_seconds(text)
    return total


def thread_cpu_seconds(pid: int) -> dict[tuple[int, str], float]:
    """CPU time so far of each thread of a process, keyed by (thread id, thread name)."""
    threads = {}
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        threads[(int(stat.parent.name), name)] = stat_cpu_seconds(text)
    return threads


def vm_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def by_thread_name(now: dict[tuple[int, str], float], before: dict[tuple[int, str], float]) -> list[tuple[float, str]]:
    """CPU seconds per thread name since `before` (threads of one name added up, e.g. the C2 compiler's),
    the names with at least 0.05 s, most first."""
    by_name: dict[str, float] = {}
    for (tid, name), used in now.items():
        by_name[name] = by_name.get(name, 0.0) + used - before.get((tid, name), 0.0)
    return sorted(((used, name) for name, used in by_name.items() if used >= 0.05), reverse=True)


class Copy:
    """One timed copy: wall seconds, the copier's CPU seconds, moto's and the simulator's CPU seconds,
    and (ours only) CPU seconds by thread name."""

    def __init__(self, seconds: float, cpu: float, servers: list[float], threads: list[tuple[float, str]]):
        self.seconds, self.cpu, self.servers, self.threads = seconds, cpu, servers, threads


def median(copies: list[Copy]) -> Copy:
    """The run with the median time (the lower middle one of an even count)."""
    return sorted(copies, key=lambda c: c.seconds)[(len(copies) - 1) // 2]


def runs(copies: list[Copy]) -> str:
    return " / ".join(f"{c.seconds:.2f}" for c in copies)


# ---- the run ---------------------------------------------------------------------------------------------

class Variant:
    """One build configuration of our function, in its own process with its own Runtime API:
    `--variant NAME:KEY=VALUE,KEY=VALUE` (environment variables, e.g. FPTR_S3_UPLOADER=sdk)."""

    def __init__(self, spec: str):
        name, _, env = spec.partition(":")
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            raise argparse.ArgumentTypeError(f"variant name '{name}' must be a word")
        self.name = name
        self.env = {}
        for pair in filter(None, env.split(",")):
            key, eq, value = pair.partition("=")
            if not eq or not key:
                raise argparse.ArgumentTypeError(f"'{pair}' is not KEY=VALUE")
            self.env[key] = value
        self.runtime_name = self.env.pop("Runtime", "java21")
        if self.runtime_name not in ("java21", "java25", "jvm-aot"):
            raise argparse.ArgumentTypeError(f"Runtime={self.runtime_name}: java21, java25 or jvm-aot")
        code = self.env.pop("Code", None)
        self.checkout = Path(code).resolve() if code else None
        if self.checkout and not (self.checkout / "target/function.zip").is_file():
            raise argparse.ArgumentTypeError(f"Code={code}: no target/function.zip there (build it first)")
        self.java_tool_options = self.env.pop("JAVA_TOOL_OPTIONS", None)
        heap = self.env.pop("Heap", None)
        if heap is not None and not heap.isdigit():
            raise argparse.ArgumentTypeError(f"Heap={heap}: a size in MB")
        self.heap_mb = int(heap) if heap is not None else None
        self.init_s = 0.0
        self.cold_threads: list[tuple[float, str]] = []
        self.cold_cpu = 0.0
        self.runtime: RuntimeApi | None = None
        self.process: subprocess.Popen | None = None
        self.key = ""
        self.cold_s = 0.0
        self.warms: list[Copy] = []
        self.hwm_mb = 0.0

    def describe(self) -> str:
        settings = {"Runtime": self.runtime_name, **({"Code": str(self.checkout)} if self.checkout else {}),
                    **({"Heap": f"{self.heap_mb} MB"} if self.heap_mb is not None else {}),
                    **({"JAVA_TOOL_OPTIONS": self.java_tool_options} if self.java_tool_options is not None else {}),
                    **self.env}
        return self.name + " (" + ", ".join(f"{k}={v}" for k, v in settings.items()) + ")"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--heap-mb", type=int, default=96)
    parser.add_argument("--java-opts", default=" ".join(LAMBDA_FLAGS),
                        help=f"JVM command-line flags besides -Xmx (default '{' '.join(LAMBDA_FLAGS)}')")
    parser.add_argument("--rounds", type=int, default=3,
                        help="pipeline and warm copies to take the median of (default 3)")
    parser.add_argument("--java-tool-options", default=None,
                        help="JAVA_TOOL_OPTIONS for the function (default: ThumbnailFunction's in template.yaml)")
    parser.add_argument("--function-cpus", default=None, metavar="LIST",
                        help="run our function pinned to these CPUs (taskset -c LIST; e.g. 1 for the one vCPU "
                             "Lambda gives at 1769 MB); moto, the simulator and the pipeline stay unpinned")
    parser.add_argument("--variant", action="append", type=Variant, default=[], metavar="NAME:KEY=VALUE,...",
                        help="a configuration of our function, run in its own process beside the others and "
                             "alternated with them round by round (repeatable; default: one, as deployed)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    variants: list[Variant] = args.variant or [Variant("java21"), Variant("jvm-aot:Runtime=jvm-aot")]
    if len({v.name for v in variants}) != len(variants):
        parser.error("variant names must differ")
    size = args.size_mib << 20

    WORK.mkdir(parents=True, exist_ok=True)
    code = build_if_stale(aot=any(v.runtime_name == "jvm-aot" for v in variants))
    ric = runtime_interface_client()
    children = Children()
    for variant in variants:
        variant.runtime = RuntimeApi()
    try:
        moto = start_moto(children)
        sim = start_simulator(children)
        moto_pgid, sim_pgid = children.procs[0].pid, children.procs[1].pid

        def servers_cpu() -> tuple[float, float]:
            return group_cpu_seconds(moto_pgid), group_cpu_seconds(sim_pgid)
        log(f"moto_server {moto}, FPTR simulator {sim}")
        log(f"putting a {args.size_mib} MiB image on Note {NOTE_ID}")
        source_sha = put_image(sim, size)

        # 1. The pipeline a user would write.
        key_pipeline = f"pipeline/{NOTE_ID}/original.png"
        env = dict(os.environ, **AWS_ENV)

        def run_pipeline() -> Copy:
            children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            servers_before = servers_cpu()
            started = time.monotonic()
            subprocess.run(["bash", "-o", "pipefail", "-c",
                            f"curl -sSfL '{original_url(sim)}' | aws --endpoint-url {moto} s3 cp - s3://{BUCKET}/{key_pipeline}"],
                           check=True, env=env)
            seconds = time.monotonic() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
            return Copy(seconds, cpu, [b - a for a, b in zip(servers_before, servers_cpu())], [])

        pipelines = [run_pipeline()]

        # 2. Our function, each variant in its own process under the runtime interface client, heap capped,
        #    each under its own key prefix (so one's copy is never the other's "unchanged").
        java_tool_options = args.java_tool_options if args.java_tool_options is not None else template_java_tool_options()
        for variant in variants:
            heap_mb = variant.heap_mb or args.heap_mb
            java = java_binary(variant.runtime_name) if variant.runtime_name != "jvm-aot" else None
            java_command = [java, *args.java_opts.split(), f"-Xmx{heap_mb}m", "-cp", f"{ric}/*", RIC_MAIN, HANDLER]
            variant_code = code if variant.checkout is None else \
                unpacked(variant.checkout / "target/function.zip", WORK / f"code-{variant.name}")
            # the jvm-aot bootstrap gives the JVM Lambda's flags; the heap cap comes after them and wins
            command = java_command if java else [str(variant_code / "bootstrap")]
            if args.function_cpus:
                command = ["taskset", "-c", args.function_cpus, *command]
            fn_env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "en_US.UTF-8", "TZ": ":UTC", **AWS_ENV,
                "AWS_LAMBDA_RUNTIME_API": variant.runtime.address, "AWS_LAMBDA_FUNCTION_NAME": "ThumbnailFunction",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "LAMBDA_TASK_ROOT": str(variant_code), "_HANDLER": HANDLER, "DISABLE_SIGNAL_HANDLERS": "true",
                "QUARKUS_LAMBDA_HANDLER": "thumbnail", "FPTR_THUMBNAIL_BUCKET": BUCKET,
                "FPTR_THUMBNAIL_PREFIX": f"{PREFIX}{variant.name}/",
                "FPTR_SITE_URL": sim, "FPTR_SCRIPT_NAME": SCRIPT_NAME, "FPTR_SCRIPT_KEY": SCRIPT_KEY,
                "QUARKUS_S3_ENDPOINT_OVERRIDE": moto, "QUARKUS_S3_PATH_STYLE_ACCESS": "true",
            }
            # Uploader tuning (FPTR_S3_PART_BYTES...) passes through for experiments; a variant's own env wins.
            fn_env.update({k: v for k, v in os.environ.items() if k.startswith("FPTR_S3_")})
            fn_env.update(variant.env)
            tool_options = java_tool_options if variant.java_tool_options is None else variant.java_tool_options
            if variant.runtime_name == "jvm-aot":
                fn_env["JAVA_TOOL_OPTIONS"] = f"{tool_options} -Xmx{heap_mb}m".strip()
            elif tool_options:
                fn_env["JAVA_TOOL_OPTIONS"] = tool_options
            spawned = time.monotonic()
            variant.process = children.start(command, WORK / f"function-{variant.name}.log", cwd=variant_code, env=fn_env)
            answer, first_call_s = variant.runtime.invoke(thumbnail_event("Note", NOTE_ID, "original"), timeout_s=900)
            variant.cold_s = time.monotonic() - spawned
            variant.init_s = variant.cold_s - first_call_s
            variant.cold_cpu = cpu_seconds(variant.process.pid)
            variant.cold_threads = by_thread_name(thread_cpu_seconds(variant.process.pid), {})
            body = json.loads(answer["body"])
            if answer["statusCode"] != 200 or body.get("status") != "copied":
                raise RuntimeError(f"{variant.name} answered {answer['statusCode']}: {answer['body']}")
            variant.key = body["key"]

        def run_warm(variant: Variant) -> Copy:
            pid = variant.process.pid
            s3_delete(moto, variant.key)   # so the call copies again instead of answering "unchanged"
            cpu_before = cpu_seconds(pid)
            servers_before = servers_cpu()
            threads_before = thread_cpu_seconds(pid)
            answer, seconds = variant.runtime.invoke(thumbnail_event("Note", NOTE_ID, "original"), timeout_s=900)
            body = json.loads(answer["body"])
            if answer["statusCode"] != 200 or body.get("status") != "copied":
                raise RuntimeError(f"{variant.name}'s warm call answered {answer['statusCode']}: {answer['body']}")
            cpu = cpu_seconds(pid) - cpu_before
            threads = by_thread_name(thread_cpu_seconds(pid), threads_before)
            # Threads that ended during the copy (e.g. part uploads) are what the live threads do not account for.
            threads.append((cpu - sum(used for used, _ in threads), "ended threads"))
            return Copy(seconds, cpu, [b - a for a, b in zip(servers_before, servers_cpu())], threads)

        # 3. Warm copies: each round a pipeline run, then every variant, the variants' order rotating from
        #    round to round, so drift on the box hits all alike.
        for round_number in range(args.rounds):
            if round_number > 0:
                pipelines.append(run_pipeline())
            shift = round_number % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                variant.warms.append(run_warm(variant))
        unchanged = {}
        for variant in variants:
            variant.hwm_mb = vm_hwm_kb(variant.process.pid) / 1024
            answer, unchanged_s = variant.runtime.invoke(thumbnail_event("Note", NOTE_ID, "original"), timeout_s=60)
            unchanged[variant.name] = (json.loads(answer["body"]).get("status"), unchanged_s)

        # Every last copy must be the same bytes as the source.
        for key in [key_pipeline] + [v.key for v in variants]:
            stored_size, stored_sha = s3_sha256(moto, key)
            if stored_size != size or stored_sha != source_sha:
                raise RuntimeError(f"s3://{BUCKET}/{key} holds {stored_size} bytes, sha256 {stored_sha}: not the source")

        pipeline = median(pipelines)
        print(f"image:              {args.size_mib} MiB (sha256 {source_sha[:16]}...), every copy verified in S3")
        print(f"pipeline:           {pipeline.seconds:6.2f} s   median of {runs(pipelines)}; curl -sL <alt=original url> | "
              f"aws s3 cp - s3://{BUCKET}/{key_pipeline}")
        print(f"  its median run:   CPU {pipeline.cpu:5.2f} s; moto {pipeline.servers[0]:5.2f} s, simulator {pipeline.servers[1]:5.2f} s")
        print(f"our function:       java21: the machine's java {args.java_opts} -Xmx{args.heap_mb}m under the runtime "
              f"interface client; java25: the same on a JDK 25; jvm-aot: the package's bootstrap (jlinked Temurin 25, CDS archive) with -Xmx{args.heap_mb}m "
              f"(a variant's Heap= replaces it); JAVA_TOOL_OPTIONS='{java_tool_options}'" + (f", pinned to CPU {args.function_cpus}" if args.function_cpus else ""))
        verdicts = []
        for variant in variants:
            warm = median(variant.warms)
            status, unchanged_s = unchanged[variant.name]
            print(f"{variant.describe()}:")
            print(f"  cold:             {variant.cold_s:6.2f} s   JVM start included (ratio {variant.cold_s / pipeline.seconds:.2f}): "
                  f"start {variant.init_s:.2f} s, first copy {variant.cold_s - variant.init_s:.2f} s")
            print(f"  cold CPU:         {variant.cold_cpu:5.2f} s; by thread: " + ", ".join(
                f"{name} {used:.2f} s" for used, name in variant.cold_threads[:8]))
            print(f"  warm:             {warm.seconds:6.2f} s   median of {runs(variant.warms)}; same process, object "
                  f"deleted first (ratio {warm.seconds / pipeline.seconds:.2f})")
            print(f"  its median run:   CPU {warm.cpu:5.2f} s; moto {warm.servers[0]:5.2f} s, simulator {warm.servers[1]:5.2f} s")
            print("  its CPU by thread: " + ", ".join(f"{name} {used:.2f} s" for used, name in warm.threads))
            print(f"  again:            {unchanged_s:6.2f} s   status {status} (nothing downloaded)")
            speed = "met" if warm.seconds <= pipeline.seconds else "NOT met"
            if variant.heap_mb is None:
                print(f"  peak RSS (VmHWM): {variant.hwm_mb:6.1f} MB  of its JVM (target: under 300 MB)")
                rss = "met" if variant.hwm_mb < 300 else "NOT met"
                verdicts.append(f"{variant.name}: not slower than the pipeline (warm, medians) {speed}, peak RSS under 300 MB {rss}")
            else:
                # A bigger heap is collected later, so its peak RSS says how much garbage it had room for, not
                # what the copy holds: the 300 MB bound is checked on the capped heap.
                print(f"  peak RSS (VmHWM): {variant.hwm_mb:6.1f} MB  of its JVM (heap {variant.heap_mb} MB: the 300 MB "
                      f"target is checked with --heap-mb)")
                verdicts.append(f"{variant.name}: not slower than the pipeline (warm, medians) {speed}")
        if len(variants) > 1:
            first = median(variants[0].warms)
            for other in variants[1:]:
                print(f"{other.name} / {variants[0].name}, warm medians: {median(other.warms).seconds / first.seconds:.2f}")
        print(f"load average:       {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2-core box shared with other builds)")
        print("targets:            " + "; ".join(verdicts))
        return 0
    finally:
        for variant in variants:
            if variant.runtime is not None:
                variant.runtime.stop()
        children.stop_all()


if __name__ == "__main__":
    sys.exit(main())
