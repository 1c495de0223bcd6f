"""Append-only storage, the independent audit, evidence bundles and witnesses."""

import base64
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from ledger import SM2_SM3, NoteKey, generate_private_key, read_private_key, save_private_key
from ledger.audit import audit
from ledger.bundle import verify_bundle
from ledger.checkpoints import Checkpoint, sign_checkpoint
from ledger.commands import SignedCommand, b64decode, b64encode, format_time
from ledger.witness import WitnessRefusal, WitnessState, run_once, witness_checkpoint
from services.ledger.appender import Appender
from services.ledger.direct import append_direct
from services.ledger.operations import bootstrap, export_bundle, ledger_settings, note_key
from tests.support.ledger_factories import Signer, admission, stream

REPO = Path(__file__).resolve().parents[2]


def ledger_cli(*arguments: str, module: str = "ledger") -> subprocess.CompletedProcess:
    """``python -m ledger …`` as an auditor runs it (``services.ledger`` for the operator's)."""
    return subprocess.run(
        [sys.executable, "-m", module, *arguments],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


@pytest.fixture
def small_ledger(database_factory, key_dir):
    """A ledger of its own (bootstrapped, 1 enterprise, 30 entries), written without the
    broker: tests here tamper with it."""
    config = {
        "DATABASE_URL": database_factory("audit"),
        "LEDGER_KEY_FILE": str(key_dir / "ledger.pem"),
        "LEDGER_ED25519_KEY_FILE": str(key_dir / "ledger-ed25519.pem"),
        "OPERATOR_KEY_FILE": str(key_dir / "operator.pem"),
        "OPERATOR_PARTY_ID": "operator",
        "LEDGER_BLOCK_SIZE": 8,
    }
    bootstrap(config)
    engine = create_engine(config["DATABASE_URL"])
    settings = ledger_settings(config)
    operator = Signer("operator", read_private_key(key_dir / "operator.pem"))
    wire, party = admission(operator)
    (admitted,) = append_direct(engine, settings, [SignedCommand.from_wire(wire)])
    assert admitted.refusal is None
    commands = [party.command("trade.note", stream(), 0, {"n": n}) for n in range(30)]
    for start in range(0, len(commands), 7):
        outcomes = append_direct(engine, settings, commands[start : start + 7])
        assert all(outcome.refusal is None for outcome in outcomes)
    yield config, engine, note_key(settings).vkey()
    engine.dispose()


def test_a_clean_ledger_passes_the_audit(small_ledger):
    config, _, vkey = small_ledger
    report = audit(config["DATABASE_URL"], vkey, progress=lambda line: None)
    assert report.ok, report.problems
    assert report.entries == 32
    assert report.signatures_verified == 32
    assert report.blocks >= 3
    assert report.checkpoints >= 5


def test_ledger_time_never_runs_behind_a_block_another_replica_sealed(small_ledger):
    """A replica reads its clock, then waits for the lock; meanwhile another seals a block at a
    later time of its own. The waiting commit must not be stamped, or seal, before that block,
    and a block is never sealed before the entries in it."""
    config, engine, vkey = small_ledger
    settings, appender = ledger_settings(config), Appender(ledger_settings(config))
    party = Signer("operator", read_private_key(Path(config["OPERATOR_KEY_FILE"])))
    read_before_the_lock = datetime.now(UTC)
    sealed_meanwhile = read_before_the_lock + timedelta(seconds=60)
    pending = [party.command("trade.note", stream(), 0, {"n": 0})]  # not yet in a block
    append_direct(engine, settings, pending, now=read_before_the_lock)
    with engine.begin() as connection:
        appender.seal_pending(connection, sealed_meanwhile)
    first = [party.command("trade.note", stream(), 0, {"n": n}) for n in range(8)]  # a block
    outcomes = append_direct(engine, settings, first, now=read_before_the_lock)
    assert all(outcome.refusal is None for outcome in outcomes)
    late = [party.command("trade.note", stream(), 0, {"n": n}) for n in range(3)]
    append_direct(engine, settings, late, now=sealed_meanwhile + timedelta(seconds=30))
    with engine.begin() as connection:
        appender.seal_pending(connection, read_before_the_lock)  # a timer's stale clock
    with engine.connect() as connection:
        times = connection.execute(
            text("SELECT ledger_time FROM ledger.entries ORDER BY sequence DESC LIMIT 11")
        ).scalars()
        assert all(time >= sealed_meanwhile for time in times)
        last_block = connection.execute(
            text("SELECT header FROM ledger.blocks ORDER BY height DESC LIMIT 1")
        ).scalar_one()
    sealed_at = json.loads(bytes(last_block))["sealed_at"]
    assert sealed_at >= format_time(sealed_meanwhile + timedelta(seconds=30))
    report = audit(config["DATABASE_URL"], vkey, progress=lambda line: None)
    assert report.ok, report.problems


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger.entries SET type = 'x' WHERE sequence = 3",
        "DELETE FROM ledger.entries WHERE sequence = 3",
        "TRUNCATE ledger.entries CASCADE",
        "UPDATE ledger.merkle_nodes SET hash = '\\x00' WHERE level = 1 AND index = 3",
        "DELETE FROM ledger.checkpoints",
        "DELETE FROM ledger.blocks",
    ],
)
def test_postgresql_refuses_to_change_ledger_tables(small_ledger, statement):
    _, engine, _ = small_ledger
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))


def _tamper(engine, sql: str, **parameters) -> None:
    """What a rogue superuser could do: switch the trigger off, change a row, switch it on."""
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE ledger.entries DISABLE TRIGGER USER"))
        connection.execute(text(sql), parameters)
        connection.execute(text("ALTER TABLE ledger.entries ENABLE TRIGGER USER"))


def test_the_audit_names_an_entry_altered_behind_the_triggers(small_ledger):
    config, engine, vkey = small_ledger
    _tamper(
        engine,
        "UPDATE ledger.entries SET leaf = replace(leaf, :old, :new) WHERE sequence = 19",
        old='"n":17',
        new='"n":71',
    )
    report = audit(config["DATABASE_URL"], vkey, progress=lambda line: None)
    assert not report.ok
    assert report.first_bad_sequence == 19
    assert any("entry 19" in problem for problem in report.problems)


def test_the_audit_command_exits_non_zero_and_names_the_first_bad_entry(small_ledger):
    config, engine, vkey = small_ledger
    _tamper(engine, "DELETE FROM ledger.entries WHERE sequence = 11")
    result = ledger_cli("verify", "--database-url", config["DATABASE_URL"], "--vkey", vkey)
    assert result.returncode == 1
    assert "FIRST BAD ENTRY: sequence 11" in result.stdout


def test_the_audit_command_passes_a_clean_ledger(small_ledger):
    config, _, vkey = small_ledger
    result = ledger_cli("verify", "--database-url", config["DATABASE_URL"], "--vkey", vkey)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "LEDGER VERIFIED" in result.stdout


def test_an_evidence_bundle_verifies_offline_and_a_tampered_one_does_not(small_ledger, tmp_path):
    config, _, vkey = small_ledger
    bundle = export_bundle(config, [1, 5, 20])
    assert verify_bundle(bundle, pinned_vkey=vkey).ok
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    result = ledger_cli("verify-bundle", str(path), "--vkey", vkey)
    assert result.returncode == 0 and "BUNDLE VERIFIED: 3 entries" in result.stdout
    bundle["receipts"][1]["leaf"]["envelope"]["body"]["n"] = 999
    report = verify_bundle(bundle, pinned_vkey=vkey)
    assert not report.ok
    assert "receipt 1" in report.problems[0]
    assert not verify_bundle(bundle, pinned_vkey=NoteKey.of("x", generate_private_key()).vkey()).ok


def test_a_bundle_is_never_verified_without_a_pinned_key_even_when_it_is_consistent(
    small_ledger, tmp_path
):
    config, _, _ = small_ledger
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(export_bundle(config, [2, 3])))
    result = ledger_cli("verify-bundle", str(path))
    assert result.returncode == 3, result.stdout + result.stderr
    first_line = result.stdout.splitlines()[0]
    assert first_line.startswith("NOT VERIFIED: only the bundle's internal consistency")
    assert "BUNDLE VERIFIED" not in result.stdout


# -- witnesses ------------------------------------------------------------------------------


def test_a_witness_cosigns_and_the_checkpoint_shows_its_cosignature(rpc, admit, tmp_path):
    from ledger import verify_checkpoint

    bank = admit("bank")
    vkey = rpc.ledger.public_info()["vkey"]
    state = tmp_path / "witness.json"
    run_once(rpc, state, bank.party_id, bank.key, vkey)
    rpc.ledger.append([bank.wire("trade.note", stream(), 0, {"n": 1})])
    cosigned = run_once(rpc, state, bank.party_id, bank.key, vkey)
    witness_key = NoteKey.of(bank.party_id, bank.key)
    verified = verify_checkpoint(
        cosigned["note"], NoteKey.from_vkey(vkey), [witness_key], min_cosignatures=1
    )
    assert bank.party_id in verified.cosigners()
    assert WitnessState.load(state).tree_size == verified.checkpoint.tree_size


def test_a_witness_refuses_a_split_view_and_a_shrunk_tree(rpc, admit, key_dir):
    bank = admit("bank")
    log_key = NoteKey.from_vkey(rpc.ledger.public_info()["vkey"])
    latest = rpc.ledger.get_checkpoint()
    seen = Checkpoint.parse(latest["note"].split("\n\n")[0] + "\n")
    state = WitnessState(seen.tree_size, base64.b64encode(seen.root_hash).decode())
    ledger_key = read_private_key(key_dir / "ledger.pem")
    forked = sign_checkpoint(Checkpoint(seen.origin, seen.tree_size, bytes(32)), ledger_key)
    with pytest.raises(WitnessRefusal) as refused:
        witness_checkpoint(state, forked, log_key, lambda a, b: [], bank.party_id, bank.key)
    assert refused.value.code == "SPLIT_VIEW"
    older = sign_checkpoint(Checkpoint(seen.origin, seen.tree_size - 1, bytes(32)), ledger_key)
    with pytest.raises(WitnessRefusal):
        witness_checkpoint(state, older, log_key, lambda a, b: [], bank.party_id, bank.key)
    grown = sign_checkpoint(Checkpoint(seen.origin, seen.tree_size + 5, bytes(32)), ledger_key)
    with pytest.raises(WitnessRefusal) as refused:
        witness_checkpoint(state, grown, log_key, lambda a, b: [bytes(32)], bank.party_id, bank.key)
    assert refused.value.code == "SPLIT_VIEW"


def test_the_ledger_refuses_a_cosignature_from_someone_else(rpc, admit):
    from services.common.errors import CommandRejected

    bank, impostor = admit("bank"), admit("bank")
    latest = rpc.ledger.get_checkpoint()
    from ledger import cosignature_line

    line = cosignature_line(latest["note"], bank.party_id, impostor.key)
    with pytest.raises(CommandRejected) as refused:
        rpc.ledger.add_cosignature(latest["tree_size"], bank.party_id, line)
    assert refused.value.code == "COSIGNATURE_REFUSED"


def test_the_witness_command_line_cosigns(rpc, admit, ledger_config, tmp_path):
    import yaml

    bank = admit("bank")
    key_file = tmp_path / "bank.pem"
    save_private_key(bank.key, key_file)
    config_file = tmp_path / "config.yml"
    config_file.write_text(yaml.safe_dump(ledger_config))
    vkey = rpc.ledger.public_info()["vkey"]
    result = ledger_cli(
        "witness",
        "--config",
        str(config_file),
        "--name",
        bank.party_id,
        "--key",
        str(key_file),
        "--state",
        str(tmp_path / "state.json"),
        "--vkey",
        vkey,
        module="services.ledger",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cosigned checkpoint at tree size" in result.stdout


# -- a ledger signed in both suites (P-256 and SM2) --------------------------------------------

BANK_ID = "BANK-SM2@billchain"


@pytest.fixture
def two_suite_ledger(small_ledger):
    """small_ledger, then: a bank admitted with an SM2 key registered with its own
    distinguishing ID, the enterprise adding an SM2 key (default ID) beside its P-256 one, and
    commands from all three keys interleaved."""
    config, engine, vkey = small_ledger
    settings = ledger_settings(config)
    operator = Signer("operator", read_private_key(Path(config["OPERATOR_KEY_FILE"])))
    bank = Signer("bank-sm2", generate_private_key(SM2_SM3, BANK_ID.encode()))
    body = {"party_id": bank.party_id, "kind": "bank", "name": "SM2 bank"}
    body |= {"public_key": bank.public_key_text(), "distinguishing_id": BANK_ID}
    enterprise_wire, enterprise = admission(operator)
    enterprise_sm2 = Signer(enterprise.party_id, generate_private_key(SM2_SM3))
    register = {"party_id": enterprise.party_id, "public_key": enterprise_sm2.public_key_text()}
    membership = [
        SignedCommand.from_wire(operator.wire("party.admit", "party:bank-sm2", 0, body)),
        SignedCommand.from_wire(enterprise_wire),
    ]
    membership.append(
        enterprise.command("key.register", f"party:{enterprise.party_id}", 1, register)
    )
    for command in membership:  # one by one: each needs the one before it committed
        (outcome,) = append_direct(engine, settings, [command])
        assert outcome.refusal is None, outcome.refusal
    signers = [bank, enterprise, enterprise_sm2]
    commands = [signers[n % 3].command("trade.note", stream(), 0, {"n": n}) for n in range(24)]
    outcomes = append_direct(engine, settings, commands)
    assert all(outcome.refusal is None for outcome in outcomes), outcomes
    first = outcomes[0].sequence
    return config, engine, vkey, bank, first


def test_the_audit_verifies_a_ledger_signed_in_both_suites(two_suite_ledger):
    config, _, vkey, _, _ = two_suite_ledger
    report = audit(config["DATABASE_URL"], vkey, progress=lambda line: None)
    assert report.ok, report.problems
    assert report.entries == report.signatures_verified == 32 + 3 + 24
    result = ledger_cli("verify", "--database-url", config["DATABASE_URL"], "--vkey", vkey)
    assert result.returncode == 0 and "LEDGER VERIFIED" in result.stdout


def test_the_audit_names_an_sm2_entry_re_signed_under_another_distinguishing_id(two_suite_ledger):
    """A valid SM2 signature by the right key, but under the default ID instead of the one the
    bank registered: the audit verifies with the registered ID and names the entry."""
    config, engine, vkey, bank, first = two_suite_ledger
    with engine.connect() as connection:
        leaf = connection.execute(
            text("SELECT leaf FROM ledger.entries WHERE sequence = :s"), {"s": first}
        ).scalar_one()
    record = json.loads(leaf)
    command = SignedCommand.from_parts(record["envelope"], b64decode(record["signature"]))
    other_id = bank.key.with_distinguishing_id(b"1234567812345678").sign(command.message)
    _tamper(
        engine,
        "UPDATE ledger.entries SET leaf = replace(leaf, :old, :new) WHERE sequence = :s",
        old=record["signature"],
        new=b64encode(other_id),
        s=first,
    )
    report = audit(config["DATABASE_URL"], vkey, progress=lambda line: None)
    assert report.first_bad_sequence == first
    assert f"entry {first}: signature does not verify (SIGNATURE_MISMATCH)" in report.problems


def test_an_evidence_bundle_of_sm2_entries_verifies_offline(two_suite_ledger, tmp_path):
    config, _, vkey, _, first = two_suite_ledger
    bundle = export_bundle(config, [first, first + 1, first + 2, 1])
    assert bundle["format"] == "billchain-evidence/v2"
    suites = [receipt["alg"] for receipt in bundle["receipts"]]
    assert suites == ["sm2-sm3", "ecdsa-p256-sha256", "sm2-sm3", "ecdsa-p256-sha256"]
    bank_key = bundle["public_keys"][bundle["receipts"][0]["leaf"]["envelope"]["key_id"]]
    assert (bank_key["alg"], bank_key["distinguishing_id"]) == ("sm2-sm3", BANK_ID)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    result = ledger_cli("verify-bundle", str(path), "--vkey", vkey)
    assert result.returncode == 0 and "BUNDLE VERIFIED: 4 entries" in result.stdout
    bank_key["distinguishing_id"] = None  # the default ID: the bank's signatures fail
    report = verify_bundle(bundle, pinned_vkey=vkey)
    assert [problem.split(":")[0] for problem in report.problems] == [
        f"receipt 0 (entry {bundle['receipts'][0]['entry_id']})"
    ]
