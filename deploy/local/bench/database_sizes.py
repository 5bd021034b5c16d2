"""Rows and bytes per dossier of every table of the services' schemas, and events per dossier on each stream.

    python deploy/local/bench/database_sizes.py [DATABASE_URL]   # the local database by default

What a capacity model needs from a database lienthong has worked in (a benchmark's before it is dropped,
or the demo's): per schema and table, the rows and ``pg_total_relation_size`` (table, indexes and TOAST),
each divided by the dossiers intake holds, and the average row's own size (``pg_column_size``: a small
table's pages and indexes weigh more than its rows); and, since every event a service publishes stays in its
outbox, the rows of each outbox per topic, per dossier. Read as the database's owner or a super user.
"""

import asyncio
import json
import sys
from typing import Any

import asyncpg

from shared.kernel.settings import CommonSettings

SCHEMAS = ("intake", "routing", "department", "notification")


async def table_sizes(database_url: str, topic_prefix: str = "") -> dict[str, Any]:
    """``{"dossiers": n, "tables": {"schema.table": {rows, bytes, rows_per_dossier, bytes_per_dossier, bytes_per_row,
    data_bytes_per_row}},
    "schemas": {schema: {bytes, bytes_per_dossier}}, "events": {"schema topic": {rows, per_dossier}}}``,
    topics named without ``topic_prefix``."""
    connection = await asyncpg.connect(database_url)
    try:
        dossiers = await connection.fetchval("SELECT count(*) FROM intake.dossiers")
        tables = await connection.fetch(
            "SELECT schemaname, tablename, pg_total_relation_size(format('%I.%I', schemaname, tablename)) AS bytes"
            " FROM pg_tables WHERE schemaname = ANY($1::text[]) ORDER BY schemaname, tablename",
            list(SCHEMAS),
        )
        per = max(1, dossiers)
        found: dict[str, Any] = {}
        for table in tables:
            name = f"{table['schemaname']}.{table['tablename']}"
            rows, data = await connection.fetchrow(
                f'SELECT count(*), avg(pg_column_size(t.*)) FROM "{table["schemaname"]}"."{table["tablename"]}" t'
            )
            found[name] = {
                "rows": rows,
                "bytes": table["bytes"],
                "rows_per_dossier": round(rows / per, 3),
                "bytes_per_dossier": round(table["bytes"] / per),
                "bytes_per_row": round(table["bytes"] / rows) if rows else None,
                "data_bytes_per_row": round(data) if data is not None else None,
            }
        events: dict[str, Any] = {}
        for schema in SCHEMAS:
            for row in await connection.fetch(
                f"SELECT topic, count(*) AS rows FROM {schema}.outbox GROUP BY topic ORDER BY topic"
            ):
                events[f"{schema} {row['topic'].removeprefix(topic_prefix)}"] = {
                    "rows": row["rows"],
                    "per_dossier": round(row["rows"] / per, 3),
                }
    finally:
        await connection.close()
    schemas = {schema: sum(t["bytes"] for n, t in found.items() if n.startswith(f"{schema}.")) for schema in SCHEMAS}
    return {
        "dossiers": dossiers,
        "tables": found,
        "schemas": {s: {"bytes": b, "bytes_per_dossier": round(b / per)} for s, b in schemas.items()},
        "events": events,
    }


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else CommonSettings().database_url
    print(json.dumps(asyncio.run(table_sizes(url)), indent=2))


if __name__ == "__main__":
    main()
