"""The artifact store holds every release's source and packaged code: encrypted with our own
rotating key. Every bucket of the pipeline (the artifact store, the audit trail's) is versioned,
private, reachable over TLS only, and expires old objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from harness.pipeline.stages import artifact_store_location
from harness.template import Resource, ResourceSet, Template
from harness.template.match import AnyOf, Capture, Contains, Present, RefersTo, Regex, render

pytestmark = pytest.mark.template

PIPELINE = "AWS::CodePipeline::Pipeline"
BUCKET = "AWS::S3::Bucket"
KEY_REFERENCE = AnyOf({"Fn::GetAtt": [Present(), "Arn"]}, {"Ref": Present()})


def artifact_bucket(template: Template) -> ResourceSet[Resource]:
    """The bucket the pipeline's artifact store names, as a set of one to assert on."""
    pipeline = template.resources(PIPELINE).one()
    location = artifact_store_location(pipeline)
    buckets = template.resources(BUCKET).only(location)
    if not buckets:
        raise AssertionError(
            f"{pipeline.heading()}: ArtifactStore.Location {location} is no bucket"
        )
    return buckets


def key_id(reference: Mapping[str, Any]) -> str:
    """The logical id in a ``Ref`` or ``Fn::GetAtt [id, Arn]``."""
    if "Ref" in reference:
        return str(reference["Ref"])
    return str(reference["Fn::GetAtt"][0])


def test_artifacts_are_encrypted_with_a_rotating_customer_managed_key(
    pipeline_template: Template,
) -> None:
    """The pipeline encrypts artifacts with a key of this stack, and the bucket's default
    encryption (what ``sam package`` uploads get) uses the same key."""
    store_key = Capture(KEY_REFERENCE)
    pipeline_template.resources(PIPELINE).all_match(
        {"Properties": {"ArtifactStore": {"EncryptionKey": {"Type": "KMS", "Id": store_key}}}}
    )
    key = key_id(store_key.value)
    keys = pipeline_template.resources("AWS::KMS::Key").only(key)
    if not keys:
        raise AssertionError(
            f"the artifact store's key {render(store_key.value)} is not a KMS key declared in "
            f"{pipeline_template.label}"
        )
    keys.all_match({"Properties": {"EnableKeyRotation": True}})
    same_key = AnyOf({"Fn::GetAtt": [key, "Arn"]}, {"Ref": key})
    default_encryption = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": same_key}
    artifact_bucket(pipeline_template).all_match(
        {
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": Contains(
                        [{"ServerSideEncryptionByDefault": default_encryption}]
                    )
                }
            }
        }
    )


def test_every_bucket_keeps_versions(pipeline_template: Template) -> None:
    """A rollback re-deploys the previous release's artifacts, and audit logs must survive an
    overwrite; versioning keeps both intact."""
    pipeline_template.resources(BUCKET).all_match(
        {"Properties": {"VersioningConfiguration": {"Status": "Enabled"}}}
    )


def test_every_bucket_blocks_public_access(pipeline_template: Template) -> None:
    pipeline_template.resources(BUCKET).all_match(
        {
            "Properties": {
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                }
            }
        }
    )


def test_every_bucket_denies_requests_without_tls(pipeline_template: Template) -> None:
    for bucket in pipeline_template.resources(BUCKET):
        policies = pipeline_template.resources(
            "AWS::S3::BucketPolicy", where={"Properties": {"Bucket": {"Ref": bucket.logical_id}}}
        )
        if not policies:
            raise AssertionError(
                f"{bucket.heading()}: no AWS::S3::BucketPolicy applies to it, "
                "so nothing denies requests made without TLS"
            )
        deny_without_tls = {
            "Effect": "Deny",
            "Principal": AnyOf("*", {"AWS": "*"}),
            "Action": AnyOf("s3:*", Contains(["s3:*"])),
            # The bucket itself and every object in it.
            "Resource": Contains([RefersTo(bucket.logical_id), {"Fn::Sub": Regex(r"/\*$")}]),
            "Condition": {"Bool": {"aws:SecureTransport": AnyOf(False, "false")}},
        }
        policies.any_match(
            {"Properties": {"PolicyDocument": {"Statement": Contains([deny_without_tls])}}}
        )


def test_every_bucket_expires_old_objects(pipeline_template: Template) -> None:
    """With versioning on, an expired object only gets a delete marker: the noncurrent
    versions need an expiry of their own, or the bucket grows forever."""
    bucket = pipeline_template.resources(BUCKET)
    for expiry in ("ExpirationInDays", "NoncurrentVersionExpiration"):
        bucket.all_match(
            {
                "Properties": {
                    "LifecycleConfiguration": {
                        "Rules": Contains([{"Status": "Enabled", expiry: Present()}])
                    }
                }
            }
        )
