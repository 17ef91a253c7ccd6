"""One source of truth: rename the index in ``model.py`` and every artifact follows.

``model.GSI_NAME`` is the one definition; the test renames it (monkeypatch) and looks for the
new name in the create-table spec, the table the engine creates from it, the catalogue, the
index view (the request really sent), and both exports.
"""

from __future__ import annotations

import json

from cruddur_lab import model
from cruddur_lab.modeling import exports
from cruddur_lab.modeling.catalogue import build_catalogue
from cruddur_lab.modeling.view_reads import read_index
from cruddur_lab.notebook.view_drawings import IndexViewDisplay
from cruddur_lab.scripts.schema import describe, schema_load
from cruddur_lab.scripts.seed import seed

NEW = "renamed-by-test-index"


def test_renaming_the_index_in_the_model_renames_it_everywhere(lab, monkeypatch):
    old = model.GSI_NAME
    monkeypatch.setattr(model, "GSI_NAME", NEW)

    (gsi,) = model.create_table_spec()["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == NEW

    schema_load(lab)
    seed(lab)
    assert [g["IndexName"] for g in describe(lab)["GlobalSecondaryIndexes"]] == [NEW]

    entries = {e["pattern"]: e for e in build_catalogue(lab)}
    assert entries["A"]["index"] == NEW

    view = read_index(lab)
    assert view.requests[0].params["IndexName"] == NEW
    assert view.count == 2
    text = repr(IndexViewDisplay(view))
    assert f'"IndexName": "{NEW}"' in text and old not in text

    workbench = exports.export("workbench")
    assert json.loads(workbench)["DataModel"][0]["GlobalSecondaryIndexes"][0]["IndexName"] == NEW
    assert old not in workbench
    cloudformation = exports.export("cloudformation")
    properties = json.loads(cloudformation)["Resources"][exports.TABLE_RESOURCE]["Properties"]
    assert properties["GlobalSecondaryIndexes"][0]["IndexName"] == NEW
    assert old not in cloudformation
