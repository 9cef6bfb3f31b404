"""The release emulation of the embedded target: what happens after a stack update.

AWS runs a SAM release as CloudFormation, CodeDeploy and CloudWatch together: the update
publishes a new Lambda version, CodeDeploy shifts the alias's traffic to it step by step
(running the PreTraffic and PostTraffic hooks), CloudWatch evaluates the alarms on the
metrics the invocations produce, and an alarm in ALARM stops the deployment, returns the
alias to the old version and fails the stack update, which CloudFormation rolls back.
moto stores aliases, alarms and deployments but does none of that, so this package does:

* :mod:`clock`: the compressed clock every wait and every alarm period runs on;
* :mod:`configs`: CodeDeploy's Lambda deployment configurations, predefined and custom;
* :mod:`resources`: CloudFormation resources moto lacks (aliases, alarms, CodeDeploy),
  registered into moto's own CloudFormation so stacks create them;
* :mod:`metrics`, :mod:`statistics`, :mod:`metric_math`: Lambda and API Gateway metrics
  from real invocations into moto's CloudWatch, and CloudWatch's reading of them;
* :mod:`alarms`: alarms evaluated continuously, with history and SNS actions;
* :mod:`deployments`: the CodeDeploy deployment engine, hooks, shifting and rollback;
* :mod:`api`: the CodeDeploy and CloudWatch calls moto cannot answer, answered from here;
* :mod:`engine`: one :class:`~engine.ReleaseEngine` per embedded target, tying it together.

The state lives in moto wherever moto has a place for it (versions, aliases and their
``RoutingConfig``, alarms and their state, metric data, CodeDeploy applications, groups and
deployments); what moto has no field for sits beside it (:mod:`state`).
"""
