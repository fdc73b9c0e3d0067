"""One model computation at a time in the server process.

Sessions are threads of one process. On a 2-core server, several sessions running TensorFlow
at once only slow each other down (each op's thread pool wants both cores, and they thrash);
taken in turn, each computation finishes sooner and the total is no larger, so a class waits
less. Only work that calls a model takes the lock; drawing the page does not.
"""

from __future__ import annotations

import threading

MODEL_TIME = threading.Lock()
