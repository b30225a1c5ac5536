-- +goose Up
CREATE TABLE subjects (
    tenant     TEXT NOT NULL,
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE identifiers (
    tenant     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    source     TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    PRIMARY KEY (tenant, kind, value, subject_id)
);
CREATE INDEX identifiers_subject ON identifiers (tenant, subject_id);

CREATE TABLE events (
    tenant     TEXT NOT NULL,
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    time       BIGINT NOT NULL,
    subject_id TEXT NOT NULL,
    source     TEXT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX events_time ON events (tenant, time, id);
CREATE INDEX events_subject ON events (tenant, subject_id, time);

CREATE TABLE findings (
    tenant     TEXT NOT NULL,
    id         TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    detector   TEXT NOT NULL,
    code       TEXT NOT NULL,
    time       BIGINT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX findings_subject ON findings (tenant, subject_id);
CREATE INDEX findings_detector ON findings (tenant, detector);

CREATE TABLE risks (
    tenant     TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    score      DOUBLE PRECISION NOT NULL,
    level      TEXT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (tenant, subject_id)
);
CREATE INDEX risks_score ON risks (tenant, score DESC);

CREATE TABLE cases (
    tenant     TEXT NOT NULL,
    id         TEXT NOT NULL,
    state      TEXT NOT NULL,
    assignee   TEXT NOT NULL,
    score      DOUBLE PRECISION NOT NULL,
    updated_at BIGINT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX cases_state ON cases (tenant, state, score DESC);

CREATE TABLE case_subjects (
    tenant     TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    PRIMARY KEY (tenant, case_id, subject_id)
);
CREATE INDEX case_subjects_subject ON case_subjects (tenant, subject_id);

CREATE TABLE case_notes (
    tenant  TEXT NOT NULL,
    id      TEXT NOT NULL,
    case_id TEXT NOT NULL,
    at      BIGINT NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX case_notes_case ON case_notes (tenant, case_id, at);

CREATE TABLE audit (
    seq    BIGSERIAL PRIMARY KEY,
    tenant TEXT NOT NULL,
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    before TEXT NOT NULL,
    after  TEXT NOT NULL
);
CREATE INDEX audit_object ON audit (tenant, object, seq);


-- +goose StatementBegin
CREATE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

CREATE TABLE meta (
    tenant TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  BYTEA NOT NULL,
    PRIMARY KEY (tenant, key)
);

-- +goose Down
DROP TABLE meta;
DROP TABLE audit;
DROP FUNCTION audit_append_only;
DROP TABLE case_notes;
DROP TABLE case_subjects;
DROP TABLE cases;
DROP TABLE risks;
DROP TABLE findings;
DROP TABLE events;
DROP TABLE identifiers;
DROP TABLE subjects;
