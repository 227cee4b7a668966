-- Vigil's SQLite store: incidents, their alerts, entities and ranking.
--
-- Applied at start-up (idempotent).  A store made by an older Vigil first gets the
-- columns added here since (as declared, where ALTER TABLE ADD COLUMN can: nullable or
-- with a DEFAULT; otherwise start-up fails naming the table and column) and the views
-- whose definition changed made again (engine/store.c, upgrade_schema).
-- The database runs in WAL mode, so `sqlite3`
-- can query it while the engine writes.  Times are ISO 8601 UTC text (readable) plus
-- microseconds since the epoch (*_us, for ordering and arithmetic).
-- With store.retention set, incidents quiet that long (event time) are removed in
-- the engine's batches with every row about them (engine/store.c, vg_store_prune);
-- merge families go whole, incidents with a verdict stay; the metrics
-- incidents_pruned and alerts_pruned count them.  A store file made by Vigil has
-- auto_vacuum=INCREMENTAL: after a prune, free pages beyond an eighth of those in use
-- are given back (metric store_pages_released; the file shrinks at the next WAL
-- checkpoint), the rest reused.  An older file only reuses them: with the engine
-- stopped, `sqlite3 vigil.db 'PRAGMA auto_vacuum=INCREMENTAL; VACUUM;'` converts it.
-- The REFERENCES below document how the tables join; the engine does not enforce
-- them on every write (it is the only writer, and the check per row cost 14% of
-- storing an incident), and its tests check every store they make with
-- `sqlite3 vigil.db 'PRAGMA foreign_key_check'`, which prints nothing.
-- Useful queries:
--   sqlite3 vigil.db 'select id, score, priority, title from incidents_ranked'
--   sqlite3 vigil.db "select * from incident_timeline where incident_id = 'inc-...'"
-- The store format.  A change an older Vigil can still write correctly (a column
-- added with a default, a new table or view: what upgrade_schema does) keeps it; one
-- it could not (a column whose meaning changes, rows an older engine would
-- misread) raises it, and a Vigil refuses, before writing anything, a store whose
-- format is above its own, naming both (engine/store.c, check_format).
PRAGMA user_version = 1;

-- One row per incident; `version` grows with every change.
CREATE TABLE IF NOT EXISTS incidents (
  id                TEXT PRIMARY KEY,           -- "inc-" + 16 hex digits, deterministic
  version           INTEGER NOT NULL,
  title             TEXT NOT NULL,
  summary           TEXT NOT NULL,
  first_seen        TEXT NOT NULL,
  last_seen         TEXT NOT NULL,
  first_seen_us     INTEGER NOT NULL,
  last_seen_us      INTEGER NOT NULL,
  alert_count       INTEGER NOT NULL,           -- its rows in alerts plus alerts_dropped
  alerts_dropped    INTEGER NOT NULL DEFAULT 0,
  max_level         TEXT NOT NULL,
  tactics           TEXT NOT NULL,              -- comma-separated ATT&CK tactics
  score             REAL,                       -- 0..1 from the model; -1 unscored
                                                -- (model.path: none)
  priority          INTEGER,                    -- 1 (highest) .. 4; 0 unscored
  surfaced          INTEGER NOT NULL DEFAULT 0, -- score >= model.surface_threshold
  explanation       TEXT,                       -- JSON: top feature contributions
  features          TEXT,                       -- JSON: feature name -> value
  merged_into       TEXT,                       -- set when absorbed by another incident
  document          TEXT NOT NULL,              -- the JSON published for this version
  sig_runs_min      INTEGER,                    -- third-party signatures (assemble.c):
  sig_hosts_max     INTEGER,                    --   stream statistics folded in; NULL: none
  network_novelty   INTEGER NOT NULL DEFAULT 0, -- novelties elsewhere within the gap
  novel_pair        INTEGER NOT NULL DEFAULT 0, -- one of its pairs was new (assemble.c)
  events_dropped    INTEGER NOT NULL DEFAULT 0, -- event_count summed over alerts_dropped
  host_neighbours   INTEGER NOT NULL DEFAULT 0, -- incidents opened on its host nearby
  host_prior_novelties INTEGER NOT NULL DEFAULT 0, -- novelties on its host before it
  stix_created_us   INTEGER, -- `created` of its STIX objects (vigil stix): first_seen_us
                             -- of its first version, never changed; NULL (a row of an
                             -- older Vigil): first_seen_us
  entities_dropped  INTEGER NOT NULL DEFAULT 0, -- entity mentions past the 10000 an
                                                -- incident keeps (counted, not kept)
  notable_last_us   INTEGER NOT NULL DEFAULT 0, -- its newest notable alert's last time,
                                                -- detailed or not (0: none; weak links)
  dropped_level     INTEGER NOT NULL DEFAULT 0, -- of the alerts past the detail bound:
  dropped_tactics   INTEGER NOT NULL DEFAULT 0  --   highest level (0..4), tactics (bits)
);
CREATE INDEX IF NOT EXISTS incidents_by_score ON incidents(score DESC);
CREATE INDEX IF NOT EXISTS incidents_by_last_seen ON incidents(last_seen_us);
-- The incidents merged into one (retention removes a merge family together).
CREATE INDEX IF NOT EXISTS incidents_by_merged_into ON incidents(merged_into)
  WHERE merged_into IS NOT NULL;

-- The last version of each incident the output topic acknowledged (Kafka); an
-- incident without a row, or with an older version, is published again at start-up.
-- Its own table, not a column of incidents: an acknowledgment then rewrites a
-- row of a few bytes, not a page of the incident's document.
CREATE TABLE IF NOT EXISTS incident_published (
  incident_id TEXT PRIMARY KEY REFERENCES incidents(id) DEFERRABLE INITIALLY DEFERRED,
  version     INTEGER NOT NULL
) WITHOUT ROWID;

-- Alerts: correlations that fired and detection hits that stand alone.
CREATE TABLE IF NOT EXISTS alerts (
  id             TEXT PRIMARY KEY,              -- deterministic (rule, group, first event)
  incident_id    TEXT NOT NULL REFERENCES incidents(id) DEFERRABLE INITIALLY DEFERRED,
  rule_id        TEXT NOT NULL,
  title          TEXT NOT NULL,
  level          TEXT NOT NULL,
  is_correlation INTEGER NOT NULL,
  first_seen     TEXT NOT NULL,
  last_seen      TEXT NOT NULL,
  first_seen_us  INTEGER NOT NULL,
  last_seen_us   INTEGER NOT NULL,
  event_count    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_incident ON alerts(incident_id, first_seen_us);

CREATE TABLE IF NOT EXISTS alert_tags (
  alert_id TEXT NOT NULL REFERENCES alerts(id) DEFERRABLE INITIALLY DEFERRED,
  ord      INTEGER NOT NULL,  -- the rule's tags in order, then those its detector named
  tag      TEXT NOT NULL,
  PRIMARY KEY (alert_id, ord)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS alert_fields (
  alert_id TEXT NOT NULL REFERENCES alerts(id) DEFERRABLE INITIALLY DEFERRED,
  ord      INTEGER NOT NULL,
  name     TEXT NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (alert_id, ord)
) WITHOUT ROWID;

-- The input records behind each alert (topic/partition/offset, or file/-1/index).
CREATE TABLE IF NOT EXISTS alert_events (
  alert_id  TEXT NOT NULL,                     -- written as the alert fires

  topic     TEXT NOT NULL,
  partition INTEGER NOT NULL,
  "offset"  INTEGER NOT NULL,
  PRIMARY KEY (alert_id, topic, partition, "offset")
) WITHOUT ROWID;

-- Which incident each input record's alerts joined (one row per record and alert;
-- records that raised no alert have no row).  For `vigil replay` topic is the file
-- name, partition 0 and offset the 0-based record index.  A merge moves the rows of
-- the absorbed incident to the survivor, so incident_id is never a merged-away id.
-- Export with `vigil replay --db DB --export-map FILE` (every record, "-" for none).
CREATE TABLE IF NOT EXISTS record_incidents (
  topic       TEXT NOT NULL,
  partition   INTEGER NOT NULL,
  "offset"    INTEGER NOT NULL,
  alert_id    TEXT NOT NULL,
  incident_id TEXT NOT NULL,
  PRIMARY KEY (topic, partition, "offset", alert_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS record_incidents_by_incident
  ON record_incidents(incident_id);

-- Entities of an incident: who, from where, on which hosts.
CREATE TABLE IF NOT EXISTS entities (
  incident_id   TEXT NOT NULL REFERENCES incidents(id) DEFERRABLE INITIALLY DEFERRED,
  type          TEXT NOT NULL,                 -- ip, host, user, process, hash
  value         TEXT NOT NULL,
  first_seen    TEXT NOT NULL,
  first_seen_us INTEGER NOT NULL,
  alerts        INTEGER NOT NULL,
  PRIMARY KEY (incident_id, type, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entities_by_value ON entities(type, value);

-- Correlation groups consumed by an alert that fired, so a replay after a restart
-- does not count their events again (see vg_correlator_restore_mark).
CREATE TABLE IF NOT EXISTS correlation_marks (
  rule_id   TEXT NOT NULL,
  group_key TEXT NOT NULL,
  topic     TEXT NOT NULL,
  partition INTEGER NOT NULL,
  "offset"  INTEGER NOT NULL,
  -- ordered correlation (every release since the marks gained them): the alert's
  -- fire position, (event time, partition, offset) in counting order.  A re-read hit
  -- of the group at or before it, from any partition, was consumed; "offset" is
  -- then the largest offset counted in this partition when it fired.  NULL: a mark
  -- of its own partition up to "offset".
  fire_us        INTEGER,
  fire_partition INTEGER,
  fire_offset    INTEGER,
  PRIMARY KEY (rule_id, group_key, topic, partition)
) WITHOUT ROWID;
-- Marks before a partition's committed Kafka offset are removed (vg_store_prune_marks).
CREATE INDEX IF NOT EXISTS correlation_marks_by_position
  ON correlation_marks(topic, partition, "offset");

-- Alerts of correlations that other correlations consume, as they were fed to them
-- (vg_alert.chain): the events read again after a restart do not raise such an
-- alert again (its marks say they were consumed), so the correlations above get it
-- back from here (vg_correlator_restore_chained), counted where it was counted
-- before, once its partition delivers a record at or before its newest event.
-- Stored with its marks; removed once the committed offset of its newest event's
-- partition is past that event (vg_store_prune_marks): no open window can hold it
-- then.
CREATE TABLE IF NOT EXISTS correlation_chained (
  alert_id       TEXT PRIMARY KEY,
  rule_id        TEXT NOT NULL,
  topic          TEXT NOT NULL,    -- the position of its newest event
  partition      INTEGER NOT NULL,
  "offset"       INTEGER NOT NULL,
  last_us        INTEGER NOT NULL, -- its time (the alert's last_seen)
  fire_us        INTEGER NOT NULL, -- its fire position: where it is counted
  fire_partition INTEGER NOT NULL,
  fire_offset    INTEGER NOT NULL,
  fields         TEXT NOT NULL     -- JSON object: field name -> value, what it carries
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS correlation_chained_by_position
  ON correlation_chained(topic, partition, "offset");

-- Input positions made durable in the same transaction as what they produced.
CREATE TABLE IF NOT EXISTS input_offsets (
  topic        TEXT NOT NULL,
  partition    INTEGER NOT NULL,
  next_offset  INTEGER NOT NULL,
  -- newest event time seen (or the wall clock an idle partition was advanced to);
  -- NULL once the input ended (a replayed file) or while another consumer owns
  -- the partition: a restart reopens incidents within two gaps of the oldest of
  -- the configured input topics' partitions, or of the newest incident when none
  max_event_us INTEGER,
  PRIMARY KEY (topic, partition)
) WITHOUT ROWID;

-- Counters (records, dead letters, alerts, ...), summed over runs.
CREATE TABLE IF NOT EXISTS metrics (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

-- Analysts' verdicts (vigil feedback), which `vigil model train` can learn from.
CREATE TABLE IF NOT EXISTS feedback (
  incident_id TEXT NOT NULL REFERENCES incidents(id) DEFERRABLE INITIALLY DEFERRED,
  verdict     TEXT NOT NULL CHECK (verdict IN ('tp', 'fp')),
  note        TEXT,
  recorded_at TEXT NOT NULL
);

-- The story of each incident (rewritten with every version; see incident_text.c).
-- Entity graph edges: two entities named by one alert, with when they first met.
CREATE TABLE IF NOT EXISTS incident_edges (
  incident_id   TEXT NOT NULL,
  a_type        TEXT NOT NULL,
  a_value       TEXT NOT NULL,
  b_type        TEXT NOT NULL,
  b_value       TEXT NOT NULL,
  first_seen    TEXT NOT NULL,
  first_seen_us INTEGER NOT NULL,
  alerts        INTEGER NOT NULL,
  PRIMARY KEY (incident_id, a_type, a_value, b_type, b_value)
) WITHOUT ROWID;

-- Spread path: the hosts an incident reached, in order, with the ATT&CK techniques
-- seen on each and the source address / user of the first alert there.
CREATE TABLE IF NOT EXISTS incident_spread (
  incident_id TEXT NOT NULL,
  ord         INTEGER NOT NULL,
  host        TEXT NOT NULL,
  reached     TEXT NOT NULL,
  reached_us  INTEGER NOT NULL,
  alert_id    TEXT NOT NULL,
  techniques  TEXT NOT NULL,                  -- comma-separated, e.g. T1110,T1078
  source_ip   TEXT NOT NULL,
  user_name   TEXT NOT NULL,
  PRIMARY KEY (incident_id, ord)
) WITHOUT ROWID;

-- ATT&CK tactic timeline: when each tactic first appeared, and in which alert.
CREATE TABLE IF NOT EXISTS incident_tactics (
  incident_id   TEXT NOT NULL,
  ord           INTEGER NOT NULL,
  tactic        TEXT NOT NULL,
  first_seen    TEXT NOT NULL,
  first_seen_us INTEGER NOT NULL,
  alert_id      TEXT NOT NULL,
  PRIMARY KEY (incident_id, ord)
) WITHOUT ROWID;

-- Stop-values: entity values kept from linking alerts (configured in
-- correlation.stop_values or detected by rate), with the alerts they kept apart.
CREATE TABLE IF NOT EXISTS stop_values (
  type       TEXT NOT NULL,
  value      TEXT NOT NULL,
  configured INTEGER NOT NULL,
  prevented  INTEGER NOT NULL,                -- alerts it did not link, summed over runs
  PRIMARY KEY (type, value)
) WITHOUT ROWID;

-- Novelty: the first alert of each (host, rule) pair in the stream; alerts that
-- were such a first are listed in alert_novelty (feature novel_alert_share).
CREATE TABLE IF NOT EXISTS novelty (
  host           TEXT NOT NULL,
  rule_id        TEXT NOT NULL,
  first_alert_id TEXT NOT NULL,
  first_seen_us  INTEGER NOT NULL,
  PRIMARY KEY (host, rule_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert_novelty (
  alert_id TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS feedback_by_incident ON feedback(incident_id);

-- Hosts of each incident in the order they were reached, as one line.
CREATE VIEW IF NOT EXISTS incident_spread_path AS
  SELECT incident_id, group_concat(host || ' (' || techniques || ')', ' -> ') AS path,
         count(*) AS hosts
  FROM (SELECT * FROM incident_spread ORDER BY incident_id, ord)
  GROUP BY incident_id;

-- Tactics of each incident in time order.
CREATE VIEW IF NOT EXISTS incident_tactic_timeline AS
  SELECT t.incident_id, t.ord, t.tactic, t.first_seen, t.alert_id, a.title
  FROM incident_tactics t LEFT JOIN alerts a ON a.id = t.alert_id
  ORDER BY t.incident_id, t.ord;

-- The latest verdict per incident with its score (how the model fared).
CREATE VIEW IF NOT EXISTS incident_verdicts AS
  SELECT f.incident_id, f.verdict, f.note, f.recorded_at, i.score, i.priority, i.title
  FROM feedback f JOIN incidents i ON i.id = f.incident_id
  WHERE f.rowid = (SELECT max(rowid) FROM feedback g
                   WHERE g.incident_id = f.incident_id);

-- Incidents people should look at first.
CREATE VIEW IF NOT EXISTS incidents_ranked AS
  SELECT id, score, priority, surfaced, title, first_seen, last_seen, alert_count,
         tactics, version
  FROM incidents WHERE merged_into IS NULL
  ORDER BY score DESC, last_seen_us DESC;

-- Every alert of every incident in time order.
CREATE VIEW IF NOT EXISTS incident_timeline AS
  SELECT a.incident_id, a.first_seen, a.last_seen, a.level, a.title, a.rule_id,
         a.event_count, (SELECT group_concat(tag, ' ') FROM alert_tags t
                         WHERE t.alert_id = a.id) AS tags
  FROM alerts a ORDER BY a.incident_id, a.first_seen_us;

-- Third-party signature statistics of the stream (correlate/assemble.c): runs of
-- each (host, signature) pair and hosts of each signature, so a restart ranks as an
-- uninterrupted run would.
CREATE TABLE IF NOT EXISTS signature_stats (
  key     TEXT PRIMARY KEY,   -- "sig:<signature>@<host>" or "sigh:<signature>"
  runs    INTEGER NOT NULL,
  last_us INTEGER NOT NULL
) WITHOUT ROWID;
