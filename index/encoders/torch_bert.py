"""The NumPy BERT forward pass in torch: batched products for embedding many passages when no ONNX export exists."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.encoders.numpy_bert import NumpyBertEncoder


class TorchBertEncoder(NumpyBertEncoder):
    """The same forward pass in torch (batched matrix products) for embedding many passages when the folder has no
    ONNX export (the export is faster: index/embedder.py).

    It imports only torch (~3 s), not transformers / sentence-transformers (~10 s more).
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
