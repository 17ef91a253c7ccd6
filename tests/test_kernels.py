"""What a warm kernel imports ahead of its notebook and which notebook a --jobs run starts
first (both read from the notebooks themselves), and the kernels forked from the template."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import nbformat
import pytest

from cruddur_lab.notebook.kernel_template import KernelTemplate, can_fork
from cruddur_lab.notebook.kernels import (
    WARM_IMPORTS,
    WarmKernels,
    template_imports,
    warm_imports,
)
from cruddur_lab.notebook.runner import NotebookRun
from cruddur_lab.notebook.schedule import longest_first, save_seconds

ROOT = Path(__file__).resolve().parent.parent


def notebook(folder: Path, name: str, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nb.cells.append(nbformat.v4.new_markdown_cell("import pandas  # prose, not code"))
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_kernel_imports_ahead_what_its_notebook_imports_and_what_those_load_lazily(
    tmp_path,
):
    figure = notebook(
        tmp_path,
        "figure",
        "from cruddur_lab.modeling.figure import collections_figure\nfrom cruddur_lab import Lab",
        "%matplotlib inline",  # not Python: skipped, not an error
    )
    frame = notebook(
        tmp_path, "frame", "from cruddur_lab.scripts.reads import scan\nscan(lab).to_frame()"
    )
    plain = notebook(tmp_path, "plain", "import json\nprint(json.dumps(1))")

    assert warm_imports(figure)[: len(WARM_IMPORTS)] == WARM_IMPORTS
    assert {"cruddur_lab.modeling.figure", "matplotlib.figure"} <= set(warm_imports(figure))
    assert "cruddur_lab.Lab" not in warm_imports(figure)  # a name, not a module
    assert "pandas" in warm_imports(frame) and "matplotlib.figure" not in warm_imports(frame)
    assert warm_imports(plain) == WARM_IMPORTS  # json is cheap and not the package's
    assert warm_imports(None) == WARM_IMPORTS


def test_the_walkthrough_notebooks_get_their_heavy_libraries_ahead():
    folder = ROOT / "notebooks"
    with_pandas = {p.name[:2] for p in folder.glob("*.ipynb") if "pandas" in warm_imports(p)}
    with_figure = {
        p.name[:2] for p in folder.glob("*.ipynb") if "matplotlib.figure" in warm_imports(p)
    }
    assert with_pandas == {"03", "11"} and with_figure == {"12"}


def test_a_parallel_run_starts_the_notebook_that_took_longest_last_time(tmp_path):
    names = ["a", "b", "c"]
    paths = [notebook(tmp_path, name, "pass") for name in names]
    # A first run guesses from the stored size: the biggest notebook first.
    (tmp_path / "c.ipynb").write_text((tmp_path / "c.ipynb").read_text() + " " * 50_000)
    assert longest_first(paths, tmp_path)[0] == 2

    runs = [
        NotebookRun(n, True, s, tmp_path / n) for n, s in zip(names, (0.5, 4.0, 1.0), strict=True)
    ]
    save_seconds(tmp_path, runs)
    assert [names[i] for i in longest_first(paths, tmp_path)] == ["b", "c", "a"]
    # A failed notebook's seconds are not a measure of its length: the last good one stays.
    save_seconds(tmp_path, [NotebookRun("b", False, 0.1, tmp_path / "b")])
    assert json.loads((tmp_path / ".seconds.json").read_text())["b"] == 4.0


# --- kernels forked from the template (real kernels, no notebook run) ------------------------

_FORK_PROBE = (
    "import os, signal, sys\n"
    "assert signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN  # as Python starts a process\n"
    "assert signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL\n"
    "print(os.getcwd(), os.environ.get('CRUDDUR_PROBE'), os.getppid(), 'pandas' in sys.modules,"
    " sorted(n for n in globals() if not n.startswith('_')))"
)


def _execute(km, code: str) -> str:
    client = km.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        printed: list[str] = []
        reply = client.execute_interactive(
            code,
            timeout=60,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        return "".join(printed)
    finally:
        client.stop_channels()


@pytest.mark.skipif(not can_fork(), reason="kernels are forked only where os.fork exists")
def test_a_forked_kernel_runs_in_its_folder_and_environment_with_its_imports_done(tmp_path):
    import psutil

    from cruddur_lab.notebook.files import kernel_environment

    folder = tmp_path / "notebooks"
    folder.mkdir()
    frame = notebook(folder, "frame", "from cruddur_lab.scripts.reads import scan\nx.to_frame()")
    with kernel_environment({"CRUDDUR_PROBE": "given"}), WarmKernels([frame]) as kernels:
        template = kernels._template._process.pid
        first = kernels.take(frame, following=frame)
        second = kernels.take(frame, following=None)
        try:
            printed = _execute(first, "seen = 'first'\n" + _FORK_PROBE)
            # The second kernel is another child of the template: the first's name is not there.
            again = _execute(second, _FORK_PROBE)
        finally:
            kernels.release(first)
            kernels.release(second)
        pids = [first.provisioner.process.pid, second.provisioner.process.pid]
    cwd, probe, parent, pandas_loaded, names = printed.split(" ", 4)
    assert (Path(cwd), probe, int(parent), pandas_loaded) == (folder, "given", template, "True")
    assert "'seen'" in names and "'seen'" not in again.split(" ", 4)[4]
    assert pids[0] != pids[1]
    # Closing waited for both kernels and ended the template.
    assert not any(psutil.pid_exists(pid) for pid in [*pids, template])


@pytest.mark.skipif(not can_fork(), reason="kernels are forked only where os.fork exists")
def test_a_forked_kernel_that_is_killed_is_seen_to_end(tmp_path):
    from jupyter_core.utils import run_sync

    plain = notebook(tmp_path, "plain", "pass")
    with WarmKernels([plain]) as kernels:
        km = kernels.take(plain, following=None)
        assert run_sync(km.is_alive)()
        pid = km.provisioner.process.pid
        # now=True kills (SIGKILL by pid), then waits until the pid is gone: the template
        # reaped its child.
        run_sync(km.shutdown_kernel)(now=True)
        assert not run_sync(km.is_alive)()
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        kernels.release(km)


@pytest.mark.skipif(not can_fork(), reason="kernels are forked only where os.fork exists")
def test_workers_share_the_template_their_parent_started(tmp_path):
    """A --jobs run starts one template; each worker connects to it by its address."""
    import psutil

    plain = notebook(tmp_path, "plain", "pass")
    owner = KernelTemplate.start(template_imports([plain]))
    # Whoever can open its socket can ask for a kernel: only this user may.
    assert Path(owner.address).parent.stat().st_mode & 0o777 == 0o700
    try:
        parents = []
        for _ in range(2):  # two workers, one after the other
            with WarmKernels([plain], template=owner.address) as kernels:
                km = kernels.take(plain, following=None)
                try:
                    parents.append(psutil.Process(km.provisioner.process.pid).ppid())
                finally:
                    kernels.release(km)
            assert owner.serves([sys.executable, "-m", "ipykernel_launcher"])  # still there
        assert parents == [owner._process.pid] * 2
    finally:
        owner.close()
    assert not psutil.pid_exists(owner._process.pid)
    assert not Path(owner.address).parent.exists()  # its private folder is gone


def test_the_template_serves_ipykernel_on_this_interpreter_only():
    template = KernelTemplate.start(())
    try:
        assert template.serves([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"])
        assert not template.serves(["/opt/other/python", "-m", "ipykernel_launcher"])
        assert not template.serves([sys.executable, "-m", "other_kernel"])
    finally:
        template.close()
    assert not template.serves([sys.executable, "-m", "ipykernel_launcher"])  # it has ended


def test_a_kernel_is_ready_once_it_answered_and_its_answer_is_all_read(tmp_path):
    """The runner's client stops waiting at the kernel's idle for its last kernel_info
    request (not after 0.2 s of silence); by then everything the kernel sent is read."""
    from queue import Empty

    from jupyter_core.utils import run_sync

    plain = notebook(tmp_path, "plain", "pass")
    with WarmKernels([plain]) as kernels:
        km = kernels.take(plain, following=None)
        client = km.client()
        client.start_channels()
        try:
            run_sync(client.wait_for_ready)(timeout=60)
            with pytest.raises(Empty):  # nothing of the readiness exchange is left to read
                run_sync(client.iopub_channel.get_msg)(timeout=0.5)
            request = client.execute("print(6 * 7)")
            parents, printed = set(), []
            while True:
                message = run_sync(client.iopub_channel.get_msg)(timeout=30)
                parents.add(message["parent_header"].get("msg_id"))
                printed.append(message["content"].get("text", ""))
                if message["content"].get("execution_state") == "idle":
                    break
            assert parents == {request} and "".join(printed) == "42\n"
        finally:
            client.stop_channels()
            kernels.release(km)


def test_a_kernel_slower_than_a_second_to_answer_is_still_found_ready():
    """A kernel that answers its first kernel_info only after the client asked again (a
    slow start under load) replies to the first request first: that answer counts. Taking
    only the latest request's answer left the client one reply behind until its timeout."""
    from jupyter_core.utils import run_sync

    from cruddur_lab.notebook.files import KERNEL_ARGUMENTS, KERNEL_NAME
    from cruddur_lab.notebook.kernels import _kernel_manager_class

    km = _kernel_manager_class()(kernel_name=KERNEL_NAME)
    slow_start = "--IPKernelApp.exec_lines=import time; time.sleep(2.5)"  # before any answer
    run_sync(km.start_kernel)(extra_arguments=[*KERNEL_ARGUMENTS, slow_start])
    client = km.client()
    client.start_channels()
    try:
        started = time.monotonic()
        run_sync(client.wait_for_ready)(timeout=30)
        assert time.monotonic() - started < 15
        request = client.execute("1 + 1")
        while (reply := run_sync(client.shell_channel.get_msg)(timeout=30))["parent_header"][
            "msg_id"
        ] != request:
            assert reply["msg_type"] == "kernel_info_reply"  # the second request's answer
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        run_sync(km.shutdown_kernel)(now=True)


@pytest.mark.skipif(not can_fork(), reason="kernels are forked only where os.fork exists")
def test_kernels_end_when_their_template_dies(tmp_path):
    """A runner killed outright takes its template with it; the kernels it forked must not
    live on (ipykernel watches its parent, once told which one it is)."""
    import psutil

    plain = notebook(tmp_path, "plain", "pass")
    owner = KernelTemplate.start(template_imports([plain]))
    kernels = WarmKernels([plain], template=owner.address)
    km = kernels.take(plain, following=None)
    pid = km.provisioner.process.pid
    try:
        owner._process.kill()
        owner._process.wait()
        kernel = psutil.Process(pid)
        kernel.wait(timeout=20)  # raises TimeoutExpired if it lives on
    finally:
        if psutil.pid_exists(pid):
            psutil.Process(pid).kill()
        kernels.release(km)
        kernels.close()
        owner.close()


@pytest.mark.skipif(not can_fork(), reason="kernels are forked only where os.fork exists")
def test_closing_the_template_does_not_wait_for_its_imports_to_be_torn_down():
    """The template ends as soon as its owner closes it: Python's own shutdown of what it
    imported (pandas, matplotlib, boto3 for the walkthrough) took 0.3 s at the end of every
    run, and the template has nothing to save."""
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    template = KernelTemplate.start(template_imports(notebooks), quiet=True)
    # Asking for a kernel waits until the imports are done (this one prints its version and
    # ends).
    template.fork([sys.executable, "-m", "ipykernel_launcher", "--version"], {}, str(ROOT))
    template._read_pids(until=template._pending[-1])
    started = time.perf_counter()
    template.close()
    took = time.perf_counter() - started
    assert template._process.returncode == 0
    assert took < 0.15, f"closing took {took:.2f} s"
