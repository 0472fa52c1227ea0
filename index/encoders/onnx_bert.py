"""Questions encoded with the folder's exported ONNX encoder (index/encoders/onnx_export.py): the fastest path."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.encoders.base import BertEncoderBase, load_safetensors


class OnnxBertEncoder(BertEncoderBase):
    """Encode texts with a folder's exported ONNX encoder (see index/encoders/onnx_export.py); fastest for questions."""

    def __init__(self, folder: Path, onnx_file: Path, max_length: int = 512) -> None:
        """Open the ONNX session (two threads) and the memory-mapped word embeddings."""
        import onnxruntime

        super().__init__(folder, max_length)
        self.words = load_safetensors(folder / "model.safetensors")["embeddings.word_embeddings.weight"]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])

    def _hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        embeds = np.ascontiguousarray(self.words[ids], dtype=np.float32)
        feeds = {"inputs_embeds": embeds, "attention_mask": mask.astype(np.int64)}
        return self.session.run(None, feeds)[0]
