"""CloudFormation resources moto's CloudFormation lacks, written as moto models of our own.

moto creates a stack's resources through ``CloudFormationModel`` subclasses, found by
type in ``moto.cloudformation.parsing.get_model_map``; it has none for Lambda aliases,
CloudWatch alarms or CodeDeploy, and its ``AWS::Lambda::Version`` has no ``Ref`` (it gives
the logical id), no ``GetAtt Version`` and no delete. :func:`~.moto_models.install_models`
adds the classes below to that map, so ``create_stack`` creates these resources in moto's own
Lambda, CloudWatch and CodeDeploy backends, ``list_stack_resources`` lists them with their
physical ids, and :mod:`~harness.targets.embedded.gaps` stops removing them (it asks the
same map).

Each follows the CloudFormation resource reference for what ``Ref`` and ``GetAtt`` return
(an alias's and a version's ARN, a version's ``Version``; an alarm's, application's,
group's and configuration's name) and for updates: an alias whose ``UpdatePolicy`` has
``CodeDeployLambdaAliasUpdate`` does not move to its new ``FunctionVersion`` itself, it
records the shift for CodeDeploy (:attr:`LambdaAliasModel.pending_shift`), which the stack
update hands to the deployment engine. A name CloudFormation generates is
``<stack>-<logical id>-<suffix>``, as moto generates it for its own models.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moto.awslambda.utils import get_backend as lambda_backend
from moto.cloudwatch.models import (
    Dimension,
    Metric,
    MetricDataQuery,
    MetricStat,
    cloudwatch_backends,
)
from moto.codedeploy.models import AlarmConfiguration, codedeploy_backends
from moto.core.common_models import CloudFormationModel

from harness.targets.embedded.moto_models import ModelPlumbing
from harness.targets.embedded.release.configs import (
    PREDEFINED,
    DeploymentConfig,
    DeploymentConfigError,
    from_traffic_routing,
)
from harness.targets.embedded.release.state import extension

CODEDEPLOY_ALIAS_UPDATE = "CodeDeployLambdaAliasUpdate"


def deployment_configs(backend: Any) -> dict[str, DeploymentConfig]:
    """The custom deployment configurations of one CodeDeploy backend, by name."""
    return extension(backend, "deployment_configs", dict)


def deployment_config(backend: Any, name: str) -> DeploymentConfig:
    """A predefined or custom configuration; ``DeploymentConfigError`` naming it if none."""
    config = PREDEFINED.get(name) or deployment_configs(backend).get(name)
    if config is None:
        raise DeploymentConfigError(f"deployment configuration {name} does not exist")
    return config


class _Resource(ModelPlumbing):
    """What every model here shares, moto's long classmethod signatures written once.

    A mixin (:mod:`~harness.targets.embedded.moto_models`). A model implements
    :meth:`create` (from the resolved resource JSON) and, when an update is more than
    keeping the resource as it is, :meth:`update`; ``Ref`` gives ``physical_id`` and
    ``GetAtt`` the attribute :meth:`attribute` returns (those in ``ATTRIBUTES``).
    """

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self.attribute(attribute_name)

    def attribute(self, name: str) -> str:
        return self.physical_id

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        return cls.create(
            resource_name,
            cloudformation_json,
            _Where(account_id, region_name, kwargs.get("StackId")),
        )

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        original_resource.update(cloudformation_json, _Where(account_id, region_name, None))
        return original_resource

    @classmethod
    def create(cls, name: str, resource: dict[str, Any], where: _Where) -> Any:
        raise NotImplementedError  # every model implements it

    def update(self, resource: dict[str, Any], where: _Where) -> None:
        """Keep the resource as it is (what cannot change in place, CloudFormation replaces)."""

    def delete(self, account_id: str, region_name: str) -> None:
        self.remove(_Where(account_id, region_name, None))

    def remove(self, where: _Where) -> None:
        raise NotImplementedError  # every model implements it


class _Where:
    """The account and region a resource lives in, and the stack creating it."""

    def __init__(self, account: str, region: str, stack_id: str | None) -> None:
        self.account = account
        self.region = region
        self.stack_id = stack_id

    @property
    def lambda_backend(self) -> Any:
        return lambda_backend(self.account, self.region)

    @property
    def cloudwatch(self) -> Any:
        return cloudwatch_backends[self.account][self.region]

    @property
    def codedeploy(self) -> Any:
        return codedeploy_backends[self.account][self.region]


class LambdaVersionModel(_Resource, CloudFormationModel):
    """``AWS::Lambda::Version``: publishes a version (Lambda publishes none if nothing changed).

    Immutable: SAM gives a changed function's version a new logical id.
    """

    ATTRIBUTES = ("Version", "FunctionArn")

    def __init__(self, function_name: str, version: str, arn: str) -> None:
        self.function_name = function_name
        self.version = version
        self.physical_id = arn

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Version"

    def attribute(self, name: str) -> str:
        return self.version if name == "Version" else self.physical_id.rpartition(":")[0]

    @classmethod
    def create(cls, name: str, resource: dict[str, Any], where: _Where) -> LambdaVersionModel:
        properties = resource["Properties"]
        published = where.lambda_backend.publish_version(
            properties["FunctionName"], properties.get("Description", "")
        )
        if published is None:
            raise ValueError(f"function {properties['FunctionName']} does not exist")
        return cls(published.function_name, str(published.version), published.function_arn)

    def remove(self, where: _Where) -> None:
        where.lambda_backend.delete_function(self.function_name, self.version)


class LambdaAliasModel(_Resource, CloudFormationModel):
    """``AWS::Lambda::Alias``, in moto's Lambda backend."""

    ATTRIBUTES = ("AliasArn",)

    logical_resource_id: str
    """Set by moto's CloudFormation once it has created the alias."""

    def __init__(self, function_name: str, name: str, arn: str) -> None:
        self.function_name = function_name
        self.name = name
        self.physical_id = arn
        self.pending_shift: PendingShift | None = None

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Alias"

    @classmethod
    def create(cls, name: str, resource: dict[str, Any], where: _Where) -> LambdaAliasModel:
        properties = resource["Properties"]
        alias = where.lambda_backend.create_alias(
            properties["Name"],
            properties["FunctionName"],
            str(properties["FunctionVersion"]),
            properties.get("Description", ""),
            _routing_config(properties.get("RoutingConfig")),
        )
        function_name = alias.arn.split(":function:")[1].rpartition(":")[0]
        return cls(function_name, properties["Name"], alias.arn)

    def update(self, resource: dict[str, Any], where: _Where) -> None:
        properties = resource["Properties"]
        backend = where.lambda_backend
        current = str(backend.get_alias(self.name, self.function_name).function_version)
        target = str(properties["FunctionVersion"])
        policy = (resource.get("UpdatePolicy") or {}).get(CODEDEPLOY_ALIAS_UPDATE)
        if policy is not None and target != current:
            self.pending_shift = PendingShift(self, current, target, policy)
            target, routing = (
                current,
                backend.get_alias(self.name, self.function_name).routing_config,
            )
        else:
            self.pending_shift = None
            routing = _routing_config(properties.get("RoutingConfig"))
        backend.update_alias(
            self.name, self.function_name, target, properties.get("Description", ""), routing
        )

    def remove(self, where: _Where) -> None:
        where.lambda_backend.delete_alias(self.name, self.function_name)


class PendingShift:
    """An alias update CloudFormation hands to CodeDeploy (``CodeDeployLambdaAliasUpdate``)."""

    def __init__(
        self, alias: LambdaAliasModel, current: str, target: str, policy: Mapping[str, Any]
    ) -> None:
        self.alias = alias
        self.current_version = current
        self.target_version = target
        self.application = str(policy["ApplicationName"])
        self.deployment_group = str(policy["DeploymentGroupName"])
        self.before_hook: str | None = policy.get("BeforeAllowTrafficHook")
        self.after_hook: str | None = policy.get("AfterAllowTrafficHook")


def _routing_config(routing: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """CloudFormation's ``RoutingConfig`` (a list of version weights) in the API's shape."""
    if not routing:
        return None
    weights = routing.get("AdditionalVersionWeights") or []
    return {
        "AdditionalVersionWeights": {
            str(item["FunctionVersion"]): float(item["FunctionWeight"]) for item in weights
        }
    }


class AlarmModel(_Resource, CloudFormationModel):
    """``AWS::CloudWatch::Alarm``: a metric alarm in moto's CloudWatch, evaluated by us."""

    ATTRIBUTES = ("Arn",)

    def __init__(self, name: str, arn: str) -> None:
        self.physical_id = name
        self.arn = arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    def attribute(self, name: str) -> str:
        return self.arn

    @classmethod
    def create(cls, name: str, resource: dict[str, Any], where: _Where) -> AlarmModel:
        alarm = put_alarm(where.cloudwatch, name, resource["Properties"])
        alarm.harness_stack_id = where.stack_id
        return cls(alarm.name, alarm.alarm_arn)

    def update(self, resource: dict[str, Any], where: _Where) -> None:
        old = where.cloudwatch.alarms.get(self.physical_id)
        alarm = put_alarm(where.cloudwatch, self.physical_id, resource["Properties"])
        if old is not None:
            for kept in ("state_value", "state_reason", "state_reason_data", "harness_stack_id"):
                setattr(alarm, kept, getattr(old, kept, None))

    def remove(self, where: _Where) -> None:
        where.cloudwatch.delete_alarms([self.physical_id])


def put_alarm(backend: Any, name: str, properties: Mapping[str, Any]) -> Any:
    """``PutMetricAlarm`` from CloudFormation's (or the API's, same names) properties.

    The alarm starts in INSUFFICIENT_DATA, as CloudWatch creates every alarm.
    """
    queries = [_query(metric) for metric in properties.get("Metrics") or []]
    alarm = backend.put_metric_alarm(
        name=properties.get("AlarmName", name),
        namespace=properties.get("Namespace"),
        metric_name=properties.get("MetricName"),
        metric_data_queries=queries or None,
        comparison_operator=properties["ComparisonOperator"],
        evaluation_periods=int(properties["EvaluationPeriods"]),
        datapoints_to_alarm=_optional_int(properties.get("DatapointsToAlarm")),
        period=_optional_int(properties.get("Period")),
        threshold=float(properties.get("Threshold", 0)),
        statistic=properties.get("Statistic"),
        extended_statistic=properties.get("ExtendedStatistic"),
        description=properties.get("AlarmDescription", ""),
        dimensions=list(properties.get("Dimensions") or []),
        alarm_actions=list(properties.get("AlarmActions") or []),
        ok_actions=list(properties.get("OKActions") or []),
        insufficient_data_actions=list(properties.get("InsufficientDataActions") or []),
        unit=properties.get("Unit"),
        actions_enabled=_flag(properties.get("ActionsEnabled", True)),
        treat_missing_data=properties.get("TreatMissingData"),
        evaluate_low_sample_count_percentile=properties.get("EvaluateLowSampleCountPercentile"),
        threshold_metric_id=properties.get("ThresholdMetricId"),
    )
    alarm.state_value = "INSUFFICIENT_DATA"
    alarm.state_reason = "Unchecked: Initial alarm creation"
    return alarm


def _query(metric: Mapping[str, Any]) -> MetricDataQuery:
    stat = metric.get("MetricStat")
    metric_stat = None
    if stat:
        described = stat["Metric"]
        metric_stat = MetricStat(
            Metric(
                described["MetricName"],
                described.get("Namespace"),
                [Dimension(d["Name"], d["Value"]) for d in described.get("Dimensions") or []],
            ),
            str(stat["Period"]),
            stat["Stat"],
            stat.get("Unit"),
        )
    return MetricDataQuery(
        metric["Id"],
        metric.get("Label", ""),
        metric.get("Period"),
        str(_flag(metric.get("ReturnData", True))).lower(),
        metric.get("Expression"),
        metric_stat,
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


class CodeDeployApplicationModel(_Resource, CloudFormationModel):
    """``AWS::CodeDeploy::Application``, in moto's CodeDeploy backend."""

    def __init__(self, name: str) -> None:
        self.physical_id = name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "ApplicationName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeDeploy::Application"

    @classmethod
    def create(
        cls, name: str, resource: dict[str, Any], where: _Where
    ) -> CodeDeployApplicationModel:
        properties = resource["Properties"]
        name = properties.get("ApplicationName", name)
        where.codedeploy.create_application(
            name, properties.get("ComputePlatform", "Server"), properties.get("Tags") or []
        )
        return cls(name)

    def remove(self, where: _Where) -> None:
        where.codedeploy.applications.pop(self.physical_id, None)
        where.codedeploy.deployment_groups.pop(self.physical_id, None)


class DeploymentGroupModel(_Resource, CloudFormationModel):
    """``AWS::CodeDeploy::DeploymentGroup``, in moto's CodeDeploy backend."""

    def __init__(self, application: str, name: str) -> None:
        self.application = application
        self.physical_id = name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "DeploymentGroupName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeDeploy::DeploymentGroup"

    @classmethod
    def create(cls, name: str, resource: dict[str, Any], where: _Where) -> DeploymentGroupModel:
        properties = resource["Properties"]
        config_name = properties.get("DeploymentConfigName")
        if config_name:
            deployment_config(where.codedeploy, config_name)
        name = properties.get("DeploymentGroupName", name)
        where.codedeploy.create_deployment_group(
            application_name=properties["ApplicationName"],
            deployment_group_name=name,
            deployment_config_name=config_name,
            ec2_tag_filters=None,
            on_premises_instance_tag_filters=None,
            auto_scaling_groups=None,
            service_role_arn=properties.get("ServiceRoleArn", ""),
            trigger_configurations=properties.get("TriggerConfigurations"),
            alarm_configuration=_alarm_configuration(properties.get("AlarmConfiguration")),
            auto_rollback_configuration=_lower_first(properties.get("AutoRollbackConfiguration")),
            deployment_style=_lower_first(properties.get("DeploymentStyle")),
            tags=properties.get("Tags"),
        )
        return cls(properties["ApplicationName"], name)

    def update(self, resource: dict[str, Any], where: _Where) -> None:
        properties = resource["Properties"]
        group = where.codedeploy.get_deployment_group(self.application, self.physical_id)
        config_name = properties.get("DeploymentConfigName")
        if config_name:
            deployment_config(where.codedeploy, config_name)
            group.deployment_config_name = config_name
        group.alarm_configuration = _alarm_configuration(properties.get("AlarmConfiguration"))
        group.auto_rollback_configuration = _lower_first(
            properties.get("AutoRollbackConfiguration")
        )
        group.service_role_arn = properties.get("ServiceRoleArn", group.service_role_arn)

    def remove(self, where: _Where) -> None:
        where.codedeploy.deployment_groups.get(self.application, {}).pop(self.physical_id, None)


def _alarm_configuration(configuration: Mapping[str, Any] | None) -> AlarmConfiguration | None:
    if not configuration:
        return None
    return AlarmConfiguration(
        alarms=[{"name": alarm["Name"]} for alarm in configuration.get("Alarms") or []],
        enabled=_flag(configuration.get("Enabled", False)),
        ignore_poll_alarm_failure=_flag(configuration.get("IgnorePollAlarmFailure", False)),
    )


def _lower_first(mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    """CloudFormation's ``Enabled`` / ``Events`` keys as the API's ``enabled`` / ``events``."""
    return {key[:1].lower() + key[1:]: value for key, value in (mapping or {}).items()}


class DeploymentConfigModel(_Resource, CloudFormationModel):
    """``AWS::CodeDeploy::DeploymentConfig`` of the Lambda platform (a custom configuration).

    Every property of a deployment configuration requires its replacement: no update.
    """

    def __init__(self, name: str) -> None:
        self.physical_id = name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "DeploymentConfigName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeDeploy::DeploymentConfig"

    @classmethod
    def create(cls, name: str, resource: dict[str, Any], where: _Where) -> DeploymentConfigModel:
        properties = resource["Properties"]
        name = properties.get("DeploymentConfigName", name)
        config = from_traffic_routing(name, properties.get("TrafficRoutingConfig"))
        deployment_configs(where.codedeploy)[name] = config
        return cls(name)

    def remove(self, where: _Where) -> None:
        deployment_configs(where.codedeploy).pop(self.physical_id, None)
