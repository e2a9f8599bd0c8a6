"""Re-encrypt every encrypted column with the current (first) key, a batch per transaction."""
from __future__ import annotations

from sqlalchemy import Text, select, type_coerce

from onecast.kit.secrets import EncryptedJSON, EncryptedText, rotate_text

BATCH = 500


def encrypted_columns(metadata) -> list[tuple]:
    return [(table, column) for table in metadata.sorted_tables for column in table.columns
            if isinstance(column.type, (EncryptedJSON, EncryptedText))]


async def rotate_all(db, metadata) -> dict[str, int]:
    """Returns how many values each `table.column` had re-encrypted."""
    done: dict[str, int] = {}
    for table, column in encrypted_columns(metadata):
        pk = list(table.primary_key.columns)
        raw = type_coerce(column, Text)  # the stored text, not the decrypted value
        count = 0
        while True:
            async with db.transaction() as session:
                # Rewriting a value keeps the row's place in primary-key order, so offsets hold.
                rows = (await session.execute(select(*pk, raw.label("v")).where(column.is_not(None))
                                              .order_by(*pk).offset(count).limit(BATCH))).all()
                for row in rows:
                    where = [c == row[i] for i, c in enumerate(pk)]
                    await session.execute(table.update().where(*where).values(
                        {column.name: type_coerce(rotate_text(row.v), Text)}))
            count += len(rows)
            if len(rows) < BATCH:
                break
        done[f"{table.name}.{column.name}"] = count
    return done
