"""Warm kernels: the next notebook's kernel starts while the current notebook runs.

papermill starts each notebook's kernel cold: a process, IPython, and then the notebook's
own first imports (boto3, psycopg, the package, matplotlib for a figure) and botocore's
models for its first clients, about a second before the first cell. ``WarmKernels`` starts
the next kernel as a notebook begins, with the next notebook's imports and those models
loaded at kernel start-up (``exec_lines``: before the kernel answers, outside the learner's
history and namespace), so the next notebook finds its kernel up.
Where the system can fork, the kernels come from a template process that did every
notebook's imports once (``kernel_template``), so a kernel costs little more than its own
sockets and IPython's set-up. Each kernel still runs exactly one notebook, so nothing of one
notebook reaches the next. A kernel is shut down in the background: the request goes out
when its notebook ends, the wait comes later.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cruddur_lab.notebook.files import KERNEL_ARGUMENTS, KERNEL_NAME
from cruddur_lab.notebook.kernel_template import KernelTemplate, can_fork, provisioner

#: What nearly every notebook needs first (the package imports them lazily, on first use).
WARM_IMPORTS = ("boto3", "psycopg", "cruddur_lab.engine.lab", "cruddur_lab.scripts.reads")
#: Heavy libraries a package module imports only when first used, by that module...
LAZY_IMPORTS = {
    "cruddur_lab.modeling.figure": ("matplotlib.figure", "matplotlib.backends.backend_svg"),
}
#: ... and by what a notebook calls (every result's ``to_frame`` builds a DataFrame).
LAZY_CALLS = {"to_frame": ("pandas",)}


def warm_imports(notebook: Path | None) -> tuple[str, ...]:
    """``WARM_IMPORTS``, the package modules ``notebook``'s code imports, and what they
    import lazily: the imports to do while the notebook before it runs."""
    wanted = list(WARM_IMPORTS)
    for name in _used_by(notebook) if notebook is not None else ():
        if _is_package_module(name):
            wanted += [name, *LAZY_IMPORTS.get(name, ())]
        wanted += LAZY_CALLS.get(name, ())
    return tuple(dict.fromkeys(wanted))


def template_imports(notebooks: Sequence[Path]) -> tuple[str, ...]:
    """What a template does ahead for every kernel of a run: all its notebooks' imports."""
    return tuple(dict.fromkeys(name for nb in notebooks for name in warm_imports(nb)))


def _is_package_module(name: str) -> bool:
    """True when ``name`` is a module of this package (not a name inside one)."""
    top, _, rest = name.partition(".")
    if top != "cruddur_lab" or not rest:
        return False
    base = Path(__file__).resolve().parents[1].joinpath(*rest.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _used_by(notebook: Path) -> list[str]:
    """The modules ``notebook``'s code imports and the names of what it calls."""
    try:
        cells = json.loads(notebook.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return []
    found = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse("".join(cell.get("source", "")))
        except SyntaxError:  # magics: the cell is not worth a guess
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                # ``from package import module`` names a module too (else: skipped).
                found += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                found += [alias.name for alias in node.names]
            elif isinstance(node, ast.Call):
                called = node.func
                found.append(getattr(called, "attr", getattr(called, "id", "")))
    return found


def _warm_line(modules: tuple[str, ...]) -> str:
    """One line that imports ``modules`` and botocore's models, and binds nothing the
    notebook can see (a comprehension's variable stays inside it)."""
    return (
        f"import importlib as _w; [_w.import_module(m) for m in {modules!r}]; "
        "_w.import_module('cruddur_lab.engine.lab').preload_models(); del _w"
    )


@functools.cache
def _client_class() -> type:
    import time
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class _ReadyClient(AsyncKernelClient):
        """jupyter_client's client, ready as soon as its kernel has answered.

        jupyter_client's ``wait_for_ready`` ends by reading IOPub until it stays silent for
        0.2 s, a fixed wait before every notebook. The kernel marks the end of its answer to
        a request with an ``idle`` status whose parent is that request; once the idle of the
        answered ``kernel_info`` request has arrived, IOPub is connected and nothing the
        kernel sent for it is still on the way. Like jupyter_client, it asks again each
        second without an answer, and takes whichever request's reply comes: a slow kernel
        answers the first request after the second was sent. Anything a later request
        brings is ignored by nbclient, which keeps only the messages of the cell it runs.
        """

        async def _ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
            while True:
                self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    reply = None
                answered = reply is not None and reply["msg_type"] == "kernel_info_reply"
                if answered and await self._idle_after(reply["parent_header"].get("msg_id")):
                    self._handle_kernel_info_reply(reply)
                    return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

        async def _idle_after(self, request: str) -> bool:
            """True once IOPub carries ``request``'s idle; False when IOPub stays silent
            (not connected yet: the caller asks again, as jupyter_client does)."""
            while True:
                try:
                    message = await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    return False
                if (
                    message["msg_type"] == "status"
                    and message["content"].get("execution_state") == "idle"
                    and message["parent_header"].get("msg_id") == request
                ):
                    return True

        wait_for_ready = _ready

    return _ReadyClient


@functools.cache
def _kernel_manager_class() -> type:
    from jupyter_client.manager import AsyncKernelManager

    class _WarmKernelManager(AsyncKernelManager):
        """A kernel manager that remembers its clients, to close them with the kernel
        (nbclient leaves a client open when the kernel manager is not its own), and whose
        clients are ready once their kernel answered (``_client_class``)."""

        def client(self, **kwargs: Any) -> Any:
            self.client_factory = _client_class()
            client = super().client(**kwargs)
            self.__dict__.setdefault("_warm_clients", []).append(client)
            return client

        def close_clients(self) -> None:
            for client in self.__dict__.pop("_warm_clients", []):
                with contextlib.suppress(Exception):
                    client.stop_channels()

    return _WarmKernelManager


class WarmKernels:
    """One kernel started ahead of the notebook that will use it (papermill's ``km``).

    Given the ``notebooks`` of the run, its kernels are forked from a template that imports
    what all of them need (where the system can fork).
    """

    def __init__(self, notebooks: Sequence[Path] = (), *, template: str | None = None) -> None:
        self._next: tuple[Path, Any] | None = None
        self._ending: list[Any] = []
        self._template: KernelTemplate | None = None
        if template is not None:  # a template started by the caller's parent
            self._template = KernelTemplate(template)
        elif notebooks and can_fork():
            self._template = KernelTemplate.start(template_imports(notebooks))

    def _start(self, notebook: Path) -> Any:
        from jupyter_core.utils import run_sync

        km = _kernel_manager_class()(kernel_name=KERNEL_NAME)
        arguments = list(KERNEL_ARGUMENTS)
        if self._template is not None:
            km.provisioner = provisioner(self._template, km)
        else:
            arguments.append(f"--IPKernelApp.exec_lines={_warm_line(warm_imports(notebook))}")
        # Launching returns once the process is asked for; it boots while the caller works.
        run_sync(km.start_kernel)(extra_arguments=arguments, cwd=str(notebook.parent))
        return km

    def start_ahead(self, notebook: Path) -> None:
        """Start the kernel ``notebook`` will take (when none is started yet)."""
        if self._next is None:
            self._next = (notebook, self._start(notebook))

    def take(self, notebook: Path, *, following: Path | None) -> Any:
        """A kernel for ``notebook`` (run in its folder); start one for ``following`` now.

        A kernel started for another notebook of the same folder serves as well: only the
        imports done ahead differ.
        """
        ready, self._next = self._next, None
        if ready is not None and ready[0].parent != notebook.parent:
            self._end(ready[1])
            ready = None
        km = ready[1] if ready is not None else self._start(notebook)
        if following is not None:
            self._next = (following, self._start(following))
        return km

    def release(self, km: Any) -> None:
        """Ask ``km``'s kernel to shut down; the wait for it to end comes later."""
        self._finish(wait=False)
        self._end(km)

    def _end(self, km: Any) -> None:
        from jupyter_core.utils import run_sync

        km.close_clients()
        with contextlib.suppress(Exception):
            run_sync(km.request_shutdown)()
        self._ending.append(km)

    def _finish(self, *, wait: bool) -> None:
        from jupyter_core.utils import run_sync

        still: list[Any] = []
        for km in self._ending:
            try:
                if not wait and run_sync(km.is_alive)():
                    still.append(km)
                    continue
                # Kills the kernel if it has not ended within the wait.
                run_sync(km.finish_shutdown)(waittime=5)
                run_sync(km.cleanup_resources)()
            except Exception:  # a kernel that is already gone has nothing left to end
                continue
        self._ending = still

    def close(self) -> None:
        """End the kernel started ahead, if any, and wait for every kernel to end."""
        if self._next is not None:
            self._end(self._next[1])
            self._next = None
        self._finish(wait=True)
        if self._template is not None:
            self._template.close()
            self._template = None

    def __enter__(self) -> WarmKernels:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
