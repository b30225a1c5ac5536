-- +goose Up
CREATE TABLE subjects (
    tenant     TEXT NOT NULL,
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE identifiers (
    tenant     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    source     TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (tenant, kind, value, subject_id)
);
CREATE INDEX identifiers_subject ON identifiers (tenant, subject_id);

CREATE TABLE events (
    tenant     TEXT NOT NULL,
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    time       INTEGER NOT NULL,
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
    time       INTEGER NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX findings_subject ON findings (tenant, subject_id);
CREATE INDEX findings_detector ON findings (tenant, detector);

CREATE TABLE risks (
    tenant     TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    score      REAL NOT NULL,
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
    score      REAL NOT NULL,
    updated_at INTEGER NOT NULL,
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
    at      INTEGER NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX case_notes_case ON case_notes (tenant, case_id, at);

CREATE TABLE audit (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    at     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    before TEXT NOT NULL,
    after  TEXT NOT NULL
);
CREATE INDEX audit_object ON audit (tenant, object, seq);

-- +goose StatementBegin
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
-- +goose StatementEnd

CREATE TABLE meta (
    tenant TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  BLOB NOT NULL,
    PRIMARY KEY (tenant, key)
);

-- +goose Down
DROP TABLE meta;
DROP TABLE audit;
DROP TABLE case_notes;
DROP TABLE case_subjects;
DROP TABLE cases;
DROP TABLE risks;
DROP TABLE findings;
DROP TABLE events;
DROP TABLE identifiers;
DROP TABLE subjects;
