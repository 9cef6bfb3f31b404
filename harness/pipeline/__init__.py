"""The pipeline: its model (stages, actions, buildspecs) and the local rehearsal that runs it.

The template layer reads the same model to check the pipeline's structure; the rehearsal
(:mod:`harness.pipeline.rehearsal`) executes it. Importing this package imports nothing
heavy: each module is imported by whoever needs it.
"""
