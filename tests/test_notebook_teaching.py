"""What every lesson promises a learner, checked on the stored notebooks.

Outputs a person can read (no line wider than 120 characters, item tables as HTML with a
plain-text twin), the AWS pages the theory relies on, a prediction before a key cell, a
summary at the end, and no test-harness vocabulary in the lessons themselves.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from cruddur_lab.notebook.files import discover

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = discover(folder=ROOT / "notebooks")
#: Notebooks whose lesson shows no DynamoDB items (the schema; Cognito → Postgres).
WITHOUT_ITEMS = {"01_schema_load", "05_cognito_user_ids"}
#: Words about how notebooks are tested, which belong in tests and docs, not in a lesson.
HARNESS_WORDS = ("nbval", "stored output", "processor running elsewhere", "byte-stable")
MAX_LINE = 120


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _texts(output) -> list[str]:
    if output.output_type == "stream":
        return [output.text]
    data = output.get("data", {})
    return [data[kind] for kind in ("text/plain",) if kind in data]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_stored_output_line_is_wider_than_120_characters(path):
    wide = [
        line
        for cell in _read(path).cells
        for output in cell.get("outputs", [])
        for text in _texts(output)
        for line in text.splitlines()
        if len(line) > MAX_LINE
    ]
    assert wide == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lessons_never_talk_about_the_test_harness(path):
    found = [
        word for cell in _read(path).cells for word in HARNESS_WORDS if word in cell.source.lower()
    ]
    assert found == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_lesson_links_aws_docs_asks_for_a_prediction_and_ends_with_a_summary(path):
    markdown = "\n".join(c.source for c in _read(path).cells if c.cell_type == "markdown")
    assert "](https://docs.aws.amazon.com/" in markdown
    assert "**Predict" in markdown  # "**Predict, then run:**" or "**Predict.**" before a cell
    summary = markdown.split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert sum(line.startswith("* ") for line in summary.splitlines()) == 3


@pytest.mark.parametrize(
    "path", [p for p in NOTEBOOKS if p.stem not in WITHOUT_ITEMS], ids=lambda p: p.stem
)
def test_items_are_shown_as_an_html_table_with_a_plain_text_twin(path):
    tables = [
        output
        for cell in _read(path).cells
        for output in cell.get("outputs", [])
        if "<table" in output.get("data", {}).get("text/html", "")
    ]
    assert tables, "no HTML item table"
    assert all(output["data"]["text/plain"].strip() for output in tables)
