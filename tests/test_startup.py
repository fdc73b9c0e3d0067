"""TensorFlow's start-up notices stay out of the command line's output, and the standard error
stream is whole again afterwards."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fer_core.startup import import_tensorflow_quietly


def test_the_error_stream_is_open_after_a_quiet_import(capfd) -> None:
    import_tensorflow_quietly()
    import_tensorflow_quietly()  # a second call, as every script run of the app makes
    os.write(2, b"still heard\n")
    assert "still heard" in capfd.readouterr().err


@pytest.mark.slow
def test_the_command_line_prints_no_tensorflow_notices() -> None:
    done = subprocess.run([sys.executable, "-m", "fer_core", "models"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "families:" in done.stdout
    assert "oneDNN" not in done.stderr and "absl" not in done.stderr, done.stderr
