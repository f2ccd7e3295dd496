"""The embedded index store: one SQLite file (the standard library's ``sqlite3``, WAL).

Arrays are stored as raw bytes whose dtype the schema fixes (``uint32`` little-endian for
shingles, n-grams and signatures); 64-bit keys (LSH bands, leads) as SQLite integers, the
same bits read as signed. Texts are JSON compressed with zlib. Nothing is pickled, so a
file from elsewhere can hold no code.

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
_LOOKUP = 50_000  # values per temporary-table fill: bounds one statement's memory
_SCAN_SHARE = 4  # read the whole n-gram table when asked for a quarter of it or more

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
    signature BLOB,
    shingles BLOB NOT NULL,
    grams BLOB,
    body BLOB NOT NULL
);
CREATE INDEX docs_text ON docs (text_key);
CREATE INDEX docs_time ON docs (first, time);
CREATE TABLE bands (key INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (key, seq))
    WITHOUT ROWID;
CREATE TABLE leads (key INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (key, seq))
    WITHOUT ROWID;
CREATE TABLE grams (gram INTEGER PRIMARY KEY, df INTEGER NOT NULL);
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


def _array(blob: bytes | None) -> np.ndarray | None:
    return None if blob is None else np.frombuffer(blob, dtype=_U32).astype(np.uint32)


def _blob(array: np.ndarray | None) -> bytes | None:
    return None if array is None else np.ascontiguousarray(array, dtype=_U32).tobytes()


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
            rows = [("schema_version", str(SCHEMA_VERSION)), ("batches", "0")]
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
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- reading -------------------------------------------------------------------------

    def counts(self) -> tuple[int, int, int]:
        """``(documents, distinct, batches)``."""
        documents, distinct = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(first), 0) FROM docs"
        ).fetchone()
        batches = int(json.loads(self._meta_text_raw("batches")))
        return int(documents), int(distinct), batches

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

    def fingerprints(self, ids: Iterable[str], *, arrays: bool = True) -> dict[str, Fingerprint]:
        """The stored fingerprints of ``ids``.

        Without ``arrays``, no shingles, n-grams or signature: clustering needs none.
        """
        self._fill("q_ids", list(ids))
        held = "shingles, grams, signature" if arrays else "x'', NULL, NULL"
        rows = self._db.execute(
            f"SELECT id, digest, {held}, length, published, source, site, marks, leads "
            "FROM docs JOIN q_ids ON docs.id = q_ids.v"
        )
        return {
            row[0]: Fingerprint(
                row[0],
                row[1],
                _array(row[2]),
                row[5],
                row[6],
                row[7],
                _array(row[3]),
                row[8],
                _array(row[4]),
                row[9],
                bytes(row[10]),
            )
            for row in rows
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
        """How many distinct stored documents hold each of ``grams`` (sorted, unique).

        Looked up through a temporary table of them, or, when they are many beside the
        n-grams stored, by reading the whole table once (one scan beats as many lookups).
        """
        grams = np.asarray(grams, dtype=np.uint32)
        if grams.size * _SCAN_SHARE >= self._grams_count():
            rows = self._db.execute("SELECT gram, df FROM grams")
        else:
            self._fill("q_grams", grams.tolist())
            rows = self._db.execute(
                "SELECT grams.gram, grams.df FROM q_grams JOIN grams ON grams.gram = q_grams.v"
            )
        found = np.array(rows.fetchall(), dtype=np.int64).reshape(-1, 2)
        if not found.size:
            return np.zeros(grams.size, dtype=np.int64)
        order = np.argsort(found[:, 0])
        keys, df = found[order, 0], found[order, 1]
        where = np.minimum(np.searchsorted(keys, grams.astype(np.int64)), keys.size - 1)
        return np.where(keys[where] == grams, df[where], 0)

    def _grams_count(self) -> int:
        """How many n-grams are counted (kept in the settings by :meth:`put`)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'grams'").fetchone()
        return int(json.loads(row[0])) if row else 0

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
                    _blob(fp.signature),
                    _blob(fp.shingles),
                    _blob(fp.grams),
                    _body(doc),
                )
            )
            if entry.distinct:
                bands += ((key, seq) for key in _signed(entry.bands))
                lead_keys = np.frombuffer(fp.leads, dtype=np.uint64)
                leads += ((key, seq) for key in _signed(lead_keys))
        db.executemany(f"INSERT INTO docs VALUES ({', '.join('?' * 17)})", rows)
        db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", bands)
        db.executemany("INSERT OR IGNORE INTO leads VALUES (?, ?)", leads)
        counted = [
            e.fingerprint.grams for e in entries if e.distinct and e.fingerprint.grams is not None
        ]
        if counted:
            grams, df = np.unique(np.concatenate(counted), return_counts=True)
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO grams VALUES (?, 0)", ((g,) for g in grams.tolist())
            )
            fresh = db.total_changes - before
            db.executemany(
                "UPDATE grams SET df = df + ? WHERE gram = ?",
                zip(df.tolist(), grams.tolist(), strict=True),
            )
            db.execute(
                "INSERT INTO meta VALUES ('grams', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
                (str(fresh),),
            )
        db.execute("UPDATE meta SET value = ? WHERE key = 'batches'", (json.dumps(batch),))

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
            one("SELECT COUNT(*) FROM grams"),
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
