"""TensorFlow imported without its start-up chatter, for the command line and the server log.

TensorFlow's C++ side prints its CPU-feature and oneDNN notices while the library loads, before
its logging is set up: ``TF_CPP_MIN_LOG_LEVEL`` silences the later ones but not these
(tensorflow/tensorflow#100442). They are noise to a teacher reading a log, so the standard error
stream is closed for the length of the import, and reopened at once: errors raised by the
import still reach the caller as exceptions.

Some native libraries must be loaded before TensorFlow, or loading them later crashes the
process (:data:`BEFORE_TENSORFLOW`); the server loads them first here.
"""

from __future__ import annotations

import os
import sys
import threading

BEFORE_TENSORFLOW = ("pylibsrtp",)
"""libsrtp (the Live page's WebRTC encryption, through aiortc): imported after TensorFlow, it
ends the process with a segmentation fault (pylibsrtp 1.0.0, TensorFlow 2.21); before it, both
work."""

_ONCE = threading.Lock()  # the stream is the process's: one thread may swap it, once


def import_tensorflow_quietly() -> None:
    """Import TensorFlow (if installed, and not yet imported) with its C++ start-up notices
    silenced. Safe to call from every script run of every session."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _ONCE:
        if "tensorflow" in sys.modules:
            return
        for name in BEFORE_TENSORFLOW:
            try:
                __import__(name)
            except ImportError:
                pass  # not installed: nothing to keep in order
        saved, silent = os.dup(2), os.open(os.devnull, os.O_WRONLY)
        os.dup2(silent, 2)
        try:
            import tensorflow
            tensorflow.get_logger().setLevel("ERROR")
        except ImportError:
            pass  # the JAX machines: Keras runs without it
        finally:
            os.dup2(saved, 2)
            os.close(silent)
            os.close(saved)
