"""Connection pools: one PostgreSQL schema per service, selected by ``search_path``."""

import asyncpg


async def create_pool(dsn: str, schema: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections see the service's own schema first."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        server_settings={"search_path": schema, "application_name": f"lienthong-{schema}"},
    )
    assert pool is not None
    return pool
