"""A standardised logistic model as the learned deciders store it: p = sigmoid(w . (x - mean) / scale + b)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StandardisedLogistic:
    """Weights over named features, applied to features standardised by the training set's mean and scale."""

    features: tuple[str, ...]
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """The probability of every row of x (or of the one vector x)."""
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))

    def coefficients(self) -> dict:
        """The JSON-ready numbers: features, weights, bias, mean and scale."""
        return {"features": list(self.features), "weights": self.weights.round(6).tolist(), "bias": round(self.bias, 6),
                "mean": self.mean.round(6).tolist(), "scale": self.scale.round(6).tolist()}

    @staticmethod
    def read_coefficients(data: dict) -> tuple[tuple[str, ...], np.ndarray, float, np.ndarray, np.ndarray]:
        """The numbers written by coefficients(), in field order."""
        return (tuple(data["features"]), np.array(data["weights"], dtype=np.float64), float(data["bias"]),
                np.array(data["mean"], dtype=np.float64), np.array(data["scale"], dtype=np.float64))
