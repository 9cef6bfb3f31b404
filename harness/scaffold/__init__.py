"""What ``python -m harness init`` writes into a SAM repository, planned from its template.

Everything read of the template comes from the SAM model (:mod:`harness.sam`): the
functions whose handlers the unit layer imports, the routes the unit and integration
layers call, the requirements the tox environments install, the health route the smoke
gate polls (:mod:`harness.smoke.app_contract`). The files are ``string.Template`` texts
in ``files/``; the plan only fills them in. Writing, and never overwriting, is the
command's (:mod:`harness.cli.init`).
"""
