"""What every BERT encoder here shares: which folders it supports, memory-mapped weights, tokenizing and pooling.

Importing torch + sentence-transformers takes ~10 s on these machines; a one-shot `qa search` must start in
a few seconds, and a query is a handful of tokens. The encoders of this package share tokenizing, padding and
pooling and differ only in how they compute hidden states: NumPy over the memory-mapped safetensors weights
(numpy_bert), torch (torch_bert), or an exported ONNX graph (onnx_bert), which encodes both questions and, when
the folder has one, the index's passages: on two cores it is the fastest of the three.
A test checks all three against sentence-transformers (cosine >= 0.9999).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

_DTYPES = {"F32": np.float32, "F16": np.float16}


def supports(folder: Path) -> bool:
    """True when folder is a sentence-transformers BERT model this encoder can run (mean/CLS pooling)."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and (folder / "model.safetensors").exists()
        and (folder / "tokenizer.json").exists()
        and (pooling.get("pooling_mode_mean_tokens") or pooling.get("pooling_mode_cls_token"))
        and not pooling.get("pooling_mode_max_tokens")
    )


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Memory-map every tensor of a safetensors file (read-only, no copy)."""
    with path.open("rb") as handle:
        header_len = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(header_len))
    base = 8 + header_len
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = _DTYPES[info["dtype"]]
        tensors[name.removeprefix("bert.")] = raw[base + start : base + end].view(dtype).reshape(info["shape"])
    return tensors


class BertEncoderBase:
    """What every backend shares: the folder's tokenizer and pooling, batching by length, padding, pooling."""

    def __init__(self, folder: Path, max_length: int = 512) -> None:
        """Read the folder's config, pooling settings and tokenizer."""
        self.config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        self.cls_pooling = bool(pooling.get("pooling_mode_cls_token")) and not pooling.get("pooling_mode_mean_tokens")
        self.normalize = (folder / "2_Normalize").exists()
        self.dimensions = int(self.config["hidden_size"])
        self.max_length = min(max_length, int(self.config.get("max_position_embeddings", 512)))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_length)

    def encode(self, texts: list[str], batch_size: int = 16) -> np.ndarray:
        """Embeddings of texts, shape (n, hidden); unit length when the folder normalises."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for b in range(0, len(order), batch_size):
            chunk = order[b : b + batch_size]
            out[chunk] = self._forward([encodings[i].ids for i in chunk])
        return out

    def _forward(self, batch_ids: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch_ids)
        ids = np.zeros((len(batch_ids), length), dtype=np.int64)
        mask = np.zeros((len(batch_ids), length), dtype=np.float32)
        for row, seq in enumerate(batch_ids):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        hidden = self._hidden(ids, mask)
        if self.cls_pooling:
            pooled = hidden[:, 0]
        else:
            pooled = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        if self.normalize:
            pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled

    def _hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states (batch, tokens, hidden) of padded token ids; mask is 1.0 on real tokens."""
        raise NotImplementedError
