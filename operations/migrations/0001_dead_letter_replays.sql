-- The operators' own record: which dead letter was replayed, by whom and why (lienthong dlq replay).
-- It lives in the operators' schema, `operations`; no service's schema is touched.
CREATE TABLE dead_letter_replays (
    dead_letter_topic text        NOT NULL,
    partition         integer     NOT NULL,
    "offset"          bigint      NOT NULL,
    original_topic    text        NOT NULL,
    event_id          text,
    dossier_code      text,
    replayed_by       text        NOT NULL,
    reason            text        NOT NULL,
    replayed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dead_letter_topic, partition, "offset")
);
