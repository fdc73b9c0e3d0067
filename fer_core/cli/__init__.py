"""``python -m fer_core``: a thin command line over the library.

Each command lives in its own module with a ``register(subparsers)`` function that adds its parser
and sets ``handler``. TensorFlow is imported (quietly) only for commands that use models, and
other heavy imports happen inside handlers, so ``data summary`` starts fast. A
:class:`~fer_core.errors.FerError` is printed as one line and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Sequence

from ..errors import FerError
from ..startup import import_tensorflow_quietly
from . import (
    data_cmd,
    explain_cmd,
    lessons_cmd,
    models_cmd,
    offsets_cmd,
    predict_cmd,
    serve_cmd,
    video_cmd,
)

COMMAND_MODULES = [data_cmd, models_cmd, offsets_cmd, predict_cmd, video_cmd, explain_cmd,
                   lessons_cmd, serve_cmd]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m fer_core",
        description="Train, evaluate and explain facial emotion recognition models on FER2013.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "uses_models", True):
        import_tensorflow_quietly()
    warnings.showwarning = _show_warning
    try:
        return args.handler(args) or 0
    except FerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
