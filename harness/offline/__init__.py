"""The engines of the offline layers (unit, template): no deployed stack, no real AWS.

One moto server per session with the template's tables (:mod:`backend`), and the guards
that keep these layers from ever reaching a real AWS endpoint (:mod:`isolation`). The
pytest wiring of both is :mod:`harness.plugin.unit` and :mod:`harness.plugin.isolation`.
"""
