"""The one SAM model: what a SAM template declares, read once, typed, Globals resolved.

Every part of the harness that needs to know what a template declares (unit backend,
in-process API, packager, embedded routes, transform placeholders, template handlers)
reads :class:`~harness.sam.model.SamModel`; a second parser of the template is a defect.
"""

from __future__ import annotations

from harness.sam.model import (
    ApiKind,
    Authorizer,
    Cors,
    Route,
    SamApi,
    SamFunction,
    SamLayer,
    SamModel,
    SamParameter,
    SamTable,
)

__all__ = [
    "ApiKind",
    "Authorizer",
    "Cors",
    "Route",
    "SamApi",
    "SamFunction",
    "SamLayer",
    "SamModel",
    "SamParameter",
    "SamTable",
]
