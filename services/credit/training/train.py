"""Train the credit scorecard on a synthetic world and write a versioned artefact + model card.

    python -m services.credit.training.train --seed 2031 --size 600 \
        --out services/credit/artefacts --card docs/model-card.md

Steps (progress on stderr, a summary on stdout): generate and sign the world; fold its
entries into the credit book and observe every live SME on the observation days
(``dataset``); hold out 30 % of the firms; fit monotonic binning + logistic regression
(``modelling``); check the JSON artefact reproduces optbinning's PDs; measure AUC, KS,
calibration by grade and PSI between the two simulated periods on held-out data; write
``scorecard.json``, ``metrics.json`` and the model card with its plots.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from services.credit.domain.policy import knockouts
from services.credit.domain.scorecard import KNOCKOUT_PD_FLOOR, Scorecard
from services.credit.training import modelling
from services.credit.training.dataset import HORIZON_DAYS, OBSERVATION_DAYS, held_out, observe


def _say(message: str) -> None:
    print(f"[train] {message}", file=sys.stderr, flush=True)


def train(seed: int, size: int, progress=_say) -> dict:
    """Everything the command computes, as one dictionary (the tests call this too)."""
    from services.credit.training.world import generate_world

    started = time.monotonic()
    progress(f"generating world seed={seed} size={size}")
    world = generate_world(seed, size, progress=lambda d, t: progress(f"signed {d}/{t}"))
    progress(f"{len(world.commands)} signed commands; observing")
    rows = observe(world)
    train_rows = [row for row in rows if not held_out(row.party)]
    test_rows = [row for row in rows if held_out(row.party)]
    progress(f"{len(rows)} observations ({len(test_rows)} held out); fitting")
    fitted, kept, dropped = modelling.fit_scorecard(train_rows)
    provenance = {"seed": seed, "size": size, "observation_days": list(OBSERVATION_DAYS)}
    document = modelling.artefact(fitted, kept, dropped, provenance, HORIZON_DAYS)
    scorecard = Scorecard.from_dict(document)
    drift = modelling.check_reproduces(fitted, scorecard, test_rows)
    if drift > 1e-9:
        raise RuntimeError(f"the artefact does not reproduce optbinning's PD ({drift})")
    metrics = measure(fitted, kept, scorecard, rows, test_rows)
    metrics["world"] = world_summary(world, rows)
    metrics["seconds"] = round(time.monotonic() - started, 1)
    document["metrics"] = {k: metrics["held_out"][k] for k in ("auc", "ks", "gini", "brier")}
    document["metrics"]["psi"] = metrics["stability"]["psi"]
    progress(f"AUC {metrics['held_out']['auc']:.3f}, KS {metrics['held_out']['ks']:.3f}")
    return {"artefact": document, "metrics": metrics, "fitted": fitted}


def measure(fitted, kept, scorecard: Scorecard, rows, test_rows) -> dict:
    target = modelling.labels(test_rows)
    pd = np.array([scorecard.pd(scorecard.score(row.values())) for row in test_rows])
    flagged = np.array([bool(knockouts(row.features)) for row in test_rows])
    with_policy = np.where(flagged, np.maximum(pd, KNOCKOUT_PD_FLOOR), pd)
    held = modelling.discrimination(target, pd)
    policy = modelling.discrimination(target, with_policy)
    period_a = [row for row in test_rows if row.period == "A"]
    period_b = [row for row in test_rows if row.period == "B"]
    return {
        "held_out": held,
        "held_out_with_knockouts": {k: v for k, v in policy.items() if k != "roc"},
        "calibration": modelling.calibration_by_grade(target, pd),
        "stability": modelling.stability(scorecard, period_a, period_b),
        "knockouts": knockout_summary(rows),
        "scores": {
            "A": [scorecard.score(row.values()) for row in period_a],
            "B": [scorecard.score(row.values()) for row in period_b],
        },
        "characteristics": [
            {
                "name": c.name,
                "trend": c.trend,
                "bins": len(c.points),
                "iv": raw.get("iv"),
                "splits": list(c.splits),
                "points": [round(p, 1) for p in c.points],
                "missing_points": round(c.missing_points, 1),
            }
            for c, raw in zip(
                scorecard.characteristics, scorecard.document["characteristics"], strict=True
            )
        ],  # fmt: skip
    }


def knockout_summary(rows) -> dict:
    by_rule: dict[str, dict] = {}
    fraud_parties, caught = set(), set()
    for row in rows:
        codes = {k.code for k in knockouts(row.features)}
        for code in codes:
            entry = by_rule.setdefault(code, {"rows": 0, "defaults": 0, "fraud_rows": 0})
            entry["rows"] += 1
            entry["defaults"] += int(row.defaulted)
            entry["fraud_rows"] += int(bool(row.fraud))
        for pattern in row.fraud:
            fraud_parties.add((row.party, pattern))
            if codes:
                caught.add((row.party, pattern))
    patterns: dict[str, dict] = {}
    for party, pattern in sorted(fraud_parties):
        entry = patterns.setdefault(pattern, {"parties": 0, "flagged": 0})
        entry["parties"] += 1
        entry["flagged"] += int((party, pattern) in caught)
    clean = [row for row in rows if not row.fraud]
    false_alarms = sum(1 for row in clean if knockouts(row.features))
    return {
        "by_rule": by_rule,
        "fraud_patterns": patterns,
        "clean_rows": len(clean),
        "clean_rows_flagged": false_alarms,
    }


def world_summary(world, rows) -> dict:
    labels = [label for label in world.labels.values() if label.role == "sme"]
    return {
        "seed": world.seed,
        "size": world.size,
        "days": world.days,
        "commands": len(world.commands),
        "parties": len(world.parties),
        "smes": len(labels),
        "smes_defaulted": sum(1 for label in labels if label.default_on is not None),
        "fraudsters": sum(1 for label in labels if label.fraud),
        "observations": len(rows),
        "observation_default_rate": float(np.mean([row.defaulted for row in rows])),
    }


def write(result: dict, out: Path, card: Path | None) -> None:
    from services.credit.training.model_card import write_model_card

    out.mkdir(parents=True, exist_ok=True)
    (out / "scorecard.json").write_text(json.dumps(result["artefact"], indent=1) + "\n")
    metrics = {k: v for k, v in result["metrics"].items() if k != "scores"}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1, default=str) + "\n")
    write_model_card(result, card or out / "model-card.md")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.credit.training.train", description=__doc__
    )
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--size", type=int, default=400, help="enterprises in the world")
    parser.add_argument("--out", type=Path, required=True, help="artefact directory")
    parser.add_argument("--card", type=Path, help="model card path (default OUT/model-card.md)")
    args = parser.parse_args(argv)
    result = train(args.seed, args.size)
    write(result, args.out, args.card)
    held = result["metrics"]["held_out"]
    print(
        json.dumps(
            {
                "version": result["artefact"]["version"],
                "auc": round(held["auc"], 4),
                "ks": round(held["ks"], 4),
                "psi": round(result["metrics"]["stability"]["psi"], 4),
                "out": str(args.out),
                "seconds": result["metrics"]["seconds"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
