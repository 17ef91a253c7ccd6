"""The teaching notebooks as files: find them, keep them clean, regenerate their outputs.

Each notebook ``notebooks/NN_slug.ipynb`` is paired with a jupytext percent-format source
``notebooks/NN_slug.py`` (readable in review). ``refresh`` turns the source into the notebook
and executes it in a fresh kernel on a private embedded engine, so its stored outputs are
exactly what ``pytest --nbval`` will reproduce. ``problems`` lists what would make stored
outputs unstable or noisy; the clean check and ``cruddur-lab notebooks check`` use it.

jupytext, nbformat and nbclient are imported inside the functions that need them.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from cruddur_lab.errors import InvalidArgument

NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
SOURCE_PATTERN = "[0-9][0-9]_*.py"
KERNEL_NAME = "python3"
#: Kernel start-up notices (e.g. "running over TCP without encryption") are not for learners.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME}
#: Headings every notebook has (markdown, any level).
REQUIRED_HEADINGS = ("Aim", "Theory", "Practice", "Check", "Exercises")
#: Variables that would point a kernel at another engine than its own private one.
ENGINE_VARIABLES = (
    "CRUDDUR_ENGINE",
    "CRUDDUR_NOW",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "CONNECTION_URL",
    "DDB_MESSAGE_TABLE",
    "AWS_COGNITO_USER_POOL_ID",
    "AWS_PROFILE",
    "CRUDDUR_LAB_SESSION",
    "CRUDDUR_LAB_UP",
)
#: Cell metadata worth keeping; everything else (execution timing, papermill) goes.
_CELL_METADATA_KEPT = ("tags",)

# Text that must never be stored in an output: it changes from run to run or is noise.
_UNSTABLE_OUTPUT = {
    "a memory address": re.compile(r"\b0x[0-9a-fA-F]{6,}\b"),
    "a request id": re.compile(r"RequestId|x-amzn-requestid|x-amz-id-2", re.IGNORECASE),
    "a loopback port": re.compile(r"(127\.0\.0\.1|localhost):\d+"),
    "a traceback": re.compile(r"Traceback \(most recent call last\)"),
    "a warning": re.compile(r"\b\w*Warning\b: "),
    "a temporary path": re.compile(r"/tmp/|cruddur-lab-pg-"),
}


def skip_iri_grammars() -> None:
    """Call before nbformat or papermill is first imported.

    jsonschema (which nbformat imports) builds some forty lark grammars at import when the
    optional rfc3987-syntax is installed (JupyterLab's jupyter-events brings it): a second of
    every run's start-up, for IRI format checks that no notebook schema uses. Blocking that
    one import makes jsonschema leave those checks out, as it does when it is missing.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def notebooks_dir(start: Path | None = None) -> Path:
    """``notebooks/`` under the current directory, else next to the installed package."""
    here = (start or Path.cwd()) / "notebooks"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "notebooks"


def discover(selection: Sequence[str] = (), folder: Path | None = None) -> list[Path]:
    """The notebooks to run: all numbered ones, or those named (path, stem or number prefix)."""
    folder = folder or notebooks_dir()
    every = sorted(
        {
            *folder.glob(NOTEBOOK_PATTERN),
            *(p.with_suffix(".ipynb") for p in folder.glob(SOURCE_PATTERN)),
        }
    )
    if not selection:
        if not every:
            raise InvalidArgument(f"no notebooks found in {folder}: run from the project folder")
        return every
    chosen: list[Path] = []
    for name in selection:
        path = Path(name)
        if path.suffix == ".ipynb" and path.is_file():
            found = [path]
        else:
            stem = path.name.removesuffix(".ipynb")
            found = [p for p in every if p.stem == stem or p.stem.startswith(f"{stem}_")]
        if len(found) != 1:
            known = ", ".join(p.stem for p in every) or "none"
            what = "matches several" if found else "matches no"
            raise InvalidArgument(f"{name!r} {what} notebook: choose one of {known}")
        chosen.append(found[0])
    return chosen


@contextlib.contextmanager
def kernel_environment(
    set_vars: Mapping[str, str] | None = None, remove: Sequence[str] = ()
) -> Iterator[None]:
    """Change the environment kernels inherit, for the duration of a run; restore it after.

    Kernels are child processes: their environment is the only way to hand them endpoints.
    """
    saved = {name: os.environ.get(name) for name in (*remove, *(set_vars or {}))}
    try:
        for name in remove:
            os.environ.pop(name, None)
        os.environ.update(set_vars or {})
        # The debugger's frozen-modules notice would land on the runner's stderr.
        os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- cleaning ---------------------------------------------------------------------------


def clean(nb: Any) -> Any:
    """Keep what a learner and nbval need; drop timing, papermill and environment metadata."""
    nb.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
    }
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:02d}"
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in _CELL_METADATA_KEPT}
        if cell.cell_type == "code":
            cell.outputs = _coalesce_streams(cell.get("outputs", []))
            for output in cell.outputs:
                if "metadata" in output:
                    output.metadata = {}
    return nb


def _coalesce_streams(outputs: list[Any]) -> list[Any]:
    """Join consecutive prints to one stream: how the kernel chunked them depends on timing."""
    joined: list[Any] = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and output.get("output_type") == "stream"
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = _text(previous["text"]) + _text(output["text"])
        else:
            joined.append(output)
    return joined


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def problems(nb: Any) -> list[str]:
    """What makes a stored notebook unstable, noisy or incomplete (empty: clean)."""
    found: list[str] = []
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != KERNEL_NAME:
        found.append(f"kernelspec is {kernel!r}, expected {KERNEL_NAME!r}")
    extra = sorted(set(nb.metadata) - {"kernelspec", "language_info"})
    if extra:
        found.append(f"notebook metadata holds {', '.join(extra)}")
    if not any("parameters" in c.metadata.get("tags", []) for c in nb.cells):
        found.append("no cell is tagged 'parameters'")
    headings = _headings(nb)
    found += [f"no '{h}' heading" for h in REQUIRED_HEADINGS if h not in headings]
    for number, cell in enumerate(nb.cells, start=1):
        extra_meta = sorted(set(cell.metadata) - set(_CELL_METADATA_KEPT))
        if extra_meta:
            found.append(f"cell {number}: metadata holds {', '.join(extra_meta)}")
        if cell.cell_type != "code":
            continue
        if cell.source.strip() and cell.get("execution_count") is None:
            found.append(f"cell {number}: never executed (no stored output to compare)")
        for output in cell.get("outputs", []):
            found += [f"cell {number}: {issue}" for issue in _output_problems(output)]
    return found


def _headings(nb: Any) -> set[str]:
    titles = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    titles.add(line.lstrip("#").strip())
    return titles


def _output_problems(output: Mapping[str, Any]) -> list[str]:
    kind = output.get("output_type")
    if kind == "error":
        return [f"an error output ({output.get('ename')})"]
    if kind == "stream" and output.get("name") == "stderr":
        return ["a stderr stream"]
    text = _output_text(output)
    return [
        f"{what} in an output" for what, pattern in _UNSTABLE_OUTPUT.items() if pattern.search(text)
    ]


def _output_text(output: Mapping[str, Any]) -> str:
    if output.get("output_type") == "stream":
        text = output.get("text", "")
        return "".join(text) if isinstance(text, list) else text
    parts = []
    for value in output.get("data", {}).values():
        parts.append("".join(value) if isinstance(value, list) else str(value))
    return "\n".join(parts)


# --- pairing and refreshing ---------------------------------------------------------------


def source_of(notebook: Path) -> Path:
    """The jupytext percent-format source paired with ``notebook``."""
    return notebook.with_suffix(".py")


def read_source(source: Path) -> Any:
    """The notebook a percent-format source describes (no outputs)."""
    import jupytext

    return jupytext.read(source, fmt="py:percent")


def cells_of(nb: Any) -> list[tuple[str, str, tuple[str, ...]]]:
    """Cell type, source and tags: what the pair must agree on."""
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", ()))) for c in nb.cells]


def execute(nb: Any, folder: Path, *, timeout: int = 300) -> Any:
    """Run ``nb`` in a fresh ``python3`` kernel on its own private embedded engine."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        extra_arguments=KERNEL_ARGUMENTS,
        timeout=timeout,
        resources={"metadata": {"path": str(folder)}},
    )
    # No shared services and no developer endpoints: the same conditions as nbval in CI.
    with kernel_environment(
        {"CRUDDUR_LAB_STATE": str(folder / ".no-such-up.json")}, ENGINE_VARIABLES
    ):
        client.execute()
    return nb


def write(nb: Any, path: Path) -> bool:
    """Write ``nb`` as nbformat 4 JSON; True when the file changed."""
    import nbformat

    text = nbformat.writes(nb, version=4) + "\n"
    if path.exists() and path.read_text() == text:
        return False
    path.write_text(text)
    return True


def refresh(notebooks: Sequence[Path], *, timeout: int = 300) -> list[tuple[Path, bool]]:
    """Regenerate each notebook from its source and store fresh outputs; report changes."""
    results = []
    for notebook in notebooks:
        source = source_of(notebook)
        if not source.is_file():
            raise InvalidArgument(f"{notebook.name} has no paired source {source.name}")
        nb = execute(clean(read_source(source)), notebook.parent, timeout=timeout)
        results.append((notebook, write(clean(nb), notebook)))
    return results
