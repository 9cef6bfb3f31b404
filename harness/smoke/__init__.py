"""The post-deploy smoke gate's engines: HTTP client, warm-up, synthetic data, prod safety,
latency, release state and the gate's report.

Each module has one job and knows nothing of pytest, except :mod:`harness.smoke.report`,
which reads pytest's test reports; :mod:`harness.plugin.smoke_gate` and
:mod:`harness.plugin.smoke_fixtures` wire them into a session.
"""
