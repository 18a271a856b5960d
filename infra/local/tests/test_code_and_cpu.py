"""How the local stack runs a function's code as Lambda does: a zip unpacked with its permissions and file
times, the CodeUri and Runtime a template chooses with a parameter, and (--cpu-limit) the CPU share of
the function's MemorySize in a cgroup."""

import os
import resource
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile
from unittest import mock
from pathlib import Path

from stack.cpu_limit import CpuLimits, vcpus
from stack.launcher import LocalStack, java_binary, unzip_keeping_modes_and_times, zip_entry_mtime
from stack.template import Template

TEMPLATE = """
Parameters:
  Runtime: {Type: String, Default: java21, AllowedValues: [java21, java25, jvm-aot]}
Conditions:
  JvmAot: !Equals [!Ref Runtime, jvm-aot]
Globals:
  Function:
    CodeUri: target/function.zip
    Runtime: !If [JvmAot, provided.al2023, !Ref Runtime]
Resources:
  One: {Type: AWS::Serverless::Function, Properties: {}}
  Two: {Type: AWS::Serverless::Function, Properties: {CodeUri: other/, Runtime: java21}}
"""


class UnpackTest(unittest.TestCase):
    def setUp(self):
        self.work = Path(tempfile.mkdtemp())

    def test_files_keep_the_zips_permissions_and_times(self):
        archive = self.work / "code.zip"
        with zipfile.ZipFile(archive, "w") as z:
            bootstrap = zipfile.ZipInfo("bootstrap", (2026, 1, 1, 0, 0, 0))
            bootstrap.external_attr = 0o100755 << 16
            z.writestr(bootstrap, "#!/bin/sh\necho hi\n")
            jar = zipfile.ZipInfo("lib/a.jar", (2026, 1, 1, 0, 0, 0))
            jar.external_attr = 0o100644 << 16
            jar.extra = b"UT" + (5).to_bytes(2, "little") + b"\x01" + (1767225601).to_bytes(4, "little")
            z.writestr(jar, b"jar bytes")
        target = self.work / "code"
        unzip_keeping_modes_and_times(archive, target)

        self.assertEqual(0o755, (target / "bootstrap").stat().st_mode & 0o777)
        self.assertEqual(0o644, (target / "lib/a.jar").stat().st_mode & 0o777)
        self.assertEqual(b"hi\n", subprocess.run([str(target / "bootstrap")], capture_output=True).stdout)
        # the DOS time is read as UTC; the extended timestamp field, when there, wins
        self.assertEqual(1767225600, int((target / "bootstrap").stat().st_mtime))
        self.assertEqual(1767225601, int((target / "lib/a.jar").stat().st_mtime))

    def test_an_entry_without_an_extended_timestamp_has_its_dos_time(self):
        info = zipfile.ZipInfo("x", (2026, 1, 1, 0, 0, 2))
        self.assertEqual(1767225602, zip_entry_mtime(info))


class CodePropertiesTest(unittest.TestCase):
    def template(self) -> Template:
        path = Path(tempfile.mkdtemp()) / "template.yaml"
        path.write_text(TEMPLATE)
        return Template(path)

    def test_a_parameter_chooses_the_runtime_before_any_resource_exists(self):
        self.assertEqual({("target/function.zip", "java21"), ("other/", "java21")},
                         LocalStack._code_properties(self.template(), {}))
        self.assertEqual({("target/function.zip", "provided.al2023"), ("other/", "java21")},
                         LocalStack._code_properties(self.template(), {"Runtime": "jvm-aot"}))
        self.assertEqual({("target/function.zip", "java25"), ("other/", "java21")},
                         LocalStack._code_properties(self.template(), {"Runtime": "java25"}))

    def test_java25_runs_on_a_jdk_25_and_without_one_the_stack_says_where_it_looked(self):
        with mock.patch.dict(os.environ, {"JAVA25_HOME": "/nowhere/jdk-25"}):
            with self.assertRaisesRegex(RuntimeError, "java25 runs on a JDK 25, and /nowhere/jdk-25 has no bin/java"):
                java_binary("java25")
        home = Path(tempfile.mkdtemp())
        (home / "bin").mkdir()
        (home / "bin/java").write_text("#!/bin/sh\n")
        (home / "bin/java").chmod(0o755)
        with mock.patch.dict(os.environ, {"JAVA25_HOME": str(home)}):
            self.assertEqual(str(home / "bin/java"), java_binary("java25"))
            self.assertNotEqual(str(home / "bin/java"), java_binary("java21"))


class CpuLimitTest(unittest.TestCase):
    def test_a_function_process_gets_the_cpu_of_its_memory_size(self):
        self.assertAlmostEqual(1.0, vcpus(1769))
        self.assertAlmostEqual(0.1447, vcpus(256), places=3)
        limits = CpuLimits()
        if not limits.available:
            self.skipTest(f"no cgroup here: {limits.description}")
        try:
            group = limits.group("Busy-1", 442)   # a quarter of a vCPU
            self.assertIsNotNone(group)
            spin = "import time\nt = time.monotonic()\nwhile time.monotonic() - t < 1.5: pass\n"
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.monotonic()
            self.assertEqual(0, subprocess.run(group.wrap([sys.executable, "-c", spin])).returncode)
            wall = time.monotonic() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            # 1.5 s of spinning at a quarter of a core: about 0.4 s of CPU, never the 1.5 s it would get alone
            self.assertLess(cpu, 0.25 * wall + 0.15, f"{cpu:.2f} s of CPU in {wall:.2f} s")
            self.assertIn("cgroup", limits.description)
        finally:
            limits.close()
        self.assertFalse(limits.parent.exists())


if __name__ == "__main__":
    unittest.main()
