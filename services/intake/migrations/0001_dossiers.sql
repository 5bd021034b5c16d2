CREATE TABLE dossiers (
    id               uuid PRIMARY KEY,
    code             text        NOT NULL UNIQUE,
    procedure_code   text        NOT NULL,
    receiving_agency text        NOT NULL,
    commune_code     text        NOT NULL,
    province_code    text        NOT NULL,
    applicant        jsonb       NOT NULL,
    client_id        text        NOT NULL,
    status           text        NOT NULL,
    handling_unit    text,
    received_at      timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

-- Per agency and day, the last sequence number handed out (Circular 01/2018 art. 19).
CREATE TABLE dossier_sequences (
    agency_id text    NOT NULL,
    day       date    NOT NULL,
    last      integer NOT NULL,
    PRIMARY KEY (agency_id, day)
);

CREATE TABLE dossier_history (
    id          bigserial PRIMARY KEY,
    dossier_id  uuid        NOT NULL REFERENCES dossiers (id),
    status      text        NOT NULL,
    unit        text,
    note        text,
    at          timestamptz NOT NULL
);
CREATE INDEX dossier_history_by_dossier ON dossier_history (dossier_id, id);
