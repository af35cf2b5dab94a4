"""Every error Tellers raises on purpose.

One small tree; each class also inherits the builtin a caller would expect,
so ``except ValueError`` keeps working for code that does not know Tellers::

    TellersError
    ├── EncodingError(ValueError)         malformed bytes, hex, JSON field
    ├── InvalidProof(ValueError)          a zero-knowledge proof does not verify
    ├── InvalidSignature(ValueError)      a credential signature does not verify
    ├── InvalidShare(ValueError)          a key-ceremony share is wrong; names its sender
    ├── InvalidCredential(ValueError)     a typed credential code is malformed
    ├── DecryptionError(ValueError)       a plaintext outside the searchable range
    ├── ManifestError(ValueError)         an election manifest is inconsistent
    ├── InputFileError(ValueError)        a file a person gave us is malformed (file, line)
    │   ├── RollError                     a membership roll row is bad
    │   ├── BallotFileError               a .blt or JSON-lines ballot file is bad
    │   ├── NominationsFileError          a nominating-bodies CSV or nominations log is bad
    │   ├── StatementsFileError           a scrutineer's statements or logs file is bad
    │   └── RecordError                   an election record file is unusable
    ├── BallotRejected(ValueError)        the board refuses a ballot; carries the reason code
    ├── CountingError(ValueError)         a count cannot proceed under the rules given
    ├── UnverifiedRecord(ValueError)      a statutory document asked of a record that fails
    ├── NominationError(ValueError)       a nominations step the rules refuse (late, too long)
    ├── ClusterError(RuntimeError)        a Dask cluster cannot be named or cannot finish the work
    └── DeliveryError(RuntimeError)       a mail relay or SMS provider cannot take the codes

Messages say what was expected and what was found, and name the field,
file and line where there is one.
"""

from __future__ import annotations

__all__ = [
    "BallotFileError",
    "BallotRejected",
    "ClusterError",
    "CountingError",
    "DecryptionError",
    "DeliveryError",
    "EncodingError",
    "InputFileError",
    "InvalidCredential",
    "InvalidProof",
    "InvalidShare",
    "InvalidSignature",
    "ManifestError",
    "NominationError",
    "NominationsFileError",
    "RecordError",
    "RollError",
    "StatementsFileError",
    "TellersError",
    "UnverifiedRecord",
]


class TellersError(Exception):
    """Root of every error Tellers raises on purpose."""


class EncodingError(TellersError, ValueError):
    """A value's encoding is malformed; ``field`` names where it was found."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Raised in a worker process (a bad point of a chunk of rows) and re-raised in its
        # parent: rebuilt with its field and problem, whatever the subclass's own arguments.
        return (_encoding_error, (type(self), self.field, self.problem))


def _encoding_error(cls: type[EncodingError], field: str, problem: str) -> EncodingError:
    error = cls.__new__(cls)
    EncodingError.__init__(error, field, problem)
    return error


class InvalidProof(TellersError, ValueError):
    """A zero-knowledge proof failed its check."""


class InvalidSignature(TellersError, ValueError):
    """A credential signature failed its check."""


class InvalidShare(TellersError, ValueError):
    """A key-ceremony share or commitment is wrong; ``sender`` names who sent it."""

    def __init__(self, sender: int, problem: str) -> None:
        self.sender = sender
        self.problem = problem
        super().__init__(f"trustee {sender}: {problem}")


class InvalidCredential(TellersError, ValueError):
    """A credential code, as typed by a member, is malformed or mistyped."""


class DecryptionError(TellersError, ValueError):
    """A decrypted value is outside the range that was searched."""


class ManifestError(TellersError, ValueError):
    """An election manifest is inconsistent or incomplete."""


class InputFileError(TellersError, ValueError):
    """A file given to Tellers is malformed at ``path``, ``line`` (1-based, 0 if whole file)."""

    def __init__(self, path: str, line: int, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {problem}")


class RollError(InputFileError):
    """A row of a membership roll is malformed."""


class BallotFileError(InputFileError):
    """A ``.blt`` or JSON-lines ballot file is malformed."""


class NominationsFileError(InputFileError):
    """A nominating-bodies CSV or a published nominations log is malformed or tampered with."""


class StatementsFileError(InputFileError):
    """A scrutineer's statements file or an officers' logs file is malformed (reports.md)."""


class RecordError(InputFileError):
    """An election record file is missing, truncated or not in the ``v1`` format."""


class BallotRejected(TellersError, ValueError):
    """The bulletin board refused a ballot; ``reason`` is a stable code, ``detail`` the why."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


class CountingError(TellersError, ValueError):
    """A count cannot proceed under the rules given."""


class NominationError(TellersError, ValueError):
    """A nominations step the rules refuse: a late withdrawal, an address over the word limit."""


class UnverifiedRecord(TellersError, ValueError):
    """A statutory document was asked of a record that does not verify; names the check."""

    def __init__(self, check: str, where: str, detail: str) -> None:
        self.check = check
        self.where = where
        self.detail = detail
        super().__init__(
            f"the record does not verify, so no document is made from it: "
            f"[{check}] {where}: {detail}"
        )


class ClusterError(TellersError, RuntimeError):
    """A cluster spec is malformed, or the cluster gave up on a task (its workers kept dying)."""


class DeliveryError(TellersError, RuntimeError):
    """The mail relay or the SMS provider is unreachable or refuses every message (not one
    recipient: a refused address is a failure recorded against that member)."""
