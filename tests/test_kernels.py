"""What a warm kernel imports ahead of its notebook, and which notebook a --jobs run starts
first: both read from the notebooks themselves (no kernel is started here)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from cruddur_lab.notebook.kernels import WARM_IMPORTS, warm_imports
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
