"""The check pack against cfn-lint with the serverless rules, on the same templates.

``python -m bench.check_pack_vs_cfn_lint`` prints, per template, what each one reports:
the pack's check ids with their subjects, and cfn-lint's rule ids (errors and warnings,
on the SAM source and on the transformed template, the way the template layer lints).
The README's comparison table is read off this output.
"""

from __future__ import annotations

from pathlib import Path

from harness.checks import CHECKS, CheckInput
from harness.config.stack_parameters import template_parameters
from harness.sam import read_sam_model
from harness.settings import Setting
from harness.template.lint import LintRunner
from harness.template.transform import transformed_template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [
    ROOT / "app" / "template.yaml",
    ROOT / "fixtures" / "apps" / "http_hello" / "template.yaml",
    ROOT / "fixtures" / "templates" / "check_pack_defects.yaml",
    *sorted((ROOT / "fixtures" / "sam").glob("*/template.yaml")),
]


def main() -> None:
    linter = LintRunner()
    for path in TEMPLATES:
        given = {name: Setting("x", "bench") for name in read_sam_model(path).missing_parameters}
        parameters = template_parameters(path, given, stage="dev", stage_parameter="Stage")
        transformed = transformed_template(path, parameters, "us-east-1")
        checked = CheckInput(read_sam_model(path, parameters), transformed)
        pack = sorted({f"{c.id}" for c in CHECKS for _ in c.evaluate(checked).findings})
        lint = sorted(
            {
                f.rule_id
                for report in (linter.lint(path), linter.lint(transformed))
                for f in report.findings
            }
        )
        print(path.relative_to(ROOT))
        print(f"  pack:     {' '.join(pack) or '-'}")
        print(f"  cfn-lint: {' '.join(lint) or '-'}")


if __name__ == "__main__":
    main()
