-- Closures (force majeure) declared for communes or a whole province: the working days they
-- cover do not count towards the deadlines of the dossiers of those communes.
CREATE TABLE closures (
    id               uuid PRIMARY KEY,
    province_code    text        NOT NULL,
    communes         text[]      NOT NULL,  -- empty: the whole province
    first_day        date        NOT NULL,
    last_day         date        NOT NULL,
    reason           text        NOT NULL,
    decision_number  text        NOT NULL,
    decision_date    date        NOT NULL,
    decision_issuer  text        NOT NULL,
    declared_by      text        NOT NULL,
    declared_at      timestamptz NOT NULL,
    ended_at         timestamptz,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX closures_by_province ON closures (province_code, last_day);

-- Every working-day calendar routing computed due dates on, by fingerprint, so that the due
-- dates counted on an older one can be counted again on the one in force.
CREATE TABLE calendar_versions (
    fingerprint          text PRIMARY KEY,
    first_year           integer     NOT NULL,
    last_year            integer     NOT NULL,
    days_off             date[]      NOT NULL,
    weekend_working_days date[]      NOT NULL,
    first_loaded_at      timestamptz NOT NULL
);

-- The calendar a dossier's due dates were counted on: the country's (by fingerprint; null for
-- plans from before, taken as counted on the calendar in force) with the closed days of its
-- commune; and why it must be counted again, when a closure concerning it changed.
ALTER TABLE dossiers
    ADD COLUMN calendar_fingerprint text,
    ADD COLUMN closed_days date[] NOT NULL DEFAULT '{}',
    ADD COLUMN reprojection_due text;
CREATE INDEX dossiers_open_by_place ON dossiers (province_code, commune_code)
    WHERE status NOT IN ('cancelled', 'denied', 'done');
CREATE INDEX dossiers_to_reproject ON dossiers (id)
    WHERE status NOT IN ('cancelled', 'denied', 'done');
