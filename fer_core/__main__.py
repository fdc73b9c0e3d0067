"""Entry point of ``python -m fer_core`` and of the ``fer`` command (``pip install -e .``)."""

import sys


def run() -> None:
    from .cli import main

    sys.exit(main())


if __name__ == "__main__":
    run()
