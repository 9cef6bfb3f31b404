"""CodeDeploy's deployment configurations for Lambda: how and when traffic moves.

Checked against the CodeDeploy user guide ("Working with deployment configurations",
Lambda compute platform) and the API's ``TrafficRoutingConfig``: a configuration is
``AllAtOnce``, ``TimeBasedCanary`` (``canaryPercentage`` of the traffic first, the rest
``canaryInterval`` minutes later) or ``TimeBasedLinear`` (``linearPercentage`` more every
``linearInterval`` minutes until all of it has moved). The nine predefined ones are
``CodeDeployDefault.Lambda*``; SAM's ``DeploymentPreference.Type: Canary10Percent5Minutes``
becomes the group's ``DeploymentConfigName: CodeDeployDefault.LambdaCanary10Percent5Minutes``,
any other ``Type`` is the name of a custom configuration (``AWS::CodeDeploy::DeploymentConfig``
or ``CreateDeploymentConfig``).

A linear configuration's first increment moves at once and each later one an interval
after the previous, so ``Linear10PercentEvery1Minute`` has all traffic on the new version
nine minutes after its first shift.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ALL_AT_ONCE = "AllAtOnce"
CANARY = "TimeBasedCanary"
LINEAR = "TimeBasedLinear"
TRAFFIC_ROUTING_TYPES = (ALL_AT_ONCE, CANARY, LINEAR)
PREDEFINED_PREFIX = "CodeDeployDefault."


class DeploymentConfigError(ValueError):
    """A deployment configuration that CodeDeploy would refuse; the message names it."""


@dataclass(frozen=True)
class DeploymentConfig:
    """A Lambda deployment configuration: its name and when how much traffic moves."""

    name: str
    type: str
    percentage: int = 100
    interval_minutes: int = 0

    def __post_init__(self) -> None:
        if self.type not in TRAFFIC_ROUTING_TYPES:
            raise DeploymentConfigError(
                f"deployment configuration {self.name}: traffic routing type {self.type!r} is "
                f"not one of {', '.join(TRAFFIC_ROUTING_TYPES)}"
            )
        if self.type != ALL_AT_ONCE and not (
            1 <= self.percentage <= 99 and self.interval_minutes >= 1
        ):
            raise DeploymentConfigError(
                f"deployment configuration {self.name}: {self.type} needs a percentage from 1 "
                f"to 99 and an interval of at least one minute, got {self.percentage}% every "
                f"{self.interval_minutes} minutes"
            )

    @property
    def predefined(self) -> bool:
        return self.name.startswith(PREDEFINED_PREFIX)

    def steps(self) -> list[tuple[float, float]]:
        """``(nominal seconds after the first shift, share of traffic on the new version)``."""
        interval_s = self.interval_minutes * 60.0
        if self.type == ALL_AT_ONCE:
            return [(0.0, 1.0)]
        if self.type == CANARY:
            return [(0.0, self.percentage / 100), (interval_s, 1.0)]
        count = math.ceil(100 / self.percentage)
        return [
            (index * interval_s, min(1.0, round((index + 1) * self.percentage / 100, 6)))
            for index in range(count)
        ]

    def traffic_routing(self) -> dict[str, Any]:
        """The ``trafficRoutingConfig`` of ``GetDeploymentConfig``."""
        routing: dict[str, Any] = {"type": self.type}
        if self.type == CANARY:
            routing["timeBasedCanary"] = {
                "canaryPercentage": self.percentage,
                "canaryInterval": self.interval_minutes,
            }
        elif self.type == LINEAR:
            routing["timeBasedLinear"] = {
                "linearPercentage": self.percentage,
                "linearInterval": self.interval_minutes,
            }
        return routing

    @property
    def nominal_duration_s(self) -> float:
        """From the first traffic shift to the last."""
        return self.steps()[-1][0]


_PREDEFINED_ROUTING = {
    "LambdaAllAtOnce": (ALL_AT_ONCE, 100, 0),
    "LambdaCanary10Percent5Minutes": (CANARY, 10, 5),
    "LambdaCanary10Percent10Minutes": (CANARY, 10, 10),
    "LambdaCanary10Percent15Minutes": (CANARY, 10, 15),
    "LambdaCanary10Percent30Minutes": (CANARY, 10, 30),
    "LambdaLinear10PercentEvery1Minute": (LINEAR, 10, 1),
    "LambdaLinear10PercentEvery2Minutes": (LINEAR, 10, 2),
    "LambdaLinear10PercentEvery3Minutes": (LINEAR, 10, 3),
    "LambdaLinear10PercentEvery10Minutes": (LINEAR, 10, 10),
}
PREDEFINED: Mapping[str, DeploymentConfig] = {
    f"{PREDEFINED_PREFIX}{name}": DeploymentConfig(f"{PREDEFINED_PREFIX}{name}", *routing)
    for name, routing in _PREDEFINED_ROUTING.items()
}


def from_traffic_routing(name: str, routing: Mapping[str, Any] | None) -> DeploymentConfig:
    """A custom configuration from a ``TrafficRoutingConfig``, as CloudFormation or the API give it.

    Keys may be capitalised (CloudFormation: ``Type``, ``TimeBasedCanary.CanaryPercentage``)
    or not (the API: ``type``, ``timeBasedCanary.canaryPercentage``).
    """
    if name.startswith(PREDEFINED_PREFIX):
        raise DeploymentConfigError(
            f"deployment configuration {name}: the prefix {PREDEFINED_PREFIX} is reserved for "
            "the predefined configurations"
        )
    fields = _lower_keys(routing or {})
    routing_type = fields.get("type", ALL_AT_ONCE)
    if routing_type == CANARY:
        canary = _lower_keys(fields.get("timebasedcanary") or {})
        return DeploymentConfig(
            name,
            CANARY,
            int(canary.get("canarypercentage", 0)),
            int(canary.get("canaryinterval", 0)),
        )
    if routing_type == LINEAR:
        linear = _lower_keys(fields.get("timebasedlinear") or {})
        return DeploymentConfig(
            name,
            LINEAR,
            int(linear.get("linearpercentage", 0)),
            int(linear.get("linearinterval", 0)),
        )
    return DeploymentConfig(name, str(routing_type))


def _lower_keys(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key.lower(): value for key, value in mapping.items()}
