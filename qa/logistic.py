"""A standardised logistic model as the learned deciders store it: p = sigmoid(w . (x - mean) / scale + b)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

log = logging.getLogger(__name__)
Model = TypeVar("Model")


@dataclass(frozen=True)
class StandardisedLogistic:
    """Weights over named features, applied to features standardised by the training set's mean and scale."""

    features: tuple[str, ...]
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray

    def logits(self, x: np.ndarray) -> np.ndarray:
        """The log-odds of every row of x (or of the one vector x)."""
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """The probability of every row of x (or of the one vector x)."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(x), -50.0, 50.0)))

    def coefficients(self) -> dict:
        """The JSON-ready numbers: features, weights, bias, mean and scale."""
        return {"features": list(self.features), "weights": self.weights.round(6).tolist(), "bias": round(self.bias, 6),
                "mean": self.mean.round(6).tolist(), "scale": self.scale.round(6).tolist()}

    @staticmethod
    def read_coefficients(data: dict) -> tuple[tuple[str, ...], np.ndarray, float, np.ndarray, np.ndarray]:
        """The numbers written by coefficients(), in field order."""
        features = tuple(data["features"])
        weights, mean, scale = (np.array(data[k], dtype=np.float64) for k in ("weights", "mean", "scale"))
        if not weights.shape == mean.shape == scale.shape == (len(features),):
            raise ValueError(f"{len(features)} features but weights, mean and scale of lengths {weights.shape},"
                             f" {mean.shape}, {scale.shape}")
        return features, weights, float(data["bias"]), mean, scale


def read_model_file(path: Path, from_dict: Callable[[dict], Model]) -> Model | None:
    """The model stored in path, or None when there is none or the file is not a model (said in a warning: the
    caller falls back to what it does without one, and retraining writes a new file)."""
    if not path.exists():
        return None
    try:
        return from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:  # JSONDecodeError is a ValueError
        log.warning("ignoring the model file %s: %s", path, exc)
        return None
