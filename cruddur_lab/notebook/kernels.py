"""Warm kernels: the next notebook's kernel starts while the current notebook runs.

papermill starts each notebook's kernel cold: a process, IPython, and then the notebook's
own first imports (boto3, psycopg, the package), about a second before the first cell.
``WarmKernels`` starts the next kernel as a notebook begins, with those imports done at
kernel start-up (``exec_lines``: before the kernel answers, outside the learner's history
and namespace), so the next notebook finds its kernel up. Each kernel still runs exactly one
notebook, so nothing of one notebook reaches the next. A kernel is shut down in the
background: the request goes out when its notebook ends, the wait comes later.
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import Any

from cruddur_lab.notebook.files import KERNEL_ARGUMENTS, KERNEL_NAME

#: What nearly every notebook imports first (the others import them lazily, on first use).
WARM_IMPORTS = ("boto3", "psycopg", "cruddur_lab.engine.lab", "cruddur_lab.scripts.reads")
#: One statement that binds nothing in the learner's namespace.
_WARM_LINE = f"import importlib as _w; [_w.import_module(m) for m in {WARM_IMPORTS!r}]; del _w"


@functools.cache
def _kernel_manager_class() -> type:
    from jupyter_client.manager import AsyncKernelManager

    class _WarmKernelManager(AsyncKernelManager):
        """A kernel manager that remembers its clients, to close them with the kernel
        (nbclient leaves a client open when the kernel manager is not its own)."""

        def client(self, **kwargs: Any) -> Any:
            client = super().client(**kwargs)
            self.__dict__.setdefault("_warm_clients", []).append(client)
            return client

        def close_clients(self) -> None:
            for client in self.__dict__.pop("_warm_clients", []):
                with contextlib.suppress(Exception):
                    client.stop_channels()

    return _WarmKernelManager


class WarmKernels:
    """One kernel started ahead of the notebook that will use it (papermill's ``km``)."""

    def __init__(self, *, warm_imports: bool = True) -> None:
        self.arguments = [*KERNEL_ARGUMENTS]
        if warm_imports:
            self.arguments.append(f"--IPKernelApp.exec_lines={_WARM_LINE}")
        self._next: tuple[Path, Any] | None = None
        self._ending: list[Any] = []

    def _start(self, cwd: Path) -> Any:
        from jupyter_core.utils import run_sync

        km = _kernel_manager_class()(kernel_name=KERNEL_NAME)
        # Launching returns once the process exists; it boots while the caller works.
        run_sync(km.start_kernel)(extra_arguments=self.arguments, cwd=str(cwd))
        return km

    def take(self, cwd: Path, *, more: bool) -> Any:
        """A kernel for a notebook run in ``cwd``; with ``more``, start the next one now."""
        ready, self._next = self._next, None
        if ready is not None and ready[0] != cwd:
            self._end(ready[1])
            ready = None
        km = ready[1] if ready is not None else self._start(cwd)
        if more:
            self._next = (cwd, self._start(cwd))
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

    def __enter__(self) -> WarmKernels:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
