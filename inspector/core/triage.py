"""The triage store: keep/drop decisions in SQLite (WAL), with unlimited undo and redo.

Every call commits before it returns, so a dropped SSH session or `kill -9` loses nothing.
Decisions are grouped in *actions* (one keypress = one action, even "drop 3,000 duplicates"),
and undo/redo move a pointer over the action log. Each decision also records the row's content
hash, so decisions can be re-applied to a reordered or edited copy of the data.

Several app instances may share one store: SQLite's locking serializes writers, and WAL lets
readers go on while one writes. Each open store is an *owner*: undo and redo act on its own
actions first, so two instances never undo each other's work; an instance with nothing of its
own to undo (a reopened app) takes over the latest action made before it opened (an earlier
session's), never one made since by an instance still running. `changed_elsewhere()` tells an
instance that another one wrote, so it can show their decisions.

The database lives at ``<state dir>/triage.sqlite``; one file holds the decisions of every
dataset using that state dir, told apart by `dataset` (the data path's name).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector.core.errors import InputError

KEEP = "keep"
DROP = "drop"

SCHEMA = """
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset TEXT NOT NULL,
    label TEXT NOT NULL,
    created REAL NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0,
    owner TEXT
);
CREATE TABLE IF NOT EXISTS changes (
    action_id INTEGER NOT NULL REFERENCES actions(id),
    split TEXT NOT NULL,
    row INTEGER NOT NULL,
    content_hash TEXT,
    before TEXT,           -- JSON of the decision before this action, or NULL
    after TEXT             -- JSON of the decision after it, or NULL (cleared)
);
CREATE INDEX IF NOT EXISTS changes_by_action ON changes(action_id);
CREATE TABLE IF NOT EXISTS decisions (
    dataset TEXT NOT NULL,
    split TEXT NOT NULL,
    row INTEGER NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT,
    content_hash TEXT,
    decided REAL NOT NULL,
    PRIMARY KEY (dataset, split, row)
);
CREATE TABLE IF NOT EXISTS ui_state (
    dataset TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (dataset, key)
);
"""


@dataclass(frozen=True, slots=True)
class Decision:
    decision: str
    reason: str | None
    content_hash: str | None
    decided: float


#: `json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)` made once: building an
#: encoder per call was a third of hashing a row, and the export hashes every dropped row.
_ROW_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode


def row_hash(raw: dict[str, Any]) -> str:
    """A content hash of a raw row (its columns and values), independent of its position."""
    blob = _ROW_JSON(raw).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


class StoreError(InputError):
    """The store cannot be opened, read or written; the message says which file and why."""


class StoreReadOnly(StoreError):
    """A decision was asked of a store that can only be read."""


class TriageStore:
    """Decisions for one dataset. Open with `TriageStore.open(state_dir, dataset_name)`.

    A store in a folder that cannot be written (a read-only mount, another user's folder) is
    opened read-only: its decisions are read and applied, `read_only` is True (with
    `read_only_reason`) and every change raises `StoreReadOnly`; UI state is not saved. A
    damaged file raises `StoreError` on open, never a bare `sqlite3` error; so does a write
    that fails (a full disk), with the store left as it was before the action.
    """

    def __init__(self, db_path: Path, dataset: str, read_only: bool = False):
        self.db_path = Path(db_path)
        self.dataset = dataset
        self.read_only = read_only
        self.read_only_reason = "opened read-only" if read_only else None
        try:
            if read_only:
                self._db = self._connect_read_only()
            else:
                try:
                    self._db = self._connect_writable()
                except (sqlite3.OperationalError, OSError) as err:
                    if not self.db_path.is_file():
                        raise StoreError(
                            f"{self.db_path.parent}: cannot create the decisions store here "
                            f"({_why(err)}); pass --state DIR with a writable folder."
                        ) from None
                    self._db = self._connect_read_only()
                    self.read_only, self.read_only_reason = True, _why(err)
            self._data_version = self._version()
            self._db.execute("SELECT COUNT(*) FROM decisions").fetchone()
        except sqlite3.DatabaseError as err:
            raise StoreError(
                f"{self.db_path}: the decisions store cannot be read ({err}). Move the file "
                "aside to start a new store (the decisions in it are lost), or pass --state "
                "DIR to use another folder."
            ) from None
        self.owner = uuid.uuid4().hex
        self.opened = time.time()
        self.state_problem: str | None = None

    def _connect_writable(self) -> sqlite3.Connection:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(
            self.db_path, timeout=30, isolation_level=None, check_same_thread=False
        )
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
            columns = {r[1] for r in db.execute("PRAGMA table_info(actions)")}
            if "owner" not in columns:  # a store written before actions had owners
                db.execute("ALTER TABLE actions ADD COLUMN owner TEXT")
            # Opening a write-protected file succeeds read-only: find out now, not on `d`.
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
        except BaseException:
            db.close()
            raise
        return db

    def _connect_read_only(self) -> sqlite3.Connection:
        uri = self.db_path.resolve().as_uri()
        try:
            db = sqlite3.connect(
                f"{uri}?mode=ro",
                uri=True,
                timeout=30,
                isolation_level=None,
                check_same_thread=False,
            )
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError:
            # A WAL store in a folder we cannot write: SQLite cannot make its shared-memory
            # file, so read the file as it stands (nobody can be writing it from here).
            return sqlite3.connect(
                f"{uri}?mode=ro&immutable=1",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )

    @classmethod
    def open(cls, state_dir: Path, dataset: str, read_only: bool = False) -> TriageStore:
        return cls(Path(state_dir) / "triage.sqlite", dataset, read_only=read_only)

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreReadOnly(
                f"{self.db_path}: the decisions store is read-only ({self.read_only_reason}); "
                "nothing can be changed. Open the data with --state DIR (a writable folder) "
                "to make decisions."
            )

    def close(self) -> None:
        self._db.close()

    # -- decisions ----------------------------------------------------------------------------

    def decide(
        self, items, decision: str | None, reason: str | None = None, label: str | None = None
    ) -> int:
        """Set (or clear, with None) the decision of every `(split, row, content_hash)` in
        `items`, as one undoable action; returns the action id."""
        if decision not in (KEEP, DROP, None):
            raise ValueError(f"decision must be keep, drop or None, not {decision!r}")
        self._check_writable()
        items = list(items)
        now = time.time()
        label = label or f"{decision or 'clear'} {len(items)} row(s)"
        with self._transaction():
            cur = self._db.execute(
                "INSERT INTO actions(dataset, label, created, owner) VALUES (?, ?, ?, ?)",
                (self.dataset, label, now, self.owner),
            )
            action = cur.lastrowid
            # A new action makes this owner's undone ones unreachable: forget them.
            self._db.execute(
                "DELETE FROM changes WHERE action_id IN "
                "(SELECT id FROM actions WHERE dataset=? AND undone=1 AND owner=?)",
                (self.dataset, self.owner),
            )
            self._db.execute(
                "DELETE FROM actions WHERE dataset=? AND undone=1 AND owner=?",
                (self.dataset, self.owner),
            )
            after = (
                None
                if decision is None
                else json.dumps({"decision": decision, "reason": reason, "decided": now})
            )
            for split, row, chash in items:
                before = self._current_json(split, row)
                self._db.execute(
                    "INSERT INTO changes(action_id, split, row, content_hash, before, after) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (action, split, int(row), chash, before, after),
                )
                self._apply(split, int(row), chash, after)
        return action

    def decision(self, split: str, row: int) -> Decision | None:
        r = self._db.execute(
            "SELECT decision, reason, content_hash, decided FROM decisions "
            "WHERE dataset=? AND split=? AND row=?",
            (self.dataset, split, int(row)),
        ).fetchone()
        return Decision(*r) if r else None

    def decisions(self) -> dict[tuple[str, int], Decision]:
        rows = self._db.execute(
            "SELECT split, row, decision, reason, content_hash, decided FROM decisions "
            "WHERE dataset=?",
            (self.dataset,),
        )
        return {(s, r): Decision(d, why, h, t) for s, r, d, why, h, t in rows}

    def counts(self) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT decision, COUNT(*) FROM decisions WHERE dataset=? GROUP BY decision",
            (self.dataset,),
        )
        out = {KEEP: 0, DROP: 0}
        out.update(dict(rows))
        return out

    # -- undo / redo --------------------------------------------------------------------------

    def undo(self) -> str | None:
        """Undo this owner's latest action (else an earlier session's); returns its label."""
        return self._step(undo=True)

    def redo(self) -> str | None:
        """Redo this owner's earliest undone action (else an earlier session's)."""
        return self._step(undo=False)

    def _step(self, undo: bool) -> str | None:
        self._check_writable()
        flag, order, state = (0, "DESC", "before") if undo else (1, "ASC", "after")
        with self._transaction():
            pick = (
                f"SELECT id, label FROM actions WHERE dataset=? AND undone=? {{}} "
                f"ORDER BY id {order} LIMIT 1"
            )
            r = (
                self._db.execute(
                    pick.format("AND owner=?"), (self.dataset, flag, self.owner)
                ).fetchone()
                # Else an earlier session's (made before this store opened: none is ours).
                or self._db.execute(
                    pick.format("AND created<?"), (self.dataset, flag, self.opened)
                ).fetchone()
            )
            if r is None:
                return None
            changes = self._db.execute(
                f"SELECT split, row, content_hash, {state} FROM changes WHERE action_id=? "
                f"ORDER BY rowid {order}",
                (r[0],),
            ).fetchall()
            for split, row, chash, value in changes:
                self._apply(split, row, chash, value)
            # Taking over an earlier session's action makes it ours: a new action of ours
            # then forgets it from the redo list, as in any editor.
            self._db.execute(
                "UPDATE actions SET undone=?, owner=? WHERE id=?", (1 - flag, self.owner, r[0])
            )
        return r[1]

    def changed_elsewhere(self) -> bool:
        """Whether another connection (another app instance) committed since the last call."""
        version = self._version()
        changed = version != self._data_version
        self._data_version = version
        return changed

    def _version(self) -> int:
        # SQLite bumps `data_version` for commits made by *other* connections only.
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    # -- UI state (filters, cursor) -----------------------------------------------------------

    def get_state(self, key: str, default: Any = None) -> Any:
        r = self._db.execute(
            "SELECT value FROM ui_state WHERE dataset=? AND key=?", (self.dataset, key)
        ).fetchone()
        return json.loads(r[0]) if r else default

    def set_state(self, key: str, value: Any) -> None:
        """Save a piece of UI state (filter, cursor). It is not a decision: in a read-only
        store, or when the write fails (a full disk), it is not saved and `state_problem`
        says why, but nothing is raised into the view that asked."""
        if self.read_only:
            return
        try:
            self._db.execute(
                "INSERT INTO ui_state(dataset, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT(dataset, key) DO UPDATE SET value=excluded.value",
                (self.dataset, key, json.dumps(value)),
            )
        except sqlite3.OperationalError as err:
            self.state_problem = f"{self.db_path}: the view's state was not saved ({err})."

    # -- internals ----------------------------------------------------------------------------

    def _current_json(self, split: str, row: int) -> str | None:
        d = self.decision(split, row)
        if d is None:
            return None
        return json.dumps({"decision": d.decision, "reason": d.reason, "decided": d.decided})

    def _apply(self, split: str, row: int, chash: str | None, state: str | None) -> None:
        if state is None:
            self._db.execute(
                "DELETE FROM decisions WHERE dataset=? AND split=? AND row=?",
                (self.dataset, split, row),
            )
            return
        d = json.loads(state)
        self._db.execute(
            "INSERT INTO decisions(dataset, split, row, decision, reason, content_hash, decided) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(dataset, split, row) DO UPDATE SET "
            "decision=excluded.decision, reason=excluded.reason, "
            "content_hash=excluded.content_hash, decided=excluded.decided",
            (self.dataset, split, row, d["decision"], d["reason"], chash, d["decided"]),
        )

    def _transaction(self):
        return _Transaction(self._db, self.db_path)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, so concurrent writers queue instead of interleaving."""

    def __init__(self, db: sqlite3.Connection, path: Path):
        self.db = db
        self.path = path

    def __enter__(self):
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise StoreError(f"{self.path}: cannot write the decisions store ({err}).") from None
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self.db.execute("COMMIT")
                return False
            except sqlite3.OperationalError as err:  # e.g. the disk filled up
                _rollback(self.db)
                raise StoreError(
                    f"{self.path}: the decision was not saved ({err}); the store is as it "
                    "was before. Free some space and try again."
                ) from None
        _rollback(self.db)
        if isinstance(exc, sqlite3.OperationalError):
            raise StoreError(
                f"{self.path}: the decision was not saved ({exc}); the store is as it was "
                "before. Free some space and try again."
            ) from None
        return False


def _rollback(db: sqlite3.Connection) -> None:
    try:
        db.execute("ROLLBACK")
    except sqlite3.OperationalError:
        pass  # SQLite already rolled back (as it does on a full disk)


def _why(err: Exception) -> str:
    return getattr(err, "strerror", None) or str(err)
