"""The jvm-aot package (target/function.zip as infra/aot/build makes it) run the way Lambda runs a custom
runtime, through the local stack (Runtime=jvm-aot: the package's `bootstrap`, given AWS_LAMBDA_RUNTIME_API
and _HANDLER): every function answers its demo call from a JVM that mapped the package's archive; the
package also runs as Runtime=java21, and on java25's JDK 25; and a package unpacked without its file times still gets the archive
(the bootstrap's copy in /tmp, whole for starts that share one /tmp). Run after infra/aot/build:

    python3 -m unittest discover -s infra/aot/tests -v
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "infra/local"))
from demo_calls import LocalStackClient  # noqa: E402
from stack.launcher import JDK25_HOME  # noqa: E402
from stack.template import Template  # noqa: E402

import yaml  # noqa: E402

PACKAGE = REPO / "target/function.zip"
JDK = Path(os.environ.get("AOT_JDK", "/usr/lib/jvm/temurin-25-jdk-amd64"))


class Stack:
    """infra/local/up on a free port with its own work dir; its stdout's "name value" lines until "ready"."""

    def __init__(self, template: Path, *options: str):
        self.work = Path(tempfile.mkdtemp(prefix="aot-test-"))
        self.stderr = (self.work / "up.log").open("w")
        self.process = subprocess.Popen(
            [str(REPO / "infra/local/up"), "--port", "0", "--no-build", "--quiet", "--template", str(template),
             "--work-dir", str(self.work / "stack"), *options],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True, cwd=REPO)
        urls = {}
        timer = threading.Timer(180, self.process.kill)
        timer.start()
        try:
            for line in self.process.stdout:
                if line.strip() == "ready":
                    break
                name, _, value = line.strip().partition(" ")
                urls[name] = value
            else:
                raise AssertionError(f"infra/local/up did not start: {(self.work / 'up.log').read_text()}")
        finally:
            timer.cancel()
        self.client = LocalStackClient(urls)

    def log(self, logical_id: str) -> str:
        return (self.work / "stack/logs" / f"{logical_id}.log").read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)
        self.stderr.close()
        shutil.rmtree(self.work, ignore_errors=True)


def shared_classes(pid: int) -> int:
    """Classes the JVM mapped from a CDS archive (hsperfdata, read with the JDK's jstat)."""
    out = subprocess.run([str(JDK / "bin/jstat"), "-J-Djstat.showUnsupported=true", "-snap", str(pid)],
                         capture_output=True, text=True, timeout=60).stdout
    return int(dict(line.split("=", 1) for line in out.splitlines() if "=" in line)["java.cls.sharedLoadedClasses"])


def template_with(code_uri: Path, tmpdir: Path = None) -> Path:
    """template.yaml with the functions' code elsewhere (and TMPDIR for their processes, when given)."""
    doc = Template(REPO / "template.yaml").doc
    doc["Globals"]["Function"]["CodeUri"] = str(code_uri)
    if tmpdir:
        doc["Globals"]["Function"]["Environment"]["Variables"]["TMPDIR"] = str(tmpdir)
    path = Path(tempfile.mkdtemp(prefix="aot-template-")) / "template.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@unittest.skipUnless(PACKAGE.exists() and "bootstrap" in zipfile.ZipFile(PACKAGE).namelist(),
                     "target/function.zip is not the jvm-aot package: run infra/aot/build first")
class JvmAotPackageTest(unittest.TestCase):

    def test_every_function_answers_through_the_bootstrap_from_a_jvm_with_the_archive(self):
        stack = Stack(REPO / "template.yaml", "--parameter", "Runtime=jvm-aot")
        try:
            functions = stack.client.functions()
            self.assertGreaterEqual(len(functions), 4)
            for function in functions:
                with self.subTest(function["logical_id"]):
                    status, body, what = stack.client.call(function)
                    self.assertLess(status, 500, f"{what}: {body[:300]!r}")
                    [instance] = stack.client.function(function["logical_id"])["instances"]
                    # thousands of classes mapped from the archive, none refused
                    self.assertGreater(shared_classes(instance["pid"]), 5000)
                    log = stack.log(function["logical_id"])
                    self.assertNotIn("[aot]", log)
                    self.assertNotIn("[cds]", log)
                    # the package's own runtime, started by its bootstrap
                    executable = Path(f"/proc/{instance['pid']}/exe").resolve()
                    self.assertTrue(str(executable).endswith("/jre/bin/java"), executable)
                    self.assertTrue(executable.is_relative_to(stack.work), executable)
        finally:
            stack.stop()

    def test_the_same_package_runs_on_the_managed_java_runtime(self):
        stack = Stack(REPO / "template.yaml", "--parameter", "Runtime=java21")
        try:
            token = stack.client.function("TokenFunction")
            status, body, _ = stack.client.call(token)
            self.assertEqual(200, status, body[:300])
            self.assertIn("access_token", json.loads(body))
        finally:
            stack.stop()

    def test_unpacked_without_its_file_times_the_jars_are_copied_so_the_archive_still_serves(self):
        code = Path(tempfile.mkdtemp(prefix="aot-no-times-"))
        with zipfile.ZipFile(PACKAGE) as archive:   # what an unzip that sets no times leaves: times of now
            archive.extractall(code)
            for info in archive.infolist():
                (code / info.filename).chmod(info.external_attr >> 16 & 0o777 or 0o644)
        tmpdir = Path(tempfile.mkdtemp(prefix="aot-tmp-"))
        stack = Stack(template_with(code, tmpdir), "--parameter", "Runtime=jvm-aot")
        try:
            token = stack.client.function("TokenFunction")
            status, body, _ = stack.client.call(token)
            self.assertEqual(200, status, body[:300])
            [instance] = stack.client.function("TokenFunction")["instances"]
            self.assertGreater(shared_classes(instance["pid"]), 5000)
            self.assertTrue((tmpdir / "jvm-aot-app/.copied").exists())
            self.assertNotIn("timestamp has changed", stack.log("TokenFunction"))
        finally:
            stack.stop()
            shutil.rmtree(code, ignore_errors=True)
            shutil.rmtree(tmpdir, ignore_errors=True)


@unittest.skipUnless(PACKAGE.exists(), "no target/function.zip: build it first")
class ManagedJava25Test(unittest.TestCase):
    """Runtime=java25, Lambda's managed Java 25 runtime: the same package under AWS's runtime interface client,
    as java21 runs it, on a JDK 25."""

    def test_every_function_answers_from_a_jvm_on_the_jdk_25(self):
        jdk25 = Path(os.environ.get("JAVA25_HOME", JDK25_HOME)).resolve()
        if not (jdk25 / "bin/java").exists():
            self.skipTest(f"no JDK 25 at {jdk25}")
        stack = Stack(REPO / "template.yaml", "--parameter", "Runtime=java25")
        try:
            functions = stack.client.functions()
            self.assertGreaterEqual(len(functions), 4)
            for function in functions:
                with self.subTest(function["logical_id"]):
                    status, body, what = stack.client.call(function)
                    self.assertLess(status, 500, f"{what}: {body[:300]!r}")
                    [instance] = stack.client.function(function["logical_id"])["instances"]
                    executable = Path(f"/proc/{instance['pid']}/exe").resolve()
                    self.assertEqual(jdk25 / "bin/java", executable)
                    self.assertEqual("25", jvm_version(instance["pid"]))
        finally:
            stack.stop()


def jvm_version(pid: int) -> str:
    """The running JVM's java.vm.specification.version (jcmd VM.system_properties, with the JDK 25's jcmd)."""
    out = subprocess.run([str(JDK / "bin/jcmd"), str(pid), "VM.system_properties"],
                         capture_output=True, text=True, timeout=60).stdout
    found = re.search(r"^java\.vm\.specification\.version=(\S+)$", out, re.MULTILINE)
    return found.group(1) if found else f"unknown: {out[:200]!r}"


class BootstrapCopyTest(unittest.TestCase):
    """The bootstrap's /tmp copy, with a stand-in package whose `java` checks what it was started in: starts
    that share one /tmp (the local stack's functions do) each get a whole copy, never one half made or
    being removed by another start."""

    def test_starts_sharing_one_tmp_each_run_from_a_whole_copy(self):
        root = Path(tempfile.mkdtemp(prefix="aot-fake-root-"))
        tmpdir = Path(tempfile.mkdtemp(prefix="aot-fake-tmp-"))
        try:
            shutil.copy(REPO / "infra/aot/bootstrap", root / "bootstrap")
            (root / "aot").mkdir()
            (root / "aot/app.jsa").write_bytes(b"archive")
            (root / "aot/classpath").write_text("function.jar")
            (root / "aot/files-mtime").write_text("1000000000")   # the package's files have other times
            (root / "function.jar").write_bytes(b"jar")
            for directory, count in (("lib", 400), ("ric", 5)):
                (root / directory).mkdir()
                for i in range(count):
                    (root / directory / f"{i}.jar").write_bytes(os.urandom(20_000))
            (root / "jre/bin").mkdir(parents=True)
            # the stand-in JVM: its working directory must be a whole copy with the package's one time
            (root / "jre/bin/java").write_text(
                "#!/bin/sh\n"
                "[ -f .copied ] || { echo 'no .copied' >&2; exit 3; }\n"
                "[ $(ls lib | wc -l) -eq 400 ] || { echo 'lib incomplete' >&2; exit 4; }\n"
                "[ $(stat -c %Y function.jar) = 1000000000 ] || { echo 'jar time' >&2; exit 5; }\n")
            (root / "jre/bin/java").chmod(0o755)
            env = dict(os.environ, LAMBDA_TASK_ROOT=str(root), TMPDIR=str(tmpdir), _HANDLER="x")
            starts = [subprocess.Popen(["sh", str(root / "bootstrap")], env=env, stderr=subprocess.PIPE, text=True)
                      for _ in range(6)]
            answers = [(start.returncode, err) for start in starts for _, err in [start.communicate(timeout=120)]]
            self.assertEqual([(0, "")] * 6, answers)
            self.assertEqual(["jvm-aot-app"], sorted(p.name for p in tmpdir.iterdir()))   # no copy left behind
        finally:
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
