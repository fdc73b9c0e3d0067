"""``video``: every face of a clip followed over time, each model's emotions per sampled frame."""

from __future__ import annotations

import argparse
import json
import sys

from .common import JSON


def register(commands: argparse._SubParsersAction) -> None:
    video = commands.add_parser(
        "video", help="the emotions of every face in a video file, frame by frame", parents=[JSON])
    video.add_argument("path", metavar="PATH", help="mp4, webm, mov, avi, mkv or animated GIF")
    video.add_argument("--model", action="append", required=True,
                       help="stored model or ensemble name or folder; repeat to compare")
    video.add_argument("--every", type=int, default=1, metavar="N",
                       help="analyse every N-th frame (default: every frame)")
    video.add_argument("--csv", metavar="FILE", help="also write one row per frame, face and model")
    video.set_defaults(handler=run_video)


def run_video(args: argparse.Namespace) -> int:
    from ..errors import VideoError
    from ..predict import Predictor
    from ..video import analyse_video

    predictor = Predictor.load(args.model)
    classes = predictor.models[0][0].classes

    def progress(read: int, expected: int | None, left: float) -> None:
        if not args.json and sys.stderr.isatty():
            total = f"/{expected}" if expected else ""
            print(f"\rframe {read}{total}, {left:.0f} s left ", end="", file=sys.stderr)

    analysis = analyse_video(args.path, predictor.probabilities, classes, every=args.every,
                             progress=progress)
    if not analysis.records:
        raise VideoError(f"{args.path}: no face found in {analysis.frames_read} frames read "
                         "(a frontal, upright, well-lit face works best)")
    if args.csv:
        with open(args.csv, "w", newline="") as out:
            out.write(analysis.csv())
    if args.json:
        print(json.dumps(analysis.document(args.path), indent=2))
        return 0
    print(f"{args.path}: {analysis.frames_read} frames read (every {args.every}), "
          f"{len(analysis.tracks)} face(s), in {analysis.seconds_taken:.1f} s")
    for track in analysis.tracks:
        mine = analysis.of_track(track)
        print(f"  face {track}: {mine[0].seconds:.2f}-{mine[-1].seconds:.2f} s, "
              f"in {len(mine)} frames")
        for name in analysis.models:
            peaks = analysis.peaks(track, name)
            shown = ", ".join(f"{c} at {r.seconds:.2f} s ({r.probabilities[name][i]:.0%})"
                              for i, (c, r) in enumerate(peaks.items()))
            read = [analysis.classes[int(r.probabilities[name].argmax())] for r in mine]
            most = max(set(read), key=read.count)
            print(f"    {name}: mostly {most} ({read.count(most)} of {len(read)} frames); "
                  f"peaks: {shown}")
    if args.csv:
        print(f"rows: {args.csv}")
    return 0
