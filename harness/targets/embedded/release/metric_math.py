"""CloudWatch metric math, the part alarms use: arithmetic, comparisons, IF, FILL and friends.

An alarm on an expression (``Metrics`` with ``MetricStat`` queries and one ``Expression``
whose ``ReturnData`` is true) is evaluated on the expression's time series. moto's own
``GetMetricData`` only passes a query id through, so the expressions are evaluated here,
following the CloudWatch user guide ("Using math expressions with CloudWatch metrics"):

* operands are metric ids (time series), numbers (scalars) and ``[a, b, ...]`` arrays;
* ``+ - * / ^`` and the comparisons ``== != < <= > >=`` (1 when true, 0 when false), ``AND``,
  ``OR`` and ``NOT``, between series and scalars; between two series only at timestamps both
  have (a missing datapoint stays missing);
* ``IF(condition, a[, b])`` per timestamp of the condition (no ``b``: the point is dropped);
* ``FILL(series, value)`` fills the periods of the evaluated range that have no datapoint;
* ``ABS``, ``CEIL``, ``FLOOR``, ``LOG``, ``LOG10``, ``SQRT`` per datapoint;
* ``SUM``, ``AVG``, ``MIN``, ``MAX``, ``STDDEV`` of an array per timestamp, of one series a
  scalar over the evaluated range.

Anything else (``METRICS()``, ``SEARCH``, ``ANOMALY_DETECTION_BAND``, Metrics Insights SQL)
raises :class:`ExpressionError` naming it; the alarm evaluator reports that in the alarm's
state reason instead of guessing.
"""

from __future__ import annotations

import math
import re
import statistics as pystats
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

Series = dict[float, float]
Value = Series | float | list["Value"]

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>==|!=|<=|>=|[-+*/^<>(),\[\]]))"
)
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b if b else math.nan,
    "^": lambda a, b: a**b,
}
_PER_POINT: dict[str, Callable[[float], float]] = {
    "ABS": abs,
    "CEIL": math.ceil,
    "FLOOR": math.floor,
    "LOG": lambda x: math.log(x) if x > 0 else math.nan,
    "LOG10": lambda x: math.log10(x) if x > 0 else math.nan,
    "SQRT": lambda x: math.sqrt(x) if x >= 0 else math.nan,
}
_AGGREGATES: dict[str, Callable[[Sequence[float]], float]] = {
    "SUM": sum,
    "AVG": pystats.fmean,
    "MIN": min,
    "MAX": max,
    "STDDEV": lambda values: pystats.pstdev(values) if len(values) > 1 else 0.0,
}


class ExpressionError(ValueError):
    """An expression the emulation cannot evaluate; the message quotes it and says why."""


@dataclass
class _Context:
    variables: Mapping[str, Series]
    periods: Sequence[float]


def evaluate(expression: str, variables: Mapping[str, Series], periods: Sequence[float]) -> Value:
    """Evaluate ``expression`` over ``variables`` (id -> series) for the given period starts."""
    return _Parser(expression, _Context(variables, periods)).parse()


def as_series(value: Value, periods: Sequence[float]) -> Series:
    """The result of an alarm's expression as a time series (a scalar holds at every period)."""
    if isinstance(value, dict):
        return {t: v for t, v in value.items() if not math.isnan(v)}
    if isinstance(value, list):
        raise ExpressionError("an alarm's expression must give one time series, not an array")
    return {period: float(value) for period in periods}


class _Parser:
    """Recursive descent over the token list; evaluates as it parses."""

    def __init__(self, expression: str, context: _Context) -> None:
        self.expression = expression
        self.context = context
        self.tokens = self._tokenize(expression)
        self.position = 0

    def _tokenize(self, text: str) -> list[str]:
        tokens, position = [], 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                if text[position:].strip():
                    raise self._error(f"unexpected {text[position:].strip()[:10]!r}")
                break
            tokens.append(match.group(match.lastgroup or 0))
            position = match.end()
        return tokens

    def _error(self, reason: str) -> ExpressionError:
        return ExpressionError(f"metric math {self.expression!r}: {reason}")

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        token = self._peek()
        if token is None or (expected is not None and token.upper() != expected):
            raise self._error(f"expected {expected or 'more'}, found {token or 'the end'}")
        self.position += 1
        return token

    def parse(self) -> Value:
        value = self._or()
        if self._peek() is not None:
            raise self._error(f"unexpected {self._peek()!r}")
        return value

    def _or(self) -> Value:
        value = self._and()
        while (self._peek() or "").upper() == "OR":
            self._take()
            value = self._combine(value, self._and(), lambda a, b: float(bool(a) or bool(b)))
        return value

    def _and(self) -> Value:
        value = self._not()
        while (self._peek() or "").upper() == "AND":
            self._take()
            value = self._combine(value, self._not(), lambda a, b: float(bool(a) and bool(b)))
        return value

    def _not(self) -> Value:
        if (self._peek() or "").upper() == "NOT":
            self._take()
            return self._map(self._not(), lambda a: float(not a))
        return self._comparison()

    def _comparison(self) -> Value:
        value = self._sum()
        while self._peek() in _COMPARISONS:
            compare = _COMPARISONS[self._take()]
            value = self._combine(value, self._sum(), lambda a, b, c=compare: float(c(a, b)))
        return value

    def _sum(self) -> Value:
        value = self._product()
        while self._peek() in ("+", "-"):
            operation = _ARITHMETIC[self._take()]
            value = self._combine(value, self._product(), operation)
        return value

    def _product(self) -> Value:
        value = self._unary()
        while self._peek() in ("*", "/"):
            operation = _ARITHMETIC[self._take()]
            value = self._combine(value, self._unary(), operation)
        return value

    def _unary(self) -> Value:
        if self._peek() == "-":
            self._take()
            return self._map(self._unary(), lambda a: -a)
        value = self._atom()
        if self._peek() == "^":
            self._take()
            value = self._combine(value, self._unary(), _ARITHMETIC["^"])
        return value

    def _atom(self) -> Value:
        token = self._take()
        if token == "(":
            value = self._or()
            self._take(")")
            return value
        if token == "[":
            items = [self._or()]
            while self._peek() == ",":
                self._take()
                items.append(self._or())
            self._take("]")
            return items
        if token[0].isdigit():
            return float(token)
        if self._peek() == "(":
            return self._call(token.upper())
        if token in self.context.variables:
            return dict(self.context.variables[token])
        raise self._error(f"{token!r} is no metric id of this alarm")

    def _call(self, name: str) -> Value:
        self._take("(")
        arguments = [] if self._peek() == ")" else [self._or()]
        while self._peek() == ",":
            self._take()
            arguments.append(self._or())
        self._take(")")
        if name == "IF":
            return self._if(arguments)
        if name == "FILL" and len(arguments) == 2:
            return self._fill(*arguments)
        if name in _PER_POINT and len(arguments) == 1:
            return self._map(arguments[0], _PER_POINT[name])
        if name in _AGGREGATES and len(arguments) == 1:
            return self._aggregate(arguments[0], _AGGREGATES[name])
        raise self._error(f"function {name} with {len(arguments)} argument(s) is not emulated")

    def _if(self, arguments: list[Value]) -> Value:
        if len(arguments) not in (2, 3):
            raise self._error("IF takes a condition and one or two values")
        condition = self._points(arguments[0])
        then, otherwise = arguments[1], arguments[2] if len(arguments) == 3 else None
        result: Series = {}
        for stamp, flag in condition.items():
            branch = then if flag else otherwise
            point = self._point_at(branch, stamp)
            if point is not None:
                result[stamp] = point
        return result

    def _fill(self, value: Value, filler: Value) -> Value:
        points = self._points(value)
        if not isinstance(filler, float):
            raise self._error("FILL takes a number as its fill value")
        return {stamp: points.get(stamp, filler) for stamp in self.context.periods}

    def _aggregate(self, value: Value, aggregate: Callable[[Sequence[float]], float]) -> Value:
        if isinstance(value, list):
            serieses = [self._points(item) for item in value]
            stamps = sorted(set().union(*serieses))
            return {
                stamp: aggregate([s[stamp] for s in serieses if stamp in s]) for stamp in stamps
            }
        points = self._points(value)
        return aggregate(list(points.values())) if points else math.nan

    def _points(self, value: Value) -> Series:
        if isinstance(value, dict):
            return value
        if isinstance(value, list):
            raise self._error("an array is only allowed as a function's argument")
        return dict.fromkeys(self.context.periods, value)

    def _point_at(self, value: Value | None, stamp: float) -> float | None:
        if value is None:
            return None
        if isinstance(value, dict):
            return value.get(stamp)
        if isinstance(value, list):
            raise self._error("an array is only allowed as a function's argument")
        return value

    def _map(self, value: Value, operation: Callable[[float], float]) -> Value:
        if isinstance(value, dict):
            return {stamp: operation(point) for stamp, point in value.items()}
        if isinstance(value, list):
            return [self._map(item, operation) for item in value]
        return operation(value)

    def _combine(
        self, left: Value, right: Value, operation: Callable[[float, float], float]
    ) -> Value:
        if isinstance(left, list) or isinstance(right, list):
            raise self._error("arrays cannot be combined with operators")
        if isinstance(left, dict) and isinstance(right, dict):
            return {stamp: operation(left[stamp], right[stamp]) for stamp in left if stamp in right}
        if isinstance(left, dict):
            return {stamp: operation(point, float(right)) for stamp, point in left.items()}
        if isinstance(right, dict):
            return {stamp: operation(float(left), point) for stamp, point in right.items()}
        return operation(float(left), float(right))
