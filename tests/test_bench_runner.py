"""The benchmark runner: one failing benchmark costs its own figures, not the others'."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest

import bench.__main__ as runner


def test_a_failing_benchmark_is_reported_and_the_others_figures_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing() -> dict[str, float]:
        raise RuntimeError("the rehearsal did not succeed")

    modules = {
        "bench.bench_broken": types.SimpleNamespace(run=failing),
        "bench.bench_fine": types.SimpleNamespace(run=lambda: {"fine_s": 1.5}),
    }
    report = tmp_path / "reports" / "bench.json"
    monkeypatch.setattr(runner, "REPORT", report)
    monkeypatch.setattr(runner, "ROOT", tmp_path)
    monkeypatch.setattr(runner, "discover", lambda names: ["broken", "fine"])
    monkeypatch.setattr(runner.importlib, "import_module", modules.__getitem__)
    assert runner.main([]) == 1
    assert json.loads(report.read_text()) == {"fine_s": 1.5}
    captured = capsys.readouterr()
    assert "fine_s" in captured.out
    assert "the rehearsal did not succeed" in captured.err
    assert "failed, figures not updated: broken" in captured.err
