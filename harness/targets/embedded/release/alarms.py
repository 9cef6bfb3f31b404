"""CloudWatch alarms, evaluated: what moto stores but never looks at.

Checked against the CloudWatch user guide ("Using Amazon CloudWatch alarms": alarm
evaluation, "How alarm state is evaluated when data is missing", percentile alarms and low
data samples, alarms on math expressions) and the ``PutMetricAlarm`` reference:

* an alarm is evaluated each time one of its periods ends (on the compressed clock,
  :mod:`clock`), on the datapoints of the *evaluation range*: CloudWatch retrieves more
  periods than ``EvaluationPeriods`` (the guide's examples retrieve five for three); here
  ``EvaluationPeriods + 2``;
* with at least ``EvaluationPeriods`` datapoints present, the most recent ``EvaluationPeriods``
  of them decide, and ``TreatMissingData`` is not consulted; otherwise missing periods are
  filled, as few as possible and the most recent first, as ``TreatMissingData`` says:
  ``breaching`` / ``notBreaching`` fill breaching / good points; ``missing`` and ``ignore``
  fill nothing: the alarm goes to ALARM when ``DatapointsToAlarm`` real points breach, OK
  when a real point does not, and otherwise ``missing`` gives INSUFFICIENT_DATA (ALARM
  when the oldest evaluated point breaches, the guide's sixth example) and ``ignore``
  keeps the state; the default is ``missing``, and an alarm on ``AWS/DynamoDB`` metrics
  always ignores missing data (``PutMetricAlarm`` reference);
* ``DatapointsToAlarm`` (default ``EvaluationPeriods``) of the evaluated points must breach
  for ALARM, otherwise the state is OK ("M out of N", not necessarily consecutive);
* ``Statistic`` or ``ExtendedStatistic`` (``pNN``) per period; with
  ``EvaluateLowSampleCountPercentile: ignore`` a percentile period with fewer than
  ``10 / (1 - p)`` values (``10 / p`` below p50) counts as missing;
* an alarm on ``Metrics`` evaluates the query whose ``ReturnData`` is true, its expression
  over the ``MetricStat`` queries (:mod:`metric_math`);
* a state change is recorded in ``describe_alarms`` (``StateValue``, ``StateReason``,
  ``StateReasonData``) and in the alarm history, and runs the state's actions when
  ``ActionsEnabled``: an SNS topic ARN receives CloudWatch's notification JSON.

Anomaly-detection thresholds and composite alarms are not emulated: such an alarm stays
INSUFFICIENT_DATA with a reason saying so.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from harness.targets.embedded.release.clock import ReleaseClock
from harness.targets.embedded.release.metric_math import ExpressionError, as_series, evaluate
from harness.targets.embedded.release.state import extension
from harness.targets.embedded.release.statistics import (
    RAW_RETENTION_NOMINAL_S,
    ROLLUP_PERIOD_NOMINAL_S,
    MetricIndex,
    Sample,
    metric_key,
    period_at,
    period_samples,
    raw_value_count,
    statistic_value,
)

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
EXTRA_PERIODS = 2
"""Periods the evaluation range holds beyond ``EvaluationPeriods``."""
_COMPARISONS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "GreaterThanThreshold": ("greater than", lambda v, t: v > t),
    "GreaterThanOrEqualToThreshold": ("greater than or equal to", lambda v, t: v >= t),
    "LessThanThreshold": ("less than", lambda v, t: v < t),
    "LessThanOrEqualToThreshold": ("less than or equal to", lambda v, t: v <= t),
}
_FILLED_AS = {"breaching": "Breaching", "notBreaching": "NonBreaching"}
_TICK_NOMINAL_S = 10.0
_LOG = logging.getLogger("harness.release")


@dataclass(frozen=True)
class Evaluation:
    """The outcome of one evaluation: the state, and why, as ``describe_alarms`` reports it."""

    state: str | None
    """``None``: keep the current state (``TreatMissingData: ignore``)."""
    reason: str
    reason_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryItem:
    """One ``DescribeAlarmHistory`` item."""

    alarm_name: str
    timestamp: datetime
    item_type: str
    summary: str
    data: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        return {
            "AlarmName": self.alarm_name,
            "AlarmType": "MetricAlarm",
            "Timestamp": self.timestamp,
            "HistoryItemType": self.item_type,
            "HistorySummary": self.summary,
            "HistoryData": json.dumps(self.data),
        }


def alarm_history(backend: Any) -> list[HistoryItem]:
    """Every history item of one CloudWatch backend's alarms, oldest first."""
    return extension(backend, "alarm_history", list)


Publish = Callable[[str, str, str], None]
"""``publish(topic_arn, subject, message)``: delivers an alarm action to SNS."""


class AlarmEvaluator:
    """Evaluates the alarms ``owns`` accepts each time one of their periods ends.

    Runs in a daemon thread from :meth:`start` to :meth:`stop`; :meth:`evaluate_due` is the
    step it repeats, callable on its own (tests, or right before reading a state).
    """

    def __init__(
        self,
        backend: Callable[[], Any],
        clock: ReleaseClock,
        *,
        owns: Callable[[Any], bool],
        publish: Publish,
    ) -> None:
        self._backend = backend
        self.clock = clock
        self._owns = owns
        self._publish = publish
        self._evaluated_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="alarm-evaluator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self.clock.wait(_TICK_NOMINAL_S, self._stop):
            try:
                self.evaluate_due()
            except Exception:  # one bad alarm must not end every alarm's evaluation
                _LOG.exception("alarm evaluation failed")
            try:
                self.roll_up_metrics()
            except Exception:  # the metrics stay raw a tick longer; evaluation goes on
                _LOG.exception("metric roll-up failed")

    def roll_up_metrics(self, now: float | None = None) -> None:
        """Keep the metric store within CloudWatch's retention (:mod:`statistics`).

        Raw datapoints stay for 3 nominal hours, or for the longest evaluation range of any
        alarm in the backend when that is longer (a period of one day is allowed), so no
        alarm ever evaluates a percentile on rolled-up data.
        """
        backend = self._backend()
        longest = max(
            (
                (alarm_period(alarm) or 0.0) * (int(alarm.evaluation_periods) + EXTRA_PERIODS)
                for alarm in list(backend.alarms.values())
            ),
            default=0.0,
        )
        horizon = self.clock.wall(max(RAW_RETENTION_NOMINAL_S, longest))
        moment = time.time() if now is None else now
        MetricIndex.of(backend).roll_up(moment - horizon, self.clock.wall(ROLLUP_PERIOD_NOMINAL_S))

    def evaluate_due(self, now: float | None = None) -> None:
        """Evaluate each owned alarm whose latest period ended since its last evaluation."""
        moment = time.time() if now is None else now
        backend = self._backend()
        with self._lock:
            for alarm in list(backend.alarms.values()):
                if not self._owns(alarm):
                    continue
                period_s = alarm_period(alarm)
                if period_s is None:
                    continue
                end = self.clock.period_start(period_s, moment)
                if self._evaluated_until.get(alarm.name, -math.inf) >= end:
                    continue
                self._evaluated_until[alarm.name] = end
                self.apply(backend, alarm, self.evaluate(backend, alarm, end))

    def evaluate(self, backend: Any, alarm: Any, end: float) -> Evaluation:
        """The alarm's state on the evaluation range ending at ``end`` (epoch s, exclusive)."""
        unsupported = _unsupported(alarm)
        if unsupported:
            return Evaluation(
                INSUFFICIENT_DATA, f"Not emulated by the embedded target: {unsupported}"
            )
        period_s = alarm_period(alarm) or 60
        length = self.clock.wall(period_s)
        count = int(alarm.evaluation_periods) + EXTRA_PERIODS
        start = period_at(end, -count, length)
        periods = [period_at(start, offset, length) for offset in range(count)]
        try:
            values = _datapoints(MetricIndex.of(backend), alarm, periods, length)
        except ExpressionError as error:
            return Evaluation(INSUFFICIENT_DATA, f"Metric math error: {error}")
        return decide(alarm, [values.get(p) for p in periods], periods, period_s)

    def apply(self, backend: Any, alarm: Any, evaluation: Evaluation) -> None:
        """Record a state change (state, reason, history) and run the new state's actions."""
        if evaluation.state is None or evaluation.state == alarm.state_value:
            return
        old_state, old_reason = alarm.state_value, alarm.state_reason
        now = datetime.now(UTC)
        alarm.state_value = evaluation.state
        alarm.state_reason = evaluation.reason
        alarm.state_reason_data = json.dumps(evaluation.reason_data)
        alarm.state_updated_timestamp = now
        history = alarm_history(backend)
        history.append(
            HistoryItem(
                alarm.name,
                now,
                "StateUpdate",
                f"Alarm updated from {old_state} to {evaluation.state}",
                {
                    "version": "1.0",
                    "oldState": {"stateValue": old_state, "stateReason": old_reason},
                    "newState": {
                        "stateValue": evaluation.state,
                        "stateReason": evaluation.reason,
                        "stateReasonData": evaluation.reason_data,
                    },
                },
            )
        )
        if alarm.actions_enabled:
            for action in _actions(alarm, evaluation.state):
                history.append(self._run_action(alarm, action, old_state, now))

    def _run_action(self, alarm: Any, action: str, old_state: str, now: datetime) -> HistoryItem:
        if not action.startswith("arn:aws:sns:"):
            return HistoryItem(
                alarm.name, now, "Action", f"Failed to execute action {action}",
                {"actionState": "Failed", "error": "only SNS actions are emulated"},
            )  # fmt: skip
        subject = f'{alarm.state_value}: "{alarm.name}" in {alarm.region_name}'[:100]
        try:
            self._publish(action, subject, json.dumps(notification(alarm, old_state, now)))
        except Exception as error:
            return HistoryItem(
                alarm.name, now, "Action", f"Failed to execute action {action}",
                {"actionState": "Failed", "error": str(error)},
            )  # fmt: skip
        return HistoryItem(
            alarm.name, now, "Action", f"Successfully executed action {action}",
            {"actionState": "Succeeded", "notificationResource": action},
        )  # fmt: skip


def alarm_period(alarm: Any) -> float | None:
    """The alarm's period in nominal seconds: its ``Period``, or its metric queries'."""
    if alarm.period:
        return float(alarm.period)
    for query in alarm.metric_data_queries:
        if query.metric_stat is not None and query.metric_stat.period:
            return float(query.metric_stat.period)
    return None


def _unsupported(alarm: Any) -> str:
    if alarm.comparison_operator not in _COMPARISONS:
        return f"comparison {alarm.comparison_operator} (anomaly detection)"
    if alarm.threshold_metric_id:
        return "a threshold from an anomaly detection band"
    if alarm.rule:
        return "composite alarms"
    return ""


def _datapoints(
    index: MetricIndex, alarm: Any, periods: Sequence[float], length: float
) -> dict[float, float]:
    """The alarm's value for each of ``periods`` (starts, ``length`` s each) that has one."""
    start, end = periods[0], period_at(periods[-1], 1, length)
    if not alarm.metric_data_queries:
        key = metric_key(alarm.namespace, alarm.metric_name, _dimension_dicts(alarm.dimensions))
        statistic = alarm.extended_statistic or alarm.statistic
        buckets = period_samples(index, key, start=start, end=end, period_s=length, unit=alarm.unit)
        return _values(buckets, statistic, alarm.evaluate_low_sample_count_percentile)
    variables: dict[str, dict[float, float]] = {}
    for query in alarm.metric_data_queries:
        stat = query.metric_stat
        if stat is None:
            continue
        metric = stat.metric
        key = metric_key(metric.namespace, metric.metric_name, _dimension_dicts(metric.dimensions))
        buckets = period_samples(index, key, start=start, end=end, period_s=length, unit=stat.unit)
        variables[query.id] = _values(buckets, stat.stat, None)
    returned = next(
        (q for q in alarm.metric_data_queries if str(q.return_data).lower() != "false"), None
    )
    if returned is None:
        raise ExpressionError("no query of the alarm has ReturnData true")
    if returned.expression:
        return as_series(evaluate(returned.expression, variables, periods), periods)
    return variables.get(returned.id, {})


def _dimension_dicts(dimensions: Sequence[Any]) -> list[dict[str, str]]:
    return [{"Name": d.name, "Value": d.value} for d in dimensions]


def _values(
    buckets: dict[float, list[Sample]], statistic: str, low_samples: str | None
) -> dict[float, float]:
    values: dict[float, float] = {}
    for bucket, samples in buckets.items():
        if low_samples == "ignore" and raw_value_count(samples) < _minimum_samples(statistic):
            continue
        value = statistic_value(samples, statistic)
        if value is not None:
            values[bucket] = value
    return values


def _minimum_samples(statistic: str) -> float:
    """ "fewer than 10/(1-percentile) data points" (10/percentile below p50)."""
    if not statistic.startswith("p"):
        return 0
    share = float(statistic[1:]) / 100
    if share >= 1:
        return math.inf
    return 10 / (1 - share) if share >= 0.5 else 10 / share


@dataclass(frozen=True)
class _Window:
    """The points one evaluation looked at (oldest first; ``None`` = a filled missing point)."""

    points: list[tuple[float, float | None]]
    present: int
    filled: int
    breaching: int
    good: int


@dataclass(frozen=True)
class _Rule:
    """An alarm's threshold settings, read once."""

    wanted: int
    needed: int
    threshold: float
    words: str
    breaches: Callable[[float, float], bool]
    treat: str

    @classmethod
    def of(cls, alarm: Any) -> _Rule:
        wanted = int(alarm.evaluation_periods)
        words, breaches = _COMPARISONS[alarm.comparison_operator]
        return cls(
            wanted=wanted,
            needed=int(alarm.datapoints_to_alarm or wanted),
            threshold=float(alarm.threshold),
            words=words,
            breaches=breaches,
            treat="ignore" if _on_dynamodb(alarm) else alarm.treat_missing_data or "missing",
        )

    def window(self, values: Sequence[float | None], periods: Sequence[float]) -> _Window:
        pairs = list(zip(periods, values, strict=True))
        present = [(p, v) for p, v in pairs if v is not None]
        if len(present) >= self.wanted:
            points: list[tuple[float, float | None]] = list(present[-self.wanted :])
        else:
            missing = [p for p, v in pairs if v is None]
            fills = missing[len(missing) - (self.wanted - len(present)) :]
            points = sorted([*present, *((p, None) for p in fills)])
        real = [v for _, v in points if v is not None]
        breaching = sum(1 for v in real if self.breaches(v, self.threshold))
        return _Window(
            points, len(present), len(points) - len(real), breaching, len(real) - breaching
        )

    def state(self, window: _Window) -> str | None:
        if window.filled and self.treat in _FILLED_AS:
            breaching = window.breaching + (window.filled if self.treat == "breaching" else 0)
            return ALARM if breaching >= self.needed else OK
        if window.breaching >= self.needed:
            return ALARM
        if window.good or not window.filled:
            return OK
        if self.treat == "ignore":
            return None
        oldest = window.points[0][1]
        if oldest is not None and self.breaches(oldest, self.threshold):
            return ALARM
        return INSUFFICIENT_DATA

    def reason(self, window: _Window, state: str | None) -> str:
        shown = ", ".join(f"{v} ({_stamp(p)})" for p, v in reversed(window.points) if v is not None)
        if state is None:
            return "missing data ignored (TreatMissingData: ignore): state kept"
        if window.filled and self.treat in _FILLED_AS:
            treated = _FILLED_AS[self.treat]
            verb = "was" if window.filled == 1 else "were"
            if window.present:
                were = "was" if window.present == 1 else "were"
                received = f"{_count(window.present, 'datapoint')} [{shown}] {were} received"
            else:
                received = f"no datapoints were received for {_count(window.filled, 'period')}"
            return (
                f"Threshold Crossed: {received} and "
                f"{_count(window.filled, 'missing datapoint')} {verb} treated as [{treated}]."
            )
        if state == INSUFFICIENT_DATA:
            verb = "was" if window.filled == 1 else "were"
            return f"Insufficient Data: {_count(window.filled, 'datapoint')} {verb} unknown."
        count = window.breaching if state == ALARM else self.wanted - window.breaching
        negation, transition = ("", "OK -> ALARM") if state == ALARM else ("not ", "ALARM -> OK")
        return (
            f"Threshold Crossed: {count} out of the last {self.wanted} datapoints [{shown}] "
            f"{'was' if count == 1 else 'were'} {negation}{self.words} the threshold "
            f"({self.threshold}) (minimum {_count(self.needed, 'datapoint')} for {transition} "
            "transition)."
        )


def _on_dynamodb(alarm: Any) -> bool:
    """ "Alarms that evaluate metrics in the AWS/DynamoDB namespace always ignore missing data"."""
    namespaces = {alarm.namespace} | {
        q.metric_stat.metric.namespace for q in alarm.metric_data_queries if q.metric_stat
    }
    return "AWS/DynamoDB" in namespaces


def decide(
    alarm: Any, values: Sequence[float | None], periods: Sequence[float], period_s: float
) -> Evaluation:
    """Apply the guide's rules to the evaluation range (oldest first, ``None`` = missing)."""
    rule = _Rule.of(alarm)
    window = rule.window(values, periods)
    state = rule.state(window)
    data = _reason_data(alarm, window.points, periods, period_s, rule.threshold)
    return Evaluation(state, rule.reason(window, state), data)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _stamp(period: float) -> str:
    return datetime.fromtimestamp(period, UTC).strftime("%d/%m/%y %H:%M:%S")


def _reason_data(
    alarm: Any,
    evaluated: Sequence[tuple[float, float | None]],
    periods: Sequence[float],
    period_s: float,
    threshold: float,
) -> dict[str, Any]:
    def iso(moment: float) -> str:
        return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    data: dict[str, Any] = {
        "version": "1.0",
        "queryDate": iso(time.time()),
        "startDate": iso(periods[0]),
        "period": int(period_s),
        "recentDatapoints": [v for _, v in evaluated if v is not None],
        "threshold": threshold,
        "evaluatedDatapoints": [
            {"timestamp": iso(p), **({"value": v} if v is not None else {})}
            for p, v in reversed(evaluated)
        ],
    }
    if alarm.statistic or alarm.extended_statistic:
        data["statistic"] = alarm.extended_statistic or alarm.statistic
    return data


def _actions(alarm: Any, state: str) -> list[str]:
    if state == ALARM:
        return list(alarm.alarm_actions or [])
    if state == OK:
        return list(alarm.ok_actions or [])
    return list(alarm.insufficient_data_actions or [])


def notification(alarm: Any, old_state: str, at: datetime) -> dict[str, Any]:
    """The JSON CloudWatch publishes to an SNS topic action on a state change."""
    trigger: dict[str, Any] = {
        "Period": int(alarm_period(alarm) or 0),
        "EvaluationPeriods": int(alarm.evaluation_periods),
        "ComparisonOperator": alarm.comparison_operator,
        "Threshold": float(alarm.threshold),
        "TreatMissingData": alarm.treat_missing_data or "missing",
        "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
    }
    if not alarm.metric_data_queries:
        trigger |= {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "ExtendedStatistic" if alarm.extended_statistic else "Statistic",
            "Statistic": alarm.extended_statistic or (alarm.statistic or "").upper(),
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
        }
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": alarm.alarm_arn.split(":")[4],
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp.isoformat(),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": at.isoformat(),
        "Region": alarm.region_name,
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state,
        "OKActions": list(alarm.ok_actions or []),
        "AlarmActions": list(alarm.alarm_actions or []),
        "InsufficientDataActions": list(alarm.insufficient_data_actions or []),
        "Trigger": trigger,
    }
