"""Verification harness for SAM applications shipped through AWS CodePipeline.

Kept import-light on purpose: ``dev.py`` imports :mod:`harness.summary` with nothing
but the standard library, so nothing here may pull in boto3, moto or pytest.
"""
