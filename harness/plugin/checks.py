"""The check pack as template-layer tests, one per check, without the repository writing any.

With ``harness_check_pack = true`` the template layer's folder collects, besides its own
test files, a ``harness_checks`` node holding one test per check of :mod:`harness.checks`,
named by its stable id: ``suites/template/harness_checks::HC101-function-tracing``. So
``pytest suites/template`` and ``-k HC101`` run them, and running one test file of the
folder does not. A check switched off by ``harness_check_ignores`` for the whole app is
skipped with its reason; one switched off for a resource passes over that resource, and
when that leaves nothing wrong the test is skipped naming the resource and the reason, so
an ignore is never silent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.checks import CHECKS, Check, CheckInput, Finding, Ignore, parse_ignores
from harness.checks.pack import apply_ignores
from harness.plugin.layers import layer_dir
from harness.plugin.options import settings_of

PACK_NAME = "harness_checks"
INPUT_KEY = pytest.StashKey["CheckInput | str"]()
IGNORES_KEY = pytest.StashKey[list[Ignore]]()


def pytest_configure(config: pytest.Config) -> None:
    """Read the ignores before anything runs: a bad one stops the session, naming it."""
    if config.option.help:
        return
    settings = settings_of(config)
    try:
        ignores = parse_ignores(settings.check_ignores, (check.id for check in CHECKS))
    except ValueError as error:
        raise pytest.UsageError(f"{settings.source('check_ignores')}: {error}") from None
    config.stash[IGNORES_KEY] = ignores


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """The template layer's folder, with the pack, when the pack is on."""
    config = parent.config
    if not settings_of(config).check_pack or path != layer_dir(config, "template"):
        return None
    if (path / "__init__.py").is_file():
        return TemplateLayerPackage.from_parent(parent, path=path)
    return TemplateLayerDir.from_parent(parent, path=path)


class _WithPack:
    """A directory collector that also yields the check pack."""

    path: Path

    def collect(self) -> Iterator[Any]:
        yield from super().collect()  # type: ignore[misc]
        yield CheckPack.from_parent(self, path=self.path / PACK_NAME)  # type: ignore[arg-type]


class TemplateLayerDir(_WithPack, pytest.Dir):
    pass


class TemplateLayerPackage(_WithPack, pytest.Package):
    pass


class CheckPack(pytest.File):
    """The pack's node: one :class:`CheckItem` per check."""

    def collect(self) -> Iterator[CheckItem]:
        ignores = self.config.stash[IGNORES_KEY]
        for check in CHECKS:
            item = CheckItem.from_parent(self, name=check.test_name, check=check, ignores=ignores)
            whole = [i for i in ignores if i.check_id == check.id and i.subject is None]
            if whole:
                item.add_marker(pytest.mark.skip(reason=f"{check.id} ignored: {whole[0].reason}"))
            yield item


class CheckFailed(AssertionError):
    """A check found problems; the item's report lists them."""

    def __init__(self, check: Check, findings: list[Finding], notes: list[str]) -> None:
        super().__init__(check.id)
        self.check = check
        self.findings = findings
        self.notes = notes


class CheckItem(pytest.Item):
    """One check of the pack, run on the app's model and transformed template."""

    def __init__(self, *, check: Check, ignores: list[Ignore], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.ignores = ignores

    def runtest(self) -> None:
        checked = check_input(self.config)
        result = self.check.evaluate(checked)
        if not result.subjects:
            pytest.skip(f"{self.check.id}: nothing of the kind in {checked.model.path.name}")
        findings, ignored = apply_ignores(self.check, result, self.ignores)
        if findings:
            raise CheckFailed(self.check, findings, ignored)
        if ignored:
            pytest.skip(f"{self.check.id}: {'; '.join(ignored)}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if not isinstance(excinfo.value, CheckFailed):
            return super().repr_failure(excinfo, style)
        failed = excinfo.value
        lines = [
            f"{self.check.id} {self.check.name}: {self.check.asks}",
            f"  why: {self.check.why}",
            *(f"  {finding.describe()}" for finding in failed.findings),
            *(f"  {note}" for note in failed.notes),
            f"  (switch it off with a reason: harness_check_ignores = {self.check.id} "
            f"{failed.findings[0].subject}: <why>)",
        ]
        return "\n".join(lines)

    def reportinfo(self) -> tuple[Path, int, str]:
        """The app's template: where a skip by ignore points (its findings name lines)."""
        return settings_of(self.config).app_template, 0, self.check.test_name


def check_input(config: pytest.Config) -> CheckInput:
    """The app's model and transformed template, built once per session for every check."""
    if INPUT_KEY not in config.stash:
        config.stash[INPUT_KEY] = _build_input(config)
    built = config.stash[INPUT_KEY]
    if isinstance(built, str):
        pytest.fail(built, pytrace=False)
    return built


def _build_input(config: pytest.Config) -> CheckInput | str:
    from harness.config.stack_parameters import stack_parameters
    from harness.sam import SamModelError, read_sam_model
    from harness.settings import SettingsError
    from harness.template import TemplateError
    from harness.template.transform import transformed_template

    settings = settings_of(config)
    try:
        parameters = stack_parameters(settings.app_template, settings)
        model = read_sam_model(settings.app_template, parameters)
        transformed = transformed_template(settings.app_template, parameters, settings.region)
    except (SettingsError, SamModelError, TemplateError, OSError) as error:
        return f"check pack: {error}"
    return CheckInput(model, transformed)
