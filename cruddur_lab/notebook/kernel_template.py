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
    """One connection to a template process: ask it for kernels.

    ``KernelTemplate.start`` starts the template (its owner ends it with ``close``);
    ``KernelTemplate(address)`` connects to a running one, so the workers of a ``--jobs``
    run share the template their parent started. It listens on a socket in a folder only
    this user can open.
    """

    def __init__(self, address: str, process: subprocess.Popen | None = None) -> None:
        import socket

        self.address = address
        self._process = process
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.connect(address)  # bound before the template started: always there
        self._answers = self._socket.makefile("r", encoding="utf-8")
        self._pending: list[ForkedKernel] = []
        self._open = True

    @classmethod
    def start(cls, imports: Sequence[str], *, quiet: bool = False) -> KernelTemplate:
        """Start a template that imports ``imports``; it imports while the caller works
        (the engine starts meanwhile), and a request waits until the imports are done.

        Its kernels write to its stderr; ``quiet`` sends that nowhere (a parallel run's
        workers do the same with their own: kernels ending under load may print there)."""
        import socket
        import tempfile

        folder = tempfile.mkdtemp(prefix="cruddur-kernels-")  # mode 0700
        address = os.path.join(folder, "template")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(address)
        listener.listen()
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(listener.fileno()), json.dumps(list(imports))],
                stdin=subprocess.PIPE,
                stderr=subprocess.DEVNULL if quiet else None,
                pass_fds=[listener.fileno()],
            )
        finally:
            listener.close()
        return cls(address, process)

    def serves(self, command: Sequence[str]) -> bool:
        """True when ``command`` starts ipykernel on this interpreter (what the template is)."""
        return (
            self._open
            and (self._process is None or self._process.poll() is None)
            and len(command) >= 3
            and os.path.realpath(command[0]) == os.path.realpath(sys.executable)
            and list(command[1:3]) == ["-m", _LAUNCHER]
        )

    def fork(self, command: Sequence[str], env: dict[str, str], cwd: str) -> ForkedKernel:
        """Ask for a kernel run as ``command`` would run it; its pid arrives later."""
        request = {"argv": list(command[3:]), "env": env, "cwd": cwd}
        self._socket.sendall((json.dumps(request) + "\n").encode())
        kernel = ForkedKernel(self)
        self._pending.append(kernel)
        return kernel

    def _read_pids(self, until: ForkedKernel) -> None:
        """Read the template's answers, in the order asked, up to ``until``'s."""
        while self._pending:
            kernel = self._pending.pop(0)
            line = self._answers.readline()
            kernel._pid = int(line) if line.strip().isdigit() else -1
            if kernel is until:
                return

    def close(self) -> None:
        """Close this connection; the owner also ends the template (the kernels it forked
        live on until they are shut down)."""
        import shutil

        self._open = False
        self._answers.close()
        self._socket.close()
        if self._process is None:
            return
        with contextlib.suppress(OSError):
            if self._process.stdin is not None:
                self._process.stdin.close()  # the template ends when its stdin does
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        shutil.rmtree(os.path.dirname(self.address), ignore_errors=True)


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


def _become_kernel(request: dict[str, Any], keep_closed: list[int], template: int) -> None:
    """In the forked child of ``template``: become the kernel ``request`` describes; never
    returns."""
    status = 1
    try:
        if os.getppid() != template:
            return  # the template died while forking: nobody will use or end this kernel
        os.setsid()  # its own process group, as jupyter_client starts a kernel
        for fd in keep_closed:  # the template's sockets: not the kernel's
            with contextlib.suppress(OSError):
                os.close(fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        # The template's own handlers, back to what Python starts a process with (SIGPIPE
        # stays ignored, as Python leaves it).
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # ipykernel ends itself when its parent (the template) is gone. It reads
        # JPY_PARENT_PID when it is imported, here before the fork: the argument says it.
        parent = str(template)
        os.environ["JPY_PARENT_PID"] = parent
        sys.argv = [_LAUNCHER, *request["argv"], f"--IPKernelApp.parent_handle={parent}"]
        sys.stdin = open(os.devnull)  # noqa: SIM115 (the kernel's own, for its life)
        from ipykernel.kernelapp import launch_new_instance

        launch_new_instance()
        status = 0
    finally:
        os._exit(status)


def serve(listener_fd: int, imports: Sequence[str]) -> None:
    """The template: do ``imports``, then fork a kernel for each request on the socket,
    answering with its pid; end when stdin (held by the owner) closes."""
    import importlib
    import selectors
    import socket

    importlib.import_module("ipykernel.kernelapp")
    for name in imports:
        with contextlib.suppress(ImportError):  # a kernel reports it, as a cold one would
            importlib.import_module(name)
    importlib.import_module("cruddur_lab.engine.lab").preload_models()
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner ends it; Ctrl-C reaches that
    listener = socket.socket(fileno=listener_fd)
    # One thread and a selector: forking from a process with other threads is unsafe.
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(sys.stdin, selectors.EVENT_READ)
    buffers: dict[socket.socket, bytes] = {}
    while True:
        for key, _ in selector.select():
            source = key.fileobj
            if source is sys.stdin:
                if not os.read(sys.stdin.fileno(), 4096):
                    return  # the owner closed it: the run is over
            elif source is listener:
                connection, _ = listener.accept()
                buffers[connection] = b""
                selector.register(connection, selectors.EVENT_READ)
            else:
                assert isinstance(source, socket.socket)
                data = source.recv(65536)
                if not data:
                    selector.unregister(source)
                    buffers.pop(source, None)
                    source.close()
                    continue
                buffers[source] += data
                while b"\n" in buffers[source]:
                    line, buffers[source] = buffers[source].split(b"\n", 1)
                    pid = _fork_kernel(json.loads(line), [listener, *buffers])
                    source.sendall(f"{pid}\n".encode())


def _fork_kernel(request: dict[str, Any], sockets: list[Any]) -> int:
    # The template's pid from here: a child that asked os.getppid() after the template had
    # died would be told init's (or a subreaper's), and watch the wrong parent.
    template = os.getpid()
    pid = os.fork()
    if pid == 0:
        _become_kernel(request, [sock.fileno() for sock in sockets], template)
    return pid


if __name__ == "__main__":
    serve(int(sys.argv[1]), json.loads(sys.argv[2]))
    # The template holds nothing to save or close (its owner removes the socket's folder):
    # Python's own shutdown would only tear down every module it imported, 0.3 s at the end
    # of each run.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
