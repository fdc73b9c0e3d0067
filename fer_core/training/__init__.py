"""Training: configs with the study's defaults, a resumable loop, and ``train_model``."""

from .api import train_model
from .config import TrainConfig, make_config, parse_assignments, recorded_settings
from .loop import TrainingStopped
from .progress import ConsoleProgress, Progress, RunPlan

__all__ = ["ConsoleProgress", "Progress", "RunPlan", "TrainConfig", "TrainingStopped",
           "make_config", "parse_assignments", "recorded_settings", "train_model"]
