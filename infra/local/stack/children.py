"""Child processes of the local stack. Each runs in its own process group, so stopping it also stops
whatever it started (a launcher script's JVM, say), and Ctrl-C in the terminal reaches only us: we
stop the children ourselves, in order, and wait for them."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, Optional

OUTPUT = logging.getLogger("stack.output")  # function output echoed to the console


class Child:
    def __init__(self, name: str, argv: list[str], log_path: Path, env: Optional[dict] = None,
                 cwd: Optional[Path] = None, echo: bool = False):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.env = env
        self.cwd = cwd
        self.echo = echo
        self.process: Optional[subprocess.Popen] = None
        self.started_at = 0.0        # time.monotonic() at start
        self.started_epoch = 0.0     # time.time() at start, to line up with timestamps in the output
        self._lines: list[str] = []
        self._line_added = threading.Condition()
        self._on_exit: list[Callable[[int], None]] = []

    def start(self) -> "Child":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.started_at = time.monotonic()
        self.started_epoch = time.time()
        try:
            self.process = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env=self.env, cwd=self.cwd, start_new_session=True)
        except OSError as e:
            raise RuntimeError(f"cannot start {self.name} ({self.argv[0]}): {e}") from e
        threading.Thread(target=self._pump, name=f"{self.name}-output", daemon=True).start()
        return self

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def on_exit(self, callback: Callable[[int], None]) -> None:
        """Called (from the output thread) once the process has exited, with its exit status."""
        self._on_exit.append(callback)

    def _pump(self) -> None:
        with open(self.log_path, "a", encoding="utf-8", errors="replace") as log:
            for raw in self.process.stdout:
                line = raw.decode("utf-8", errors="replace").rstrip("\n")
                log.write(line + "\n")
                log.flush()
                if self.echo:
                    OUTPUT.info("%s | %s", self.name, line)
                with self._line_added:
                    self._lines.append(line)
                    del self._lines[:-200]  # only recent lines are needed, for readiness and errors
                    self._line_added.notify_all()
        self.process.stdout.close()
        status = self.process.wait()
        with self._line_added:
            self._line_added.notify_all()
        for callback in self._on_exit:
            callback(status)

    def wait_for_line(self, pattern: str, timeout: float) -> re.Match:
        """Waits until the child prints a line matching `pattern`; fails if it exits first or is too slow."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self._line_added:
            while True:
                for line in self._lines[seen:]:
                    match = regex.search(line)
                    if match:
                        return match
                seen = len(self._lines)
                if not self.alive():
                    raise RuntimeError(f"{self.name} exited (status {self.process.poll()}) before it was ready; "
                                       f"see {self.log_path}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"{self.name} was not ready within {timeout:.0f} s; see {self.log_path}")
                self._line_added.wait(min(left, 0.5))

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM to the child's process group, SIGKILL after `grace` seconds, then reap it."""
        if self.process is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait()
        # the group may outlive its leader (a script that started a JVM and exited): end it too
        self._signal_group(signal.SIGKILL)

    def kill(self) -> None:
        if self.process is not None:
            self._signal_group(signal.SIGKILL)
            self.process.wait()

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.process.pid, sig)  # the group id is the child's pid (start_new_session)
        except (ProcessLookupError, PermissionError):
            pass
