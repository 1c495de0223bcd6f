"""The ledger SDK: what banks, auditors and the platform's services import.

Bytes in, bytes out. A party key is P-256 (``ecdsa-p256-sha256``) or SM2 (``sm2-sm3``); public
keys travel as SubjectPublicKeyInfo DER, whose curve OID names the suite; signatures are the
64-byte ``r || s`` form (P-256: low-S over SHA-256; SM2: over SM3 under the key's distinguishing
ID); Merkle trees follow RFC 9162 §2.1; checkpoints are C2SP signed notes. See
``ledger/README.md`` for a walk-through.
"""

from ledger.batch import EntryVerifier, VerifierPool, batch_reasons, verify_batch
from ledger.blocks import BlockHeader, SealedBlock, chain_problem, next_header, seal_block
from ledger.canonical import decode as canonical_decode
from ledger.canonical import encode as canonical_encode
from ledger.checkpoints import (
    Checkpoint,
    VerifiedCheckpoint,
    attach_cosignature,
    cosign,
    cosignature_line,
    sign_checkpoint,
    verify_checkpoint,
)
from ledger.commands import SignedCommand, entry_id, format_time, parse_time, sign_command
from ledger.errors import (
    CanonicalEncodingError,
    InvalidCheckpoint,
    InvalidEnvelope,
    InvalidKey,
    InvalidReceipt,
    InvalidSignature,
    LedgerError,
)
from ledger.keys import (
    generate_private_key,
    key_id,
    key_suite,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_der,
    read_private_key,
    save_private_key,
)
from ledger.merkle import (
    InMemoryMerkleStore,
    MerkleStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    store_consistency_proof,
    store_inclusion_proof,
    store_root,
    verify_consistency,
    verify_inclusion,
)
from ledger.notes import NoteKey
from ledger.receipts import (
    VerifiedReceipt,
    compact_receipt,
    expand_receipt,
    leaf_bytes,
    leaf_record,
    make_receipt,
    verify_receipt,
)
from ledger.signatures import (
    reference_signature_reason,
    reference_verify,
    require_valid_signature,
    sign,
    signature_reason,
    verify,
)
from ledger.sm2 import SM2PrivateKey, sm3
from ledger.suites import DEFAULT_DISTINGUISHING_ID, P256_SHA256, SM2_SM3, SUITES

__all__ = [
    "DEFAULT_DISTINGUISHING_ID",
    "P256_SHA256",
    "SM2_SM3",
    "SUITES",
    "BlockHeader",
    "CanonicalEncodingError",
    "Checkpoint",
    "EntryVerifier",
    "InMemoryMerkleStore",
    "InvalidCheckpoint",
    "InvalidEnvelope",
    "InvalidKey",
    "InvalidReceipt",
    "InvalidSignature",
    "LedgerError",
    "MerkleStore",
    "NoteKey",
    "SM2PrivateKey",
    "SealedBlock",
    "SignedCommand",
    "VerifiedCheckpoint",
    "VerifiedReceipt",
    "VerifierPool",
    "attach_cosignature",
    "batch_reasons",
    "canonical_decode",
    "canonical_encode",
    "chain_problem",
    "compact_receipt",
    "consistency_proof",
    "cosign",
    "cosignature_line",
    "entry_id",
    "expand_receipt",
    "format_time",
    "generate_private_key",
    "inclusion_proof",
    "key_id",
    "key_suite",
    "leaf_bytes",
    "leaf_hash",
    "leaf_record",
    "load_private_key",
    "load_public_key",
    "make_receipt",
    "next_header",
    "node_hash",
    "parse_time",
    "private_key_pem",
    "public_key_der",
    "read_private_key",
    "reference_signature_reason",
    "reference_verify",
    "require_valid_signature",
    "root_hash",
    "save_private_key",
    "seal_block",
    "sign",
    "sign_checkpoint",
    "sign_command",
    "sm3",
    "signature_reason",
    "store_consistency_proof",
    "store_inclusion_proof",
    "store_root",
    "verify",
    "verify_batch",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_receipt",
]
