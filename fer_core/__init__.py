"""fer_core: train, cache, evaluate and explain facial emotion recognition models on FER2013.

The library behind the dashboard and the CLI. It never imports Streamlit; importing the package
itself is cheap (TensorFlow is only imported by the modules that need it).
"""

__version__ = "0.1.0"
