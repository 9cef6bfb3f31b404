"""CodeBuild projects: current build images, bounded run time, logs kept in CloudWatch."""

from __future__ import annotations

import re

import pytest

from harness import AnyOf, Satisfies, Template

pytestmark = pytest.mark.template

PROJECT = "AWS::CodeBuild::Project"
# Curated images and the oldest version of each still allowed: Amazon Linux standard 5.0 is
# AL2023 (both spellings of its name), Ubuntu standard 7.0 is Ubuntu 22.04. Older images ship
# runtimes past end of life; anything not listed here (custom images included) needs review.
MINIMUM_IMAGE_VERSIONS = {
    "aws/codebuild/amazonlinux-x86_64-standard": 5,
    "aws/codebuild/amazonlinux2-x86_64-standard": 5,
    "aws/codebuild/standard": 7,
}
IMAGE = re.compile(r"^(?P<name>[\w/.-]+):(?P<major>\d+)\.\d+$")
# CodeBuild's bounds for TimeoutInMinutes; an absent timeout is the 60-minute default,
# which nobody chose.
TIMEOUT_MINUTES = range(5, 2161)


def is_allowed_image(image: object) -> bool:
    parsed = IMAGE.match(image) if isinstance(image, str) else None
    if parsed is None or parsed["name"] not in MINIMUM_IMAGE_VERSIONS:
        return False
    return int(parsed["major"]) >= MINIMUM_IMAGE_VERSIONS[parsed["name"]]


def test_build_images_come_from_the_allow_list(pipeline_template: Template) -> None:
    allowed = ", ".join(f"{name}:{major}.0+" for name, major in MINIMUM_IMAGE_VERSIONS.items())
    pipeline_template.resources(PROJECT).all_match(
        {"Properties": {"Environment": {"Image": Satisfies(is_allowed_image, f"one of {allowed}")}}}
    )


def test_every_project_has_a_timeout_and_cloudwatch_logs(pipeline_template: Template) -> None:
    retained = pipeline_template.resources(
        "AWS::Logs::LogGroup", where={"Properties": {"RetentionInDays": Satisfies(bool, "set")}}
    )
    timeout = Satisfies(
        lambda minutes: isinstance(minutes, int) and minutes in TIMEOUT_MINUTES,
        f"a literal number of minutes from {TIMEOUT_MINUTES.start} to {TIMEOUT_MINUTES.stop - 1}",
    )
    pipeline_template.resources(PROJECT).all_match(
        {
            "Properties": {
                "TimeoutInMinutes": timeout,
                "LogsConfig": {
                    "CloudWatchLogs": {
                        "Status": "ENABLED",
                        "GroupName": AnyOf(*({"Ref": group} for group in retained.ids)),
                    }
                },
            }
        }
    )
