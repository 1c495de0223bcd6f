"""The k-of-n witness policy file: when a checkpoint counts as witnessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger import Checkpoint, generate_private_key
from ledger.checkpoints import cosignature_v1_line, sign_checkpoint
from ledger.ed25519 import CosignerKey, Ed25519NoteKey, generate_ed25519_key
from ledger.witness_policy import InvalidPolicy, NotWitnessed, WitnessPolicy

REPO = Path(__file__).resolve().parents[1]
ORIGIN = "test.billchain/policy-log"


@pytest.fixture(scope="module")
def world():
    log_key = generate_ed25519_key()
    witnesses = {f"w{n}": generate_ed25519_key() for n in range(1, 4)}
    return log_key, witnesses


def policy_text(world, quorum_rule: str = "2 w1 w2 w3") -> str:
    log_key, witnesses = world
    lines = [f"log {Ed25519NoteKey.of(ORIGIN, log_key).vkey()}"]
    for name, key in witnesses.items():
        lines.append(f"witness {name} {CosignerKey.of(f'{name}.test', key).vkey()} http://x/{name}")
    return "\n".join([*lines, f"group banks {quorum_rule}", "quorum banks", ""])


def note_cosigned_by(world, *names: str) -> str:
    log_key, witnesses = world
    note = sign_checkpoint(Checkpoint(ORIGIN, 9, bytes(range(32))), None, None, log_key)
    return note + "".join(
        cosignature_v1_line(note, f"{name}.test", witnesses[name], 1000) for name in names
    )


@pytest.mark.parametrize(
    ("rule", "cosigners", "witnessed"),
    [
        ("2 w1 w2 w3", ("w1", "w2"), True),
        ("2 w1 w2 w3", ("w3",), False),
        ("2 w1 w2 w3", ("w1", "w2", "w3"), True),
        ("all w1 w2 w3", ("w1", "w3"), False),
        ("all w1 w2 w3", ("w1", "w2", "w3"), True),
        ("any w1 w2 w3", ("w2",), True),
        ("any w1 w2 w3", (), False),
    ],
)
def test_a_checkpoint_is_witnessed_when_its_cosigners_meet_the_quorum(
    world, rule, cosigners, witnessed
):
    policy = WitnessPolicy.parse(policy_text(world, rule))
    note = note_cosigned_by(world, *cosigners)
    if witnessed:
        assert policy.verify(note).checkpoint.tree_size == 9
    else:
        with pytest.raises(NotWitnessed):
            policy.verify(note)


def test_groups_nest_and_the_quorum_may_be_none(world):
    text = policy_text(world).replace(
        "quorum banks", "group auditors any w3\ngroup both all banks auditors\nquorum both"
    )
    policy = WitnessPolicy.parse(text)
    assert not policy.satisfied_by({"w1", "w2"})
    assert policy.satisfied_by({"w1", "w3"})
    unwitnessed = WitnessPolicy.parse(policy_text(world).replace("quorum banks", "quorum none"))
    assert unwitnessed.verify(note_cosigned_by(world))


def test_a_checkpoint_by_a_key_the_policy_does_not_name_is_refused(world):
    policy = WitnessPolicy.parse(policy_text(world))
    stranger = sign_checkpoint(Checkpoint(ORIGIN, 9, bytes(32)), generate_private_key())
    with pytest.raises(Exception) as refused:
        policy.verify(stranger)
    assert refused.value.code == "INVALID_CHECKPOINT"


@pytest.mark.parametrize(
    "edit",
    [
        lambda text: text.replace("quorum banks\n", ""),
        lambda text: text + "quorum banks\n",
        lambda text: text.replace("group banks 2", "group banks 4"),
        lambda text: text.replace("group banks 2 w1", "group banks 2 w9"),
        lambda text: text.replace("witness w2", "witness w1"),
        lambda text: text.replace("log ", "log not-a-vkey "),
        lambda text: text + "mirror something\n",
        lambda text: "\n".join(line for line in text.splitlines() if not line.startswith("log")),
    ],
)
def test_a_malformed_policy_is_refused_with_its_line(world, edit):
    with pytest.raises(InvalidPolicy):
        WitnessPolicy.parse(edit(policy_text(world)))
