"""The pipeline suite catches real defects: each mutation of the pipeline template, of the stage
bootstrap or of a buildspec makes the suite test for that property fail, with a message naming
the stage or resource at fault.

The suite's test functions are called directly on a mutated copy of ``pipeline/`` (the
templates as JSON, the buildspecs as YAML) written under a temporary repository root, so
this proves the shipped checks (not a re-implementation of them) would fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from mutation_kit import (
    SUITE,
    Defect,
    Document,
    KeyPath,
    Mutation,
    RepositoryCopy,
    assert_caught,
    assert_copy_passes,
    drop,
    node,
    set_at,
    suite_tests,
)

SUITE_MODULES = sorted(path.stem for path in SUITE.glob("test_pipeline_*.py"))
# Linting is cfn-lint's own business, tested there; a mutation per rule would test cfn-lint.
NOT_MUTATION_TESTED = {
    ("test_pipeline_lint", "test_pipeline_template_is_lint_clean"),
    ("test_pipeline_lint", "test_stage_bootstrap_template_is_lint_clean"),
}


def stages(copy: RepositoryCopy) -> list[Document]:
    return node(copy["pipeline"], ("Resources", "Pipeline", "Properties", "Stages"))


def stage(copy: RepositoryCopy, name: str) -> Document:
    return next(item for item in stages(copy) if item["Name"] == name)


def in_stage(name: str, edit: Callable[[Document], None]) -> Mutation:
    return lambda copy: edit(stage(copy, name))


def in_buildspec(file: str, edit: Callable[[Document], None]) -> Mutation:
    return lambda copy: edit(copy["buildspecs"][file])


def statements(copy: RepositoryCopy, policy: str, document: str = "pipeline") -> list[Document]:
    path = ("Resources", policy, "Properties", "PolicyDocument", "Statement")
    return node(copy[document], path)


def statement(copy: RepositoryCopy, policy: str, sid: str, document: str = "pipeline") -> Document:
    return next(item for item in statements(copy, policy, document) if item.get("Sid") == sid)


def key_statement(copy: RepositoryCopy, key: str, sid: str) -> Document:
    listed = node(copy["pipeline"], ("Resources", key, "Properties", "KeyPolicy", "Statement"))
    return next(item for item in listed if item.get("Sid") == sid)


def in_bootstrap(edit: Callable[[Document], None]) -> Mutation:
    return lambda copy: edit(copy["bootstrap"]["Resources"])


def trust(resources: Document, role: str) -> Document:
    """The (only) statement of a bootstrap role's trust policy."""
    return resources[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]


def action(copy: RepositoryCopy, stage_name: str, action_name: str) -> Document:
    return next(item for item in stage(copy, stage_name)["Actions"] if item["Name"] == action_name)


def prod_deploys_as_dev(copy: RepositoryCopy) -> None:
    dev = action(copy, "DeployDev", "CreateChangeSet")["RoleArn"]
    action(copy, "DeployProd", "CreateChangeSet")["RoleArn"] = json.loads(json.dumps(dev))


def prod_smoke_as_staging_test_role(copy: RepositoryCopy) -> None:
    variables = action(copy, "SmokeProd", "ReadOnlySmokeSuite")["Configuration"]
    sub = variables["EnvironmentVariables"]["Fn::Sub"]
    sub[0] = sub[0].replace("-prod-test", "-staging-test")


def add_statement(policy: str, statement: Document) -> Mutation:
    return lambda copy: statements(copy, policy).append(statement)


def remove_stage(name: str) -> Mutation:
    return lambda copy: stages(copy).remove(stage(copy, name))


def swap_stages(first: str, second: str) -> Mutation:
    def mutate(copy: RepositoryCopy) -> None:
        items = stages(copy)
        i, j = items.index(stage(copy, first)), items.index(stage(copy, second))
        items[i], items[j] = items[j], items[i]

    return mutate


def deploy_prod_from_staging(copy: RepositoryCopy) -> None:
    """The prod change set created and executed right after staging's, before any gate."""
    prod_actions = json.loads(json.dumps(stage(copy, "DeployProd")["Actions"]))
    for action in prod_actions:
        action["Name"] = f"Prod{action['Name']}"
        action["RunOrder"] += 2
    stage(copy, "DeployStaging")["Actions"] += prod_actions


def drop_request_approval(copy: RepositoryCopy) -> None:
    policy = statements(copy, "PipelineRolePolicy")
    policy[:] = [item for item in policy if item.get("Sid") != "RequestApproval"]


def aim_prod_smoke_at_staging(smoke_prod: Document) -> None:
    configuration = smoke_prod["Actions"][0]["Configuration"]
    environment = configuration["EnvironmentVariables"]["Fn::Sub"]
    environment[0] = environment[0].replace('"value": "prod"', '"value": "staging"')


def properties_path(logical_id: str, *path: str | int) -> KeyPath:
    """The path of a pipeline template resource's property, from the copy."""
    return ("pipeline", "Resources", logical_id, "Properties", *path)


DEFECTS = [
    Defect(
        "plain-text token in a buildspec",
        in_buildspec(
            "buildspec-smoke.yml",
            lambda spec: spec["env"]["variables"].update(ITEMS_API_TOKEN="q8Zr2VxKp4Lm9Tn6"),
        ),
        "test_pipeline_secrets",
        "test_no_secret_in_the_templates_or_the_buildspecs",
        ("pipeline/buildspec-smoke.yml", "env.variables.ITEMS_API_TOKEN"),
    ),
    Defect(
        "plain-text token in a project variable",
        lambda copy: node(
            copy,
            properties_path("SmokeProdProject", "Environment", "EnvironmentVariables"),
        ).append({"Name": "ITEMS_API_TOKEN", "Value": "q8Zr2VxKp4Lm9Tn6"}),
        "test_pipeline_secrets",
        "test_no_secret_in_the_templates_or_the_buildspecs",
        ("Resources.SmokeProdProject.Properties.Environment.EnvironmentVariables",),
    ),
    Defect(
        "credentials in a parameter default",
        set_at(
            ("pipeline", "Parameters", "RepositoryName", "Default"),
            "https://ci:hunter22@git.example.com/r",
        ),
        "test_pipeline_secrets",
        "test_no_secret_in_the_templates_or_the_buildspecs",
        ("Parameters.RepositoryName.Default", "a URL with a password in it"),
    ),
    Defect(
        "prod smoke may read the token",
        add_statement(
            "SmokeProdProjectRolePolicy",
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": {"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:*:*:secret:*"},
            },
        ),
        "test_pipeline_secrets",
        "test_only_the_smoke_gate_and_the_writing_stages_test_roles_read_a_token",
        ("SmokeProdProjectRolePolicy",),
    ),
    Defect(
        "prod test role reads the token",
        in_bootstrap(lambda resources: resources["TestRoleApiTokenPolicy"].pop("Condition")),
        "test_pipeline_secrets",
        "test_only_the_smoke_gate_and_the_writing_stages_test_roles_read_a_token",
        ("prod: secret reads", "TestRoleApiTokenPolicy"),
    ),
    Defect(
        "smoke token sent as plain text",
        lambda copy: action(copy, "SmokeGate", "SmokeSuite")["Configuration"][
            "EnvironmentVariables"
        ]["Fn::Sub"][1]["TokenType"]["Fn::If"].__setitem__(1, "PLAINTEXT"),
        "test_pipeline_secrets",
        "test_the_smoke_gate_gets_the_token_from_secrets_manager",
        ("SmokeSuite",),
    ),
    Defect(
        "stage removed",
        remove_stage("IntegrationTest"),
        "test_pipeline_stages",
        "test_stages_run_in_release_order",
        ("missing: IntegrationTest", "stage DeployStaging"),
    ),
    Defect(
        "stages reordered",
        swap_stages("DeployStaging", "IntegrationTest"),
        "test_pipeline_stages",
        "test_stages_run_in_release_order",
        ("stage DeployStaging", "where IntegrationTest should run"),
    ),
    Defect(
        "approval before the smoke gate",
        swap_stages("SmokeGate", "Approval"),
        "test_pipeline_stages",
        "test_prod_is_deployed_only_after_the_smoke_gate_and_the_approval",
        ("stage Approval", "does not come after the SmokeGate stage"),
    ),
    Defect(
        "approval bypassed by a prod deploy from staging",
        deploy_prod_from_staging,
        "test_pipeline_stages",
        "test_prod_is_deployed_only_after_the_smoke_gate_and_the_approval",
        ("stage DeployStaging", "ProdCreateChangeSet", "ProdExecuteChangeSet", "DeployProd"),
    ),
    Defect(
        "approval replaced by an automatic action",
        in_stage(
            "Approval",
            lambda item: item["Actions"][0].update(
                ActionTypeId={"Category": "Invoke", "Owner": "AWS", "Provider": "Lambda"}
            ),
        ),
        "test_pipeline_stages",
        "test_prod_is_deployed_only_after_the_smoke_gate_and_the_approval",
        ("stage Approval", "no manual approval action"),
    ),
    Defect(
        "prod deploy without rollback",
        in_stage("DeployProd", lambda item: item.pop("OnFailure")),
        "test_pipeline_stages",
        "test_deploy_stages_roll_back_on_failure",
        ("stage DeployProd", "OnFailure is nothing (absent)"),
    ),
    Defect(
        "superseded executions",
        set_at(("pipeline", "Resources", "Pipeline", "Properties", "ExecutionMode"), "SUPERSEDED"),
        "test_pipeline_stages",
        "test_pipeline_is_v2_and_queues_executions",
        ("Pipeline", "Properties.ExecutionMode", "'SUPERSEDED'"),
    ),
    Defect(
        "approval without notification",
        in_stage(
            "Approval", lambda item: item["Actions"][0]["Configuration"].pop("NotificationArn")
        ),
        "test_pipeline_stages",
        "test_approval_notifies_a_topic_of_this_stack",
        ("stage Approval", "ReleaseToProd", "ApprovalTopic"),
    ),
    Defect(
        "test action pointing at a missing buildspec",
        set_at(
            properties_path("SmokeGateProject", "Source", "BuildSpec"),
            "pipeline/buildspec-gate.yml",
        ),
        "test_pipeline_actions",
        "test_test_actions_run_their_layer_from_a_buildspec_in_the_repo",
        ("stage SmokeGate", "SmokeGateProject", "pipeline/buildspec-gate.yml does not exist"),
    ),
    Defect(
        "test action running another layer",
        set_at(
            properties_path("IntegrationTestProject", "Source", "BuildSpec"),
            "pipeline/buildspec-smoke.yml",
        ),
        "test_pipeline_actions",
        "test_test_actions_run_their_layer_from_a_buildspec_in_the_repo",
        ("stage IntegrationTest", "IntegrationTestProject", "never runs tox -e integration"),
    ),
    Defect(
        "reports removed from a buildspec",
        in_buildspec("buildspec-integration.yml", lambda buildspec: buildspec.pop("reports")),
        "test_pipeline_actions",
        "test_test_buildspecs_report_from_the_reports_directory",
        ("stage IntegrationTest", "buildspec-integration.yml declares no test report"),
    ),
    Defect(
        "reports outside reports/",
        in_buildspec(
            "buildspec-smoke.yml",
            lambda buildspec: buildspec["reports"]["$TEST_REPORTS"].update(
                {"base-directory": "out"}
            ),
        ),
        "test_pipeline_actions",
        "test_test_buildspecs_report_from_the_reports_directory",
        ("stage SmokeGate", "stage SmokeProd", "outside reports/: out/smoke-*.xml"),
    ),
    Defect(
        "report group created implicitly",
        in_buildspec(
            "buildspec-integration.yml",
            lambda buildspec: buildspec.update(
                reports={"integration": buildspec["reports"]["$TEST_REPORTS"]}
            ),
        ),
        "test_pipeline_actions",
        "test_report_groups_are_declared_and_referenced",
        (
            "stage IntegrationTest",
            "reports.integration names a group",
            "IntegrationTestReportGroup",
        ),
    ),
    Defect(
        "report group ARN not passed to the project",
        lambda copy: node(
            copy,
            properties_path("SmokeGateProject", "Environment", "EnvironmentVariables"),
        ).clear(),
        "test_pipeline_actions",
        "test_report_groups_are_declared_and_referenced",
        ("stage SmokeGate", "sets TEST_REPORTS to nothing (absent)", "SmokeGateReportGroup"),
    ),
    Defect(
        "coverage sent to a test report group",
        set_at(("pipeline", "Resources", "BuildCoverageReportGroup", "Properties", "Type"), "TEST"),
        "test_pipeline_actions",
        "test_report_groups_are_declared_and_referenced",
        ("stage Build", "BuildCoverageReportGroup", "must be CODE_COVERAGE"),
    ),
    Defect(
        "prod smoke aimed at staging",
        in_stage("SmokeProd", aim_prod_smoke_at_staging),
        "test_pipeline_actions",
        "test_each_test_action_targets_the_stack_deployed_before_it",
        ("stage SmokeProd", "HARNESS_STAGE='staging'"),
    ),
    Defect(
        "prod smoke run as staging",
        in_stage("SmokeProd", aim_prod_smoke_at_staging),
        "test_pipeline_actions",
        "test_prod_smoke_runs_read_only",
        ("stage SmokeProd", "HARNESS_STAGE='staging', not 'prod'"),
    ),
    Defect(
        "prod smoke allowed to mutate",
        in_buildspec(
            "buildspec-smoke.yml",
            lambda buildspec: buildspec["phases"]["build"]["commands"].append(
                "tox -e smoke -- --smoke-allow-mutating-on-prod"
            ),
        ),
        "test_pipeline_actions",
        "test_prod_smoke_runs_read_only",
        ("stage SmokeProd", "buildspec-smoke.yml commands", "--smoke-allow-mutating-on-prod"),
    ),
    Defect(
        "old CodeBuild image",
        set_at(
            properties_path("IntegrationTestProject", "Environment", "Image"),
            "aws/codebuild/amazonlinux2-x86_64-standard:4.0",
        ),
        "test_pipeline_projects",
        "test_build_images_come_from_the_allow_list",
        ("IntegrationTestProject", "Properties.Environment.Image", "standard:4.0"),
    ),
    Defect(
        "old Ubuntu CodeBuild image",
        set_at(
            properties_path("BuildProject", "Environment", "Image"), "aws/codebuild/standard:6.0"
        ),
        "test_pipeline_projects",
        "test_build_images_come_from_the_allow_list",
        ("BuildProject", "Properties.Environment.Image", "standard:6.0"),
    ),
    Defect(
        "project without a timeout",
        drop(properties_path("SmokeGateProject", "TimeoutInMinutes")),
        "test_pipeline_projects",
        "test_every_project_has_a_timeout_and_cloudwatch_logs",
        ("SmokeGateProject", "Properties.TimeoutInMinutes"),
    ),
    Defect(
        "project logs disabled",
        set_at(
            properties_path("SmokeProdProject", "LogsConfig", "CloudWatchLogs"),
            {"Status": "DISABLED"},
        ),
        "test_pipeline_projects",
        "test_every_project_has_a_timeout_and_cloudwatch_logs",
        ("SmokeProdProject", "Properties.LogsConfig.CloudWatchLogs.Status"),
    ),
    Defect(
        "bucket encryption removed",
        drop(properties_path("ArtifactBucket", "BucketEncryption")),
        "test_pipeline_artifacts",
        "test_artifacts_are_encrypted_with_a_rotating_customer_managed_key",
        ("ArtifactBucket", "Properties.BucketEncryption"),
    ),
    Defect(
        "artifact store on the AWS managed key",
        set_at(properties_path("Pipeline", "ArtifactStore", "EncryptionKey", "Id"), "alias/aws/s3"),
        "test_pipeline_artifacts",
        "test_artifacts_are_encrypted_with_a_rotating_customer_managed_key",
        ("Pipeline", "Properties.ArtifactStore.EncryptionKey.Id", "'alias/aws/s3'"),
    ),
    Defect(
        "artifact key rotation off",
        set_at(properties_path("ArtifactKey", "EnableKeyRotation"), False),
        "test_pipeline_artifacts",
        "test_artifacts_are_encrypted_with_a_rotating_customer_managed_key",
        ("ArtifactKey", "Properties.EnableKeyRotation"),
    ),
    Defect(
        "bucket versioning suspended",
        set_at(properties_path("ArtifactBucket", "VersioningConfiguration", "Status"), "Suspended"),
        "test_pipeline_artifacts",
        "test_every_bucket_keeps_versions",
        ("ArtifactBucket", "Properties.VersioningConfiguration.Status"),
    ),
    Defect(
        "public bucket policies allowed",
        set_at(
            properties_path(
                "ArtifactBucket", "PublicAccessBlockConfiguration", "BlockPublicPolicy"
            ),
            False,
        ),
        "test_pipeline_artifacts",
        "test_every_bucket_blocks_public_access",
        ("ArtifactBucket", "PublicAccessBlockConfiguration.BlockPublicPolicy"),
    ),
    Defect(
        "bucket policy removed",
        drop(("pipeline", "Resources", "ArtifactBucketPolicy")),
        "test_pipeline_artifacts",
        "test_every_bucket_denies_requests_without_tls",
        ("ArtifactBucket", "nothing denies requests made without TLS"),
    ),
    Defect(
        "TLS condition removed",
        lambda copy: statements(copy, "ArtifactBucketPolicy")[0].pop("Condition"),
        "test_pipeline_artifacts",
        "test_every_bucket_denies_requests_without_tls",
        ("ArtifactBucketPolicy", "Condition"),
    ),
    Defect(
        "old versions kept forever",
        lambda copy: node(
            copy, properties_path("ArtifactBucket", "LifecycleConfiguration", "Rules", 0)
        ).pop("NoncurrentVersionExpiration"),
        "test_pipeline_artifacts",
        "test_every_bucket_expires_old_objects",
        ("ArtifactBucket", "NoncurrentVersionExpiration"),
    ),
    Defect(
        "wildcard IAM action",
        add_statement(
            "BuildProjectRolePolicy", {"Effect": "Allow", "Action": "*", "Resource": "*"}
        ),
        "test_pipeline_iam",
        "test_no_policy_allows_every_action",
        ("BuildProjectRolePolicy", "Properties.PolicyDocument.Statement[4]"),
    ),
    Defect(
        "service wildcard in a key policy",
        lambda copy: node(copy, properties_path("ArtifactKey", "KeyPolicy", "Statement", 0)).update(
            Action="kms:*"
        ),
        "test_pipeline_iam",
        "test_no_policy_allows_every_action",
        ("ArtifactKey", "Properties.KeyPolicy.Statement[0]", "kms:*"),
    ),
    Defect(
        "TLS deny turned into an allow",
        lambda copy: statements(copy, "ArtifactBucketPolicy")[0].update(Effect="Allow"),
        "test_pipeline_iam",
        "test_no_policy_allows_every_action",
        ("ArtifactBucketPolicy", "Properties.PolicyDocument.Statement[0]", "s3:*"),
    ),
    Defect(
        "prod smoke may write items",
        add_statement(
            "SmokeProdProjectRolePolicy",
            {
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                "Resource": {"Fn::Sub": "arn:aws:dynamodb:*:*:table/${AppStackPrefix}-prod-*"},
            },
        ),
        "test_pipeline_iam",
        "test_prod_smoke_can_only_read",
        ("SmokeProdProjectRolePolicy", "dynamodb:PutItem"),
    ),
    Defect(
        "pipeline role cannot publish approvals",
        drop_request_approval,
        "test_pipeline_iam",
        "test_pipeline_role_can_deliver_approval_requests",
        ("PipelineRolePolicy", "sns:Publish", "ApprovalTopic"),
    ),
    Defect(
        "notification key administered by the whole account",
        lambda copy: key_statement(copy, "NotificationKey", "KeyAdministration").pop("Condition"),
        "test_pipeline_iam",
        "test_resource_policies_grant_only_named_principals",
        ("NotificationKey", "Properties.KeyPolicy.Statement[0].Principal"),
    ),
    Defect(
        "stage account granted without naming its roles",
        lambda copy: statement(copy, "ArtifactBucketPolicy", "StagingStageDeployment").pop(
            "Condition"
        ),
        "test_pipeline_iam",
        "test_resource_policies_grant_only_named_principals",
        ("ArtifactBucketPolicy", "Statement[2].Principal"),
    ),
    Defect(
        "deployment role trusts the whole pipeline account",
        in_bootstrap(lambda resources: trust(resources, "DeploymentRole").pop("Condition")),
        "test_pipeline_iam",
        "test_resource_policies_grant_only_named_principals",
        ("DeploymentRole", "AssumeRolePolicyDocument.Statement[0].Principal"),
    ),
    Defect(
        "service wildcard in the stage bootstrap",
        lambda copy: statement(copy, "TestRoleReadPolicy", "DescribeStack", "bootstrap").update(
            Action="cloudformation:*"
        ),
        "test_pipeline_iam",
        "test_no_policy_allows_every_action",
        ("TestRoleReadPolicy", "cloudformation:*"),
    ),
    # ------------------------------------------------------------ per-stage accounts
    Defect(
        "prod deployed as the dev deployment role",
        prod_deploys_as_dev,
        "test_pipeline_accounts",
        "test_each_deploy_action_runs_as_its_stages_roles",
        ("stage DeployProd action CreateChangeSet", "-prod-deploy in the prod account"),
    ),
    Defect(
        "CloudFormation handed the pipeline's own role",
        lambda copy: action(copy, "DeployStaging", "CreateChangeSet")["Configuration"].update(
            RoleArn={"Fn::GetAtt": ["PipelineRole", "Arn"]}
        ),
        "test_pipeline_accounts",
        "test_each_deploy_action_runs_as_its_stages_roles",
        ("stage DeployStaging action CreateChangeSet", "Configuration.RoleArn", "PipelineRole"),
    ),
    Defect(
        "deploy action run as the pipeline role",
        lambda copy: action(copy, "DeployDev", "ExecuteChangeSet").pop("RoleArn"),
        "test_pipeline_accounts",
        "test_each_deploy_action_runs_as_its_stages_roles",
        ("stage DeployDev action ExecuteChangeSet", "RoleArn is null"),
    ),
    Defect(
        "prod smoke run as the staging test role",
        prod_smoke_as_staging_test_role,
        "test_pipeline_accounts",
        "test_each_test_action_runs_as_its_stages_test_role",
        ("stage SmokeProd", "STAGE_ROLE_ARN", "-staging-test"),
    ),
    Defect(
        "test project may assume any role",
        lambda copy: statement(
            copy, "IntegrationTestProjectRolePolicy", "AssumeStageTestRole"
        ).update(Resource="*"),
        "test_pipeline_accounts",
        "test_each_test_action_runs_as_its_stages_test_role",
        ("stage IntegrationTest", "IntegrationTestProjectRole may assume", "'*'"),
    ),
    Defect(
        "smoke suite run as the project's own role",
        in_buildspec("buildspec-smoke.yml", lambda buildspec: buildspec["phases"].pop("pre_build")),
        "test_pipeline_accounts",
        "test_each_test_action_runs_as_its_stages_test_role",
        ("stage SmokeGate", "buildspec-smoke.yml never sets AWS_PROFILE"),
    ),
    Defect(
        "pipeline role may assume any role",
        lambda copy: statement(copy, "PipelineRolePolicy", "AssumeStageDeploymentRoles").update(
            Resource=[{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"}]
        ),
        "test_pipeline_accounts",
        "test_pipeline_role_may_assume_only_the_stage_deployment_roles",
        ("Pipeline", "role/*", "no stage's deployment role"),
    ),
    Defect(
        "artifacts granted to a stage's test role",
        lambda copy: statement(copy, "ArtifactBucketPolicy", "DevStageDeployment")["Condition"][
            "ArnEquals"
        ]["aws:PrincipalArn"][1]["Fn::Sub"].__setitem__(
            0, "arn:${AWS::Partition}:iam::${Account}:role/pipeline/${AppStackPrefix}-dev-test"
        ),
        "test_pipeline_accounts",
        "test_artifact_store_grants_exactly_each_stages_deployment_roles",
        ("ArtifactBucketPolicy", "role/pipeline/${AppStackPrefix}-dev-test"),
    ),
    Defect(
        "prod account cannot decrypt artifacts",
        lambda copy: node(copy, properties_path("ArtifactKey", "KeyPolicy", "Statement")).remove(
            key_statement(copy, "ArtifactKey", "ProdStageDeployment")
        ),
        "test_pipeline_accounts",
        "test_artifact_store_grants_exactly_each_stages_deployment_roles",
        ("ArtifactKey: grants nothing to the prod account",),
    ),
    # ---------------------------------------------------------------------- audit
    Defect(
        "trail without log file validation",
        set_at(properties_path("Trail", "EnableLogFileValidation"), False),
        "test_pipeline_audit",
        "test_created_trail_covers_every_region_validates_encrypts_and_logs_artifact_access",
        ("Trail", "Properties.EnableLogFileValidation"),
    ),
    Defect(
        "single-region trail",
        set_at(properties_path("Trail", "IsMultiRegionTrail"), False),
        "test_pipeline_audit",
        "test_created_trail_covers_every_region_validates_encrypts_and_logs_artifact_access",
        ("Trail", "Properties.IsMultiRegionTrail"),
    ),
    Defect(
        "trail blind to the artifact bucket",
        drop(properties_path("Trail", "EventSelectors")),
        "test_pipeline_audit",
        "test_created_trail_covers_every_region_validates_encrypts_and_logs_artifact_access",
        ("Trail", "Properties.EventSelectors"),
    ),
    Defect(
        "trail logs not encrypted with a key of the stack",
        drop(properties_path("Trail", "KMSKeyId")),
        "test_pipeline_audit",
        "test_created_trail_covers_every_region_validates_encrypts_and_logs_artifact_access",
        ("Trail", "Properties.KMSKeyId"),
    ),
    Defect(
        "trail key closed to CloudTrail",
        lambda copy: node(copy, properties_path("AuditKey", "KeyPolicy", "Statement")).remove(
            key_statement(copy, "AuditKey", "CloudTrailEncryptsLogFiles")
        ),
        "test_pipeline_audit",
        "test_created_trail_covers_every_region_validates_encrypts_and_logs_artifact_access",
        ("any_match: none of the", "AuditKey"),
    ),
    Defect(
        "trail bucket writable outside AWSLogs",
        lambda copy: statement(copy, "AuditBucketPolicy", "CloudTrailWrite").update(
            Resource={"Fn::Sub": "${AuditBucket.Arn}/*"}
        ),
        "test_pipeline_audit",
        "test_trail_bucket_policy_is_cloudtrails_and_nothing_wider",
        ("AuditBucketPolicy", "CloudTrailWrite"),
    ),
    Defect(
        "trail bucket open to any trail",
        lambda copy: statement(copy, "AuditBucketPolicy", "CloudTrailAclCheck").pop("Condition"),
        "test_pipeline_audit",
        "test_trail_bucket_policy_is_cloudtrails_and_nothing_wider",
        ("AuditBucketPolicy", "CloudTrailAclCheck"),
    ),
    Defect(
        "organisation setting still creates the trail",
        lambda copy: node(copy["pipeline"], ("Resources", "Trail")).pop("Condition"),
        "test_pipeline_audit",
        "test_organisation_trail_setting_creates_nothing",
        ("still creates the trail's", "'Trail'"),
    ),
    Defect(
        "audit bucket reachable without TLS",
        lambda copy: statements(copy, "AuditBucketPolicy").pop(0),
        "test_pipeline_artifacts",
        "test_every_bucket_denies_requests_without_tls",
        ("AuditBucketPolicy",),
    ),
    Defect(
        "audit logs kept forever",
        lambda copy: node(
            copy, properties_path("AuditBucket", "LifecycleConfiguration", "Rules", 0)
        ).pop("ExpirationInDays"),
        "test_pipeline_artifacts",
        "test_every_bucket_expires_old_objects",
        ("AuditBucket", "ExpirationInDays"),
    ),
    # ------------------------------------------------------------- stage bootstrap
    Defect(
        "dev test role trusts the smoke gate's project",
        in_bootstrap(
            lambda resources: trust(resources, "TestRole")["Condition"]["ArnEquals"][
                "aws:PrincipalArn"
            ]["Fn::Sub"][1]["Tester"]["Fn::If"].__setitem__(1, "smoke-gate")
        ),
        "test_pipeline_bootstrap",
        "test_stage_roles_trust_only_the_pipeline_roles_that_use_them",
        ("TestRole", "Stage=dev", "smoke-gate", "integration-test"),
    ),
    Defect(
        "deployment role trusts another pipeline role",
        in_bootstrap(
            lambda resources: trust(resources, "DeploymentRole")["Condition"]["ArnEquals"].update(
                {
                    "aws:PrincipalArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:iam::${PipelineAccountId}:role/pipeline/"
                        "${AppStackPrefix}-smoke-gate"
                    }
                }
            )
        ),
        "test_pipeline_bootstrap",
        "test_stage_roles_trust_only_the_pipeline_roles_that_use_them",
        ("DeploymentRole", "smoke-gate", "codepipeline"),
    ),
    Defect(
        "execution role allowed every action",
        lambda copy: statements(copy, "CloudFormationExecutionRolePolicy", "bootstrap").append(
            {"Effect": "Allow", "Action": "*", "Resource": "*"}
        ),
        "test_pipeline_bootstrap",
        "test_execution_role_is_limited_to_the_apps_resource_types_and_the_stacks_names",
        ("CloudFormationExecutionRolePolicy", "none_match", '"Action": ["*"]'),
    ),
    Defect(
        "execution role may manage every role",
        lambda copy: statement(
            copy, "CloudFormationExecutionRolePolicy", "AppRoles", "bootstrap"
        ).update(Resource={"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"}),
        "test_pipeline_bootstrap",
        "test_execution_role_is_limited_to_the_apps_resource_types_and_the_stacks_names",
        ("CloudFormationExecutionRolePolicy", "AppRoles", "role/*"),
    ),
    Defect(
        "execution role made administrator",
        in_bootstrap(
            lambda resources: resources["CloudFormationExecutionRole"]["Properties"].update(
                ManagedPolicyArns=["arn:aws:iam::aws:policy/AdministratorAccess"]
            )
        ),
        "test_pipeline_bootstrap",
        "test_execution_role_is_limited_to_the_apps_resource_types_and_the_stacks_names",
        ("CloudFormationExecutionRole", "Properties.ManagedPolicyArns"),
    ),
    Defect(
        "execution role reaches every table",
        lambda copy: statement(
            copy, "CloudFormationExecutionRolePolicy", "AppTable", "bootstrap"
        ).update(
            Resource={
                "Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*"
            }
        ),
        "test_pipeline_bootstrap",
        "test_execution_role_is_limited_to_the_apps_resource_types_and_the_stacks_names",
        ("AppTable", "table/* is not named after the stack"),
    ),
    Defect(
        "execution role uses a service the app does not",
        lambda copy: statement(
            copy, "CloudFormationExecutionRolePolicy", "AppFunctions", "bootstrap"
        )["Action"].append("ec2:RunInstances"),
        "test_pipeline_bootstrap",
        "test_execution_role_is_limited_to_the_apps_resource_types_and_the_stacks_names",
        ("AppFunctions", "uses ['ec2']"),
    ),
    Defect(
        "staging's item sweep granted on prod",
        in_bootstrap(lambda resources: resources["SmokeGateSweepPolicy"].pop("Condition")),
        "test_pipeline_bootstrap",
        "test_prod_test_role_can_only_read",
        ("SmokeGateSweepPolicy", "dynamodb:DeleteItem"),
    ),
    Defect(
        "two builds of the batch run the same shard",
        in_buildspec(
            "buildspec-integration.yml",
            lambda spec: spec["batch"]["build-list"][1]["env"]["variables"].update(
                HARNESS_SHARD="1/2"
            ),
        ),
        "test_pipeline_batch",
        "test_integration_suite_runs_as_a_batch_of_every_shard",
        ("IntegrationSuite", "HARNESS_SHARD", "expected ['1/2', '2/2']"),
    ),
    Defect(
        "batch restricted to fewer builds than shards",
        set_at(
            properties_path(
                "IntegrationTestProject", "BuildBatchConfig", "Restrictions", "MaximumBuildsAllowed"
            ),
            1,
        ),
        "test_pipeline_batch",
        "test_batch_is_bounded_by_the_projects_batch_config",
        ("IntegrationSuite", "MaximumBuildsAllowed (1) must allow 2 shards"),
    ),
    Defect(
        "batch role may do more than run the shards",
        lambda copy: statement(copy, "IntegrationTestBatchRolePolicy", "RunShards")[
            "Action"
        ].append("codebuild:DeleteProject"),
        "test_pipeline_batch",
        "test_batch_role_runs_only_this_projects_builds",
        ("IntegrationTestBatchRolePolicy", "codebuild:DeleteProject"),
    ),
    Defect(
        "pipeline role cannot start the batch",
        lambda copy: statements(copy, "PipelineRolePolicy").remove(
            statement(copy, "PipelineRolePolicy", "RunIntegrationBatch")
        ),
        "test_pipeline_batch",
        "test_pipeline_role_may_start_the_batch",
        ("PipelineRole", "codebuild:StartBuildBatch"),
    ),
    Defect(
        "shard summary published where the approval does not read it",
        lambda copy: action(copy, "IntegrationTest", "IntegrationReport").update(
            Namespace="ShardVariables"
        ),
        "test_pipeline_batch",
        "test_shard_reports_are_merged_into_the_approvals_summary",
        ("IntegrationReport", "IntegrationTestVariables"),
    ),
]


@pytest.mark.parametrize("defect", DEFECTS, ids=[defect.name for defect in DEFECTS])
def test_suite_fails_naming_the_stage_or_resource(
    defect: Defect, sources: str, pytester: pytest.Pytester
) -> None:
    assert_caught(pytester, sources, defect)


def test_the_unmutated_pipeline_passes_every_check_used_above(
    sources: str, pytester: pytest.Pytester
) -> None:
    assert_copy_passes(pytester, sources, DEFECTS)


def test_every_pipeline_suite_test_has_a_defect_it_catches() -> None:
    shipped = set().union(*(suite_tests(module) for module in SUITE_MODULES))
    covered = {(defect.module, defect.test) for defect in DEFECTS}
    assert shipped - NOT_MUTATION_TESTED - covered == set()
    assert covered <= shipped
