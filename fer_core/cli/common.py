"""Flags that several commands share, declared once: ``--json`` and ``--method``."""

from __future__ import annotations

import argparse


def _json_flag() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--json", action="store_true", help="print JSON")
    return parent


JSON = _json_flag()
"""The parent parser of every command that can print JSON (``parents=[JSON]``)."""


def add_method_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--method M [M ...]``, repeatable (``--methods`` spelled either way), into
    ``args.methods``; None when not given."""
    parser.add_argument("--method", "--methods", dest="methods", action="extend", nargs="+",
                        metavar="METHOD", help=help)
