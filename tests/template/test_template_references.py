"""Outputs naming an undeclared resource fail before deploying, naming output, name and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.template.errors import TemplateError
from harness.template.loader import load_document
from harness.template.references import check_output_references, references_in
from harness.template.transform import transform

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "templates"
HELLO_WORLD = FIXTURES / "hello_world_outputs.yaml"


def check(path: Path) -> None:
    document = load_document(path)
    check_output_references(document, transform(document, {}, "us-east-1", source=path), path)


def with_outputs(tmp_path: Path, outputs: str) -> tuple[Path, int]:
    """The hello world template with ``outputs`` appended; also the line they start on."""
    text = HELLO_WORLD.read_text()
    path = tmp_path / "template.yaml"
    path.write_text(text + outputs)
    return path, text.count("\n") + 1


def test_generated_resources_parameters_pseudo_parameters_and_sub_variables_are_declared():
    check(HELLO_WORLD)


@pytest.mark.parametrize(
    ("output", "written", "missing", "offset"),
    [
        ("  Broken:\n    Value: !GetAtt NoSuchResource.Arn\n", "!GetAtt NoSuchResource.Arn",
         "NoSuchResource", 1),
        ("  Broken:\n    Value: !Ref Nope\n", "!Ref Nope", "Nope", 1),
        ('  Broken:\n    Value: !Sub "arn:${AWS::Partition}:x:${Nope}"\n', "${Nope} in !Sub",
         "Nope", 1),
        ("  Broken:\n    Value:\n      Fn::GetAtt: [Gone, Arn]\n", "!GetAtt Gone.Arn", "Gone", 2),
        ("  Broken:\n    Value: !Sub\n      - ${Local}\n      - Local: !GetAtt Gone.Arn\n",
         "!GetAtt Gone.Arn", "Gone", 3),
        ("  Broken:\n    Value: !Ref Nope.Alias\n", "!Ref Nope.Alias", "Nope.Alias", 1),
    ],
    ids=["getatt", "ref", "sub", "long-form-getatt", "sub-variable-value", "sam-alias"],
)  # fmt: skip
def test_a_missing_name_fails_naming_the_output_the_reference_and_its_line(
    tmp_path, output, written, missing, offset
):
    """``offset``: the line of the reference, counted from the output's name."""
    path, first_line = with_outputs(tmp_path, output)
    with pytest.raises(TemplateError) as raised:
        check(path)
    line = first_line + offset
    assert f"{path}:{line}: output Broken: {written} names no resource" in str(raised.value)
    assert f"({missing} is not declared)" in str(raised.value)
    assert raised.value.line == line


def test_every_broken_output_is_listed_in_line_order(tmp_path):
    path, first_line = with_outputs(
        tmp_path, "  First:\n    Value: !Ref Nope\n  Second:\n    Value: !GetAtt Gone.Arn\n"
    )
    with pytest.raises(TemplateError) as raised:
        check(path)
    listed = re.findall(r":(\d+): output (\w+):", str(raised.value))
    assert listed == [(str(first_line + 1), "First"), (str(first_line + 3), "Second")]


def test_a_template_without_outputs_passes():
    document = load_document(HELLO_WORLD)
    document.pop("Outputs")
    check_output_references(document, transform(document, {}, "us-east-1"))


def test_references_are_found_in_every_form_with_their_line():
    document = load_document(HELLO_WORLD)
    found = [
        (ref.name, ref.written)
        for ref in references_in(document["Outputs"]["LocalVariable"]["Value"])
    ]
    assert found == [("AWS::StackName", "${AWS::StackName} in !Sub"), ("Stage", "!Ref Stage")]
    (ref,) = references_in(document["Outputs"]["HelloWorldFunction"])
    assert ref.line == document["Outputs"].line_of("HelloWorldFunction") + 1
