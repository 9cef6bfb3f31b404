"""The template layer's cost: the whole layer, one cold cfn-lint, one ``all_match``.

``template_layer_s`` is the wall time of the layer's pytest run (interpreter start,
imports, transforms, lint and every assertion) and ``cfnlint_cold_s`` one cold
``cfn-lint app/template.yaml`` process, measured alternately in the same run so machine
load hits both alike; the layer's goal is at most twice the single cold lint.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.timing import wall_time
from harness.template import Template
from harness.template.match import AnyOf, Present, Regex

RESOURCES = 50
ROUNDS = 200
PROCESS_ROUNDS = 3
# The command of tox's template environment (tox.ini), minus its JUnit file.
TEMPLATE_LAYER = [
    sys.executable,
    "-m",
    "pytest",
    "-q",
    "suites/template",
    "-p",
    "no:hypothesispytest",
]
CFNLINT_COLD = [str(Path(sys.executable).with_name("cfn-lint")), "app/template.yaml"]


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


def assertion_ms() -> float:
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
    return statistics.median(samples)


def run() -> dict[str, float]:
    layer, lint = [], []
    for _ in range(PROCESS_ROUNDS):
        layer.append(wall_time(TEMPLATE_LAYER))
        lint.append(wall_time(CFNLINT_COLD))
    return {
        "template_layer_s": statistics.median(layer),
        "cfnlint_cold_s": statistics.median(lint),
        "assertion_ms_50_resources": assertion_ms(),
    }
