"""Apps that are not ours on the embedded target: local layers, Python 3.9 to 3.13, Node.js.

The fixture apps (``fixtures/sam/layers``, ``fixtures/sam/runtimes``) are deployed for real:
built, zipped to moto's S3, created by moto's CloudFormation, run by workers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.build.runtimes import find_interpreter
from harness.targets.embedded.target import EmbeddedStack, EmbeddedTarget

APPS = Path(__file__).resolve().parents[2] / "fixtures" / "sam"


@pytest.fixture(scope="module")
def target(embedded_target: EmbeddedTarget) -> EmbeddedTarget:
    return embedded_target


@pytest.fixture(scope="module")
def layered(target: EmbeddedTarget) -> EmbeddedStack:
    return target.deploy(APPS / "layers" / "template.yaml", "layered", {})


@pytest.fixture(scope="module")
def runtimes(target: EmbeddedTarget) -> EmbeddedStack:
    return target.deploy(APPS / "runtimes" / "template.yaml", "runtimes", {"Greeting": "hej"})


def invoke(stack: EmbeddedStack, function: str) -> dict:
    assert stack.workers is not None
    result = stack.workers.invoke(function, {})
    assert result.ok, result.logs
    return result.payload


def test_local_layers_are_published_in_moto(layered: EmbeddedStack) -> None:
    lambda_client = layered.client("lambda")
    layers = lambda_client.list_layers()["Layers"]
    assert len(layers) == 2
    assert all(
        layer["LatestMatchingVersion"]["CompatibleRuntimes"] == ["python3.12"] for layer in layers
    )
    gaps = {gap.logical_id: gap.reason for gap in layered.emulation_gaps}
    assert "moto drops Layers" in gaps["LayeredFunction"]  # from the function's configuration


def test_a_function_imports_from_both_layers_and_the_built_layers_dependency(
    layered: EmbeddedStack,
) -> None:
    payload = invoke(layered, "LayeredFunction")
    assert payload["greeting"] == "HELLO FROM THE SHARED LAYER"
    assert payload["six"] == "1.17.0"  # installed into the BuildMethod layer's python/
    six_file = Path(payload["six_file"])
    assert (six_file.parent.name, six_file.parents[2].name) == ("python", "opt")  # /opt/python


def test_the_layer_listed_later_wins_a_clash_as_lambda_merges_them(
    layered: EmbeddedStack,
) -> None:
    assert invoke(layered, "LayeredFunction")["which"] == "utils"


@pytest.mark.parametrize(("function", "minor"), [("Py39Function", 9), ("Py313Function", 13)])
def test_each_python_function_runs_on_its_runtimes_interpreter(
    runtimes: EmbeddedStack, function: str, minor: int
) -> None:
    if not find_interpreter(f"python3.{minor}").exact:
        pytest.skip(
            f"no python3.{minor} interpreter here; install one with `pyenv install 3.{minor}`"
        )
    payload = invoke(runtimes, function)
    assert payload["version"].startswith(f"3.{minor}.")
    assert payload["greeting"] == "hej"


def test_a_python_3_9_function_gets_a_boto3_that_supports_it(runtimes: EmbeddedStack) -> None:
    if not find_interpreter("python3.9").exact:
        pytest.skip("no python3.9 interpreter here; install one with `pyenv install 3.9`")
    major, minor, *_ = (int(part) for part in invoke(runtimes, "Py39Function")["boto3"].split("."))
    assert (major, minor) <= (1, 42)  # boto3 1.43 requires Python 3.10


def test_a_node_function_is_an_emulation_gap_and_the_rest_deploys(runtimes: EmbeddedStack) -> None:
    gaps = {gap.logical_id: gap.reason for gap in runtimes.emulation_gaps}
    assert "nodejs20.x is not emulated" in gaps["NodeFunction"]
    assert "NodeFunction" in runtimes.physical_ids  # created in moto all the same
    assert runtimes.workers is not None
    with pytest.raises(KeyError):
        runtimes.workers.pool("NodeFunction")
