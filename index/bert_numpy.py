"""Forward passes for BERT sentence-transformers folders (mean or CLS pooling) that start fast.

Importing torch + sentence-transformers takes ~10 s on these machines; a one-shot `qa search` must start in
a few seconds, and a query is a handful of tokens. The encoders here share tokenizing, padding and pooling and
differ only in how they compute hidden states: NumPy over the memory-mapped safetensors weights, torch (for
building the index), or an exported ONNX graph (for questions). A test checks all three against
sentence-transformers (cosine >= 0.9999).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
from scipy.special import erf
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


def _load_safetensors(path: Path) -> dict[str, np.ndarray]:
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


class _BertEncoder:
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


class NumpyBertEncoder(_BertEncoder):
    """Encode texts with a BERT sentence-transformers folder, without torch."""

    def __init__(self, folder: Path, max_length: int = 512) -> None:
        """Read the folder's config, tokenizer and weights (memory-mapped)."""
        super().__init__(folder, max_length)
        self.heads = int(self.config["num_attention_heads"])
        self.layers = int(self.config["num_hidden_layers"])
        self.eps = float(self.config.get("layer_norm_eps", 1e-12))
        self.w = _load_safetensors(folder / "model.safetensors")
        # Linear weights are stored (out, in); keep transposed float32 copies of the small ones.
        self._linear = {
            name[: -len(".weight")]: (
                np.ascontiguousarray(t.T, dtype=np.float32),
                np.array(self.w[name[: -len(".weight")] + ".bias"], dtype=np.float32),
            )
            for name, t in self.w.items()
            if name.startswith("encoder.") and name.endswith(".weight") and t.ndim == 2
        }
        # Query, key and value projections in one matrix: one product instead of three.
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}.attention.self"
            parts = [self._linear[f"{p}.{n}"] for n in ("query", "key", "value")]
            self._linear[f"{p}.qkv"] = (
                np.ascontiguousarray(np.concatenate([w for w, _ in parts], axis=1)),
                np.concatenate([b for _, b in parts]),
            )
        self._norms = {
            name[: -len(".weight")]: (
                np.array(t, dtype=np.float32),
                np.array(self.w[name[: -len(".weight")] + ".bias"], dtype=np.float32),
            )
            for name, t in self.w.items()
            if "LayerNorm" in name and name.endswith(".weight")
        }

    def _hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        length = ids.shape[1]
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        ).astype(np.float32)
        x = self._layer_norm(x, "embeddings.LayerNorm")
        bias = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)
        for layer in range(self.layers):
            x = self._block(x, bias, f"encoder.layer.{layer}")
        return x

    def _block(self, x: np.ndarray, bias: np.ndarray, prefix: str) -> np.ndarray:
        batch, length, hidden = x.shape
        head_dim = hidden // self.heads

        def heads(t: np.ndarray) -> np.ndarray:
            return t.reshape(batch, length, self.heads, head_dim).transpose(0, 2, 1, 3)

        qkv = self._dense(x, f"{prefix}.attention.self.qkv")
        q, k, v = (heads(qkv[..., i * hidden : (i + 1) * hidden]) for i in range(3))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head_dim)) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs = scores / scores.sum(axis=-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = self._layer_norm(
            x + self._dense(context, f"{prefix}.attention.output.dense"), f"{prefix}.attention.output.LayerNorm"
        )
        inner = self._dense(x, f"{prefix}.intermediate.dense")
        inner = 0.5 * inner * (1.0 + erf(inner / np.float32(np.sqrt(2.0))))
        return self._layer_norm(x + self._dense(inner, f"{prefix}.output.dense"), f"{prefix}.output.LayerNorm")

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        weight, bias = self._linear[name]
        flat = x.reshape(-1, x.shape[-1]) @ weight
        flat += bias
        return flat.reshape(*x.shape[:-1], weight.shape[1])

    def _layer_norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        weight, bias = self._norms[name]
        return ((x - mean) / np.sqrt(var + self.eps)) * weight + bias


class TorchBertEncoder(NumpyBertEncoder):
    """The same forward pass in torch (fast batched matrix products) for embedding many passages.

    It imports only torch (~3 s), not transformers / sentence-transformers (~10 s more), so a full
    index build stays within its time budget.
    """

    def __init__(self, folder: Path, max_length: int = 512) -> None:
        """Load weights as in NumpyBertEncoder, then as torch tensors."""
        super().__init__(folder, max_length)
        import torch

        self._torch = torch
        self._t_linear = {n: (torch.from_numpy(w.T.copy()), torch.from_numpy(b)) for n, (w, b) in self._linear.items()}
        self._t_norms = {n: (torch.from_numpy(w), torch.from_numpy(b)) for n, (w, b) in self._norms.items()}
        self._positions = torch.from_numpy(np.array(self.w["embeddings.position_embeddings.weight"], dtype=np.float32))
        self._token_type = torch.from_numpy(
            np.array(self.w["embeddings.token_type_embeddings.weight"][0], dtype=np.float32)
        )

    def _hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        torch = self._torch
        functional = torch.nn.functional
        length = ids.shape[1]
        with torch.inference_mode():
            words = torch.from_numpy(np.array(self.w["embeddings.word_embeddings.weight"][ids], dtype=np.float32))
            x = words + self._positions[:length][None] + self._token_type
            x = self._t_norm(x, "embeddings.LayerNorm")
            attn_mask = torch.from_numpy(mask > 0)[:, None, None, :]
            batch, hidden = x.shape[0], x.shape[2]
            head_dim = hidden // self.heads
            for layer in range(self.layers):
                p = f"encoder.layer.{layer}"
                qkv = self._t_dense(x, f"{p}.attention.self.qkv")
                q, k, v = (
                    qkv[..., i * hidden : (i + 1) * hidden].reshape(batch, length, self.heads, head_dim).transpose(1, 2)
                    for i in range(3)
                )
                context = functional.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
                context = context.transpose(1, 2).reshape(batch, length, hidden)
                x = self._t_norm(x + self._t_dense(context, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm")
                inner = functional.gelu(self._t_dense(x, f"{p}.intermediate.dense"))
                x = self._t_norm(x + self._t_dense(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")
            return x.numpy()

    def _t_dense(self, x, name: str):
        weight, bias = self._t_linear[name]
        return self._torch.nn.functional.linear(x, weight, bias)

    def _t_norm(self, x, name: str):
        weight, bias = self._t_norms[name]
        return self._torch.nn.functional.layer_norm(x, (x.shape[-1],), weight, bias, self.eps)


class OnnxBertEncoder(_BertEncoder):
    """Encode texts with a folder's exported ONNX encoder (see index/onnx_export.py); fastest for questions."""

    def __init__(self, folder: Path, onnx_file: Path, max_length: int = 512) -> None:
        """Open the ONNX session (two threads) and the memory-mapped word embeddings."""
        import onnxruntime

        super().__init__(folder, max_length)
        self.words = _load_safetensors(folder / "model.safetensors")["embeddings.word_embeddings.weight"]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])

    def _hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        embeds = np.ascontiguousarray(self.words[ids], dtype=np.float32)
        feeds = {"inputs_embeds": embeds, "attention_mask": mask.astype(np.int64)}
        return self.session.run(None, feeds)[0]
