"""Exporting models for serving: ONNX through ``torch.onnx`` (Keras 3's ``keras.export``)."""

from keraton.export.export_archive import ExportArchive
from keraton.export.onnx import export_onnx

__all__ = ["ExportArchive", "export_onnx"]
