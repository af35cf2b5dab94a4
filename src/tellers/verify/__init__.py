"""The independent verifier: re-checks an election record, trusting nothing in it."""

from tellers.verify.record import verify_record
from tellers.verify.report import CHECKS, Failure, Report

__all__ = ["CHECKS", "Failure", "Report", "verify_record"]
