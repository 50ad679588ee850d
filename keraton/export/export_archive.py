"""``keras.export.ExportArchive``: Keras 3's builder of TensorFlow SavedModels, unavailable in keraton.

A SavedModel is a TensorFlow graph; keraton exports through PyTorch instead
(``model.export(path, format="onnx")``, or ``torch.export`` on the model, which
is an ``nn.Module``).
"""

from __future__ import annotations


class ExportArchive:
    """Keras 3's ``ExportArchive``; creating one raises ``ImportError`` as Keras 3 does without TensorFlow.

    keraton writes no TensorFlow SavedModels: use ``model.export(path,
    format="onnx")`` or ``torch.export.export(model, ...)``.
    """

    def __init__(self, *args, **kwargs):
        """Raise ``ImportError``: ExportArchive builds TensorFlow SavedModels, which keraton does not write."""
        raise ImportError("ExportArchive writes TensorFlow SavedModels, which need TensorFlow; keraton "
                          "does not use it. Export with `model.export(path, format='onnx')` or "
                          "`torch.export.export(model, args)` instead.")
