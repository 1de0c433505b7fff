"""Data-key rotation: re-encrypt every Encrypted column under the current key.

Each ciphertext starts with the id of the key that wrote it ("<key id>:..."), so a row is
done when its prefix is the current key's id. That makes the rotation resumable: stop it
(or let it crash) at any point and run it again; it picks up the rows still under an old
key. Each batch is one transaction and rewrites a row's ciphertexts and its NIK lookup
hash together, so a row is never half-rotated. A value no known key can open is left
untouched and reported; nothing is ever dropped.
"""
from dataclasses import dataclass, field

from sqlalchemy import Text, and_, cast, or_, select, type_coerce, update

from ..crypto import Encrypted, data_keys, key_id
from ..extensions import db

# Lookup hashes to rebuild when the column they are derived from is re-encrypted:
# {(table, encrypted column): hash column}.
LOOKUP_HASHES = {("visit", "id_number"): "nik_hash", ("appointment", "id_number"): "nik_hash"}
# JSON columns holding sealed values ("enc:<key id>:...", see server/api/operations.py).
SEALED_JSON = (("visit_event", "payload"), ("quarantine", "payload"))
SEAL_PREFIX = "enc:"


@dataclass
class RotationReport:
    key_id: str
    rewritten: dict = field(default_factory=dict)  # "table.column" -> values re-encrypted
    unreadable: dict = field(default_factory=dict)  # "table.column" -> values no key opens
    remaining: dict = field(default_factory=dict)  # "table.column" -> values still under old keys

    @property
    def complete(self) -> bool:
        return not any(self.remaining.values()) and not any(self.unreadable.values())


def encrypted_columns() -> list[tuple]:
    """Return (table, [encrypted columns]) for every table with personal data at rest."""
    found = []
    for table in db.metadata.sorted_tables:
        cols = [c for c in table.columns if isinstance(c.type, Encrypted)]
        if cols:
            found.append((table, cols))
    return found


def _stale(col, prefix: str):
    raw = type_coerce(col, Text)
    return and_(raw.is_not(None), raw != "", ~raw.startswith(prefix))


def count_stale() -> dict:
    """Return, per "table.column", how many values are not under the current key."""
    prefix = key_id(data_keys().current) + ":"
    counts = {}
    for table, cols in encrypted_columns():
        for col in cols:
            n = db.session.scalar(select(db.func.count()).select_from(table).where(_stale(col, prefix)))
            counts[f"{table.name}.{col.name}"] = n or 0
    for table, col in _sealed_columns():
        n = 0
        for _, value in db.session.execute(select(list(table.primary_key.columns)[0], col)
                                           .where(_may_hold_sealed(col))):
            n += _count_sealed(value, prefix)
        counts[f"{table.name}.{col.name}"] = n
    return counts


def _sealed_columns():
    tables = db.metadata.tables
    return [(tables[t], tables[t].c[c]) for t, c in SEALED_JSON if t in tables and c in tables[t].c]


def _may_hold_sealed(col):
    return cast(col, Text).contains(SEAL_PREFIX)


def _count_sealed(value, prefix: str) -> int:
    """Count sealed strings in a JSON value that are not under the current key."""
    if isinstance(value, dict):
        return sum(_count_sealed(v, prefix) for v in value.values())
    if isinstance(value, list):
        return sum(_count_sealed(v, prefix) for v in value)
    if isinstance(value, str) and value.startswith(SEAL_PREFIX):
        return 0 if value[len(SEAL_PREFIX):].startswith(prefix) else 1
    return 0


def _reseal(value, keys, prefix: str, tally: dict):
    """Return the JSON value with every sealed string re-encrypted under the current key."""
    if isinstance(value, dict):
        return {k: _reseal(v, keys, prefix, tally) for k, v in value.items()}
    if isinstance(value, list):
        return [_reseal(v, keys, prefix, tally) for v in value]
    if isinstance(value, str) and value.startswith(SEAL_PREFIX):
        token = value[len(SEAL_PREFIX):]
        if token.startswith(prefix):
            return value
        try:
            plain = keys.decrypt(token)
        except Exception:  # unknown key or damaged value: keep it, report it
            tally["unreadable"] += 1
            return value
        tally["rewritten"] += 1
        return SEAL_PREFIX + keys.encrypt(plain)
    return value


def _rotate_sealed(report, keys, prefix: str, batch_size: int) -> None:
    for table, col in _sealed_columns():
        pk = list(table.primary_key.columns)[0]
        name = f"{table.name}.{col.name}"
        last = None
        while True:
            query = select(pk, col).where(_may_hold_sealed(col))
            if last is not None:
                query = query.where(pk > last)
            rows = db.session.execute(query.order_by(pk).limit(batch_size)).all()
            if not rows:
                break
            for row_id, value in rows:
                if not _count_sealed(value, prefix):
                    continue
                tally = {"rewritten": 0, "unreadable": 0}
                new_value = _reseal(value, keys, prefix, tally)
                if tally["rewritten"]:
                    db.session.execute(update(table).where(pk == row_id).values({col.name: new_value}))
                    report.rewritten[name] = report.rewritten.get(name, 0) + tally["rewritten"]
                if tally["unreadable"]:
                    report.unreadable[name] = report.unreadable.get(name, 0) + tally["unreadable"]
            db.session.commit()
            last = rows[-1][0]


def rotate_keys(batch_size: int = 500, max_batches: int | None = None, progress=None) -> RotationReport:
    """Re-encrypt every value under an older key with the current key, in batches."""
    keys = data_keys()
    prefix = key_id(keys.current) + ":"
    report = RotationReport(key_id=key_id(keys.current))
    batches = 0
    for table, cols in encrypted_columns():
        pk = list(table.primary_key.columns)[0]
        hash_cols = {c.name: LOOKUP_HASHES.get((table.name, c.name)) for c in cols}
        raw_cols = [type_coerce(c, Text).label(c.name) for c in cols]
        hash_select = [table.c[h] for h in hash_cols.values() if h]
        last = None
        while max_batches is None or batches < max_batches:
            query = select(pk, *raw_cols, *hash_select).where(or_(*(_stale(c, prefix) for c in cols)))
            if last is not None:
                query = query.where(pk > last)
            rows = db.session.execute(query.order_by(pk).limit(batch_size)).mappings().all()
            if not rows:
                break
            for row in rows:
                values = {}
                for col in cols:
                    token = row[col.name]
                    if not token or token.startswith(prefix):
                        continue
                    name = f"{table.name}.{col.name}"
                    try:
                        plain = keys.decrypt(token)
                    except Exception:  # unknown key or damaged value: keep it, report it
                        report.unreadable[name] = report.unreadable.get(name, 0) + 1
                        continue
                    values[col.name] = type_coerce(keys.encrypt(plain), Text)
                    report.rewritten[name] = report.rewritten.get(name, 0) + 1
                    hash_col = hash_cols[col.name]
                    if hash_col and row[hash_col] is not None:
                        values[hash_col] = keys.lookup_hash(plain.strip())
                if values:
                    db.session.execute(update(table).where(pk == row[pk.name]).values(**values))
            db.session.commit()
            last = rows[-1][pk.name]
            batches += 1
            if progress:
                progress(table.name, sum(report.rewritten.values()))
    if max_batches is None or batches < max_batches:
        _rotate_sealed(report, keys, prefix, batch_size)
    report.remaining = count_stale()
    for name, n in report.unreadable.items():
        report.remaining[name] = max(report.remaining.get(name, 0) - n, 0)
    return report
