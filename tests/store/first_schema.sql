-- The store's first schema (migration m001_initial), kept verbatim to build an old database.
CREATE TABLE _vibing2_migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL);
INSERT INTO _vibing2_migrations VALUES ('m001_initial', '2026-11-01T00:00:00.000000Z');
CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL DEFAULT 'notebook',
    agents TEXT NOT NULL DEFAULT '[]',
    created TEXT NOT NULL,
    updated TEXT NOT NULL);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    agent TEXT,
    created TEXT NOT NULL,
    UNIQUE (project_id, seq));
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    content TEXT NOT NULL,
    language TEXT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    UNIQUE (project_id, path));
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
    agent TEXT,
    provider TEXT,
    model TEXT,
    status TEXT NOT NULL,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL,
    ttft_s REAL,
    duration_s REAL,
    request_id TEXT,
    error_kind TEXT,
    created TEXT NOT NULL);
CREATE INDEX runs_project ON runs(project_id);
-- Data as the first version wrote it.
INSERT INTO projects VALUES (1, 'old-app', 'notebook', '["frontend"]', '2026-11-01T10:00:00.000000Z', '2026-11-01T10:05:00.000000Z');
INSERT INTO messages VALUES (1, 1, 1, 'user', 'Build a todo app', NULL, '2026-11-01T10:00:00.000000Z');
INSERT INTO messages VALUES (2, 1, 2, 'assistant', 'Here it is.', 'frontend', '2026-11-01T10:05:00.000000Z');
INSERT INTO files VALUES (1, 1, 'index.html', '<h1>todo</h1>', 'html', '2026-11-01T10:05:00.000000Z', '2026-11-01T10:05:00.000000Z');
INSERT INTO runs VALUES (1, 1, 'frontend', 'anthropic', 'claude-x', 'complete', 10, 20, 0.001, 0.5, 2.0, 'req_1', NULL, '2026-11-01T10:05:00.000000Z');
