"""An export's outline (``notebook.export_display``): what the file holds in a few lines,
the whole file folded away in HTML."""

from __future__ import annotations

from cruddur_lab import model
from cruddur_lab.modeling import exports
from cruddur_lab.notebook.export_display import ExportOutline


def test_the_cloudformation_outline_names_the_keys_the_index_and_the_stream():
    text = exports.export("cloudformation")
    outline = repr(ExportOutline("cloudformation", text))
    spec = model.create_table_spec()
    assert len(outline.splitlines()) < len(text.splitlines()) / 10
    assert "pk (HASH, S) + sk (RANGE, S)" in outline
    assert f"index {model.GSI_NAME}: message_group_uuid (HASH, S) + sk (RANGE, S)" in outline
    assert f"stream {spec['StreamSpecification']['StreamViewType']}" in outline
    assert max(len(line) for line in outline.splitlines()) <= 120


def test_the_workbench_outline_counts_the_facets_and_the_sample_items():
    text = exports.export("workbench")
    shown = ExportOutline("workbench", text)
    table = shown.document["DataModel"][0]
    lines = shown.lines()
    assert [line.split()[1].rstrip(":") for line in lines if line.startswith("  facet")] == list(
        exports.KEY_TEMPLATES
    )
    assert lines[-1] == f"  sample items (TableData): {len(table['TableData'])}"
    assert max(len(line) for line in lines) <= 120


def test_the_html_folds_the_whole_file_under_the_outline():
    text = exports.export("cloudformation")
    shown = ExportOutline("cloudformation", text)._repr_html_()
    assert shown.count("<details>") == 1
    assert '"AllowedPattern"' in shown.replace("&quot;", '"')  # only in the whole file
    assert "AllowedPattern" not in repr(ExportOutline("cloudformation", text))
