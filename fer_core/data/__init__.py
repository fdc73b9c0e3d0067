"""Loading FER2013 from its CSV or image-folder layouts into one :class:`Dataset` form.

This package knows nothing of models: it yields arrays, labels, ids and splits.
"""

from .classes import CLASSES, FER2013_SIZES, IMAGE_SIZE, SPLITS, class_index
from .dataset import Dataset
from .loader import load_dataset

__all__ = ["CLASSES", "FER2013_SIZES", "IMAGE_SIZE", "SPLITS", "Dataset", "class_index",
           "load_dataset"]
