"""The Streamlit dashboard's helpers: data and model access, figures, pictures, training jobs.

Dependencies point one way: ``pages/`` (one thin UI module per page) use these helpers, and these
helpers use :mod:`fer_core`, which never imports Streamlit. The entry point is ``app.py``.
"""
