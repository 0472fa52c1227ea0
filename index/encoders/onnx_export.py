"""Export a BERT sentence-transformers folder's encoder to ONNX once, for fast encoding with onnxruntime.

ONNX Runtime encodes a short question in about 9 ms on two cores (with the process's other native thread pools held
to one thread, index/threads.py), against about 35 ms for our NumPy forward pass, and embeds many passages about
twice as fast as torch; it agrees with both at cosine >= 0.9999. The word-embedding table (250k x 384 for e5) stays
out of the ONNX file: callers look embeddings up from the memory-mapped safetensors and pass `inputs_embeds`.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

from corpus.files import atomic_write, atomic_write_text

ONNX_FILE = "encoder.onnx"
ONNX_MARKER = "encoder.onnx.json"
FORMAT = 1


def onnx_path(folder: Path) -> Path | None:
    """The folder's exported encoder, or None when it has not been exported (or is from another format)."""
    marker = folder / ONNX_MARKER
    if not (folder / ONNX_FILE).exists() or not marker.exists():
        return None
    try:
        return folder / ONNX_FILE if json.loads(marker.read_text(encoding="utf-8")).get("format") == FORMAT else None
    except ValueError:
        return None


def loads(path: Path) -> bool:
    """Whether onnxruntime can load the exported encoder (a truncated or corrupted file cannot)."""
    try:
        import onnxruntime

        onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception:  # noqa: BLE001 - onnxruntime's load errors share no base class
        return False
    return True


def ensure_onnx(folder: Path, check: bool = False) -> Path | None:
    """Export the encoder when missing (or, with check, when it does not load); return its path, or None when the
    export is not possible here."""
    existing = onnx_path(folder)
    if existing is not None and (not check or loads(existing)):
        return existing
    if existing is not None:
        print(f"note: {existing} is damaged; exporting it again", file=sys.stderr)
        (folder / ONNX_MARKER).unlink(missing_ok=True)
    try:
        export(folder)
    except Exception as exc:  # noqa: BLE001 - any failure only means queries use the NumPy forward pass
        print(f"note: ONNX export skipped ({exc.__class__.__name__}: {exc}); queries use the NumPy encoder", file=sys.stderr)
        return None
    return onnx_path(folder)


def export(folder: Path) -> None:
    """Write encoder.onnx (inputs_embeds, attention_mask -> last_hidden_state) atomically into folder."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(folder)).eval()

    class Encoder(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state

    hidden = int(model.config.hidden_size)
    example = (torch.zeros(1, 5, hidden), torch.ones(1, 5, dtype=torch.int64))
    def write(tmp: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's tracer warnings say nothing actionable here
            torch.onnx.export(
                Encoder(model),
                example,
                str(tmp),
                input_names=["inputs_embeds", "attention_mask"],
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in ("inputs_embeds", "attention_mask", "last_hidden_state")},
                opset_version=17,
                dynamo=False,
            )

    atomic_write(folder / ONNX_FILE, write)
    atomic_write_text(folder / ONNX_MARKER, json.dumps({"format": FORMAT, "hidden": hidden}))
