"""Entry point of ``python -m fer_core`` and of the ``fer`` command (``pip install -e .``)."""

import os
import sys


def run() -> None:
    # TensorFlow's C++ start-up chatter (CPU features) is noise on a command line.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from .cli import main

    sys.exit(main())


if __name__ == "__main__":
    run()
