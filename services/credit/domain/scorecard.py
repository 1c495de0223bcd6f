"""The scorecard artefact: bins and points per characteristic, scaling, the master scale.

Convention (pinned here once, see docs/sources.md): a higher score is a
lower risk; odds are good:bad; WoE = ln(%good / %bad) (optbinning's sign). Points per bin come
from the trained model (``services.credit.training.train``) and are only looked up here, so serving
needs neither optbinning nor scikit-learn:

    score = Σ points(characteristic, bin of its value)
    PD    = 1 / (1 + exp((score − offset) / factor))       factor = PDO / ln 2

A value falls in bin ``i`` = the number of split points ≤ value (optbinning's ``[a, b)``
intervals); a missing value (``None``) takes the characteristic's missing-bin points.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import orjson

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "artefacts" / "scorecard.json"
ARTEFACT_FORMAT = "credit-scorecard/1"

# (PD upper bound, grade): the master scale; knock-outs are graded "KO".
MASTER_SCALE = (
    (0.003, "AAA"),
    (0.006, "AA"),
    (0.012, "A"),
    (0.025, "BBB"),
    (0.05, "BB"),
    (0.10, "B"),
    (0.20, "CCC"),
    (1.01, "CC"),
)
KNOCKOUT_GRADE = "KO"
KNOCKOUT_PD_FLOOR = 0.20


class ModelArtefactError(Exception):
    """Raised when a model file is missing, malformed or of another format."""

    code = "CREDIT_MODEL_INVALID"


@dataclass(frozen=True)
class Characteristic:
    name: str
    trend: str  # "ascending" (risk rises with the value) or "descending"
    splits: tuple[float, ...]
    points: tuple[float, ...]  # one per bin: len(splits) + 1
    missing_points: float

    def bin_of(self, value) -> int | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return bisect.bisect_right(self.splits, value)

    def points_for(self, value) -> float:
        position = self.bin_of(value)
        return self.missing_points if position is None else self.points[position]

    @property
    def max_points(self) -> float:
        return max(*self.points, self.missing_points)


@dataclass(frozen=True)
class Scorecard:
    version: str
    characteristics: tuple[Characteristic, ...]
    offset: float
    factor: float
    horizon_days: int
    document: dict  # the whole artefact, metrics and provenance included

    @classmethod
    def from_dict(cls, document: dict) -> Scorecard:
        if document.get("format") != ARTEFACT_FORMAT:
            raise ModelArtefactError(f"not a {ARTEFACT_FORMAT} artefact")
        characteristics = tuple(
            Characteristic(
                c["name"], c["trend"], tuple(c["splits"]), tuple(c["points"]), c["missing_points"]
            )
            for c in document["characteristics"]
        )
        scaling = document["scaling"]
        return cls(
            document["version"],
            characteristics,
            scaling["offset"],
            scaling["factor"],
            document["horizon_days"],
            document,
        )

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL) -> Scorecard:
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelArtefactError(f"cannot load the credit model {path}: {exc}") from None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(orjson.dumps(self.document, option=orjson.OPT_SORT_KEYS)).hexdigest()

    def points(self, values: dict) -> dict[str, float]:
        return {c.name: c.points_for(values.get(c.name)) for c in self.characteristics}

    def score(self, values: dict) -> float:
        return sum(self.points(values).values())

    def pd(self, score: float) -> float:
        return 1.0 / (1.0 + math.exp((score - self.offset) / self.factor))

    def score_for_pd(self, pd: float) -> float:
        return self.offset + self.factor * math.log((1 - pd) / pd)


def grade_of(pd: float) -> str:
    for bound, grade in MASTER_SCALE:
        if pd < bound:
            return grade
    return MASTER_SCALE[-1][1]
