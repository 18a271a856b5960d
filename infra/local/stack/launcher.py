"""infra/local/up: builds what is missing, starts moto_server and the FPTR simulator, creates what
template.yaml declares, serves every HttpApi route of every function on one local port, polls the SQS
event sources and fires the schedules."""

from __future__ import annotations

import argparse
import calendar
import fcntl
import json
import logging
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Optional

from . import docs
from .aws import LOCAL_CREDENTIALS, LocalResources, generated_secret
from .children import Child
from .cpu_limit import CpuLimits
from .gateway import ADMIN_PREFIX, Gateway
from .lambda_runtime import FunctionPool, Instance
from .schedules import ScheduleSource
from .sigv4 import LOCAL_DEVELOPER, SigV4Verifier
from .sqs_source import SqsEventSource
from .template import REGION, Function, Resolver, Template, TemplateError, read_functions

REPO = Path(__file__).resolve().parents[3]
# The FPTR simulator as ./mvnw package builds it, and what it is built from.
SIM_JAR = REPO / "target/fptr-sim.jar"
SIM_SOURCES = ("pom.xml", "src/test/java/io/fptrfunctions/sim", "src/test/resources/sim")
RIC_MAIN_CLASS = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda"
# The runtime interface client unpacks its JNI library to one fixed path, /tmp/.libaws-lambda-jni.so, at every
# start. On Lambda each sandbox has a /tmp of its own; here the functions share one, and a start rewriting the
# file while another maps it kills that one with SIGBUS (seen in LocalStackIT). So the library is unpacked once,
# beside the jars, and every start is pointed at it with the client's own property for that.
RIC_JNI_PROPERTY = "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI"
RIC_JNI_LIBRARY = "libaws-lambda-jni.so"
# The flags the Lambda Java runtime starts the JVM with (plus the heap it derives from MemorySize). They
# go first in JAVA_TOOL_OPTIONS, so a function's own JAVA_TOOL_OPTIONS (the documented way to tune the
# JVM on Lambda) comes after them and wins.
LAMBDA_JAVA_OPTIONS = ["-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
# Runtime java25 runs on a JDK 25 (Lambda's is Amazon Corretto 25): $JAVA25_HOME, else the Temurin 25 this
# kind of machine has beside its JDK 17. java21 runs on the machine's own java, as the simulator does.
JDK25_HOME = "/usr/lib/jvm/temurin-25-jdk-amd64"
# The demo seed's script credentials (ApiUser "fptr-functions"), given to the simulator explicitly
# and written into the Secrets Manager secret.
FPTR_SCRIPT_NAME = "fptr-functions"
FPTR_SCRIPT_KEY = "demo-script-key-0000"
# The webhook receiver's HMAC secret: the template's secret with this logical id is set to the demo value
# (or --webhook-secret), in the shape the template declares (see webhook_secret_value), and printed with
# the URL of the route at WEBHOOK_PATH when the stack is ready, for registering the hook in FPTR.
WEBHOOK_SECRET_ID = "WebhookSecret"
WEBHOOK_SECRET_JSON_KEY = "token"
WEBHOOK_DEMO_SECRET = "demo-webhook-secret-0000"
WEBHOOK_PATH = "/v1/webhooks/fptr"


class StopRequested(BaseException):
    """Raised in the main thread by SIGINT/SIGTERM/SIGHUP."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="infra/local/up",
        description="Runs every function of template.yaml locally behind an API Gateway HTTP API lookalike, "
                    "with the FPTR simulator and moto_server (AWS). Stop it with Ctrl-C.")
    parser.add_argument("--port", type=int, default=8080,
                        help="port of the functions' HTTP API (default 8080; 0: a free one, printed when ready)")
    parser.add_argument("--fptr-port", type=int, default=0, help="port of the FPTR simulator (default: a free one)")
    parser.add_argument("--aws-port", type=int, default=0, help="port of moto_server (default: a free one)")
    parser.add_argument("--template", type=Path, default=REPO / "template.yaml")
    parser.add_argument("--work-dir", type=Path, default=REPO / ".local-stack",
                        help="unpacked code, the runtime interface client and the logs (default .local-stack); "
                             "one stack at a time uses it, so give a second stack its own")
    parser.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE", type=parameter,
                        help="override a template parameter's default (repeatable)")
    parser.add_argument("--max-instances", type=int, default=1,
                        help="warm processes per function (fewer if its ReservedConcurrentExecutions says so); "
                             "calls beyond wait their turn (default 1)")
    parser.add_argument("--no-schedules", action="store_true",
                        help="do not fire the Schedule/ScheduleV2 events (infra/local/invoke still can)")
    parser.add_argument("--schedule-every", type=positive_seconds, metavar="S",
                        help="fire every schedule every S seconds instead of at its rate, for demos")
    parser.add_argument("--webhook-secret", default=WEBHOOK_DEMO_SECRET,
                        help=f"the webhook secret's value (default the demo value {WEBHOOK_DEMO_SECRET})")
    parser.add_argument("--iam", action="store_true",
                        help="check SigV4 signatures on the IAM-authorised routes as API Gateway does (403 Forbidden "
                             "otherwise); sign with the local credentials printed when the stack is ready")
    parser.add_argument("--no-docs", action="store_true",
                        help="do not serve the Swagger UI page at /docs (nor run npm ci in infra/docs for it)")
    parser.add_argument("--no-build", action="store_true",
                        help="never run Maven; fail if target/function.zip is missing")
    parser.add_argument("--quiet", action="store_true", help="no access log and no function output on the console")
    parser.add_argument("--cpu-limit", action="store_true",
                        help="give each function process the CPU Lambda gives its MemorySize (1,769 MB = one vCPU) "
                             "with a cgroup; where none can be made, says so and runs unconstrained")
    return parser.parse_args(argv)


def parameter(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0
    if not 0 < value < 86400 * 366:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0 (and within a year)")
    return value


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # progress, access log and function output go to stderr; stdout has only the service URLs and "ready"
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    if args.quiet:
        logging.getLogger("stack.output").setLevel(logging.WARNING)
        logging.getLogger("stack.access").setLevel(logging.WARNING)
    # Started with hangups ignored (nohup, or a caller that wants it to outlive its shell): it keeps running
    # when its starter exits, and is stopped with SIGTERM or SIGINT.
    detached = signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    stack = LocalStack(args, watch_parent=not detached)
    if detached:
        LOG.info("hangups ignored (nohup): this stack outlives the process that started it; stop it with "
                 "kill %d", os.getpid())

    def request_stop(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise StopRequested()

    for sig in (signal.SIGINT, signal.SIGTERM) + (() if detached else (signal.SIGHUP,)):
        signal.signal(sig, request_stop)
    status = 0
    try:
        stack.start()
        status = stack.watch()
    except StopRequested:
        pass
    except (TemplateError, RuntimeError, OSError, subprocess.CalledProcessError) as e:
        LOG.error("infra/local/up: %s", e)
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
    return status


LOG = logging.getLogger("stack")


class LocalStack:
    def __init__(self, args: argparse.Namespace, watch_parent: bool = True):
        self.args = args
        self.work = args.work_dir.resolve()
        self.logs = self.work / "logs"
        self.moto: Optional[Child] = None
        self.sim: Optional[Child] = None
        self.gateway: Optional[Gateway] = None
        self.pools: dict[str, FunctionPool] = {}
        self.cpu_limits: Optional[CpuLimits] = None
        self.parent = os.getppid() if watch_parent else None
        self._work_lock = None

    def start(self) -> None:
        template = Template(self.args.template)
        parameters = dict(self.args.parameter)
        self._lock_work_dir()
        if not shutil.which("moto_server"):
            raise RuntimeError("moto_server is not on PATH; install it with pip install 'moto[server]' (README)")
        if self.args.cpu_limit:
            self.cpu_limits = CpuLimits()
            LOG.info("cpu limit: %s", self.cpu_limits.description)
        try:
            self.gateway = Gateway(self.args.port,  # taken first: fail fast
                                   verifier=SigV4Verifier([LOCAL_DEVELOPER]) if self.args.iam else None)
        except OSError as e:
            raise RuntimeError(f"cannot listen on 127.0.0.1:{self.args.port} ({e.strerror}); "
                               f"is another local stack running? Use --port N") from e
        if not self.args.no_docs:
            self.gateway.docs = docs.prepare(REPO)
        shutil.rmtree(self.logs, ignore_errors=True)
        self.logs.mkdir(parents=True)
        code_properties = self._code_properties(template, parameters)
        code_uris = sorted({uri for uri, _ in code_properties})
        self._build_if_needed(code_uris)

        aws_port = self.args.aws_port or free_port()
        self.moto = self._moto(aws_port).start()
        fptr_port = self.args.fptr_port or 0   # 0: the simulator binds a free port itself and prints it
        self.sim = Child("fptr-sim", [java_binary(), "-jar", str(SIM_JAR), "--port", str(fptr_port),
                                      "--script-name", FPTR_SCRIPT_NAME, "--script-key", FPTR_SCRIPT_KEY],
                         self.logs / "fptr-sim.log", cwd=REPO).start()

        # while the two servers boot
        ric = self._runtime_interface_client() if any(r.startswith("java") for _, r in code_properties) else None
        code_dirs = {uri: self._unpack(uri) for uri in code_uris}
        for uri, runtime in sorted(code_properties):
            if runtime.startswith("provided") and not (code_dirs[uri] / "bootstrap").is_file():
                raise TemplateError(f"runtime {runtime} runs the executable 'bootstrap' at the root of the code, and "
                                    f"{uri} has none" + (" (this project's jvm-aot package: infra/aot/build)"
                                                         if uri == "target/function.zip" else ""))

        aws_url = self._wait_for_moto(aws_port)
        fptr_url = self.sim.wait_for_line(r"listening on (http://127\.0\.0\.1:\d+)", timeout=180).group(1)

        resources = LocalResources(template, aws_url, "fptr-functions-local", parameters,
                                   secret_value=lambda lid, props: self._secret_value(lid, props, fptr_url))
        for line in resources.create_all():
            LOG.info(line)
        functions = read_functions(template, resources.resolver, resources.included)
        for function in functions:
            if not function.runtime.startswith(("java", "provided")):
                raise TemplateError(f"{function.logical_id}: runtime {function.runtime} cannot run locally "
                                    f"(only the java runtimes and provided.* with a bootstrap)")
            if function.runtime == "java25":
                try:
                    java_binary(function.runtime)
                except RuntimeError as e:
                    raise TemplateError(f"{function.logical_id}: {e}") from None
            if function.reserved_concurrency == 0:
                raise TemplateError(f"{function.logical_id}: ReservedConcurrentExecutions 0 never runs it")
            self.pools[function.logical_id] = FunctionPool(
                function, self._instance_factory(code_dirs[function.code_uri], ric, aws_url),
                max_instances=min(self.args.max_instances, function.reserved_concurrency or self.args.max_instances))
        self._event_sources(functions, resources.client("sqs"))
        routes = [route for function in functions for route in function.routes]
        for route in routes:
            if route.path.startswith(ADMIN_PREFIX.rstrip("/")):
                raise TemplateError(f"route {route.key}: {ADMIN_PREFIX} is kept for the local stack's own endpoints")
            if self.gateway.docs and docs.DocsSite.owns(route.path):
                raise TemplateError(f"route {route.key}: {docs.PREFIX} is the local stack's docs page (or --no-docs)")
            LOG.info("route %-50s -> %s (%s)", route.key, route.function.logical_id, route.function.handler_name)
        self.gateway.start(routes, self.pools)
        self._start_event_sources()
        LOG.info(f"logs in {self.logs}; functions start on their first call (cold start), then stay warm")
        print(f"functions http://127.0.0.1:{self.gateway.port}", flush=True)
        if self.gateway.docs:
            print(f"docs http://127.0.0.1:{self.gateway.port}{docs.PREFIX}", flush=True)
        print(f"fptr {fptr_url}", flush=True)
        print(f"aws {aws_url}", flush=True)
        if any(route.path == WEBHOOK_PATH for route in routes):
            print(f"webhook http://127.0.0.1:{self.gateway.port}{WEBHOOK_PATH}", flush=True)
        if WEBHOOK_SECRET_ID in resources.physical:
            given = self.args.webhook_secret != WEBHOOK_DEMO_SECRET
            print(f"webhook-secret {'(as given with --webhook-secret)' if given else WEBHOOK_DEMO_SECRET}", flush=True)
        if self.cpu_limits:
            print(f"cpu-limit {self.cpu_limits.description}", flush=True)
        if self.args.iam:
            LOG.info("IAM routes check SigV4 signatures (service execute-api, region %s); sign with the two "
                     "keys below (local only)", REGION)
            print(f"iam-access-key-id {LOCAL_DEVELOPER.access_key_id}", flush=True)
            print(f"iam-secret-access-key {LOCAL_DEVELOPER.secret_access_key}", flush=True)
        print("ready", flush=True)

    def _moto(self, port: int) -> Child:
        return Child("moto_server", ["moto_server", "-H", "127.0.0.1", "-p", str(port)], self.logs / "moto_server.log")

    def _wait_for_moto(self, port: int) -> str:
        """moto's URL once it answers. A free port found by bind-and-close can be taken before moto binds it
        (another stack starting beside this one): moto then exits at once, and starts again on another."""
        starts = 1
        while True:
            url = f"http://127.0.0.1:{port}"
            try:
                wait_for_http(self.moto, url + "/moto-api/", timeout=60)
                return url
            except RuntimeError:
                if self.args.aws_port or self.moto.alive() or starts == 3:
                    raise
            LOG.info("moto_server could not keep port %d (taken since it was found free); another one", port)
            port = free_port()
            self.moto = self._moto(port).start()
            starts += 1

    def _event_sources(self, functions: list[Function], sqs) -> None:
        """An SQS event source per SQS event or SQS AWS::Lambda::EventSourceMapping and a schedule per
        Schedule/ScheduleV2 event, each on its function's pool; started once the gateway serves."""
        for function in functions:
            pool = self.pools[function.logical_id]
            for trigger in function.sqs_triggers:
                source = SqsEventSource(pool, trigger, sqs)
                LOG.info("sqs      %-50s -> %s (batch %d, window %d s%s, %d poller%s)%s",
                         trigger.queue_arn.rsplit(":", 1)[1], function.logical_id, trigger.batch_size,
                         trigger.batching_window_s,
                         ", ReportBatchItemFailures" if trigger.report_batch_item_failures else "",
                         source.pollers, "s" if source.pollers > 1 else "",
                         "" if trigger.enabled else ": not polled (Enabled: false)")
                pool.event_sources.append(source)
            for trigger in function.schedules:
                source = ScheduleSource(pool, trigger, every_s=self.args.schedule_every)
                LOG.info("schedule %-50s -> %s: %s", trigger.expression, function.logical_id, self._fires(source))
                pool.event_sources.append(source)
            for name, kind in function.other_events:
                LOG.info("event    %-50s -> %s: not triggered locally", f"{name} ({kind})", function.logical_id)

    def _fires(self, schedule: ScheduleSource) -> str:
        if not schedule.trigger.enabled:
            return "not fired (disabled in the template)"
        if self.args.no_schedules:
            return "not fired (--no-schedules)"
        if schedule.period_s is None:
            return f"not fired on its times locally; infra/local/invoke {schedule.pool.function.logical_id} fires it"
        return f"fires every {schedule.period_s:g} s" + (" (--schedule-every)" if self.args.schedule_every else "")

    def _start_event_sources(self) -> None:
        for pool in self.pools.values():
            for source in pool.event_sources:
                if not (isinstance(source, ScheduleSource) and self.args.no_schedules):
                    source.start()

    def _lock_work_dir(self) -> None:
        """Two stacks in one work dir would wipe each other's logs and unpacked code: the second is refused.
        The lock goes with this process, however it ends (the children do not inherit it: close_fds)."""
        self.work.mkdir(parents=True, exist_ok=True)
        self._work_lock = open(self.work / ".lock", "w")
        try:
            fcntl.flock(self._work_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another infra/local/up is using the work dir {self.work}; stop it, or give "
                               f"this one its own with --work-dir DIR (and a free port: --port 0)") from None

    def watch(self) -> int:
        """Runs until stopped; if moto or the simulator dies, says so and stops everything. So does the
        process that started us going away without stopping us (a script or test killed), which would
        otherwise leave moto, the simulator and the functions running with nobody to stop them (unless it
        was started with hangups ignored, as by nohup, to outlive its starter)."""
        while True:
            time.sleep(0.5)
            if self.parent is not None and os.getppid() != self.parent:
                LOG.error("infra/local/up: the process that started it (pid %s) has exited. Stopping.", self.parent)
                return 1
            for child in (self.moto, self.sim):
                if not child.alive():
                    LOG.error("infra/local/up: %s exited (status %s); see %s. Stopping.",
                              child.name, child.process.poll(), child.log_path)
                    return 1

    def stop(self) -> None:
        for pool in self.pools.values():
            for source in pool.event_sources:
                source.stop()
        if self.gateway:
            self.gateway.close()
        for pool in self.pools.values():
            pool.close()
        for child in (self.sim, self.moto):
            if child:
                child.stop()
        if self.cpu_limits:
            self.cpu_limits.close()
        LOG.info("stopped")

    # --- build and code -------------------------------------------------------------------------------

    @staticmethod
    def _code_properties(template: Template, parameters: dict[str, str]) -> set[tuple[str, str]]:
        """(CodeUri, Runtime) of every function, known before any resource exists: they may name parameters
        and conditions (a !If on a parameter choosing the runtime), not resources."""

        def no_resources(*args):
            raise TemplateError(f"CodeUri and Runtime may not refer to resources ({args[0]})")

        resolver = Resolver(template, "fptr-functions-local", parameters, no_resources, no_resources)
        found = set()
        for resource in template.resources.values():
            if resource.get("Type") == "AWS::Serverless::Function":
                props = resource.get("Properties") or {}
                found.add(tuple(str(resolver.resolve(props.get(key, template.function_globals.get(key, ""))))
                                for key in ("CodeUri", "Runtime")))
        return found

    def _build_if_needed(self, code_uris: list[str]) -> None:
        stale = [uri for uri in code_uris if uri.startswith("target/") and is_stale(REPO / uri)]
        if is_stale(SIM_JAR, SIM_SOURCES):
            stale.append(str(SIM_JAR.relative_to(REPO)))
        if not stale:
            return
        if self.args.no_build:
            raise RuntimeError(f"{', '.join(stale)} is missing or older than the sources, and --no-build was given")
        LOG.info(f"building {', '.join(stale)}: ./mvnw -B -q package -DskipTests")
        subprocess.run([str(REPO / "mvnw"), "-B", "-q", "package", "-DskipTests"], cwd=REPO, check=True,
                       stdout=sys.stderr)

    def _runtime_interface_client(self) -> Path:
        return runtime_interface_client(self.work / "ric")

    def _unpack(self, code_uri: str) -> Path:
        """A zip CodeUri is unpacked once (again when the zip changes); a directory is used as it is."""
        source = (self.args.template.parent / code_uri).resolve()
        if source.is_dir():
            return source
        if not source.is_file():
            raise RuntimeError(f"CodeUri {code_uri} does not exist; build it first (./mvnw package)")
        target = self.work / "code" / re.sub(r"[^A-Za-z0-9_.-]", "_", code_uri)
        stamp = f"{source.stat().st_size}:{source.stat().st_mtime_ns}"
        stamp_file = target / ".unpacked-from"
        if stamp_file.exists() and stamp_file.read_text() == stamp:
            return target
        shutil.rmtree(target, ignore_errors=True)
        unzip_keeping_modes_and_times(source, target)
        stamp_file.write_text(stamp)
        return target

    # --- functions ------------------------------------------------------------------------------------

    def _instance_factory(self, code_dir: Path, ric: Optional[Path], aws_url: str):
        """A Java function runs under AWS's runtime interface client; a provided.* one is the `bootstrap`
        executable at the root of its code, as Lambda's custom runtimes (and Quarkus native builds) are."""
        jni = ric_jni_library(ric) if ric else None

        def start_instance(function: Function, number: int) -> Instance:
            if function.runtime.startswith("java"):
                command = [java_binary(function.runtime), *([f"-D{RIC_JNI_PROPERTY}={jni}"] if jni else []),
                           "-cp", f"{ric}/*", RIC_MAIN_CLASS, function.handler]
            else:
                command = [str(code_dir / "bootstrap")]
            cpu = self.cpu_limits.group(f"{function.logical_id}-{number}", function.memory_mb) if self.cpu_limits else None
            instance = Instance(function, cpu.wrap(command) if cpu else command,
                                self._function_env(function, code_dir, ric, aws_url, number),
                                cwd=code_dir, log_dir=self.logs, echo=not self.args.quiet, number=number)
            if cpu:
                instance.cpu_vcpus = cpu.vcpus
                instance.child.on_exit(lambda status: cpu.remove())
            return instance

        return start_instance

    def _function_env(self, function: Function, code_dir: Path, ric: Optional[Path], aws_url: str, number: int) -> dict:
        """Lambda's environment (not ours: nothing of the caller's shell, credentials included, leaks in),
        the template's variables, and endpoints pointing the AWS clients at moto."""
        java = function.runtime.startswith("java")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
            **({"AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}"} if java else {}),
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d')}/[$LATEST]local{number}",
            "LAMBDA_TASK_ROOT": str(code_dir),
            **({"LAMBDA_RUNTIME_DIR": str(ric)} if java else {}),
            "_HANDLER": function.handler,
        }
        env.update(function.environment)
        if java:
            env["JAVA_TOOL_OPTIONS"] = " ".join([*LAMBDA_JAVA_OPTIONS, f"-Xmx{int(function.memory_mb * 0.85)}m",
                                                 function.environment.get("JAVA_TOOL_OPTIONS", "")]).strip()
        env.update({
            "AWS_ENDPOINT_URL": aws_url,
            "QUARKUS_S3_ENDPOINT_OVERRIDE": aws_url,
            "QUARKUS_S3_PATH_STYLE_ACCESS": "true",
            "QUARKUS_SECRETSMANAGER_ENDPOINT_OVERRIDE": aws_url,
            "QUARKUS_SQS_ENDPOINT_OVERRIDE": aws_url,
            "QUARKUS_DYNAMODB_ENDPOINT_OVERRIDE": aws_url,
        })
        return env

    def _secret_value(self, logical_id: str, props: dict, fptr_url: str) -> str:
        """The FPTR credentials secret (its template value has site_url, or is the placeholder naming
        not_configured) points at the simulator, the webhook secret holds the demo value (or --webhook-secret);
        other secrets keep their template value."""
        if logical_id == WEBHOOK_SECRET_ID:
            return webhook_secret_value(props, self.args.webhook_secret)
        declared = props.get("SecretString")
        try:
            doc = json.loads(declared) if isinstance(declared, str) else None
            is_fptr = isinstance(doc, dict) and ("site_url" in doc or "not_configured" in doc)
        except ValueError:
            is_fptr = False
        if is_fptr:
            return json.dumps({"site_url": fptr_url, "script_name": FPTR_SCRIPT_NAME, "script_key": FPTR_SCRIPT_KEY})
        if declared is not None:
            return declared if isinstance(declared, str) else json.dumps(declared)
        return generated_secret(props.get("GenerateSecretString") or {})


def webhook_secret_value(props: dict, secret: str) -> str:
    """The secret in the shape the template declares: a JSON SecretString keeps its shape with its one key
    (or "token") set to the secret; a GenerateSecretString with a GenerateStringKey gets the secret under
    that key; anything else is the plain secret."""
    generate = props.get("GenerateSecretString") or {}
    if generate.get("GenerateStringKey"):
        doc = json.loads(generate.get("SecretStringTemplate") or "{}")
        return json.dumps(dict(doc, **{generate["GenerateStringKey"]: secret}))
    declared = props.get("SecretString")
    try:
        doc = json.loads(declared) if isinstance(declared, str) else declared
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        key = next(iter(doc)) if len(doc) == 1 else WEBHOOK_SECRET_JSON_KEY
        return json.dumps(dict(doc, **{key: secret}))
    return secret


def runtime_interface_client(into: Path) -> Path:
    """AWS's runtime interface client jars (the pom's lambda-ric.version), fetched once with the Maven
    wrapper into `into`/<version>."""
    version = re.search(r"<lambda-ric\.version>([^<]+)</lambda-ric\.version>", (REPO / "pom.xml").read_text()).group(1)
    target = into / version
    if not (target / ".complete").exists():
        LOG.info(f"fetching the Lambda runtime interface client {version} into {target}")
        subprocess.run([str(REPO / "mvnw"), "-B", "-q", "-f", str(REPO / "infra/local/ric/pom.xml"),
                        f"-Dlambda-ric.version={version}", "dependency:copy-dependencies",
                        f"-DoutputDirectory={target}"], cwd=REPO, check=True, stdout=sys.stderr)
        (target / ".complete").touch()
    return target


def ric_jni_library(ric: Path) -> Optional[Path]:
    """The runtime interface client's JNI library for this machine (glibc), unpacked once from its jar into
    `ric` (see RIC_JNI_PROPERTY); None when the jar holds none for this machine, and the client unpacks its own."""
    target = ric / RIC_JNI_LIBRARY
    if target.exists():
        return target
    arch = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch_64", "arm64": "aarch_64"}.get(platform.machine().lower())
    jar = next(ric.glob("aws-lambda-java-runtime-interface-client-*.jar"), None)
    if arch is None or jar is None:
        return None
    with zipfile.ZipFile(jar) as archive:
        try:
            library = archive.read(f"jni/libaws-lambda-jni.linux-{arch}.so")
        except KeyError:
            return None
    partial = ric / f".{RIC_JNI_LIBRARY}.{os.getpid()}"
    partial.write_bytes(library)
    partial.replace(target)   # whole or not at all, for a start reading it meanwhile
    return target


def unzip_keeping_modes_and_times(source: Path, target: Path) -> None:
    """Like Lambda unpacking a deployment package: files keep the permissions the zip gives them (AWS
    documents 755 for executables such as a custom runtime's bootstrap). They also keep the times the zip
    records for them, as unzip does; whether Lambda's /var/task does is not documented (a JDK AOT cache
    checks its jars' times: the jvm-aot bootstrap copes either way). The time is the zip's extended
    timestamp field when it has one (UTC), else its DOS time read as UTC (Lambda's TZ)."""
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, target))
            mode = info.external_attr >> 16
            if mode & 0o777 and not info.is_dir():
                path.chmod(mode & 0o777)
        for info in archive.infolist():   # after every file is written, so a directory's time holds too
            mtime = zip_entry_mtime(info)
            os.utime(target / info.filename, (mtime, mtime))


def zip_entry_mtime(info: zipfile.ZipInfo) -> int:
    extra = info.extra
    while len(extra) >= 4:
        header_id, size = int.from_bytes(extra[:2], "little"), int.from_bytes(extra[2:4], "little")
        body = extra[4:4 + size]
        if header_id == 0x5455 and size >= 5 and body[0] & 1:   # "UT": flags, then the modification time
            return int.from_bytes(body[1:5], "little", signed=True)
        extra = extra[4 + size:]
    return calendar.timegm((*info.date_time, 0, 0, 0))


def is_stale(artifact: Path, sources: tuple[str, ...] = ("pom.xml", "src/main")) -> bool:
    """Missing, or older than any file under `sources` (paths relative to the repository)."""
    if not artifact.exists():
        return True
    built = artifact.stat().st_mtime
    for source in (REPO / s for s in sources):
        files = [source] if source.is_file() else (p for p in source.rglob("*") if p.is_file())
        if any(f.stat().st_mtime > built for f in files):
            return True
    return False


def java_binary(runtime: str = "java21") -> str:
    """The java a runtime runs on here (see JDK25_HOME); the simulator's is java21's."""
    if runtime == "java25":
        home = Path(os.environ.get("JAVA25_HOME", JDK25_HOME))
        if not os.access(home / "bin/java", os.X_OK):
            raise RuntimeError(f"runtime java25 runs on a JDK 25, and {home} has no bin/java (set JAVA25_HOME)")
        return str(home / "bin/java")
    java = shutil.which("java", path=os.path.join(os.environ["JAVA_HOME"], "bin")) \
        if os.environ.get("JAVA_HOME") else shutil.which("java")
    if not java:
        raise RuntimeError("no java on PATH (or JAVA_HOME)")
    return java


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(child: Child, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            raise RuntimeError(f"{child.name} exited before it was ready; see {child.log_path}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{child.name} did not answer on {url} within {timeout:.0f} s; see {child.log_path}")
