"""Benchmark of the template layer's matcher: one ``all_match`` over 50 resources.

The lead's runner calls :func:`run`; ``python bench/bench_template.py`` prints the result.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from harness.template import Template
from harness.template.match import AnyOf, Present, Regex

RESOURCES = 50
ROUNDS = 200


def generated_template(count: int = RESOURCES) -> Template:
    """``count`` Lambda functions shaped like the app's transformed ones."""
    functions: dict[str, Any] = {
        f"Function{index}": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Handler": f"items.handler_{index}.handler",
                "Runtime": "python3.12",
                "Timeout": 10,
                "MemorySize": 256,
                "TracingConfig": {"Mode": "Active"},
                "Role": {"Fn::GetAtt": [f"Function{index}Role", "Arn"]},
                "LoggingConfig": {"LogFormat": "JSON", "LogGroup": {"Ref": f"Logs{index}"}},
                "Environment": {"Variables": {"TABLE_NAME": {"Ref": "Table"}, "STAGE": "prod"}},
            },
        }
        for index in range(count)
    }
    return Template({"Resources": functions}, label="generated")


def run() -> dict[str, float]:
    """Median milliseconds of one ``all_match`` with a typical reviewer's pattern."""
    functions = generated_template().resources("AWS::Lambda::Function")
    pattern = {
        "Properties": {
            "TracingConfig": {"Mode": "Active"},
            "Runtime": AnyOf("python3.12", "python3.13"),
            "Handler": Regex(r"\.handler$"),
            "LoggingConfig": {"LogGroup": Present()},
        }
    }
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        functions.all_match(pattern)
        samples.append((time.perf_counter() - started) * 1000)
    return {"assertion_ms_50_resources": round(statistics.median(samples), 4)}


if __name__ == "__main__":
    print(json.dumps(run()))
