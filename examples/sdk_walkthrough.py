"""The ledger SDK in one page: what a bank or auditor does with ``import ledger``.

Run it: ``python examples/sdk_walkthrough.py`` — it signs a command, verifies it, builds a tiny
ledger in memory, issues a receipt against a signed checkpoint and verifies that receipt the way
an auditor would, offline, with nothing but public keys.
"""

from datetime import UTC, datetime

import ledger

# 1. Keys: a bank's signing key and the ledger's sealing key (P-256; SM2 below, in 3b).
bank_key = ledger.generate_private_key()
ledger_key = ledger.generate_private_key()

# 2. Sign a command envelope. The message is the canonical JSON of the envelope.
command = ledger.sign_command(
    bank_key,
    type="bill.sign",
    stream="bill:100000000000000000000000000001",
    expected_version=3,
    signer="bank-icbc-sh",
    body={"start": 1},
    created_at=datetime.now(UTC),
)
bank_public = ledger.public_key_der(bank_key)
assert ledger.verify(bank_public, command.message, command.signature)
assert not ledger.verify(bank_public, command.message + b" ", command.signature)

# 3. Many signatures at once, across processes, one verdict each.
others = [
    (bank_public, message, ledger.sign(bank_key, message))
    for message in (b"first", b"second", b"third")
]
assert ledger.verify_batch([*others, (bank_public, b"forged", others[0][2])]) == [
    True,
    True,
    True,
    False,
]

# 3b. Or sign with SM2/SM3 (国密): a key of the "sm2-sm3" suite, here with its own
# distinguishing ID (registered with the key; without one it is "1234567812345678"). The same
# verify and verify_batch take it; the envelope says "alg": "sm2-sm3".
sm2_key = ledger.generate_private_key(ledger.SM2_SM3, b"ICBC-SH@billchain")
sm2_command = ledger.sign_command(
    sm2_key,
    type="bill.sign",
    stream="bill:100000000000000000000000000002",
    expected_version=0,
    signer="bank-icbc-sh",
    body={"start": 1},
    created_at=datetime.now(UTC),
)
sm2_public = ledger.public_key_der(sm2_key)
assert sm2_command.envelope["alg"] == "sm2-sm3" == ledger.key_suite(sm2_public)
sm2_item = (sm2_public, sm2_command.message, sm2_command.signature, b"ICBC-SH@billchain")
assert ledger.verify(*sm2_item)
assert ledger.verify_batch([sm2_item, *others]) == [True, True, True, True]

# 4. A ledger of four entries; the fourth is our command.
records = [
    ledger.leaf_record(
        ledger.sign_command(
            bank_key,
            type="trade.note",
            stream=f"trade:{n}",
            expected_version=0,
            signer="bank-icbc-sh",
            body={"n": n},
            created_at=datetime.now(UTC),
        ),
        n,
        ledger.format_time(datetime.now(UTC)),
    )
    for n in range(3)
]
records.append(ledger.leaf_record(command, 3, ledger.format_time(datetime.now(UTC))))
leaf_hashes = [ledger.leaf_hash(ledger.leaf_bytes(record)) for record in records]
checkpoint = ledger.Checkpoint("example.billchain/ledger", 4, ledger.root_hash(leaf_hashes))
note = ledger.sign_checkpoint(checkpoint, ledger_key)
receipt = ledger.make_receipt(records[3], ledger.inclusion_proof(leaf_hashes, 3), note)

# 5. The auditor: pins the ledger's verifier key, checks the receipt offline.
ledger_vkey = ledger.NoteKey.of("example.billchain/ledger", ledger_key)
verified = ledger.verify_receipt(receipt, ledger_vkey, signer_public_key_der=bank_public)
print(f"receipt verified: entry {verified.entry_id[:16]}… at sequence {verified.sequence}")
print(note)
