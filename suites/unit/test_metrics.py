"""Business metrics: each created and deleted item is one embedded-metric-format line on stdout.

Powertools never calls CloudWatch: in Lambda the runtime ships stdout to CloudWatch Logs, which
extracts the metrics from these lines. Here they are read back from captured stdout, in the
namespace and dimensions the dashboard graphs (``ItemsApi``, ``service``, ``stage``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness import InProcessApi


def emitted_metrics(captured: str) -> list[dict[str, Any]]:
    """The EMF documents among the captured lines (log lines are JSON too, without ``_aws``)."""
    documents = []
    for line in captured.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents


def metric_counts(documents: list[dict[str, Any]]) -> dict[tuple[str, str, str, str], float]:
    """Totals by (namespace, metric, service, stage), as CloudWatch would aggregate them."""
    totals: dict[tuple[str, str, str, str], float] = {}
    for document in documents:
        for directive in document["_aws"]["CloudWatchMetrics"]:
            assert directive["Dimensions"] == [["service", "stage"]]
            for metric in directive["Metrics"]:
                key = (
                    directive["Namespace"],
                    metric["Name"],
                    document["service"],
                    document["stage"],
                )
                totals[key] = totals.get(key, 0) + sum(document[metric["Name"]])
    return totals


def test_creating_and_deleting_count_one_event_each(
    api: InProcessApi, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    created = api.post("/items", json={"name": "w", "quantity": 1}).json()
    assert api.delete(f"/items/{created['id']}").status == 204
    assert metric_counts(emitted_metrics(capsys.readouterr().out)) == {
        ("ItemsApi", "ItemsCreated", "items", "dev"): 1,
        ("ItemsApi", "ItemsDeleted", "items", "dev"): 1,
    }


def test_requests_that_change_nothing_count_nothing(
    api: InProcessApi, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert api.post("/items", json={"quantity": 1}).status == 400
    assert api.delete("/items/never-there").status == 404
    assert api.get("/items").status == 200
    assert emitted_metrics(capsys.readouterr().out) == []
