"""The template layer's library: load, transform, query, match and lint templates.

``Template`` and the matchers are pure Python and cheap to import. The SAM transform
(:mod:`harness.template.transform`) and cfn-lint (:mod:`harness.template.lint`) pull in
heavy packages, so they are imported from their own modules only where needed.
"""

from __future__ import annotations

from harness.template.errors import TemplateError
from harness.template.model import Template
from harness.template.resource_set import ResourceSet
from harness.template.subjects import Resource, Statement

__all__ = ["Resource", "ResourceSet", "Statement", "Template", "TemplateError"]
