"""Audit: with ``AuditTrail=Create`` the pipeline stack records every region's management events
and every access to the artifact bucket, in log files it validates and encrypts, delivered to a
bucket whose policy is CloudTrail's own and nothing wider; with ``AuditTrail=Organization`` it
creates none of that (the organisation's trail covers the account; see the README).

The bucket policy is the one the CloudTrail user guide gives ("Amazon S3 bucket policy for
CloudTrail"): ``s3:GetBucketAcl`` on the bucket and ``s3:PutObject`` under
``AWSLogs/<account>/`` with ``bucket-owner-full-control``, both for ``cloudtrail.amazonaws.com``
and only for this trail (``aws:SourceArn``).
"""

from __future__ import annotations

import re

import pytest

from harness.pipeline.stages import artifact_store_location
from harness.template import Resource, Template
from harness.template.match import Absent, AnyOf, Capture, Contains, Exactly, RefersTo, Regex, match
from harness.template.sub import sub_text

pytestmark = pytest.mark.template

TRAIL = "AWS::CloudTrail::Trail"
CLOUDTRAIL = "cloudtrail.amazonaws.com"
PIPELINE = "AWS::CodePipeline::Pipeline"


def created_trail(pipeline_template: Template) -> tuple[Template, Resource]:
    template = pipeline_template.with_parameters(AuditTrail="Create")
    return template, template.resources(TRAIL).one()


def trail_arn(trail: Resource) -> str:
    """The trail's ARN as ``Fn::Sub`` text, from its ``TrailName``."""
    name = sub_text(trail.properties.get("TrailName"))
    return f"arn:${{AWS::Partition}}:cloudtrail:${{AWS::Region}}:${{AWS::AccountId}}:trail/{name}"


def test_created_trail_covers_every_region_validates_encrypts_and_logs_artifact_access(
    pipeline_template: Template,
) -> None:
    template, trail = created_trail(pipeline_template)
    artifacts = artifact_store_location(template.resources(PIPELINE).one())
    key = Capture()
    template.resources(TRAIL).all_match(
        {
            "Properties": {
                "IsLogging": True,
                "IsMultiRegionTrail": True,
                "IncludeGlobalServiceEvents": True,
                "EnableLogFileValidation": True,
                "KMSKeyId": key,
                "EventSelectors": Contains(
                    [
                        {
                            "ReadWriteType": AnyOf("All", Absent()),
                            "IncludeManagementEvents": AnyOf(True, Absent()),
                            "DataResources": Contains(
                                [
                                    {
                                        "Type": "AWS::S3::Object",
                                        "Values": Contains([{"Fn::Sub": f"${{{artifacts}.Arn}}/"}]),
                                    }
                                ]
                            ),
                        }
                    ]
                ),
            }
        }
    )
    keys = template.referred_to(key.value, "AWS::KMS::Key")
    keys.all_match({"Properties": {"EnableKeyRotation": True}})
    template.policy_statements().only(*keys.ids).any_match(
        {
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": Contains([AnyOf("kms:GenerateDataKey*", "kms:GenerateDataKey")]),
            "Condition": {"StringEquals": {"aws:SourceArn": {"Fn::Sub": trail_arn(trail)}}},
        }
    )


def test_trail_bucket_policy_is_cloudtrails_and_nothing_wider(pipeline_template: Template) -> None:
    template, trail = created_trail(pipeline_template)
    bucket = trail.properties.get("S3BucketName", {}).get("Ref")
    source = {"aws:SourceArn": {"Fn::Sub": trail_arn(trail)}}
    acl_check = {
        "Principal": Exactly({"Service": CLOUDTRAIL}),
        "Action": ["s3:GetBucketAcl"],
        "Resource": [RefersTo(str(bucket))],
        "Condition": Exactly({"StringEquals": source}),
    }
    logs = re.escape(f"${{{bucket}.Arn}}/AWSLogs/${{AWS::AccountId}}/") + r"\*$"
    write = {
        "Principal": Exactly({"Service": CLOUDTRAIL}),
        "Action": ["s3:PutObject"],
        "Resource": [{"Fn::Sub": Regex(f"^{logs}")}],
        "Condition": Exactly(
            {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}}
        ),
    }
    policies = template.resources(
        "AWS::S3::BucketPolicy", where={"Properties": {"Bucket": {"Ref": bucket}}}
    ).ids
    grants = template.policy_statements().only(*policies).where({"Effect": "Allow"})
    grants.all_match(AnyOf(acl_check, write))
    grants.any_match(acl_check)
    grants.any_match(write)


def test_organisation_trail_setting_creates_nothing(pipeline_template: Template) -> None:
    """With an organisation trail, no trail, bucket, bucket policy or key of this stack's trail
    is created (they would only duplicate the organisation's records)."""
    created, trail = created_trail(pipeline_template)
    bucket = str(trail.properties.get("S3BucketName", {}).get("Ref"))
    keys = created.referred_to(trail.properties.get("KMSKeyId"), "AWS::KMS::Key").ids
    policies = created.resources(
        "AWS::S3::BucketPolicy", where={"Properties": {"Bucket": {"Ref": bucket}}}
    ).ids
    organisation = pipeline_template.with_parameters(AuditTrail="Organization")
    left = [
        logical_id
        for logical_id in (trail.logical_id, bucket, *keys, *policies)
        if logical_id in organisation.resources().ids
    ]
    left += [
        f"Outputs.{name}"
        for name, output in organisation.outputs.items()
        if match(RefersTo(trail.logical_id), output).ok
    ]
    assert not left, f"{organisation.label} still creates the trail's {left}"
