"""``cruddur-lab run``: every notebook (or a selection) headless with papermill, on one engine.

The runner starts the embedded services once (or uses the configured endpoint or AWS) and
hands them to each notebook's kernel through the kernel's environment. Kernels are
subprocesses that reach moto and Postgres over loopback. On the runner's own embedded
engine the data is emptied before each notebook, so each executed copy shows what the
stored notebook shows; ``keep_data`` lets the notebooks build on each other instead (that is
always the case on an endpoint or AWS, where nothing is ever deleted by the runner).

Executed copies go to an output folder, never over the sources. A failure is reported with
the failing cell; the run goes on with the next notebook.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cruddur_lab.engine import settings as settings_module
from cruddur_lab.engine.settings import Settings
from cruddur_lab.errors import InvalidArgument
from cruddur_lab.notebook import schedule
from cruddur_lab.notebook.files import (
    ENGINE_VARIABLES,
    KERNEL_ARGUMENTS,
    KERNEL_NAME,
    kernel_environment,
    skip_iri_grammars,
)
from cruddur_lab.notebook.kernels import WarmKernels


@dataclass
class NotebookRun:
    """The outcome of one notebook."""

    name: str
    ok: bool
    seconds: float
    output: Path
    #: ``In [n] `first line`: Error: message`` when the notebook failed.
    failure: str | None = None

    @property
    def status(self) -> str:
        return "ok" if self.ok else "FAILED"


def parse_value(text: str) -> Any:
    """A ``-p`` value as papermill's CLI reads it: None, bool, int, float, else the string."""
    special = {"None": None, "True": True, "False": False}
    if text in special:
        return special[text]
    for kind in (int, float):
        with contextlib.suppress(ValueError):
            return kind(text)
    return text


def parameters_from(pairs: Sequence[Sequence[str]] | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in pairs or ():
        if not name.isidentifier():
            raise InvalidArgument(f"parameter name {name!r} is not a Python identifier")
        values[name] = parse_value(value)
    return values


def check_output_folder(output: Path, notebooks: Sequence[Path]) -> None:
    """Executed copies must never land on top of a source notebook."""
    target = output.resolve()
    for notebook in notebooks:
        if notebook.resolve().parent == target:
            raise InvalidArgument(
                f"--output {output} is where {notebook.name} lives: choose another folder "
                "(executed copies never overwrite the sources)"
            )


# --- the shared engine --------------------------------------------------------------------


class SharedEngine:
    """The services every kernel of a run uses, and the environment that leads kernels there.

    ``session`` holds the table and clock chosen on the command line (``--table``,
    ``--now``); on a running ``up`` its recorded ones fill the gaps. Kernels get them in
    ``CRUDDUR_LAB_SESSION``, where they replace the notebooks' parameters.

    ``database`` is a users database the run created for this engine on a server of its
    own (a ``--jobs`` run's workers share one server): used, and emptied, instead of an
    embedded PostgreSQL.
    """

    def __init__(
        self,
        settings: Settings,
        session: Mapping[str, Any] | None = None,
        *,
        database: str | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.session = {k: v for k, v in (session or {}).items() if isinstance(v, str) and v}
        self.services: Any = None
        self.attached: Any = None
        self.environment: dict[str, str] = {}
        self._state_dir: str | None = None
        self._prepared = False

    def prepare(self) -> dict[str, str]:
        """The environment that leads kernels here, before anything is started: a kernel
        may boot meanwhile (it reads the state file only when its notebook opens a Lab)."""
        if not self._prepared:
            self._prepare()
            self._prepared = True
        return self.environment

    def start(self) -> SharedEngine:
        try:
            self.prepare()
            self._start()
        except BaseException:
            # Started services must not outlive a failure to publish them (a state file
            # that cannot be written, Ctrl-C): nothing else would ever stop them.
            self.stop()
            raise
        return self

    def _prepare(self) -> None:
        from cruddur_lab.engine import upstate

        settings = self.settings
        if settings.engine == "embedded":
            self.attached = upstate.find(settings.up, settings.state_file)
        if settings.engine == "embedded" and self.attached is None:
            self._state_dir = tempfile.mkdtemp(prefix="cruddur-lab-run-")
            self.environment["CRUDDUR_LAB_STATE"] = str(Path(self._state_dir) / "up.json")
        elif self.attached is not None:
            self.environment["CRUDDUR_LAB_STATE"] = str(self.attached.path)
            for key in ("table_name", "now"):
                if key not in self.session and self.attached.state.get(key):
                    self.session[key] = self.attached.state[key]
        else:
            self.environment["CRUDDUR_ENGINE"] = settings.engine
            for name, value in (
                ("AWS_ENDPOINT_URL", settings.endpoint_url),
                ("CONNECTION_URL", settings.connection_url),
                ("AWS_REGION", settings.region),
                ("AWS_PROFILE", settings.profile),
                ("AWS_COGNITO_USER_POOL_ID", settings.user_pool_id),
            ):
                if value:
                    self.environment[name] = value
        if settings.connection_url:
            self.environment["CONNECTION_URL"] = settings.connection_url
        # Every engine has a region (moto keeps data per region): kernels use the run's.
        self.environment["AWS_REGION"] = settings.region
        if self.session:
            self.environment[settings_module.SESSION_ENV] = json.dumps(self.session)

    def _start(self) -> None:
        """Start this run's own services and publish them where ``prepare`` said."""
        if self._state_dir is None or self.services is not None:
            return
        from cruddur_lab.engine import upstate
        from cruddur_lab.engine.embedded import EmbeddedServices

        settings = self.settings
        self.services = EmbeddedServices(
            postgres=not (settings.connection_url or self.database), region=settings.region
        ).start()
        # The same record `cruddur-lab up` writes: kernels attach to it as "embedded".
        upstate.write_state(
            self.environment["CRUDDUR_LAB_STATE"],
            {
                "name": "run",
                "pid": os.getpid(),
                "endpoint_url": self.services.endpoint_url,
                "connection_url": (
                    self.database or settings.connection_url or self.services.connection_url
                ),
                "table_name": settings.table_name,
                "region": settings.region,
            },
        )

    @property
    def owned(self) -> bool:
        """True when this run started the services (its data may be emptied)."""
        return self.services is not None

    def describe(self) -> str:
        if self.owned:
            return "embedded (started for this run: moto + embedded PostgreSQL)"
        if self.attached is not None:
            return f"embedded (the running {self.attached.describe()})"
        if self.settings.engine == "endpoint":
            return f"endpoint ({self.settings.endpoint_url})"
        return f"aws ({self.settings.region})"

    def empty(self) -> None:
        """Forget every table, stream and user pool, and the users database if it is ours
        (the embedded one, or the ``database`` of a ``--jobs`` worker; never CONNECTION_URL's,
        which the services do not know)."""
        self.services.reset(self.database)

    def stop(self) -> None:
        if self.services is not None:
            self.services.stop()
            self.services = None
        if self._state_dir:
            import shutil

            shutil.rmtree(self._state_dir, ignore_errors=True)
            self._state_dir = None

    def __enter__(self) -> SharedEngine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- running ------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_papermill() -> Iterator[None]:
    """papermill and nbclient log every step; the runner prints its own progress instead."""
    loggers = [logging.getLogger(name) for name in ("papermill", "nbclient", "traitlets")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def describe_failure(error: Exception) -> str:
    """One line naming the failing cell: ``In [4] `1 / 0`: ZeroDivisionError: ...``."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(error, PapermillExecutionError):
        first = _failing_line(error.traceback) or next(
            (line for line in error.source.splitlines() if line.strip()), ""
        )
        message = (error.evalue or "").strip().splitlines()
        return (
            f"In [{error.exec_count}] `{first.strip()[:60]}`: {error.ename}: "
            f"{message[0] if message else ''}".rstrip(": ")
        )
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[-1] if text else ''}".rstrip(": ")


def _failing_line(traceback: list[str]) -> str | None:
    """The source line IPython marks with ``---->`` in the cell's own frame, if any."""
    import re

    for frame in traceback:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", frame)
        if not plain.startswith("Cell In["):
            continue
        for line in plain.splitlines():
            if line.lstrip().startswith("---->"):
                return line.split("---->", 1)[1].strip().split(" ", 1)[-1].strip()
    return None


def run_notebook(
    notebook: Path,
    output: Path,
    parameters: Mapping[str, Any],
    *,
    timeout: int,
    kernel: Any = None,
) -> NotebookRun:
    """Execute one notebook with papermill; ``kernel`` is a started kernel manager to run it
    on (``WarmKernels.take``), else papermill starts one."""
    skip_iri_grammars()
    import papermill

    target = output / notebook.name
    started = time.perf_counter()
    failure = None
    try:
        with _quiet_papermill(), open(os.devnull, "w") as sink:
            papermill.execute_notebook(
                str(notebook),
                str(target),
                parameters=dict(parameters),
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                log_output=False,
                stderr_file=sink,
                cwd=str(notebook.parent),
                execution_timeout=timeout,
                extra_arguments=KERNEL_ARGUMENTS,
                km=kernel,
                # Written once at the end (a failed cell included), not before and after
                # every cell: the runner prints its own progress.
                request_save_on_cell_execute=False,
            )
    except Exception as error:  # a failed notebook is a result, not a crash of the run
        failure = describe_failure(error)
    return NotebookRun(
        name=notebook.stem,
        ok=failure is None,
        seconds=time.perf_counter() - started,
        output=target,
        failure=failure,
    )


def run(
    notebooks: Sequence[Path],
    settings: Settings,
    *,
    parameters: Mapping[str, Any] | None = None,
    output: Path = Path("output"),
    keep_data: bool = False,
    timeout: int = 300,
    out: Callable[[str], None] = print,
) -> list[NotebookRun]:
    """Run ``notebooks`` in order on one shared engine; print progress; return the outcomes.

    The ``table_name`` and ``now`` parameters also go to the kernels' session, so a notebook
    that opens a second Lab uses them too; on a running ``up`` its own fill the gaps.

    ``cruddur_lab.notebook.parallel.run`` runs them in several workers instead when it can.
    """
    check_output_folder(output, notebooks)
    output.mkdir(parents=True, exist_ok=True)
    results: list[NotebookRun] = []
    session = {key: (parameters or {}).get(key) for key in ("table_name", "now")}
    engine = SharedEngine(settings, session)
    try:
        environment = engine.prepare()
        remove = [name for name in ENGINE_VARIABLES if name not in environment]
        with kernel_environment(environment, remove), WarmKernels(notebooks) as kernels:
            kernels.start_ahead(notebooks[0])  # boots while the engine starts
            engine.start()
            out(f"engine: {engine.describe()}")
            if parameters:
                out(f"parameters: {json.dumps(dict(parameters), sort_keys=True)}")
            for number, notebook in enumerate(notebooks, start=1):
                if engine.owned and not keep_data and number > 1:
                    engine.empty()
                given = {**engine.session, **(parameters or {})}
                following = notebooks[number] if number < len(notebooks) else None
                kernel = kernels.take(notebook, following=following)
                try:
                    result = run_notebook(notebook, output, given, timeout=timeout, kernel=kernel)
                finally:
                    kernels.release(kernel)
                out(progress_line(number, len(notebooks), result))
                results.append(result)
    finally:
        engine.stop()
    schedule.save_seconds(output, results)
    return results


def progress_line(number: int, total: int, result: NotebookRun) -> str:
    line = f"[{number}/{total}] {result.name}: {result.status} ({result.seconds:.1f} s)"
    return line if result.ok else f"{line}: {result.failure}"


def summary(results: Sequence[NotebookRun], output: Path) -> str:
    from cruddur_lab.notebook.display import format_table

    rows = [
        {"notebook": r.name, "status": r.status, "seconds": f"{r.seconds:.1f}"} for r in results
    ]
    failed = [r for r in results if not r.ok]
    total = sum(r.seconds for r in results)
    lines = [format_table(rows, ("notebook", "status", "seconds"))]
    lines.append(
        f"{len(results)} notebooks: {len(results) - len(failed)} ok, {len(failed)} failed, "
        f"{total:.1f} s; executed copies in {output}/"
    )
    lines += [f"{r.name} failed at {r.failure} (see {r.output})" for r in failed]
    return "\n".join(lines)
