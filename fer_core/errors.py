"""The one exception family users see.

Every error a user can cause (a bad path, a malformed CSV, a corrupt model file, an image without a
face) is raised as a :class:`FerError` with a message that names the culprit. The CLI and the
dashboard print that message instead of a traceback; anything else is a bug.
"""


class FerError(Exception):
    """Base class of all user-facing errors."""


class DataError(FerError):
    """The dataset cannot be read: missing path, unknown layout, malformed file or row."""


class ModelError(FerError):
    """A model cannot be built, trained, found or loaded."""


class WeightsUnavailable(ModelError):
    """Pretrained (ImageNet) weights a model needs are neither cached, downloadable nor given.

    Its own class so a UI can point at its weights setting instead of parsing the message.
    """


class NameTaken(ModelError):
    """A stored model already has the name a new one asks for, and replacing it was not asked
    (or is not allowed: the model is protected). Its own class so a UI can offer another name."""


class ImageError(FerError):
    """An uploaded or given image cannot be used (not an image, corrupt, too large)."""


class VideoError(FerError):
    """A video cannot be used: not a video, corrupt, no video stream, too large or too long."""
