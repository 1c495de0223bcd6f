"""Fitting the scorecard with optbinning and measuring it (training side only).

- Monotonic optimal binning per characteristic (optbinning ``BinningProcess``, CP-SAT, the
  trend fixed per characteristic: risk ``ascending`` or ``descending`` with the value), then
  logistic regression on the WoE values (scikit-learn), scaled to points by optbinning's
  ``Scorecard`` (PDO 40, 600 points at good:bad odds of 20:1).
- With WoE = ln(%good/%bad) every coefficient must be negative; a positive one means
  collinearity would flip that characteristic's points against its trend, so the
  characteristic with the largest positive coefficient is dropped and the fit repeated.
- The artefact holds split points and points per bin; ``Scorecard`` (serving) reproduces
  optbinning's scores and probabilities exactly (checked on every training run).
"""

from __future__ import annotations

import hashlib
import logging
import math

import numpy as np
import orjson

from services.credit.domain.features import FEATURE_VERSION
from services.credit.domain.scorecard import ARTEFACT_FORMAT, MASTER_SCALE, Scorecard, grade_of

# (characteristic, how default risk moves as the value rises)
CHARACTERISTICS = (
    ("ontime_rate", "descending"),
    ("dbt_wavg", "ascending"),
    ("dbt_recent", "ascending"),
    ("late_30_count", "ascending"),
    ("dilution_rate", "ascending"),
    ("log_turnover", "descending"),
    ("turnover_growth", "descending"),
    ("three_flow_match_rate", "descending"),
    ("leverage", "ascending"),
    ("trust", "descending"),
    ("distressed_buyer_share", "ascending"),
    ("n_buyers", "descending"),
)
PDO, ODDS, POINTS_AT_ODDS = 40, 20, 600
FACTOR = PDO / math.log(2)
OFFSET = POINTS_AT_ODDS - FACTOR * math.log(ODDS)


def _quiet_solvers() -> None:
    # cvxpy (an optbinning dependency, unused by the CP-SAT binning here) warns about every
    # optional solver it cannot load; a filter survives the level cvxpy sets on import.
    logging.getLogger("__cvxpy__").addFilter(lambda record: "importing solver" not in record.msg)


def frame(rows, names):
    import pandas as pd

    data = [[_number(row.values().get(name)) for name in names] for row in rows]
    return pd.DataFrame(data, columns=list(names), dtype=float)


def _number(value):
    return np.nan if value is None else float(value)


def labels(rows) -> np.ndarray:
    return np.array([int(row.defaulted) for row in rows])


def fit_scorecard(rows, characteristics=CHARACTERISTICS):
    """Fit on ``rows``; return (optbinning Scorecard, kept characteristics, dropped)."""
    _quiet_solvers()
    from optbinning import BinningProcess
    from optbinning import Scorecard as OptScorecard
    from sklearn.linear_model import LogisticRegression

    kept, dropped = list(characteristics), []
    target = labels(rows)
    while True:
        names = [name for name, _ in kept]
        params = {name: {"monotonic_trend": trend} for name, trend in kept}
        fitted = OptScorecard(
            binning_process=BinningProcess(names, binning_fit_params=params),
            estimator=LogisticRegression(max_iter=2000),
            scaling_method="pdo_odds",
            scaling_method_params={"pdo": PDO, "odds": ODDS, "scorecard_points": POINTS_AT_ODDS},
        )
        fitted.fit(frame(rows, names), target)
        coefficients = dict(zip(names, fitted.estimator_.coef_[0], strict=True))
        worst = max(coefficients, key=coefficients.get)
        if coefficients[worst] <= 1e-9:
            return fitted, kept, dropped
        dropped.append((worst, float(coefficients[worst])))
        kept = [item for item in kept if item[0] != worst]


def artefact(fitted, kept, dropped, provenance: dict, horizon_days: int) -> dict:
    """The JSON artefact: characteristics with splits and points, scaling, provenance."""
    table = fitted.table(style="detailed")
    characteristics = []
    for name, trend in kept:
        rows = table[table["Variable"] == name]
        splits = [float(s) for s in fitted.binning_process_.get_binned_variable(name).splits]
        points = [float(p) for p in rows["Points"].tolist()]
        bins = rows["Bin"].tolist()
        regular = points[: len(splits) + 1]
        missing = points[bins.index("Missing")]
        iv = float(rows["IV"].sum()) if "IV" in rows else None
        characteristics.append(
            {"name": name, "trend": trend, "splits": splits, "points": regular,
             "missing_points": missing, "iv": iv}
        )  # fmt: skip
    body = {"characteristics": characteristics, "offset": OFFSET, "factor": FACTOR}
    digest = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()[:10]
    version = f"scorecard-1.0+seed{provenance['seed']}.size{provenance['size']}.{digest}"
    return {
        "format": ARTEFACT_FORMAT,
        "version": version,
        "feature_version": FEATURE_VERSION,
        "horizon_days": horizon_days,
        "scaling": {"pdo": PDO, "odds": ODDS, "points": POINTS_AT_ODDS,
                    "offset": OFFSET, "factor": FACTOR},
        "characteristics": characteristics,
        "dropped_for_sign": [{"name": n, "coefficient": c} for n, c in dropped],
        "master_scale": [{"grade": g, "pd_below": b} for b, g in MASTER_SCALE],
        "provenance": provenance,
    }  # fmt: skip


def check_reproduces(fitted, scorecard: Scorecard, rows) -> float:
    """Largest difference between optbinning's PD and the artefact's on ``rows``."""
    names = [c.name for c in scorecard.characteristics]
    expected = fitted.predict_proba(frame(rows, names))[:, 1]
    ours = np.array([scorecard.pd(scorecard.score(row.values())) for row in rows])
    return float(np.abs(expected - ours).max()) if len(rows) else 0.0


# -- measurements ----------------------------------------------------------------------------


def discrimination(target: np.ndarray, pd: np.ndarray) -> dict:
    from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

    fpr, tpr, _ = roc_curve(target, pd)
    auc = float(roc_auc_score(target, pd))
    return {
        "auc": auc,
        "gini": 2 * auc - 1,
        "ks": float(np.max(tpr - fpr)),
        "brier": float(brier_score_loss(target, pd)),
        "rows": int(len(target)),
        "defaults": int(target.sum()),
        "roc": {"fpr": fpr.tolist(), "tpr": tpr.tolist()},
    }


def calibration_by_grade(target: np.ndarray, pd: np.ndarray) -> list[dict]:
    grades = [grade_of(p) for p in pd]
    table = []
    for _, grade in MASTER_SCALE:
        chosen = [i for i, g in enumerate(grades) if g == grade]
        if not chosen:
            continue
        table.append(
            {
                "grade": grade,
                "rows": len(chosen),
                "mean_pd": float(np.mean(pd[chosen])),
                "observed_default_rate": float(np.mean(target[chosen])),
            }
        )
    return table


def psi(expected: np.ndarray, actual: np.ndarray, edges: np.ndarray) -> float:
    """Population stability index Σ (a − e)·ln(a / e) over ``edges`` bins (0.5-count floor,
    so an empty bin is finite: docs/sources.md, bands 0.10 / 0.25)."""
    e_counts = np.histogram(expected, edges)[0] + 0.5
    a_counts = np.histogram(actual, edges)[0] + 0.5
    e_share, a_share = e_counts / e_counts.sum(), a_counts / a_counts.sum()
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))


def stability(scorecard: Scorecard, expected_rows, actual_rows) -> dict:
    """Score PSI between two periods on the expected period's score deciles, and each
    characteristic's PSI on its own bins (CSI)."""
    expected = np.array([scorecard.score(row.values()) for row in expected_rows])
    actual = np.array([scorecard.score(row.values()) for row in actual_rows])
    inner = np.unique(np.quantile(expected, np.linspace(0.1, 0.9, 9)))
    edges = np.concatenate(([-np.inf], inner, [np.inf]))
    by_characteristic = {}
    for characteristic in scorecard.characteristics:
        e_bins = np.array([_bin(characteristic, row) for row in expected_rows])
        a_bins = np.array([_bin(characteristic, row) for row in actual_rows])
        bin_edges = np.arange(-1.5, len(characteristic.points) + 0.5)
        by_characteristic[characteristic.name] = psi(e_bins, a_bins, bin_edges)
    return {
        "psi": psi(expected, actual, edges),
        "expected_rows": len(expected_rows),
        "actual_rows": len(actual_rows),
        "by_characteristic": by_characteristic,
    }


def _bin(characteristic, row) -> int:
    position = characteristic.bin_of(row.values().get(characteristic.name))
    return -1 if position is None else position
