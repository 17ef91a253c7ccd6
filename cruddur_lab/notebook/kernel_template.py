"""Kernels forked from a template process that has already done their imports.

A cold kernel spends most of its start on imports: IPython and ipykernel, then what the
notebook needs (boto3 and botocore's models, psycopg, pandas, matplotlib, the package), about
0.9 s of CPU on the reference machine for each of the walkthrough's 13 kernels. The template
is one process that does those imports once (``python -m cruddur_lab.notebook.kernel_template``)
and then, for each kernel asked of it, forks a child that becomes a fresh ipykernel: its own
session, folder, environment, connection file and sockets, and nothing any notebook ran
(the template never runs one), for about a tenth of the CPU. ``TemplateProvisioner`` is the
jupyter_client provisioner that asks the template instead of starting a process.

Only where ``os.fork`` exists, and only for ipykernel on this interpreter; anything else
starts as papermill starts it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

#: The module the kernel command runs (``python -m ipykernel_launcher -f FILE ...``).
_LAUNCHER = "ipykernel_launcher"


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "darwin"  # macOS: fork after imports is unsafe


class KernelTemplate:
    """The runner's side of one template process: start it, ask it for kernels, end it."""

    def __init__(self, imports: Sequence[str]) -> None:
        # It imports while the caller works (the engine starts meanwhile); a fork request
        # waits in its stdin until the imports are done.
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__, json.dumps(list(imports))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._pending: list[ForkedKernel] = []

    def serves(self, command: Sequence[str]) -> bool:
        """True when ``command`` starts ipykernel on this interpreter (what the template is)."""
        return (
            self._process.poll() is None
            and len(command) >= 3
            and os.path.realpath(command[0]) == os.path.realpath(sys.executable)
            and list(command[1:3]) == ["-m", _LAUNCHER]
        )

    def fork(self, command: Sequence[str], env: dict[str, str], cwd: str) -> ForkedKernel:
        """Ask for a kernel run as ``command`` would run it; its pid arrives later."""
        request = {"argv": list(command[3:]), "env": env, "cwd": cwd}
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        kernel = ForkedKernel(self)
        self._pending.append(kernel)
        return kernel

    def _read_pids(self, until: ForkedKernel) -> None:
        """Read the template's answers, in the order asked, up to ``until``'s."""
        assert self._process.stdout is not None
        while self._pending:
            kernel = self._pending.pop(0)
            line = self._process.stdout.readline()
            kernel._pid = int(line) if line.strip().isdigit() else -1
            if kernel is until:
                return

    def close(self) -> None:
        """End the template (the kernels it forked live on until they are shut down)."""
        with contextlib.suppress(OSError):
            if self._process.stdin is not None:
                self._process.stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


class ForkedKernel:
    """What jupyter_client needs of a ``Popen`` for a kernel the template forked.

    The kernel is the template's child, not ours: it is signalled by pid, and it has ended
    when the pid is gone (the template reaps its children at once). Its exit status stays
    with the template; an ended kernel reports 0.
    """

    stdin = stdout = stderr = None

    def __init__(self, template: KernelTemplate) -> None:
        self._template = template
        self._pid: int | None = None

    @property
    def pid(self) -> int:
        if self._pid is None:
            self._template._read_pids(until=self)
        assert self._pid is not None
        return self._pid

    def poll(self) -> int | None:
        if self.pid < 0:
            return 1  # the template could not fork it
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return 0
        return None

    def wait(self, timeout: float | None = None) -> int:
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while (status := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(_LAUNCHER, timeout or 0)
            time.sleep(0.02)
        return status

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def provisioner(template: KernelTemplate, km: Any) -> Any:
    """A provisioner for ``km`` that forks its kernel from ``template`` (set it on ``km``
    before ``start_kernel``: jupyter_client then keeps it)."""
    import uuid

    from jupyter_client.provisioning import LocalProvisioner

    class TemplateProvisioner(LocalProvisioner):  # type: ignore[misc]
        """jupyter_client's local provisioner, with the process forked by the template."""

        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            if not template.serves(cmd):
                return await super().launch_kernel(cmd, **kwargs)
            env = dict(kwargs.get("env") or os.environ)
            cwd = str(kwargs.get("cwd") or os.getcwd())
            self.process = template.fork(cmd, env, cwd)
            self.cwd = cwd
            # pid and pgid stay unset: signals go through the process, by pid.
            return self.connection_info

    km.kernel_id = km.kernel_id or str(uuid.uuid4())
    return TemplateProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)


# --- the template process ------------------------------------------------------------------


def _reap(*_: Any) -> None:
    """Collect every ended child, so a kernel's pid is gone as soon as it ends."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _become_kernel(request: dict[str, Any], answers: int) -> None:
    """In the forked child: become the kernel ``request`` describes; never returns."""
    status = 1
    try:
        os.setsid()  # its own process group, as jupyter_client starts a kernel
        os.close(answers)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        for name in ("SIGCHLD", "SIGPIPE"):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # ipykernel ends itself when its parent (this template) is gone.
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        sys.argv = [_LAUNCHER, *request["argv"]]
        sys.stdin = open(os.devnull)  # noqa: SIM115 (the kernel's own, for its life)
        from ipykernel.kernelapp import launch_new_instance

        launch_new_instance()
        status = 0
    finally:
        os._exit(status)


def main(imports: Sequence[str]) -> None:
    import importlib

    # Answers go on a copy of stdout; stdout itself becomes stderr, for the kernels too.
    answers = os.dup(1)
    os.dup2(2, 1)
    importlib.import_module("ipykernel.kernelapp")
    for name in imports:
        with contextlib.suppress(ImportError):  # a kernel reports it, as a cold one would
            importlib.import_module(name)
    importlib.import_module("cruddur_lab.engine.lab").preload_models()
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner ends it; Ctrl-C reaches that
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _become_kernel(request, answers)
        os.write(answers, f"{pid}\n".encode())


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
