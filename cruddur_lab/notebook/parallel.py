"""``cruddur-lab run --jobs N``: notebooks in N worker processes, each on its own engine.

A serial run empties its engine before each notebook, so a notebook's output depends only
on the notebook and its parameters. Each worker here starts a moto of its own (moto keeps
one state per process, hence processes rather than threads) and has a users database of its
own on the run's one PostgreSQL; it claims the next notebook, and empties its moto and its
database before every notebook but its first (a reset: far cheaper than a new engine): the
outputs are the serial run's. Notebooks are claimed longest first
(the last run's seconds, else a guess), so no worker is left with a long one at the end;
each worker starts its next kernel while a notebook runs (``WarmKernels``). The workers are
forked from a server that has done their imports once (``worker_imports``). Progress is
printed in notebook order as results arrive.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import queue
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cruddur_lab.engine.settings import Settings
from cruddur_lab.errors import CruddurLabError
from cruddur_lab.notebook import runner, schedule
from cruddur_lab.scripts.schema import require_reset_confirmation


def run(
    notebooks: Sequence[Path], settings: Settings, *, jobs: int = 1, **options: Any
) -> list[runner.NotebookRun]:
    """Run ``notebooks`` in ``jobs`` workers when the outputs stay a serial run's, else
    serially (``runner.run``), saying why; progress is printed in notebook order.

    ``options`` are ``runner.run``'s (``parameters``, ``output``, ``keep_data``,
    ``timeout``, ``out``): declared once, there, with their defaults."""
    import inspect

    # Binding to runner.run's signature refuses an unknown option and fills in its defaults.
    bound = inspect.signature(runner.run).bind(notebooks, settings, **options)
    bound.apply_defaults()
    given = bound.arguments
    parameters, output, out = given["parameters"] or {}, given["output"], given["out"]
    require_reset_confirmation(settings, parameters)
    jobs = min(jobs, len(notebooks))
    reason = _why_serial(settings, given["keep_data"]) if jobs > 1 else None
    if jobs <= 1 or reason:
        if reason:
            out(f"running one notebook at a time: {reason}")
        return runner.run(notebooks, settings, **options)
    runner.check_output_folder(output, notebooks)
    output.mkdir(parents=True, exist_ok=True)
    out(
        f"engine: embedded ({jobs} workers, each with its own moto and its own users database "
        "on one embedded PostgreSQL)"
    )
    if parameters:
        out(f"parameters: {json.dumps(dict(parameters), sort_keys=True)}")
    return run_parallel(
        notebooks, settings, parameters, output, timeout=given["timeout"], jobs=jobs, out=out
    )


def _why_serial(settings: Settings, keep_data: bool) -> str | None:
    """Why notebooks cannot run in parallel with the outputs of a serial run, or None."""
    if keep_data:
        return "--keep-data lets each notebook build on the one before"
    if settings.engine != "embedded":
        return f"on the {settings.engine} engine the notebooks share one table"
    if settings.connection_url:
        return "the notebooks share the users database of CONNECTION_URL"
    from cruddur_lab.engine import upstate

    if upstate.find(settings.up, settings.state_file):
        return "the notebooks share the running `cruddur-lab up`"
    return None


def _claim(claimed: Any, total: int) -> int | None:
    """The next unclaimed position in the run's order, or None when all are taken."""
    with claimed.get_lock():
        position = claimed.value
        if position >= total:
            return None
        claimed.value = position + 1
        return position


def _worker(
    tasks: list[tuple[int, str]],
    claimed: Any,
    results: Any,
    settings: Settings,
    parameters: dict[str, Any],
    output: str,
    timeout: int,
    template: str | None,
    database: str | None,
) -> None:
    import os

    from cruddur_lab.notebook.files import ENGINE_VARIABLES, kernel_environment
    from cruddur_lab.notebook.kernels import WarmKernels

    # The kernels inherit this stderr; under load libzmq may print an assertion there while
    # they shut down. A serial run shows none of a kernel's stderr either (papermill's goes
    # to a sink); failures come back through ``results``.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        session = {key: parameters.get(key) for key in ("table_name", "now")}
        engine = runner.SharedEngine(settings, session, database=database)
        try:
            environment = engine.prepare()
            remove = [name for name in ENGINE_VARIABLES if name not in environment]
            # The run's template, started by the parent (None where the system cannot fork).
            warm = WarmKernels(template=template)
            with kernel_environment(environment, remove), warm as kernels:
                position = _claim(claimed, len(tasks))
                if position is not None:  # its kernel boots while the engine starts
                    kernels.start_ahead(Path(tasks[position][1]))
                engine.start()
                first = True
                while position is not None:
                    index, notebook = tasks[position]
                    if not first:
                        engine.empty()
                    first = False
                    given = {**engine.session, **parameters}
                    # The kernel started now is for whichever notebook comes next.
                    upcoming = claimed.value
                    following = Path(tasks[upcoming][1]) if upcoming < len(tasks) else None
                    kernel = kernels.take(Path(notebook), following=following)
                    try:
                        result = runner.run_notebook(
                            Path(notebook), Path(output), given, timeout=timeout, kernel=kernel
                        )
                    finally:
                        kernels.release(kernel)
                    results.put((index, result))
                    position = _claim(claimed, len(tasks))
        finally:
            engine.stop()
    except BaseException as error:  # the parent must hear of it, or it would wait forever
        results.put((None, f"{type(error).__name__}: {error}"))
    # Everything this worker started has ended (kernels, engine); once its results have
    # reached the pipe, the process goes without Python's own shutdown, which took 0.6 s
    # here (every module of moto, botocore and papermill torn down) at the end of each run.
    results.close()
    results.join_thread()
    os._exit(0)


def _worker_context() -> Any:
    """How workers start: forked from multiprocessing's fork server once it has imported
    what they all need (``worker_imports``), where the system can fork; else each as a
    fresh interpreter. Either way a worker starts without threads: moto's server threads,
    started after the fork, are never copied."""
    from cruddur_lab.notebook.kernel_template import can_fork

    if not can_fork():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["cruddur_lab.notebook.worker_imports"])
    return context


def _end_fork_server() -> None:
    """End the fork server with the run, so the next run's starts afresh, in that run's
    folder and environment (it forks each worker as it was when it started).

    multiprocessing stops one only at the interpreter's exit, with no public call for it;
    ``_stop`` is the call its own tests use. Left to end on its own, it would also tear
    down every module it imported after the command had returned (0.2 s of CPU); it holds
    nothing to save, so it is ended by SIGTERM first."""
    import os
    import signal
    from multiprocessing import forkserver

    server = forkserver._forkserver
    pid = getattr(server, "_forkserver_pid", None)
    stop = getattr(server, "_stop", None)
    if pid is None or stop is None:
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGTERM)
    stop()


def run_parallel(
    notebooks: Sequence[Path],
    settings: Settings,
    parameters: Mapping[str, Any],
    output: Path,
    *,
    timeout: int,
    jobs: int,
    out: Callable[[str], None],
) -> list[Any]:
    from cruddur_lab.notebook.kernel_template import KernelTemplate, can_fork
    from cruddur_lab.notebook.kernels import template_imports

    context = _worker_context()
    tasks = [(index, str(notebooks[index])) for index in schedule.longest_first(notebooks, output)]
    claimed, results = context.Value("i", 0), context.Queue()
    # One template for every worker's kernels: its imports are done once for the run.
    template = KernelTemplate.start(template_imports(notebooks), quiet=True) if can_fork() else None
    address = template.address if template is not None else None
    workers: list[Any] = []
    postgres: tuple[Any, str] | None = None
    done: dict[int, Any] = {}
    printed = 0
    try:
        if context.get_start_method() == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()  # it imports while the users' databases are made
        # One PostgreSQL for the run, a users database per worker: a server per worker
        # copied and removed a 39 MB data folder each, on the cores the imports run on.
        # (With a Postgres of the user's own, ``run`` goes one notebook at a time.)
        from cruddur_lab.engine import embedded
        from cruddur_lab.engine import postgres as postgres_server

        postgres = embedded.start_postgres()
        databases = [
            postgres_server.create_database(postgres[0], f"cruddur_{n}") for n in range(jobs)
        ]
        workers = [
            context.Process(
                target=_worker,
                args=(
                    tasks,
                    claimed,
                    results,
                    settings,
                    dict(parameters),
                    str(output),
                    timeout,
                    address,
                    database,
                ),
                daemon=True,
            )
            for database in databases
        ]
        for worker in workers:
            worker.start()
        while len(done) < len(notebooks):
            try:
                index, result = results.get(timeout=1)
            except queue.Empty:
                if not any(worker.is_alive() for worker in workers):
                    raise CruddurLabError(
                        "every notebook worker ended before the run finished: run again "
                        "with --jobs 1 to see the cause"
                    ) from None
                continue
            if index is None:
                raise CruddurLabError(
                    f"a notebook worker failed ({result}): run again with --jobs 1"
                )
            done[index] = result
            while printed in done:
                out(runner.progress_line(printed + 1, len(notebooks), done[printed]))
                printed += 1
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
        if template is not None:
            template.close()
        if postgres is not None:
            from cruddur_lab.engine import embedded

            embedded.stop_postgres(*postgres)
        if context.get_start_method() == "forkserver":
            _end_fork_server()
    finished = [done[index] for index in range(len(notebooks))]
    schedule.save_seconds(output, finished)
    return finished
