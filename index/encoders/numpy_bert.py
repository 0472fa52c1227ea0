"""A BERT forward pass in NumPy over memory-mapped weights: no torch import, fine for a few texts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.special import erf

from index.encoders.base import BertEncoderBase, load_safetensors


class NumpyBertEncoder(BertEncoderBase):
    """Encode texts with a BERT sentence-transformers folder, without torch."""

    def __init__(self, folder: Path, max_length: int = 512) -> None:
        """Read the folder's config, tokenizer and weights (memory-mapped)."""
        super().__init__(folder, max_length)
        self.heads = int(self.config["num_attention_heads"])
        self.layers = int(self.config["num_hidden_layers"])
        self.eps = float(self.config.get("layer_norm_eps", 1e-12))
        self.w = load_safetensors(folder / "model.safetensors")
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
