"""Entry point of ``python -m fer_core``."""

import os
import sys

# TensorFlow's C++ start-up chatter (oneDNN, CPU features) is noise on a command line.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from .cli import main  # noqa: E402

sys.exit(main())
