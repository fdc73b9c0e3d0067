"""What the server process keeps between script runs: the models, warm.

After every script run Streamlit calls ``keras.backend.clear_session()`` (for apps that build
models on each run) and a full garbage collection. This app builds nothing per run: its models
and traced functions are loaded once per process and shared by every session. There, clearing
the session throws away TensorFlow's kernel cache and walks the whole heap while holding the
interpreter lock, after every run of every session and every refresh of a progress line: with
a class at once, most of the server's time. The first is switched off here, the second in
``.streamlit/config.toml`` (``runner.postScriptGC``).
"""

from __future__ import annotations

from streamlit.runtime.scriptrunner import script_runner


def _keep_models() -> None:
    """In place of Streamlit's per-run cleanup of stateful modules: nothing to clean here."""


def keep_models_warm() -> None:
    """Stop Streamlit from clearing Keras' session after each script run."""
    script_runner._clean_problem_modules = _keep_models
