"""One import: read, map, check, then (with `commit`) write everything in one transaction.

A row that fails a check is rejected with its reason and the others go on; a file that
cannot be read to its end, or any error while writing, leaves the database as it was.
Re-importing is idempotent: each listing remembers its (source, source id) and a digest of
its row, so an unchanged row is reported `unchanged` and a changed one updates its listing.
"""

import hashlib
import logging
import sys
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from defusedcsv import csv
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from .. import stats
from ..choices import ListingStatus
from ..models import ListingSource
from . import checks, write
from .mapping import Mapping
from .places import place_rows
from .readers import read_file
from .rows import Row, Vocabulary, build_row

logger = logging.getLogger(__name__)
OUTCOMES = ("created", "updated", "unchanged", "rejected")
REPORT_COLUMNS = ("line", "source_id", "name", "outcome", "reason")
#: Rows from which a progress bar is shown (on stderr, when it is a terminal).
PROGRESS_FROM = 2000


class StaleImport(Exception):
    """The import would no longer do what its dry run said (the file or the directory
    changed in between): nothing was written. `result` is the new dry run."""

    def __init__(self, result: "ImportResult"):
        super().__init__("the import would differ from its dry run")
        self.result = result


@dataclass
class ImportResult:
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def counts(self) -> Counter:
        return Counter(row.outcome for row in self.rows)

    @property
    def warned(self) -> int:
        return sum(1 for row in self.rows if row.ok and row.warnings)

    @property
    def digest(self) -> str:
        """What the import does, row by row (outcome and content): equal digests of a dry
        run and of a commit mean the commit writes exactly what the dry run showed."""
        text = "\n".join(
            f"{row.line}\t{row.source_id}\t{row.outcome}\t{row.listing_id}\t{row.hash}"
            for row in self.rows
        )
        return hashlib.sha256(text.encode()).hexdigest()


class ImportFailed(Exception):
    """The database refused the import while checking or writing: nothing was written.
    The message is one sentence for the person importing (what failed, on which line when
    it is known)."""


def _failure(error: Exception) -> ImportFailed:
    if isinstance(error, write.WriteFailed) and error.line is not None:
        message = _(
            # Translators: %(reason)s is PostgreSQL's explanation, in English.
            "The database refused line %(line)s while writing (%(reason)s). Nothing was written."
        ) % {"line": error.line, "reason": error.reason}
    else:
        written = isinstance(error, write.WriteFailed)
        reason = error.reason if written else write.database_reason(error)
        message = _(
            # Translators: %(reason)s is PostgreSQL's explanation, in English.
            "The database refused the import (%(reason)s). Nothing was written."
        ) % {"reason": reason}
    return ImportFailed(message)


def _progress(items: list, description: str, progress: bool):
    show = progress and len(items) >= PROGRESS_FROM
    return tqdm(
        items, desc=description, unit=" rows", file=sys.stderr, disable=None if show else True
    )


def _match_sources(rows: list[Row], source: str) -> None:
    """Set each row's outcome from what an earlier import of `source` left."""
    seen: dict[str, int] = {}
    for row in rows:
        if row.source_id in seen:
            row.reject(
                _("The source id “%(id)s” is already used on line %(line)s.")
                % {"id": row.source_id, "line": seen[row.source_id]}
            )
        else:
            seen[row.source_id] = row.line
    ids = [row.source_id for row in rows if row.ok]
    known: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        # One array parameter: an IN list of 100,000 placeholders costs seconds to bind.
        cursor.execute(
            f"SELECT source_id, listing_id, content_hash FROM {ListingSource._meta.db_table} "  # noqa: S608
            "WHERE source = %s AND source_id = ANY(%s)",
            [source, ids],
        )
        known.update((source_id, (listing_id, digest)) for source_id, listing_id, digest in cursor)
    for row in rows:
        if not row.ok:
            continue
        if row.source_id not in known:
            row.outcome = "created"
            continue
        row.listing_id, digest = known[row.source_id]
        row.outcome = "unchanged" if digest == row.hash else "updated"


def run_import(
    path: Path,
    mapping: Mapping,
    *,
    source: str,
    commit: bool = False,
    publish: bool = False,
    progress: bool = False,
    expect: str | None = None,
) -> ImportResult:
    """Import `path` with `mapping` as `source`; write only with `commit`. With `expect`
    (the `digest` of a dry run), raise StaleImport instead of doing anything else.

    A commit checks and writes in one transaction, holding a lock on `source` so that two
    imports of one source run one after the other. A database error rolls it all back and
    raises ImportFailed (ReadFailed for a file that cannot be read)."""
    read = read_file(path)
    vocabulary = Vocabulary()
    rows = [
        build_row(record, mapping, vocabulary)
        for record in _progress(read.records, "checking", progress)
    ]
    for row in rows:
        row.warnings[:0] = read.notes
    try:
        with transaction.atomic() if commit else nullcontext():
            if commit:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [source])
            result = _check(rows, mapping, source=source, notes=read.notes)
            if expect is not None and result.digest != expect:
                raise StaleImport(result)
            if commit:
                _write(rows, source=source, publish=publish, progress=progress)
                result.committed = True
    except (DatabaseError, psycopg.Error, write.WriteFailed) as error:
        logger.warning("import of %s failed: %s", source, error)
        raise _failure(error) from error
    finally:
        _drop_pieces()
    return result


def _drop_pieces() -> None:
    try:
        checks.drop_pieces()
    except DatabaseError:
        # The connection itself is gone (or the transaction aborted, when an outer block
        # holds it): the temporary tables go with the session or that rollback.
        logger.warning("the import's temporary tables could not be dropped")


def _check(rows: list[Row], mapping: Mapping, *, source: str, notes: list[str]) -> ImportResult:
    _match_sources(rows, source)
    todo = [row for row in rows if row.ok and row.outcome != "unchanged"]
    place_rows(todo, mapping)
    checks.check_regions(todo)
    checks.flag_duplicates(todo)
    for row in rows:
        if not row.ok:
            row.outcome = "rejected"
    return ImportResult(rows=rows, notes=notes)


def _write(rows: list[Row], *, source: str, publish: bool, progress: bool) -> None:
    created = [row for row in rows if row.outcome == "created"]
    updated = [row for row in rows if row.outcome == "updated"]
    status = ListingStatus.PUBLISHED if publish else ListingStatus.PENDING
    reason = f"import {source}"[:100]
    step = write.BATCH * 5
    total = len(created) + len(updated)
    show = progress and total >= PROGRESS_FROM
    with (
        transaction.atomic(),
        tqdm(
            total=total,
            desc="writing",
            unit=" rows",
            file=sys.stderr,
            disable=None if show else True,
        ) as bar,
    ):
        for start in range(0, len(created), step):
            chunk = created[start : start + step]
            write.create_listings(chunk, source=source, status=status, reason=reason)
            bar.update(len(chunk))
        for start in range(0, len(updated), step):
            chunk = updated[start : start + step]
            write.update_listings(chunk, source=source, publish=publish, reason=reason)
            bar.update(len(chunk))
        if total:
            stats.changed()


def row_reason(row: Row) -> str:
    """Why a row was rejected, and every warning, as the report says it: whole sentences,
    in the language active when the rows were checked."""
    return " ".join(filter(None, [row.error, *row.warnings]))


def write_report(result: ImportResult, path: Path) -> None:
    """One CSV row per input row: line, source_id, name, outcome, reason (why a row was
    rejected, and every warning)."""
    # backslashreplace: a lone surrogate (from JSON) in a rejected row's name stays visible.
    with open(path, "w", newline="", encoding="utf-8", errors="backslashreplace") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)
        for row in result.rows:
            writer.writerow([row.line, row.source_id, row.name, row.outcome, row_reason(row)])
