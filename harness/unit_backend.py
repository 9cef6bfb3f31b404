"""One moto server per session for the unit layer, with tables taken from the SAM template.

Why not ``mock_aws()`` per test: entering a fresh mock, building new boto3 clients and
creating the table again costs ~80 ms a test (``bench/bench_unit.py``). Here the server
starts once, the tables are created once from the template's own definitions (so tests
never restate key schemas), handlers are imported once (their module-level boto3
resources bind to the server through ``AWS_ENDPOINT_URL``, over real HTTP as deployed
code reaches DynamoDB), and :meth:`MotoUnitBackend.reset` empties the tables in memory.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID

from harness.isolation import OFFLINE_AWS_ENV
from harness.targets.embedded.moto_server import MotoServer

TABLE_PROPERTIES = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "ProvisionedThroughput",
)


class UnitBackendError(ValueError):
    """The template cannot be turned into unit-test resources; names the resource."""


@dataclass(frozen=True)
class TableSpec:
    """A table of the template, as ``create_table`` arguments keyed by its logical id."""

    logical_id: str
    create_kwargs: dict[str, Any]


def table_specs(document: Mapping[str, Any]) -> list[TableSpec]:
    """Every ``AWS::DynamoDB::Table`` and ``AWS::Serverless::SimpleTable`` of a template."""
    specs = []
    for logical_id, resource in document["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::DynamoDB::Table":
            kwargs = {key: properties[key] for key in TABLE_PROPERTIES if key in properties}
        elif resource["Type"] == "AWS::Serverless::SimpleTable":
            key = properties.get("PrimaryKey", {"Name": "id", "Type": "String"})
            attribute_type = {"String": "S", "Number": "N", "Binary": "B"}[key["Type"]]
            kwargs = {
                "AttributeDefinitions": [
                    {"AttributeName": key["Name"], "AttributeType": attribute_type}
                ],
                "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
            }
        else:
            continue
        _reject_intrinsics(logical_id, kwargs)
        if "ProvisionedThroughput" not in kwargs:
            kwargs["BillingMode"] = "PAY_PER_REQUEST"
        specs.append(TableSpec(logical_id, kwargs))
    return specs


def _reject_intrinsics(logical_id: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" or key.startswith("Fn::"):
                raise UnitBackendError(
                    f"table {logical_id}: {key} in its key schema cannot be resolved offline"
                )
            _reject_intrinsics(logical_id, item)
    elif isinstance(value, list):
        for item in value:
            _reject_intrinsics(logical_id, item)


def function_environment(
    document: Mapping[str, Any], function_id: str, references: Mapping[str, str]
) -> dict[str, str]:
    """A function's environment (Globals merged with its own), with ``Ref`` resolved.

    ``references`` maps logical ids and parameter names to values. A variable whose value
    is any other intrinsic cannot be known offline and is left out.
    """
    try:
        function = document["Resources"][function_id]
    except KeyError:
        raise UnitBackendError(f"no resource {function_id!r} in the template") from None
    global_vars = (
        document.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    )
    own_vars = function.get("Properties", {}).get("Environment", {}).get("Variables", {})
    environment = {}
    for name, value in {**global_vars, **own_vars}.items():
        if isinstance(value, str | int | float | bool):
            environment[name] = str(value)
        elif isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in references:
            environment[name] = references[value["Ref"]]
    return environment


def parameter_defaults(document: Mapping[str, Any]) -> dict[str, str]:
    """Template parameters that have a default, as strings."""
    return {
        name: str(spec["Default"])
        for name, spec in document.get("Parameters", {}).items()
        if "Default" in spec
    }


class MotoUnitBackend:
    """A moto server holding the template's tables, shared by every unit test of a session."""

    def __init__(
        self, document: Mapping[str, Any], template_dir: Path, region: str, request_log: Path
    ) -> None:
        specs = table_specs(document)  # a bad template fails here, before a server starts
        self._document = document
        self._template_dir = template_dir
        self.region = region
        self.tables = {spec.logical_id: spec.logical_id for spec in specs}
        self._server = MotoServer(request_log)
        self.endpoint_url = self._server.endpoint_url
        self._resource = boto3.resource(
            "dynamodb",
            endpoint_url=self.endpoint_url,
            region_name=region,
            aws_access_key_id=OFFLINE_AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=OFFLINE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        )
        for spec in specs:
            self._resource.create_table(TableName=spec.logical_id, **spec.create_kwargs)

    def environment(self, function_id: str, parameters: Mapping[str, str]) -> dict[str, str]:
        """Everything a handler process needs: fake credentials, the endpoint, its variables."""
        references = {**parameter_defaults(self._document), **parameters, **self.tables}
        return {
            **OFFLINE_AWS_ENV,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "harness",
            **function_environment(self._document, function_id, references),
        }

    def table(self, logical_id: str) -> Any:
        """A boto3 ``Table`` for one of the template's tables, to arrange and inspect state."""
        return self._resource.Table(self.tables[logical_id])

    def reset(self) -> None:
        """Empty every table of the template, in the server's memory.

        The server runs in this process, so its tables are this process's moto backend:
        clearing them there costs microseconds, where a scan and a batch delete over HTTP
        cost ~4 ms a test, most of the layer's per-test overhead. It leans on moto's
        model (``Table.items``), which ``tests/test_unit_backend.py`` pins down.
        """
        tables = get_backend("dynamodb")[DEFAULT_ACCOUNT_ID][self.region].tables
        for name in self.tables.values():
            tables[name].items.clear()

    def import_handler(self, function_id: str) -> Callable[[dict[str, Any], Any], Any]:
        """Import a function's handler from its local ``CodeUri``, like the Lambda runtime."""
        properties = self._document["Resources"][function_id]["Properties"]
        global_function = self._document.get("Globals", {}).get("Function", {})
        code_uri = properties.get("CodeUri", global_function.get("CodeUri"))
        handler = properties.get("Handler", global_function.get("Handler"))
        if not isinstance(code_uri, str) or not isinstance(handler, str):
            raise UnitBackendError(f"function {function_id}: needs a local CodeUri and a Handler")
        code_dir = str((self._template_dir / code_uri).resolve())
        if code_dir not in sys.path:
            sys.path.insert(0, code_dir)
        module_name, _, attribute = handler.rpartition(".")
        try:
            return getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as error:
            raise UnitBackendError(
                f"function {function_id}: handler {handler!r} not importable from {code_dir}: "
                f"{error}"
            ) from error

    def close(self) -> None:
        self._server.stop()
