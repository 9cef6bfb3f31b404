"""``harness logs``: a stack's Lambda and API access logs, from any target, shown readable.

:mod:`events` is one log event and how it is printed, :mod:`filter_pattern` the
CloudWatch Logs filter syntax the embedded target's files are filtered with,
:mod:`times` the ``--since``/``--until`` values, :mod:`files` the embedded target's log
files, :mod:`cloudwatch` CloudWatch Logs (AWS, LocalStack).
"""
