"""Tellers: verifiable ballots for trade unions and membership organisations.

Layers import one way only: ``tellers.crypto`` ← the core (election, ballot,
board, tally, record, verify, counting) ← ``tellers.cli`` ← ``tellers.web``.
"""

__all__ = ["__version__"]

__version__ = "0.3.0"
