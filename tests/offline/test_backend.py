"""The unit layer's engine: tables and environments read from a template, and the reset."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.offline.backend import MotoUnitBackend, UnitBackendError, function_environment
from harness.sam import SamModel, sam_model_from_document
from harness.template.loader import parse_document

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev}
Globals:
  Function:
    Environment:
      Variables:
        TABLE_NAME: !Ref Orders
        STAGE: !Ref Stage
        SERVICE: orders
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
        - {AttributeName: sk, AttributeType: N}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
        - {AttributeName: sk, KeyType: RANGE}
  Simple:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: {Name: code, Type: Number}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          SERVICE: worker
          ARN: !GetAtt Orders.Arn
"""


@pytest.fixture
def document() -> dict:
    return parse_document(TEMPLATE, "orders.yaml")


def model(document: dict, tmp_path: Path, **parameters: str) -> SamModel:
    return sam_model_from_document(document, tmp_path / "orders.yaml", parameters)


def test_tables_come_from_the_template_key_schemas(document: dict, tmp_path: Path) -> None:
    specs = {
        logical_id: t.create_kwargs for logical_id, t in model(document, tmp_path).tables.items()
    }
    assert specs["Orders"]["KeySchema"][1] == {"AttributeName": "sk", "KeyType": "RANGE"}
    assert specs["Simple"]["AttributeDefinitions"] == [
        {"AttributeName": "code", "AttributeType": "N"}
    ]
    assert specs["Simple"]["BillingMode"] == "PAY_PER_REQUEST"


def test_an_intrinsic_in_a_key_schema_names_the_table(document: dict, tmp_path: Path) -> None:
    document["Resources"]["Orders"]["Properties"]["KeySchema"][0]["AttributeName"] = {
        "Ref": "KeyName"
    }
    with pytest.raises(UnitBackendError, match="table Orders: Ref"):
        MotoUnitBackend(model(document, tmp_path), "eu-west-1", tmp_path / "moto.log")


def test_function_environment_merges_globals_and_resolves_refs(
    document: dict, tmp_path: Path
) -> None:
    environment = function_environment(model(document, tmp_path, Stage="qa"), "Worker")
    assert environment == {"TABLE_NAME": "Orders", "STAGE": "qa", "SERVICE": "worker"}


def test_an_unknown_function_is_named(document: dict, tmp_path: Path) -> None:
    with pytest.raises(UnitBackendError, match="'Missing'"):
        function_environment(model(document, tmp_path), "Missing")


@pytest.mark.unit
def test_reset_empties_every_table_and_keeps_it(document: dict, tmp_path: Path) -> None:
    backend = MotoUnitBackend(model(document, tmp_path), "eu-west-1", tmp_path / "moto.log")
    try:
        orders = backend.table("Orders")
        orders.put_item(Item={"pk": "a", "sk": 1})
        orders.put_item(Item={"pk": "a", "sk": 2})
        backend.table("Simple").put_item(Item={"code": 7})
        backend.reset()
        assert orders.scan()["Count"] == 0
        assert backend.table("Simple").scan()["Count"] == 0
        orders.put_item(Item={"pk": "b", "sk": 1})
        assert orders.get_item(Key={"pk": "b", "sk": 1})["Item"]["pk"] == "b"
    finally:
        backend.close()
