"""Training the scorecard on a small synthetic world, and the artefact it writes.

Pure: no broker. One training run (≈ 15 s) shared by the module.
"""

import json

import pytest

from services.credit.domain.scorecard import Scorecard
from services.credit.training.train import train, write

SEED, SIZE = 6, 250


@pytest.fixture(scope="module")
def trained():
    return train(SEED, SIZE, progress=lambda message: None)


def test_the_model_discriminates_defaults_on_held_out_firms(trained):
    held_out = trained["metrics"]["held_out"]
    print(f"held-out AUC {held_out['auc']:.3f}, KS {held_out['ks']:.3f}, "
          f"{held_out['defaults']} defaults in {held_out['rows']} observations")  # fmt: skip
    assert held_out["auc"] >= 0.75
    assert held_out["ks"] >= 0.3
    assert held_out["defaults"] >= 20


def test_the_artefact_reproduces_the_fitted_model_and_names_its_version(trained):
    scorecard = Scorecard.from_dict(trained["artefact"])
    assert scorecard.version.startswith(f"scorecard-1.0+seed{SEED}.size{SIZE}.")
    assert trained["artefact"]["metrics"]["auc"] == trained["metrics"]["held_out"]["auc"]
    for characteristic in scorecard.characteristics:
        points = list(characteristic.points)
        assert points == sorted(points, reverse=characteristic.trend == "ascending")


def test_training_is_deterministic_for_a_seed(trained):
    again = train(SEED, SIZE, progress=lambda message: None)
    assert again["artefact"]["version"] == trained["artefact"]["version"]


def test_the_command_writes_artefact_metrics_and_a_model_card_with_plots(trained, tmp_path):
    write(trained, tmp_path, None)
    document = json.loads((tmp_path / "scorecard.json").read_text())
    assert Scorecard.from_dict(document).version == trained["artefact"]["version"]
    card = (tmp_path / "model-card.md").read_text()
    for needle in ("AUC", "KS", "Calibration by grade", "PSI", "model-card/roc.png"):
        assert needle in card
    for plot in ("roc.png", "calibration.png", "score-stability.png"):
        assert (tmp_path / "model-card" / plot).stat().st_size > 5000
    assert json.loads((tmp_path / "metrics.json").read_text())["stability"]["psi"] >= 0
