"""The public API of ``tellers.crypto`` is pinned (STYLE.md §8).

Changing a module's ``__all__`` must change this file too, on purpose. Every
module in the package must appear here; a pinned module that is absent is
skipped rather than failed.
"""

from __future__ import annotations

import pkgutil

import pytest

import tellers.crypto

PINNED: dict[str, set[str]] = {
    "group": {
        "FIELD_P",
        "GROUP_ORDER",
        "POINT_BYTES",
        "SCALAR_BYTES",
        "FixedBase",
        "Point",
        "Scalar",
        "bip340_public_key",
        "bip340_sign",
        "bip340_verify",
        "check_x_only",
        "hash_to_point",
        "is_x_only",
        "multi_sum",
        "points_from_encodings",
        "points_from_hex",
        "points_from_native",
        "points_from_wire",
        "points_to_native",
        "points_to_wire",
        "scalars_from_hex",
        "scalars_from_hex_bytes",
        "small_sums",
        "table_of",
        "times",
        "x_only_faults",
    },
    "hashing": {"FINGERPRINT_BYTES", "challenge", "hash_fields", "int_field", "short_challenges"},
    "elgamal": {
        "Ciphertext",
        "KeyPair",
        "decrypt_to_point",
        "encrypt",
        "partial_decrypt",
        "plaintext_point",
    },
    "proofs": {
        "TAG_DECRYPTION",
        "TAG_KEY",
        "TAG_RANGE",
        "ChaumPedersenProof",
        "RangeProof",
        "SchnorrProof",
        "check_bit",
        "check_decryption_share",
        "check_key",
        "check_range",
        "prove_bit",
        "prove_decryption_share",
        "prove_key",
        "prove_range",
    },
    # Landed in 227e749 (key ceremony, dlog, credentials); pinned as committed there.
    "threshold": {
        "CeremonyKey",
        "DecryptionShare",
        "EncryptedShare",
        "TrusteeCommitment",
        "TrusteeKey",
        "TrusteePolynomial",
        "check_commitment",
        "check_commitments",
        "check_decryption_share_of",
        "check_decryption_shares",
        "check_share",
        "combine_share_points",
        "combine_shares",
        "commit",
        "decryption_share",
        "decryption_shares",
        "joint_public_key",
        "lagrange_coefficient",
        "quorum_weights",
        "make_shares",
        "new_ceremony_key",
        "new_polynomial",
        "open_revealed_share",
        "open_share",
        "receive_shares",
        "threshold_decrypt",
        "verification_key",
    },
    "ceremony_messages": {
        "MAX_TRUSTEES",
        "CeremonyKey",
        "DecryptionShare",
        "EncryptedShare",
        "TrusteeCommitment",
        "TrusteeKey",
        "TrusteePolynomial",
        "commitment_context",
        "decryption_context",
    },
    "dlog": {"MAX_BOUND", "discrete_log", "table_width"},
    "packed": {"CIPHERTEXT_BYTES", "PackedRows", "Row", "packed"},
    "shuffle": {
        "ReencryptionChunk",
        "Row",
        "ShuffleProof",
        "check_shuffle",
        "random_permutation",
        "reencrypt",
        "reencrypt_row",
        "reencrypt_rows",
        "shuffle",
        "shuffle_context",
    },
    "shuffle_check": {
        "ChunkTerms",
        "RowsChunk",
        "check_shuffle_proof",
        "chunk_terms",
    },
    "shuffle_proof": {
        "CHUNK_ROWS",
        "TAG_CHALLENGE",
        "TAG_GENERATOR",
        "TAG_STATEMENT",
        "TAG_VECTOR",
        "VECTOR_BITS",
        "ChunkMap",
        "Generators",
        "NonceChunk",
        "NonceTerms",
        "Row",
        "ShuffleProof",
        "chain_scalars",
        "chunk_rows_for",
        "decoded",
        "nonce_terms",
        "prove_shuffle",
        "row_ranges",
        "shuffle_challenge",
        "shuffle_generators",
        "statement_digest",
        "vector_challenges",
    },
    "sealed": {
        "KEY_BYTES",
        "OVERHEAD",
        "X25519KeyPair",
        "open_as_recipient",
        "open_with_ephemeral",
        "seal",
        "x25519_keypair",
        "x25519_public",
    },
    "credentials": {
        "ALPHABET",
        "CODE_LENGTH",
        "DATA_LENGTH",
        "IssuedCredential",
        "TAG_CREDENTIAL",
        "check_character",
        "check_signature",
        "derive_signing_key",
        "format_code",
        "generate_code",
        "issue_credential",
        "normalise_code",
        "public_credential",
        "sign",
    },
}

PRESENT = sorted(m.name for m in pkgutil.iter_modules(tellers.crypto.__path__))


@pytest.mark.parametrize("name", sorted(PINNED))
def test_all_is_pinned(name: str) -> None:
    module = pytest.importorskip(f"tellers.crypto.{name}")
    assert set(module.__all__) == PINNED[name]
    assert len(module.__all__) == len(PINNED[name]), "__all__ lists a name twice"


@pytest.mark.parametrize("name", sorted(PINNED))
def test_every_exported_name_exists(name: str) -> None:
    module = pytest.importorskip(f"tellers.crypto.{name}")
    missing = [attr for attr in module.__all__ if not hasattr(module, attr)]
    assert missing == []


@pytest.mark.parametrize("name", PRESENT)
def test_every_crypto_module_is_pinned(name: str) -> None:
    assert name in PINNED, f"tellers.crypto.{name} has no pinned __all__ in this test"
