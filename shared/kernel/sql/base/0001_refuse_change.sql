-- The trigger function of insert-only tables (history, audit): any UPDATE, DELETE or TRUNCATE
-- is refused, whoever runs it, even the schema's owner. A table guarded by it is also left
-- without those privileges for the service's role (shared/kernel/db_grants.py).
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on %.% refused: the table is insert-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
