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
from pathlib import Path
from typing import Any

import boto3
from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID

from harness.offline.isolation import OFFLINE_AWS_ENV
from harness.sam import SamModel
from harness.targets.embedded.moto_server import MotoServer


class UnitBackendError(ValueError):
    """The template cannot be turned into unit-test resources; names the resource."""


def function_environment(model: SamModel, function_id: str) -> dict[str, str]:
    """A function's variables as the model reads them, ``Ref`` to a table resolved.

    The model has resolved parameters and mappings already; a ``Ref`` to one of the
    template's tables becomes the table's name here (its logical id). A variable whose
    value is any other intrinsic cannot be known offline and is left out.
    """
    try:
        function = model.functions[function_id]
    except KeyError:
        raise UnitBackendError(f"no function {function_id!r} in {model.path}") from None
    environment = {}
    for name, value in function.environment.items():
        if isinstance(value, str | int | float | bool):
            environment[name] = str(value)
        elif isinstance(value, Mapping) and set(value) == {"Ref"} and value["Ref"] in model.tables:
            environment[name] = value["Ref"]
    return environment


class MotoUnitBackend:
    """A moto server holding the template's tables, shared by every unit test of a session."""

    def __init__(self, model: SamModel, region: str, request_log: Path) -> None:
        for table in model.tables.values():  # a bad template fails here, before a server starts
            _reject_intrinsics(table.logical_id, table.create_kwargs)
        self._model = model
        self.region = region
        self.tables = {logical_id: logical_id for logical_id in model.tables}
        self._server = MotoServer(request_log)
        self.endpoint_url = self._server.endpoint_url
        self._resource = boto3.resource(
            "dynamodb",
            endpoint_url=self.endpoint_url,
            region_name=region,
            aws_access_key_id=OFFLINE_AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=OFFLINE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        )
        for table in model.tables.values():
            self._resource.create_table(TableName=table.logical_id, **table.create_kwargs)

    def environment(self, function_id: str) -> dict[str, str]:
        """Everything a handler process needs: fake credentials, the endpoint, its variables."""
        return {
            **OFFLINE_AWS_ENV,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "harness",
            **function_environment(self._model, function_id),
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
        """Import a function's handler from its local code folder, like the Lambda runtime."""
        function = self._model.functions.get(function_id)
        if function is None or function.code_dir is None or function.handler is None:
            raise UnitBackendError(
                f"function {function_id}: needs local code (a local or omitted CodeUri) and a "
                f"Handler in {self._model.path}"
            )
        code_dir = str(function.code_dir)
        if code_dir not in sys.path:
            sys.path.insert(0, code_dir)
        module_name, _, attribute = function.handler.rpartition(".")
        try:
            return getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as error:
            raise UnitBackendError(
                f"function {function_id}: handler {function.handler!r} not importable from "
                f"{code_dir}: {error}"
            ) from error

    def close(self) -> None:
        self._server.stop()


def _reject_intrinsics(logical_id: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "Ref" or key.startswith("Fn::"):
                raise UnitBackendError(
                    f"table {logical_id}: {key} in its key schema cannot be resolved offline"
                )
            _reject_intrinsics(logical_id, item)
    elif isinstance(value, list):
        for item in value:
            _reject_intrinsics(logical_id, item)
