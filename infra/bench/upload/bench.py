#!/usr/bin/env python3
"""Benchmark: upload a 512 MiB object from moto's S3 into an FPTR file field with our `upload` function vs
what a user would otherwise do, `aws s3 cp s3://... <local file>` and then FPTR's three upload steps with
Python `requests` (token, `_upload`, one PUT of the file, `complete_upload`), against the same moto_server
and the same FPTR simulator, in one run.

Our function runs as on Lambda (target/function.zip unpacked, AWS's runtime interface client, the
template's JAVA_TOOL_OPTIONS for UploadFunction, heap capped at -Xmx96m), fed API Gateway v2 events by the
thumbnail bench's minimal Runtime API. Cold once (JVM start included), then warm copies alternating with
pipeline runs; the medians of --rounds are compared. Peak RSS is /proc/<pid>/status VmHWM. Both results
are read back through FPTR's own download (?alt=original) and compared with the S3 object.
Everything listens on 127.0.0.1 and is stopped at the end.

    infra/bench/upload/run [--size-mib 512] [--heap-mb 96] [--rounds 3]
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "thumbnail"))
import bench as common  # noqa: E402  (the thumbnail bench's Runtime API, processes and /proc readers)

BUCKET = "bench-uploads"
KEY = "uploads/sh030/plate_4k.mov"
OURS_VERSION, PIPELINE_VERSION = 6003, 6002
FIELD = "sg_uploaded_movie"
SCRIPT_NAME, SCRIPT_KEY = common.SCRIPT_NAME, common.SCRIPT_KEY
log = common.log


class RandomBytes(io.RawIOBase):
    """`size` random bytes as a file object, hashed as they are read (nothing held)."""

    def __init__(self, size: int):
        self.left = size
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left, 8 << 20)
        if n == 0:
            return 0
        chunk = os.urandom(n)
        buffer[:n] = chunk
        self.sha.update(chunk)
        self.left -= n
        return n


def s3_client(moto: str):
    import boto3
    return boto3.client("s3", endpoint_url=moto, aws_access_key_id="test", aws_secret_access_key="test",
                        region_name="us-east-1")


def put_source(moto: str, size: int) -> str:
    s3 = s3_client(moto)
    s3.create_bucket(Bucket=BUCKET)
    source = RandomBytes(size)
    s3.upload_fileobj(io.BufferedReader(source, 8 << 20), BUCKET, KEY)
    return source.sha.hexdigest()


def token(sim: str) -> str:
    r = requests.post(f"{sim}/api/v1.1/auth/access_token", data={
        "grant_type": "client_credentials", "client_id": SCRIPT_NAME, "client_secret": SCRIPT_KEY}, timeout=30)
    r.raise_for_status()
    return r.json()["access_token"]


def fptr_sha256(sim: str, version: int) -> tuple[int, str]:
    """The field's bytes as FPTR serves them (?alt=original → 302 → storage)."""
    r = requests.get(f"{sim}/api/v1.1/entity/versions/{version}/{FIELD}", params={"alt": "original"},
                     headers={"Authorization": "Bearer " + token(sim)}, allow_redirects=False, timeout=30)
    if r.status_code != 302:
        raise RuntimeError(f"expected a 302, got {r.status_code}: {r.text[:300]}")
    digest, size = hashlib.sha256(), 0
    with requests.get(r.headers["Location"], stream=True, timeout=600) as body:
        body.raise_for_status()
        for chunk in body.iter_content(8 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def pipeline_upload(sim: str, path: Path) -> None:
    """FPTR's three steps as a studio script writes them with requests (one PUT of the local file)."""
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + token(sim)
    api = f"{sim}/api/v1.1/entity/versions/{PIPELINE_VERSION}/{FIELD}/_upload"
    start = s.get(api, params={"filename": path.name}, timeout=30)
    start.raise_for_status()
    info, links = start.json()["data"], start.json()["links"]
    with open(path, "rb") as f:
        put = requests.put(links["upload"], data=f, headers={"Content-Type": "video/quicktime"}, timeout=600)
    put.raise_for_status()
    done = s.post(sim + links["complete_upload"], json={"upload_info": info, "upload_data": {}}, timeout=60)
    if done.status_code != 201:
        raise RuntimeError(f"complete_upload answered {done.status_code}: {done.text[:300]}")


def upload_event() -> dict:
    path = f"/v1/entities/Version/{OURS_VERSION}/files/{FIELD}"
    route = "PUT /v1/entities/{type}/{id}/files/{field}"
    return {
        "version": "2.0", "routeKey": route, "rawPath": path, "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "pathParameters": {"type": "Version", "id": str(OURS_VERSION), "field": FIELD},
        "requestContext": {"accountId": "123456789012", "apiId": "bench", "domainName": "bench.local",
                           "http": {"method": "PUT", "path": path, "protocol": "HTTP/1.1",
                                    "sourceIp": "127.0.0.1", "userAgent": "bench"},
                           "requestId": str(uuid.uuid4()), "routeKey": route, "stage": "$default",
                           "timeEpoch": int(time.time() * 1000)},
        "body": json.dumps({"s3": {"bucket": BUCKET, "key": KEY}}), "isBase64Encoded": False,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--heap-mb", type=int, default=96)
    parser.add_argument("--rounds", type=int, default=3, help="pipeline and warm runs to take the median of (default 3)")
    parser.add_argument("--java-tool-options", default=None,
                        help="JAVA_TOOL_OPTIONS for the function (default: UploadFunction's in template.yaml)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    size = args.size_mib << 20

    common.WORK.mkdir(parents=True, exist_ok=True)
    code = common.build_if_stale()
    ric = common.runtime_interface_client()
    children = common.Children()
    runtime = common.RuntimeApi()
    scratch = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    try:
        moto = common.start_moto(children)
        sim = common.start_simulator(children)
        moto_pgid, sim_pgid = children.procs[0].pid, children.procs[1].pid

        def servers_cpu() -> tuple[float, float]:
            return common.group_cpu_seconds(moto_pgid), common.group_cpu_seconds(sim_pgid)
        log(f"moto_server {moto}, FPTR simulator {sim}; putting a {args.size_mib} MiB object at s3://{BUCKET}/{KEY}")
        source_sha = put_source(moto, size)
        env = dict(os.environ, **common.AWS_ENV)

        def run_pipeline() -> common.Copy:
            local = scratch / "plate_4k.mov"
            local.unlink(missing_ok=True)
            children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            own_before = resource.getrusage(resource.RUSAGE_SELF)
            servers_before = servers_cpu()
            started = time.monotonic()
            subprocess.run(["aws", "--endpoint-url", moto, "s3", "cp", "--only-show-errors", f"s3://{BUCKET}/{KEY}", str(local)],
                           check=True, env=env)
            pipeline_upload(sim, local)
            seconds = time.monotonic() - started
            after, own_after = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
            cpu = (after.ru_utime + after.ru_stime - children_before.ru_utime - children_before.ru_stime
                   + own_after.ru_utime + own_after.ru_stime - own_before.ru_utime - own_before.ru_stime)
            local.unlink()
            return common.Copy(seconds, cpu, [b - a for a, b in zip(servers_before, servers_cpu())], [])

        pipelines = [run_pipeline()]

        fn_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "en_US.UTF-8", "TZ": ":UTC", **common.AWS_ENV,
            "AWS_LAMBDA_RUNTIME_API": runtime.address, "AWS_LAMBDA_FUNCTION_NAME": "UploadFunction",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1769", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "LAMBDA_TASK_ROOT": str(code), "_HANDLER": common.HANDLER, "DISABLE_SIGNAL_HANDLERS": "true",
            "QUARKUS_LAMBDA_HANDLER": "upload", "FPTR_UPLOAD_SOURCE_BUCKET": BUCKET, "FPTR_UPLOAD_SOURCE_PREFIX": "uploads/",
            "FPTR_SITE_URL": sim, "FPTR_SCRIPT_NAME": SCRIPT_NAME, "FPTR_SCRIPT_KEY": SCRIPT_KEY,
            "QUARKUS_S3_ENDPOINT_OVERRIDE": moto, "QUARKUS_S3_PATH_STYLE_ACCESS": "true",
        }
        # Tuning (FPTR_UPLOAD_PART_BYTES, FPTR_UPLOAD_PARTS_IN_FLIGHT...) passes through for experiments.
        fn_env.update({k: v for k, v in os.environ.items() if k.startswith("FPTR_UPLOAD_") and k not in fn_env})
        java_tool_options = args.java_tool_options if args.java_tool_options is not None \
            else common.template_java_tool_options("UploadFunction")
        if java_tool_options:
            fn_env["JAVA_TOOL_OPTIONS"] = java_tool_options
        command = ["java", *common.LAMBDA_FLAGS, f"-Xmx{args.heap_mb}m", "-cp", f"{ric}/*", common.RIC_MAIN, common.HANDLER]
        spawned = time.monotonic()
        function = children.start(command, common.WORK / "upload-function.log", cwd=code, env=fn_env)

        def invoke() -> tuple[dict, float]:
            answer, seconds = runtime.invoke(upload_event(), timeout_s=900)
            if answer["statusCode"] != 200:
                raise RuntimeError(f"the function answered {answer['statusCode']}: {answer['body']}")
            return json.loads(answer["body"]), seconds

        first, _ = invoke()
        cold_s = time.monotonic() - spawned

        def run_warm() -> common.Copy:
            cpu_before = common.cpu_seconds(function.pid)
            servers_before = servers_cpu()
            threads_before = common.thread_cpu_seconds(function.pid)
            _, seconds = invoke()
            cpu = common.cpu_seconds(function.pid) - cpu_before
            by_name: dict[str, float] = {}
            for (tid, name), used in common.thread_cpu_seconds(function.pid).items():
                by_name[name] = by_name.get(name, 0.0) + used - threads_before.get((tid, name), 0.0)
            threads = sorted(((used, name) for name, used in by_name.items() if used >= 0.05), reverse=True)
            # Part threads end with their upload, so their CPU is what the live threads do not account for.
            threads.append((cpu - sum(by_name.values()), "ended threads (parts)"))
            return common.Copy(seconds, cpu, [b - a for a, b in zip(servers_before, servers_cpu())], threads)

        warms = []
        for round_number in range(args.rounds):
            if round_number > 0:
                pipelines.append(run_pipeline())
            warms.append(run_warm())
        hwm_mb = common.vm_hwm_kb(function.pid) / 1024

        for version in (PIPELINE_VERSION, OURS_VERSION):
            stored_size, stored_sha = fptr_sha256(sim, version)
            if stored_size != size or stored_sha != source_sha:
                raise RuntimeError(f"Version {version} holds {stored_size} bytes, sha256 {stored_sha}: not the S3 object")

        pipeline, warm = common.median(pipelines), common.median(warms)
        upload = first["upload"]
        ratio = warm.seconds / pipeline.seconds
        print(f"object:             {args.size_mib} MiB (sha256 {source_sha[:16]}...) at s3://{BUCKET}/{KEY}; "
              f"both uploads read back through FPTR's ?alt=original and verified")
        print(f"pipeline:           {pipeline.seconds:6.2f} s   median of {common.runs(pipelines)}; aws s3 cp to a local file, "
              f"then token + _upload + one PUT + complete_upload with requests")
        print(f"  its median run:   CPU {pipeline.cpu:5.2f} s; moto {pipeline.servers[0]:5.2f} s, simulator {pipeline.servers[1]:5.2f} s")
        print(f"upload, cold:       {cold_s:6.2f} s   JVM start included (ratio {cold_s / pipeline.seconds:.2f}); "
              f"-Xmx{args.heap_mb}m, JAVA_TOOL_OPTIONS='{java_tool_options}'")
        print(f"upload, warm:       {warm.seconds:6.2f} s   median of {common.runs(warms)} (ratio {ratio:.2f}); "
              f"{upload['parts']} parts, multipart {upload['multipart']}, md5 verified per part")
        print(f"  its median run:   CPU {warm.cpu:5.2f} s; moto {warm.servers[0]:5.2f} s, simulator {warm.servers[1]:5.2f} s")
        print("  its CPU by thread: " + ", ".join(f"{name} {used:.2f} s" for used, name in warm.threads))
        print(f"peak RSS (VmHWM):   {hwm_mb:6.1f} MB  of the function's JVM")
        print(f"load average:       {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2-core box shared with other builds)")
        print(f"targets:            warm <= 0.8x the pipeline: {'met' if ratio <= 0.8 else 'NOT met'}; "
              f"peak RSS under 300 MB: {'met' if hwm_mb < 300 else 'NOT met'}")
        return 0
    finally:
        runtime.stop()
        children.stop_all()
        for leftover in scratch.glob("*"):
            leftover.unlink()
        scratch.rmdir()


if __name__ == "__main__":
    sys.exit(main())
