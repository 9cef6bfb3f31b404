"""Building and packaging Lambda code, shared by everything that deploys or runs it.

``sam build`` + ``sam package`` without Docker (:mod:`package`, :mod:`builder`): the
embedded and LocalStack targets package the app here, and the embedded target's workers
run what it built. Beside it, what those builds need: the interpreters for a function's
runtime (:mod:`runtimes`), code from an ``s3://`` URI run as it is (:mod:`s3_code`), and
the process hygiene of long builds: installers that die with the harness (:mod:`guarded`,
:mod:`guard_main`) and temp dirs owned by a PID, swept once it is gone (:mod:`ownership`).
"""
