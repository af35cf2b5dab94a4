"""Ranked ballots: cast encrypted, mixed by the trustees, decrypted one by one, counted exactly.

A ranked contest's ballot is a row of W ciphertexts, one per preference position, each
encrypting a candidate's number (1..C) or 0 for no preference, with a proof that its maker
knows the randomness (``ballot``, ranked.md §3). The trustees shuffle the board's rows in
turn (``mix``, over ``tellers.crypto.shuffle``), then decrypt the last shuffle's rows with
Chaum–Pedersen proofs (``decrypt``), and the decrypted rows are counted by
``tellers.counting`` under the contest's rule (``count``); ``ranking`` maps a member's
ranking to the plaintexts and a decrypted row back to the ranks a count reads.
"""

from __future__ import annotations

from tellers.ranked.ballot import (
    EncryptedPreference,
    check_preference,
    check_ranking,
    encrypt_ranking,
    prove_preference,
)
from tellers.ranked.count import count_rows, ranked_election
from tellers.ranked.decrypt import RowShares, check_row_shares, open_rows, row_shares
from tellers.ranked.mix import MixStep, check_mix, mix, mix_context
from tellers.ranked.ranking import decode_value, ranking_values, ranks_of

__all__ = [
    "EncryptedPreference",
    "MixStep",
    "RowShares",
    "check_mix",
    "check_preference",
    "check_ranking",
    "check_row_shares",
    "count_rows",
    "decode_value",
    "encrypt_ranking",
    "mix",
    "mix_context",
    "open_rows",
    "prove_preference",
    "ranked_election",
    "ranking_values",
    "ranks_of",
    "row_shares",
]
