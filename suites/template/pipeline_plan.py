"""The release plan the pipeline suite checks against: which pipeline stage deploys which app
stage, and which one tests it. One home for the facts several ``test_pipeline_*`` modules
share (the suite's own knowledge of this pipeline, not the harness's)."""

from __future__ import annotations

DEPLOY_STAGES = {"DeployDev": "dev", "DeployStaging": "staging", "DeployProd": "prod"}
TEST_STAGES = {"IntegrationTest": "dev", "SmokeGate": "staging", "SmokeProd": "prod"}
