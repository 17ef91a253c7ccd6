"""Exports of the model: the NoSQL Workbench data model and the CloudFormation template.

Both are generated from ``model.create_table_spec``; these tests create a table from each
export on the embedded engine and compare its description with the model, lint the
template, and hold ``app/deploy/template.yaml``'s table to the exported definition.
"""

from __future__ import annotations

import json
import subprocess
import sys

from cfnlint.decode import decode_str

from cruddur_lab import model
from cruddur_lab.app.deploy import TEMPLATE_PATH
from cruddur_lab.cli.commands import main
from cruddur_lab.clock import DEFAULT_NOW
from cruddur_lab.modeling import exports
from cruddur_lab.scripts.reads import scan

_CFN_LINT = "import sys; from cfnlint.runner import main; sys.exit(main())"


def described_as_model_says(description: dict, table_name: str) -> dict:
    """The parts of a DescribeTable answer the model fixes, in the model's own shape."""
    (gsi,) = description["GlobalSecondaryIndexes"]
    throughput = description["ProvisionedThroughput"]
    return {
        "TableName": description["TableName"],
        "AttributeDefinitions": sorted(
            description["AttributeDefinitions"], key=lambda a: a["AttributeName"]
        ),
        "KeySchema": description["KeySchema"],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": gsi["IndexName"],
                "KeySchema": gsi["KeySchema"],
                "Projection": gsi["Projection"],
                "ProvisionedThroughput": {
                    "ReadCapacityUnits": gsi["ProvisionedThroughput"]["ReadCapacityUnits"],
                    "WriteCapacityUnits": gsi["ProvisionedThroughput"]["WriteCapacityUnits"],
                },
            }
        ],
        "StreamSpecification": description["StreamSpecification"],
        "BillingMode": description.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED"),
        "ProvisionedThroughput": {
            "ReadCapacityUnits": throughput["ReadCapacityUnits"],
            "WriteCapacityUnits": throughput["WriteCapacityUnits"],
        },
    }


def model_spec(table_name: str) -> dict:
    spec = model.create_table_spec(table_name)
    spec["AttributeDefinitions"].sort(key=lambda a: a["AttributeName"])
    return spec


def create_and_describe(lab, args: dict) -> dict:
    lab.dynamodb.create_table(**args)
    return lab.dynamodb.describe_table(TableName=args["TableName"])["Table"]


# --- round trips --------------------------------------------------------------------------


def test_the_exported_cloudformation_creates_the_models_table(lab):
    template = json.loads(exports.export("cloudformation"))
    args = exports.create_table_args_from_cloudformation(template, "from-cfn")
    description = create_and_describe(lab, args)
    assert described_as_model_says(description, "from-cfn") == model_spec("from-cfn")
    assert model.schema_differences(description) == []


def test_the_exported_workbench_model_creates_the_models_table(lab):
    document = json.loads(exports.export("workbench", table_name="from-workbench"))
    description = create_and_describe(lab, exports.create_table_args_from_workbench(document))
    assert described_as_model_says(description, "from-workbench") == model_spec("from-workbench")


# --- the Workbench model ------------------------------------------------------------------


def test_workbench_model_has_the_structure_of_the_workbenchs_sample_models():
    document = exports.workbench_model()
    assert set(document) == {"ModelName", "ModelMetadata", "DataModel"}
    assert document["ModelMetadata"]["AWSService"] == "Amazon DynamoDB"
    assert document["ModelMetadata"]["Version"] == "3.0"
    (table,) = document["DataModel"]
    assert table["KeyAttributes"] == {
        "PartitionKey": {"AttributeName": "pk", "AttributeType": "S"},
        "SortKey": {"AttributeName": "sk", "AttributeType": "S"},
    }
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi == {
        "IndexName": model.GSI_NAME,
        "KeyAttributes": {
            "PartitionKey": {"AttributeName": model.GSI_PARTITION_KEY, "AttributeType": "S"},
            "SortKey": {"AttributeName": model.GSI_SORT_KEY, "AttributeType": "S"},
        },
        "Projection": {"ProjectionType": "ALL"},
    }
    facets = {f["FacetName"]: f for f in table["TableFacets"]}
    assert facets["GroupRow"]["KeyAttributeAlias"] == {
        "PartitionKeyAlias": "GRP#<owner user uuid>",
        "SortKeyAlias": "<time of last message>",
    }
    assert facets["MessageRow"]["KeyAttributeAlias"]["PartitionKeyAlias"] == (
        "MSG#<message group uuid>"
    )
    # The message facet lacks the GSI's key: that is what keeps the index sparse.
    assert model.GSI_PARTITION_KEY in facets["GroupRow"]["NonKeyAttributes"]
    assert model.GSI_PARTITION_KEY not in facets["MessageRow"]["NonKeyAttributes"]
    declared = {a["AttributeName"] for a in table["NonKeyAttributes"]}
    for facet in facets.values():
        assert set(facet["NonKeyAttributes"]) <= declared


def test_workbench_sample_data_is_what_seed_writes(seeded_lab):
    """The sample rows are the seed's own rows (same keys, same text), not a lookalike."""
    document = exports.workbench_model(now=DEFAULT_NOW, messages=5)
    (table,) = document["DataModel"]
    sample = [{name: value["S"] for name, value in item.items()} for item in table["TableData"]]
    stored = scan(seeded_lab).items
    groups = [item for item in stored if item["pk"].startswith(model.GROUP_PREFIX)]
    newest = sorted(
        (i for i in stored if i["pk"].startswith(model.MESSAGE_PREFIX)), key=lambda i: i["sk"]
    )[-5:]
    assert sample == sorted([*groups, *newest], key=lambda i: (i["pk"], i["sk"]))


def test_workbench_dates_follow_the_pinned_clock():
    document = exports.workbench_model(now="2027-01-02T15:04:00+00:00", messages=1)
    assert document["ModelMetadata"]["DateCreated"] == "Jan 02, 2027, 03:04 PM"
    (table,) = document["DataModel"]
    newest = max(item["sk"]["S"] for item in table["TableData"])
    assert newest < "2027-01-02T15:04:00"


# --- CloudFormation -----------------------------------------------------------------------


def test_deploy_templates_table_is_the_exported_definition():
    parsed, problems = decode_str(TEMPLATE_PATH.read_text())
    assert problems == []
    deployed = json.loads(json.dumps(parsed))["Resources"][exports.TABLE_RESOURCE]
    exported = exports.cloudformation_template()["Resources"][exports.TABLE_RESOURCE]
    assert deployed["Type"] == exported["Type"]
    assert deployed["Properties"] == exported["Properties"]
    assert deployed["DeletionPolicy"] == exported["DeletionPolicy"]


def test_cfn_lint_reports_nothing_for_the_exported_template(tmp_path):
    path = tmp_path / "table.json"
    path.write_text(exports.export("cloudformation"))
    result = subprocess.run(
        [sys.executable, "-c", _CFN_LINT, str(path)], capture_output=True, text=True, timeout=300
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


# --- the command --------------------------------------------------------------------------


def test_export_prints_to_stdout_by_default(capsys):
    assert main(["export", "cloudformation", "--table", "elsewhere"]) == 0
    template = json.loads(capsys.readouterr().out)
    assert template["Parameters"]["TableName"]["Default"] == "elsewhere"


def test_export_writes_the_file_named_by_output(tmp_path, capsys):
    target = tmp_path / "model.json"
    assert main(["export", "workbench", "--output", str(target)]) == 0
    assert capsys.readouterr().out == f"workbench export written to {target}\n"
    assert json.loads(target.read_text()) == exports.workbench_model()
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_export_to_a_missing_folder_is_one_line_and_exit_2(tmp_path, capsys):
    target = tmp_path / "nowhere" / "model.json"
    assert main(["export", "workbench", "--output", str(target)]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (
        "",
        f"cruddur-lab: error: --output {target}: folder {target.parent} does not exist; "
        "create it first\n",
    )


def test_export_onto_a_folder_is_one_line_and_leaves_nothing_behind(tmp_path, capsys):
    target = tmp_path / "taken"
    target.mkdir()
    assert main(["export", "cloudformation", "--output", str(target)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"cruddur-lab: error: cannot write {target} (")
    assert captured.err.endswith("): choose another --output\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    assert list(target.iterdir()) == []


def test_export_with_a_bad_clock_is_a_settings_error(capsys):
    assert main(["export", "workbench", "--now", "yesterday"]) == 2
    assert capsys.readouterr().err.startswith("cruddur-lab: error: ")


def test_export_refuses_an_engine_option_it_would_ignore(capsys):
    assert main(["export", "workbench", "--engine", "aws"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("cruddur-lab: error: `export` does not use --engine: drop it")
