"""Verifying the audit chain, one record at a time in seq order, in constant memory.

Pure Python: the store feeds records in; this says whether the chain holds and, if not, which record is the
first broken one and how (edited, missing, reordered, broken_link, head_mismatch).
"""
from __future__ import annotations

from dataclasses import dataclass

from server.governance.audit_record import record_hash
from server.governance.schema import GENESIS_HASH

RENUMBER_WINDOW = 64  # a record whose hash fits a seq this close to its own was moved, not edited


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int  # records checked and found sound (before the break, if any)
    head_seq: int
    head_hash: str
    seq: int | None = None  # the first broken record
    request_id: str | None = None
    problem: str | None = None  # edited, missing, reordered, broken_link, head_mismatch
    detail: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"audit chain ok: {self.count} records, head seq {self.head_seq} hash {self.head_hash}"
        who = f" (request_id {self.request_id})" if self.request_id else ""
        return f"audit chain broken at seq {self.seq}{who}: {self.problem}: {self.detail}"


class ChainVerifier:
    """Feed records in seq order with check(); the first problem is returned as a ChainReport, and finish()
    compares the end of the chain with its head row."""

    def __init__(self, head_seq: int, head_hash: str):
        self.head_seq, self.head_hash = head_seq, head_hash
        self.expected = 1
        self.prev_hash = GENESIS_HASH
        self.count = 0

    def _broken(self, seq: int, request_id: str | None, problem: str, detail: str) -> ChainReport:
        return ChainReport(False, self.count, self.head_seq, self.head_hash, seq, request_id, problem, detail)

    def check(self, seq: int, request_id: str, fields: dict | None, prev_hash: str, stored_hash: str
              ) -> ChainReport | None:
        """`fields` is None when the stored row could not even be read back (a column no longer parses)."""
        if seq > self.expected:
            missing = f"record {self.expected} is" if seq == self.expected + 1 else \
                f"records {self.expected} to {seq - 1} are"
            return self._broken(self.expected, None, "missing",
                                f"{missing} missing (deleted); the chain resumes at seq {seq} "
                                f"(request_id {request_id})")
        if fields is None:
            return self._broken(seq, request_id, "edited", "a field no longer reads back (edited by hand)")
        if record_hash(fields, seq, prev_hash) != stored_hash:
            written_as = self._seq_it_was_written_as(fields, seq, prev_hash, stored_hash)
            if written_as is not None:
                return self._broken(seq, request_id, "reordered",
                                    f"it was written as seq {written_as} (records were renumbered or reordered; "
                                    "one before it may have been deleted)")
            return self._broken(seq, request_id, "edited", "its fields do not match its hash (changed after it "
                                "was written)")
        if prev_hash != self.prev_hash:
            return self._broken(seq, request_id, "broken_link",
                                f"its prev_hash is not the hash of record {seq - 1} (that record was rewritten "
                                "with a new hash, or this one was put in its place)")
        self.prev_hash = stored_hash
        self.expected += 1
        self.count += 1
        return None

    @staticmethod
    def _seq_it_was_written_as(fields: dict, seq: int, prev_hash: str, stored_hash: str) -> int | None:
        for other in range(max(1, seq - RENUMBER_WINDOW), seq + RENUMBER_WINDOW + 1):
            if other != seq and record_hash(fields, other, prev_hash) == stored_hash:
                return other
        return None

    def finish(self, records_past_head: int = 0) -> ChainReport:
        last = self.expected - 1
        if self.head_seq > last:
            missing = f"record {self.head_seq} is" if self.head_seq == last + 1 else \
                f"records {last + 1} to {self.head_seq} are"
            return self._broken(last + 1, None, "missing",
                                f"{missing} missing from the end (deleted): the chain head says the last record "
                                f"is seq {self.head_seq}")
        if self.head_hash != self.prev_hash:
            return self._broken(self.head_seq, None, "head_mismatch",
                                f"the chain head's hash is not the hash of record {self.head_seq}")
        if records_past_head:
            return self._broken(self.head_seq + 1, None, "head_mismatch",
                                f"{records_past_head} record(s) lie past the chain head (written outside the store)")
        return ChainReport(True, self.count, self.head_seq, self.head_hash)
