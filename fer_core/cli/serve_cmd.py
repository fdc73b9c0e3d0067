"""``serve``: the dashboard for a school, several replicas behind nginx (fer_core.serving)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    from ..serving.school import default_replicas

    serve = commands.add_parser(
        "serve", help="serve the dashboard to a school: several Streamlit replicas of it on "
                      "this machine behind nginx, watched and restarted (Ctrl-C stops all)")
    serve.add_argument("--replicas", type=int, default=default_replicas(), metavar="N",
                       help="Streamlit processes (default: one per two cores, here "
                            f"{default_replicas()})")
    serve.add_argument("--port", type=int, default=8501,
                       help="the port nginx listens on (default 8501)")
    serve.add_argument("--address", default="127.0.0.1",
                       help="the address nginx listens on (default 127.0.0.1; 0.0.0.0 for "
                            "every network of the machine)")
    serve.set_defaults(handler=run_serve, uses_models=False)


def run_serve(args: argparse.Namespace) -> int:
    from ..serving.school import serve

    serve(args.replicas, args.port, args.address)
    return 0
