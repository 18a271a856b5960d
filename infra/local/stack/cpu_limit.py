"""Lambda's CPU for a function process (`infra/local/up --cpu-limit`). Lambda gives a function CPU in
proportion to its MemorySize, 1,769 MB being one vCPU (AWS: "Lambda allocates CPU power in proportion to
the amount of memory configured"), so a 256 MB function has about a seventh of a core. Each function
process is put in a cgroup of its own whose CPU quota is that share: cgroup v2 `cpu.max`, or cgroup v1
`cpu.cfs_quota_us`/`cpu.cfs_period_us`. Where no cgroup can be made (not root, no cpu controller...) the
functions run unconstrained and `description` says so."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Optional

LOG = logging.getLogger("stack")

MB_PER_VCPU = 1769
PERIOD_US = 100_000
CGROUP_ROOT = Path("/sys/fs/cgroup")
V2 = "cgroup v2 cpu.max"
V1 = "cgroup v1 cpu.cfs_quota_us/cpu.cfs_period_us"


def vcpus(memory_mb: int) -> float:
    return memory_mb / MB_PER_VCPU


class CpuGroup:
    """One process's cgroup; `wrap` makes a command join it before it execs, so the limit holds from the
    process's first instruction."""

    def __init__(self, path: Path, memory_mb: int):
        self.path = path
        self.vcpus = vcpus(memory_mb)

    def wrap(self, command: list[str]) -> list[str]:
        return ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(self.path), *command]

    def remove(self) -> None:
        """Removes the cgroup once its processes are gone (they may take a moment to be reaped)."""
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)
        LOG.warning("could not remove cgroup %s (processes still in it)", self.path)


class CpuLimits:
    """Makes the cgroups under one parent named after this stack's pid, and removes them all at the end."""

    def __init__(self) -> None:
        self.parent: Optional[Path] = None
        self.mechanism = ""
        self._groups: list[CpuGroup] = []
        name = f"fptr-local-stack-{os.getpid()}"
        reasons = []
        for mechanism, make_parent in ((V2, self._v2_parent), (V1, self._v1_parent)):
            try:
                parent = make_parent(name)
                if parent is None:
                    continue
                probe = parent / "probe"
                probe.mkdir(exist_ok=True)
                try:
                    self._write_quota(probe, mechanism, 1.0)
                finally:
                    probe.rmdir()
            except OSError as e:
                reasons.append(f"{mechanism}: {e.strerror or e}")
                for leftover in (CGROUP_ROOT / name, CGROUP_ROOT / "cpu" / name):
                    try:
                        leftover.rmdir()
                    except OSError:
                        pass
                continue
            self.parent, self.mechanism, self.reason = parent, mechanism, ""
            return
        self.reason = "; ".join(reasons) or "no cgroup cpu controller under /sys/fs/cgroup"

    @staticmethod
    def _v2_parent(name: str) -> Optional[Path]:
        controllers = CGROUP_ROOT / "cgroup.controllers"
        if not controllers.exists() or "cpu" not in controllers.read_text().split():
            return None
        (CGROUP_ROOT / "cgroup.subtree_control").write_text("+cpu")
        parent = CGROUP_ROOT / name
        parent.mkdir(exist_ok=True)
        (parent / "cgroup.subtree_control").write_text("+cpu")
        return parent

    @staticmethod
    def _v1_parent(name: str) -> Optional[Path]:
        base = CGROUP_ROOT / "cpu"
        if not (base / "cpu.cfs_period_us").exists():
            return None
        parent = base / name
        parent.mkdir(exist_ok=True)
        return parent

    @property
    def available(self) -> bool:
        return self.parent is not None

    @property
    def description(self) -> str:
        if self.available:
            return f"{self.mechanism}: MemorySize / {MB_PER_VCPU} MB vCPU per function process"
        return f"unconstrained ({self.reason})"

    def group(self, name: str, memory_mb: int) -> Optional[CpuGroup]:
        """A cgroup with the CPU quota of `memory_mb`, or None (unconstrained) if it cannot be made."""
        if not self.available:
            return None
        path = self.parent / name
        try:
            path.mkdir(exist_ok=True)
            self._write_quota(path, self.mechanism, vcpus(memory_mb))
        except OSError as e:
            LOG.warning("cpu limit for %s not applied (%s): it runs unconstrained", name, e.strerror or e)
            return None
        group = CpuGroup(path, memory_mb)
        self._groups.append(group)
        return group

    @staticmethod
    def _write_quota(path: Path, mechanism: str, cpus: float) -> None:
        quota = max(1000, round(cpus * PERIOD_US))   # the kernel's minimum quota is 1 ms
        if mechanism == V2:
            (path / "cpu.max").write_text(f"{quota} {PERIOD_US}")
        else:
            (path / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (path / "cpu.cfs_quota_us").write_text(str(quota))

    def close(self) -> None:
        for group in self._groups:
            group.remove()
        if self.parent:
            try:
                self.parent.rmdir()
            except OSError as e:
                LOG.warning("could not remove cgroup %s (%s)", self.parent, e.strerror or e)
