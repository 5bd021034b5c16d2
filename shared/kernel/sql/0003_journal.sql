-- The journal: a per-dossier hash chain of every state-changing action (shared/kernel/journal.py).
CREATE TABLE journal (
    chain         text        NOT NULL,
    position      bigint      NOT NULL CHECK (position >= 1),
    recorded_at   timestamptz NOT NULL,
    action        text        NOT NULL,
    actor         text        NOT NULL,
    details       jsonb       NOT NULL,
    previous_hash text        NOT NULL,
    hash          text        NOT NULL,
    PRIMARY KEY (chain, position)
);
CREATE INDEX journal_recorded_at ON journal (recorded_at);

-- One row per closed local day: the root over every chain's head as of the day's end.
CREATE TABLE journal_seals (
    day       date        PRIMARY KEY,
    until     timestamptz NOT NULL,
    root      text        NOT NULL,
    chains    bigint      NOT NULL,
    entries   bigint      NOT NULL,
    sealed_at timestamptz NOT NULL
);

-- The heads of the chains that grew during a sealed day, so verification can name the chain that changed.
CREATE TABLE journal_seal_heads (
    day      date   NOT NULL REFERENCES journal_seals (day),
    chain    text   NOT NULL,
    position bigint NOT NULL,
    hash     text   NOT NULL,
    PRIMARY KEY (day, chain)
);

-- Append-only, whatever the role's privileges: an UPDATE, DELETE or TRUNCATE is refused.
CREATE FUNCTION journal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: the journal is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
    FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_seals_append_only BEFORE UPDATE OR DELETE ON journal_seals
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_seals_no_truncate BEFORE TRUNCATE ON journal_seals
    FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_seal_heads_append_only BEFORE UPDATE OR DELETE ON journal_seal_heads
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_seal_heads_no_truncate BEFORE TRUNCATE ON journal_seal_heads
    FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();
