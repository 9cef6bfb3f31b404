"""CodePipeline variables: ``#{Namespace.Name}`` in action configuration, resolved per run.

As the CodePipeline user guide's variables reference describes: an action with a
``Namespace`` publishes its output variables there (a source action's ``CommitId``,
``BranchName``...; a CodeBuild action's ``exported-variables``); pipeline-level variables
are ``#{variables.Name}``; the execution's own are ``#{codepipeline.PipelineExecutionId}``.
A reference to a namespace or variable that does not exist (yet) fails the action that
uses it, naming the reference: CodePipeline does the same when the action starts.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

_REFERENCE = re.compile(r"#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_]+)\}")
PIPELINE_NAMESPACE = "variables"
EXECUTION_NAMESPACE = "codepipeline"


class UnresolvedVariable(ValueError):
    """A ``#{...}`` reference without a value; names it and where it was used."""

    def __init__(self, reference: str, where: str, known: list[str]) -> None:
        hint = f"; known namespaces: {', '.join(known)}" if known else ""
        super().__init__(f"{where}: variable {reference} cannot be resolved{hint}")
        self.reference = reference


class Variables:
    """The namespaces of one execution; thread-safe, as actions of a RunOrder run at once."""

    def __init__(self, pipeline_variables: Mapping[str, str], execution_id: str) -> None:
        self._lock = threading.Lock()
        self._namespaces: dict[str, dict[str, str]] = {
            PIPELINE_NAMESPACE: dict(pipeline_variables),
            EXECUTION_NAMESPACE: {"PipelineExecutionId": execution_id},
        }

    def publish(self, namespace: str, values: Mapping[str, str]) -> None:
        with self._lock:
            self._namespaces.setdefault(namespace, {}).update(values)

    def snapshot(self) -> dict[str, dict[str, str]]:
        with self._lock:
            return {name: dict(values) for name, values in self._namespaces.items()}

    def resolve(self, value: Any, where: str) -> Any:
        """``value`` (a string, or lists and mappings of them) with every reference filled."""
        if isinstance(value, str):
            return _REFERENCE.sub(lambda found: self._lookup(found, where), value)
        if isinstance(value, list):
            return [self.resolve(item, where) for item in value]
        if isinstance(value, Mapping):
            return {key: self.resolve(item, f"{where}.{key}") for key, item in value.items()}
        return value

    def _lookup(self, found: re.Match[str], where: str) -> str:
        namespace, name = found.groups()
        with self._lock:
            values = self._namespaces.get(namespace)
            if values is None or name not in values:
                raise UnresolvedVariable(found.group(0), where, sorted(self._namespaces))
            return values[name]
