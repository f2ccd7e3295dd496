"""The embedded index store: one SQLite file (the standard library's ``sqlite3``, WAL).

Arrays are stored as raw bytes whose dtype the schema fixes (``uint32`` little-endian for
the n-gram counts); 64-bit keys (LSH bands, leads) as SQLite integers, the same bits read
as signed. Texts are JSON compressed with zlib. Nothing is pickled, so a file from
elsewhere can hold no code. Shingles, n-grams and signatures are not stored: they are made
again from the text, with the index's frozen config and furniture, when a document is
matched (a few KB an article saved for a fingerprint that takes about 20 us to make).

Each add is one ``BEGIN IMMEDIATE`` transaction: a second writer waits for the first for
``timeout`` seconds (SQLite's busy timeout), then fails with :class:`StoreError`; readers
never wait (WAL). A process killed during an add leaves the file as before it: SQLite's
journal rolls the unfinished transaction back when the file is next opened.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from newsdedup.data import Assignment, Document, Fingerprint, Match
from newsdedup.errors import StoreError
from newsdedup.index.store import SCHEMA_VERSION, Entry, StoreStats

APPLICATION_ID = 0x4E445849  # "NDXI": this file is a newsdedup index
_U32 = np.dtype("<u4")
_NONE = np.zeros(0, dtype=np.uint32)
_LOOKUP = 50_000  # values per temporary-table fill: bounds one statement's memory
_PAGE_BITS = np.uint32(16)  # n-gram counts are kept in 65,536 pages by their top 16 bits
_COUNTS = ("documents", "distinct", "batches")  # kept in meta, updated by every put
_FEW_PAGES = 2048  # more pages than this are read by one pass over the table

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    batch INTEGER NOT NULL,
    digest TEXT NOT NULL,
    text_key TEXT NOT NULL,
    first INTEGER NOT NULL,
    length INTEGER NOT NULL,
    published TEXT,
    time REAL,
    source TEXT,
    site TEXT,
    marks TEXT NOT NULL,
    leads BLOB NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX docs_text ON docs (text_key);
CREATE INDEX docs_time ON docs (first, time);
CREATE TABLE bands (key INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (key, seq))
    WITHOUT ROWID;
CREATE TABLE leads (key INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (key, seq))
    WITHOUT ROWID;
CREATE TABLE gram_pages (page INTEGER PRIMARY KEY, keys BLOB NOT NULL, counts BLOB NOT NULL);
CREATE TABLE matches (
    a TEXT NOT NULL, b TEXT NOT NULL, kind TEXT NOT NULL, jaccard REAL NOT NULL,
    containment REAL NOT NULL, similarity REAL NOT NULL, days REAL, score REAL NOT NULL,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX matches_b ON matches (b);
CREATE TABLE assignments (
    id TEXT PRIMARY KEY, cluster_id TEXT NOT NULL, is_representative INTEGER NOT NULL,
    cluster_size INTEGER NOT NULL, jaccard REAL NOT NULL, containment REAL NOT NULL,
    kind TEXT NOT NULL, similarity REAL NOT NULL, matched_to TEXT NOT NULL
) WITHOUT ROWID;
"""


def _signed(keys: np.ndarray) -> list[int]:
    """``uint64`` keys as the signed 64-bit integers SQLite stores (the same bits)."""
    return np.ascontiguousarray(keys, dtype=np.uint64).view(np.int64).tolist()


def _body(doc: Document) -> bytes:
    fields = {"text": doc.text, "title": doc.title, "url": doc.url, "meta": dict(doc.meta)}
    return zlib.compress(json.dumps(fields, default=str, ensure_ascii=False).encode(), 6)


class SQLiteStore:
    """An index in one SQLite file (see the module's docstring).

    Args:
        path: The file.
        timeout: Seconds a writer waits for another to finish before it gives up.
    """

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        self._timeout = timeout
        self._held: tuple[int, tuple[np.ndarray, np.ndarray]] | None = None

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path, settings: dict[str, Any], **options: Any) -> SQLiteStore:
        """Make a new index file holding ``settings`` (JSON); refuse an existing one."""
        path = Path(path)
        if path.exists():
            raise StoreError(f"{path} already exists; open it, or choose another path")
        if not path.parent.is_dir():
            raise StoreError(f"cannot create {path}: the folder {path.parent} does not exist")
        store = cls(path, **options)
        db = store._db
        db.execute("PRAGMA journal_mode = WAL")
        with store.writing():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            rows = [("schema_version", str(SCHEMA_VERSION))] + [(key, "0") for key in _COUNTS]
            rows += [(key, json.dumps(value, sort_keys=True)) for key, value in settings.items()]
            db.executemany("INSERT INTO meta VALUES (?, ?)", rows)
        return store

    @classmethod
    def open(cls, path: str | Path, **options: Any) -> SQLiteStore:
        """Open an index file; refuse one that is not an index or of another schema version."""
        path = Path(path)
        if not path.is_file():
            raise StoreError(f"no index at {path}; make one with 'newsdedup index create {path}'")
        store = cls(path, **options)
        try:
            app, version = store._header()
        except sqlite3.DatabaseError as exc:
            store.close()
            raise StoreError(f"{path} is not a newsdedup index ({exc})") from None
        if app != APPLICATION_ID:
            store.close()
            raise StoreError(f"{path} is not a newsdedup index (an SQLite file of another kind)")
        if version != SCHEMA_VERSION:
            written = store._meta_text("newsdedup_version") or "an unknown version"
            store.close()
            raise StoreError(
                f"{path} was written by newsdedup {written} with index schema {version}; this "
                f"newsdedup reads schema {SCHEMA_VERSION} only. Open it with that version, or "
                "make a new index and add the corpus again."
            )
        store._db.execute("PRAGMA journal_mode = WAL")
        return store

    def _header(self) -> tuple[int, int]:
        app = self._db.execute("PRAGMA application_id").fetchone()[0]
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        return int(app), int(version)

    def _meta_text(self, key: str) -> str | None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError:
            return None
        return None if row is None else str(json.loads(row[0]))

    def settings(self) -> dict[str, Any]:
        """The settings written at creation (JSON values by key)."""
        rows = self._db.execute("SELECT key, value FROM meta").fetchall()
        return {key: json.loads(value) for key, value in rows}

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    # -- transactions --------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``): all of it or nothing."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(
                    f"{self.path} is being written by another process and stayed busy for "
                    f"{self._timeout:g} s; try again when it is done, or wait longer "
                    "(--timeout)"
                ) from None
            raise
        try:
            yield
        except BaseException:
            self._held = None  # counts read inside the transaction are undone with it
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- reading -------------------------------------------------------------------------

    def counts(self) -> tuple[int, int, int]:
        """``(documents, distinct, batches)``."""
        # Kept in the settings by put: counting the rows would read the whole table.
        held = {key: int(json.loads(self._meta_text_raw(key))) for key in _COUNTS}
        return held["documents"], held["distinct"], held["batches"]

    def _meta_text_raw(self, key: str) -> str:
        return str(self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    def _fill(self, name: str, values: Sequence[Any]) -> None:
        """A temporary one-column table of ``values`` (distinct), to join against."""
        self._db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} (v PRIMARY KEY) WITHOUT ROWID")
        self._db.execute(f"DELETE FROM {name}")
        for start in range(0, len(values), _LOOKUP):
            part = values[start : start + _LOOKUP]
            self._db.executemany(f"INSERT OR IGNORE INTO {name} VALUES (?)", ((v,) for v in part))

    def known(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are stored."""
        self._fill("q_ids", list(ids))
        rows = self._db.execute("SELECT id FROM docs JOIN q_ids ON docs.id = q_ids.v")
        return {row[0] for row in rows}

    def with_digests(self, digests: Iterable[str]) -> dict[str, str]:
        """The first stored document of each digest among ``digests``."""
        self._fill("q_digests", [d for d in set(digests) if d])
        rows = self._db.execute(
            "SELECT text_key, id FROM docs JOIN q_digests ON docs.text_key = q_digests.v "
            "WHERE first = 1"
        )
        return {digest: doc_id for digest, doc_id in rows}

    def sharing(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """Every stored document of each text key among ``keys``, first stored first."""
        self._fill("q_digests", [k for k in set(keys) if k])
        rows = self._db.execute(
            "SELECT text_key, id FROM docs JOIN q_digests ON docs.text_key = q_digests.v "
            "ORDER BY docs.seq"
        )
        out: dict[str, list[str]] = {}
        for key, doc_id in rows:
            out.setdefault(key, []).append(doc_id)
        return out

    def put_setting(self, key: str, value: Any) -> None:
        """Write one setting (JSON) in the current transaction."""
        self._db.execute(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value, sort_keys=True))
        )

    def _keyed(self, table: str, keys: np.ndarray) -> set[str]:
        self._fill("q_keys", _signed(np.unique(keys)))
        rows = self._db.execute(
            f"SELECT DISTINCT docs.id FROM q_keys JOIN {table} ON {table}.key = q_keys.v "
            f"JOIN docs ON docs.seq = {table}.seq"
        )
        return {row[0] for row in rows}

    def band_neighbours(self, keys: np.ndarray) -> set[str]:
        """Stored documents sharing any of these LSH band keys."""
        return self._keyed("bands", keys)

    def lead_neighbours(self, keys: np.ndarray) -> set[str]:
        """Stored documents sharing any of these lead keys."""
        return self._keyed("leads", keys)

    def lead_sizes(self, keys: np.ndarray) -> dict[int, int]:
        """How many stored documents hold each of these lead keys (absent: none)."""
        self._fill("q_keys", _signed(np.unique(keys)))
        rows = self._db.execute(
            "SELECT leads.key, COUNT(*) FROM q_keys JOIN leads ON leads.key = q_keys.v "
            "GROUP BY leads.key"
        )
        return {int(np.int64(key).view(np.uint64)): int(n) for key, n in rows}

    def within(self, low: float, high: float) -> set[str]:
        """Distinct stored documents dated from ``low`` to ``high`` seconds, and the undated."""
        rows = self._db.execute(
            "SELECT id FROM docs WHERE first = 1 AND (time IS NULL OR time BETWEEN ? AND ?)",
            (low, high),
        )
        return {row[0] for row in rows}

    def fingerprints(self, ids: Iterable[str]) -> dict[str, Fingerprint]:
        """The stored fingerprints of ``ids``, without shingles, n-grams or signature.

        Those are not stored (they were most of an article's bytes): clustering needs none
        of them, and matching makes them again from the stored text
        (:meth:`newsdedup.index.Index.fingerprints`).
        """
        self._fill("q_ids", list(ids))
        rows = self._db.execute(
            "SELECT id, digest, length, published, source, site, marks, leads "
            "FROM docs JOIN q_ids ON docs.id = q_ids.v"
        )
        return {
            doc_id: Fingerprint(
                doc_id, digest, _NONE, length, published, source, None, site, None, marks, leads
            )
            for doc_id, digest, length, published, source, site, marks, leads in rows
        }

    def documents(self, ids: Iterable[str]) -> dict[str, Document]:
        """The stored documents of ``ids``."""
        self._fill("q_ids", list(ids))
        rows = self._db.execute(
            "SELECT id, published, source, body FROM docs JOIN q_ids ON docs.id = q_ids.v"
        )
        out = {}
        for doc_id, published, source, body in rows:
            fields = json.loads(zlib.decompress(body))
            out[doc_id] = Document(
                doc_id,
                fields["text"],
                fields["title"],
                published,
                source,
                fields["url"],
                fields["meta"],
            )
        return out

    def frequencies(self, grams: np.ndarray) -> np.ndarray:
        """How many distinct stored documents hold each of ``grams`` (sorted, unique)."""
        grams = np.asarray(grams, dtype=np.uint32)
        keys, counts = self._pages(np.unique(grams >> _PAGE_BITS))
        if not keys.size:
            return np.zeros(grams.size, dtype=np.int64)
        where = np.minimum(np.searchsorted(keys, grams), keys.size - 1)
        return np.where(keys[where] == grams, counts[where], 0).astype(np.int64)

    def _pages(self, pages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The n-grams and counts held in these pages (or more), joined, sorted."""
        if pages.size > _FEW_PAGES:  # most pages: every page, read in one pass and kept
            return self._all_pages()
        self._fill("q_pages", pages.tolist())
        rows = self._db.execute(
            "SELECT keys, counts FROM gram_pages JOIN q_pages ON page = q_pages.v ORDER BY page"
        ).fetchall()
        keys = [np.frombuffer(k, dtype=_U32) for k, _ in rows]
        counts = [np.frombuffer(c, dtype=_U32) for _, c in rows]
        empty = np.zeros(0, dtype=np.uint32)
        return np.concatenate([empty, *keys]), np.concatenate([empty, *counts])

    def _all_pages(self) -> tuple[np.ndarray, np.ndarray]:
        """Every counted n-gram (sorted) and its count.

        Kept between calls while no one has written (``PRAGMA data_version`` tells of
        other connections' commits, :meth:`_count` of this one's): a process that
        answers many queries reads the counts once.
        """
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if self._held is not None and self._held[0] == version:
            return self._held[1]
        rows = self._db.execute("SELECT keys, counts FROM gram_pages ORDER BY page").fetchall()
        empty = np.zeros(0, dtype=np.uint32)
        keys = np.concatenate([empty, *(np.frombuffer(k, dtype=_U32) for k, _ in rows)])
        counts = np.concatenate([empty, *(np.frombuffer(c, dtype=_U32) for _, c in rows)])
        held = (keys.astype(np.uint32), counts.astype(np.uint32))
        self._held = (version, held)
        return held

    def _count(self, grams: np.ndarray) -> None:
        """Add one to the count of every n-gram of ``grams`` (repeats counted each time).

        Counts are kept in pages of n-grams sharing their top bits, each two ``uint32``
        arrays: a batch touches each page once, merged with numpy, rather than making a
        statement per n-gram (ten million of them for 10,000 articles).
        """
        grams, added = np.unique(np.asarray(grams, dtype=np.uint32), return_counts=True)
        if not grams.size:
            return
        pages = np.unique(grams >> _PAGE_BITS)
        keys, counts = self._pages(pages)
        both = np.concatenate([keys, grams])
        order = np.argsort(both, kind="stable")
        both = both[order]
        summed = np.concatenate([counts.astype(np.int64), added])[order]
        starts = np.flatnonzero(np.r_[True, both[1:] != both[:-1]])
        keys, counts = both[starts], np.add.reduceat(summed, starts).astype(np.uint32)
        on = keys >> _PAGE_BITS
        lows = np.searchsorted(on, pages, side="left").tolist()
        highs = np.searchsorted(on, pages, side="right").tolist()
        self._db.executemany(
            "INSERT OR REPLACE INTO gram_pages VALUES (?, ?, ?)",
            (
                (page, keys[lo:hi].astype(_U32).tobytes(), counts[lo:hi].astype(_U32).tobytes())
                for page, lo, hi in zip(pages.tolist(), lows, highs, strict=True)
            ),
        )
        self._held = None  # this connection's writes do not change data_version

    def matches_of(self, ids: Iterable[str]) -> list[Match]:
        """Every stored match with either document among ``ids``."""
        self._fill("q_ids", list(ids))
        rows = self._db.execute(
            "SELECT a, b, jaccard, containment, kind, similarity, days, score FROM matches "
            "WHERE a IN (SELECT v FROM q_ids) UNION "
            "SELECT a, b, jaccard, containment, kind, similarity, days, score FROM matches "
            "WHERE b IN (SELECT v FROM q_ids)"
        )
        return [
            Match(a, b, j, c, kind, sim, days, (), score)
            for a, b, j, c, kind, sim, days, score in rows
        ]

    def matches(self) -> Iterator[Match]:
        """Every stored match, ordered by its two ids."""
        rows = self._db.execute(
            "SELECT a, b, jaccard, containment, kind, similarity, days, score FROM matches "
            "ORDER BY a, b"
        )
        for a, b, jaccard, containment, kind, similarity, days, score in rows:
            yield Match(a, b, jaccard, containment, kind, similarity, days, (), score)

    def assignments(self, ids: Iterable[str] | None = None) -> Iterator[Assignment]:
        """Where documents went: ``ids``' or every document's, in the order they were stored."""
        query = (
            "SELECT a.id, cluster_id, is_representative, cluster_size, jaccard, containment, "
            "kind, similarity, matched_to FROM assignments a JOIN docs ON docs.id = a.id"
        )
        if ids is not None:
            self._fill("q_ids", list(ids))
            query += " JOIN q_ids ON a.id = q_ids.v"
        for row in self._db.execute(query + " ORDER BY docs.seq"):
            yield Assignment(row[0], row[1], bool(row[2]), *row[3:])

    # -- writing -------------------------------------------------------------------------

    def put(self, entries: Sequence[Entry], batch: int) -> None:
        """Store documents, their band and lead keys, and count their n-grams."""
        db = self._db
        start = int(db.execute("SELECT COALESCE(MAX(seq), 0) FROM docs").fetchone()[0]) + 1
        rows = []
        bands: list[tuple[int, int]] = []
        leads: list[tuple[int, int]] = []
        for seq, entry in enumerate(entries, start=start):
            fp, doc = entry.fingerprint, entry.document
            rows.append(
                (
                    seq,
                    fp.doc_id,
                    batch,
                    fp.digest,
                    entry.text_key,
                    int(entry.distinct),
                    fp.length,
                    fp.published,
                    None if not np.isfinite(entry.time) else entry.time,
                    fp.source,
                    fp.site,
                    fp.marks,
                    fp.leads,
                    _body(doc),
                )
            )
            if entry.distinct:
                bands += ((key, seq) for key in _signed(entry.bands))
                lead_keys = np.frombuffer(fp.leads, dtype=np.uint64)
                leads += ((key, seq) for key in _signed(lead_keys))
        db.executemany(f"INSERT INTO docs VALUES ({', '.join('?' * 14)})", rows)
        db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", bands)
        db.executemany("INSERT OR IGNORE INTO leads VALUES (?, ?)", leads)
        counted = [
            e.fingerprint.grams for e in entries if e.distinct and e.fingerprint.grams is not None
        ]
        if counted:
            self._count(np.concatenate(counted))
        documents, distinct, _ = self.counts()
        totals = {
            "documents": documents + len(entries),
            "distinct": distinct + sum(e.distinct for e in entries),
            "batches": batch,
        }
        db.executemany(
            "UPDATE meta SET value = ? WHERE key = ?",
            ((json.dumps(value), key) for key, value in totals.items()),
        )

    def put_matches(self, matches: Iterable[Match]) -> None:
        """Store verified matches (their passages are aligned again when asked for)."""
        self._db.executemany(
            "INSERT OR REPLACE INTO matches VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (m.a, m.b, m.kind, m.jaccard, m.containment, m.similarity, m.days, m.score)
                for m in matches
            ),
        )

    def put_assignments(self, rows: Iterable[Assignment]) -> None:
        """Store (or replace) where each document went."""
        self._db.executemany(
            "INSERT OR REPLACE INTO assignments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    r.doc_id,
                    r.cluster_id,
                    int(r.is_representative),
                    r.cluster_size,
                    r.jaccard,
                    r.containment,
                    r.kind,
                    r.similarity,
                    r.matched_to,
                )
                for r in rows
            ),
        )

    # -- upkeep --------------------------------------------------------------------------

    def stats(self) -> StoreStats:
        """What the index holds, and the bytes it takes."""
        db = self._db
        documents, distinct, batches = self.counts()
        one = lambda sql: int(db.execute(sql).fetchone()[0] or 0)  # noqa: E731
        clusters = one("SELECT COUNT(*) FROM assignments WHERE is_representative = 1")
        size = sum(
            p.stat().st_size
            for p in (self.path, self.path.with_name(self.path.name + "-wal"))
            if p.exists()
        )
        return StoreStats(
            documents,
            distinct,
            batches,
            clusters,
            one("SELECT COUNT(*) FROM matches"),
            one("SELECT SUM(LENGTH(keys)) / 4 FROM gram_pages"),
            size,
            one("SELECT SUM(LENGTH(body)) FROM docs"),
            self._tables(),
        )

    def _tables(self) -> dict[str, int]:
        """Bytes per table and index, where SQLite was built with ``dbstat``; else none."""
        try:
            rows = self._db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
            return {name: int(size) for name, size in rows if not name.startswith("sqlite_")}
        except sqlite3.OperationalError:
            return {}

    def compact(self) -> None:
        """Fold the write-ahead log in, give back free pages, refresh the planner's statistics."""
        with self.writing():
            self._db.execute("ANALYZE")
        self._db.execute("VACUUM")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
