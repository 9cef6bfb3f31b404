"""``python -m harness``: the command line (:mod:`harness.cli`)."""

from harness.cli import run

if __name__ == "__main__":
    run()
