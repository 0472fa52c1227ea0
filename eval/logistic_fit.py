"""Fitting the standardised logistic models the learned rankers store (qa/logistic.py reads them)."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression


def fit_standardised_logistic(x: np.ndarray, y: np.ndarray, regularisation: float,
                              max_iter: int = 5000) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Weights, bias, mean and scale of a logistic model of y over x standardised by its own mean and scale (a
    constant feature keeps scale 1)."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    classifier = LogisticRegression(C=regularisation, max_iter=max_iter).fit((x - mean) / scale, y)
    return classifier.coef_[0], float(classifier.intercept_[0]), mean, scale
