/*
 * store.c - the SQLite store.
 *
 * WAL mode, schema from schemas/store.sql (embedded), prepared statements only,
 * one transaction per batch (the caller's begin/commit).  Every write is an upsert
 * keyed by a deterministic id, so replaying a batch after a crash rewrites the same
 * rows.  SQLite errors are translated here, once, into vg_err plus errmsg.
 */
#include "vg_engine.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_PUT_INCIDENT,
	S_PUT_ALERT,
	S_PUT_TAG,
	S_PUT_FIELD,
	S_PUT_ENTITY,
	S_MERGE_INCIDENT,
	S_RECOUNT_DROPPED,
	S_MOVE_ALERTS,
	S_MOVE_ENTITIES,
	S_PUT_ALERT_EVENT,
	S_HAS_ALERT,
	S_HAS_ALERT_EVENTS,
	S_RECORDS_TO,
	S_PUT_MARK,
	S_EACH_MARK,
	S_PUT_CHAINED,
	S_EACH_CHAINED,
	S_CHAINED_FIELDS,
	S_PUT_OFFSET,
	S_MAX_LAST_SEEN,
	S_PARTITION_TIMES,
	S_OPEN_INCIDENTS,
	S_RECENT_ALERTS,
	S_INCIDENT_BY_ID,
	S_STIX_CREATED,
	S_SURFACED_IDS,
	S_INCIDENT_ALERTS,
	S_ALERT_TAGS,
	S_ALERT_FIELDS,
	S_INCIDENT_ENTITIES,
	S_MARK_PUBLISHED,
	S_UNPUBLISHED,
	S_INCIDENT_DOC,
	S_ADD_METRIC,
	S_RANKED,
	S_METRIC,
	S_COUNT_INCIDENTS,
	S_PUT_RECORD_INCIDENT,
	S_MOVE_RECORD_INCIDENTS,
	S_EACH_RECORD_INCIDENT,
	S_EACH_OFFSET,
	S_DEL_EDGES,
	S_PUT_EDGE,
	S_DEL_SPREAD,
	S_PUT_SPREAD,
	S_DEL_TACTICS,
	S_PUT_TACTIC,
	S_PUT_NOVELTY,
	S_EACH_NOVELTY,
	S_PUT_SIG_STAT,
	S_EACH_SIG_STAT,
	S_PUT_ALERT_NOVEL,
	S_ALERT_NOVEL,
	S_ADD_STOP,
	S_INCIDENT_STATE,
	S_PUT_FEEDBACK,
	S_EACH_VERDICT,
	S_NEWEST_ACTIVITY,
	S_PRUNE_MARKS,
	S_PRUNE_CHAINED,
	S_PAGE_COUNTS,
	S_PRUNE_CLEAR_INCIDENTS,
	S_PRUNE_CLEAR_ALERTS,
	S_PRUNE_PICK_INCIDENTS,
	S_PRUNE_PICK_ALERTS,
	S_PRUNE_PICK_DROPPED,
	S_PRUNE_COUNT_ROOTS,
	S_PRUNE_ALERT_TAGS,
	S_PRUNE_ALERT_FIELDS,
	S_PRUNE_ALERT_EVENTS,
	S_PRUNE_ALERT_NOVELTY,
	S_PRUNE_ALERTS,
	S_PRUNE_RECORDS,
	S_PRUNE_ENTITIES,
	S_PRUNE_EDGES,
	S_PRUNE_SPREAD,
	S_PRUNE_TACTICS,
	S_PRUNE_PUBLISHED,
	S_PRUNE_INCIDENTS,
	S_COUNT
};

/* correlation_marks: the fire position stored again is later than the one held
 * (or the first one) */
#define LATER_FIRE                                                                       \
	"excluded.fire_us IS NOT NULL AND (fire_us IS NULL OR (excluded.fire_us,"        \
	" excluded.fire_partition, excluded.fire_offset) > (fire_us, fire_partition,"    \
	" fire_offset))"
static const char *const g_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_PUT_INCIDENT] =
        "INSERT INTO incidents (id, version, title, summary, first_seen, last_seen,"
        " first_seen_us, last_seen_us, alert_count, alerts_dropped, max_level, tactics,"
        " score, priority, surfaced, explanation, features, document, sig_runs_min,"
        " sig_hosts_max, network_novelty, novel_pair, events_dropped, host_neighbours,"
        " host_prior_novelties, stix_created_us, entities_dropped, notable_last_us,"
        " dropped_level, dropped_tactics)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,"
        "?20,?21,?22,?23,?24,?25,?7,?26,?27,?28,?29)"
        " ON CONFLICT(id) DO UPDATE SET version=excluded.version, title=excluded.title,"
        " summary=excluded.summary, first_seen=excluded.first_seen,"
        " last_seen=excluded.last_seen, first_seen_us=excluded.first_seen_us,"
        " last_seen_us=excluded.last_seen_us, alert_count=excluded.alert_count,"
        " alerts_dropped=excluded.alerts_dropped, max_level=excluded.max_level,"
        " tactics=excluded.tactics, score=excluded.score, priority=excluded.priority,"
        " surfaced=excluded.surfaced, explanation=excluded.explanation,"
        " features=excluded.features, document=excluded.document, merged_into=NULL,"
        " sig_runs_min=excluded.sig_runs_min, sig_hosts_max=excluded.sig_hosts_max,"
        " network_novelty=excluded.network_novelty, novel_pair=excluded.novel_pair,"
        " events_dropped=excluded.events_dropped,"
        " host_neighbours=excluded.host_neighbours,"
        " host_prior_novelties=excluded.host_prior_novelties,"
        " stix_created_us=COALESCE(incidents.stix_created_us, incidents.first_seen_us),"
        " entities_dropped=excluded.entities_dropped,"
        " notable_last_us=excluded.notable_last_us,"
        " dropped_level=excluded.dropped_level,"
        " dropped_tactics=excluded.dropped_tactics",
    [S_PUT_ALERT] =
        "INSERT INTO alerts (id, incident_id, rule_id, title, level, is_correlation,"
        " first_seen, last_seen, first_seen_us, last_seen_us, event_count)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"
        " ON CONFLICT(id) DO UPDATE SET incident_id=excluded.incident_id,"
        " last_seen=excluded.last_seen, last_seen_us=excluded.last_seen_us,"
        " event_count=excluded.event_count",
    [S_PUT_TAG] =
        "INSERT OR REPLACE INTO alert_tags (alert_id, ord, tag) VALUES (?1,?2,?3)",
    [S_PUT_FIELD] = "INSERT OR REPLACE INTO alert_fields (alert_id, ord, name, value)"
                    " VALUES (?1,?2,?3,?4)",
    [S_PUT_ENTITY] =
        "INSERT INTO entities (incident_id, type, value, first_seen, first_seen_us,"
        " alerts) VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT(incident_id, type, value)"
        " DO UPDATE SET first_seen=excluded.first_seen,"
        " first_seen_us=excluded.first_seen_us, alerts=excluded.alerts",
    [S_MERGE_INCIDENT] = "UPDATE incidents SET merged_into=?2 WHERE id=?1",
    /* An incident's alerts without a row, and their events: its alert count and
     * all its events (?2) less what its rows hold.  A merge moves the absorbed
     * part's rows to the survivor, also those the survivor, full, only counted in
     * memory: a restart would detail them and count them again. */
    [S_RECOUNT_DROPPED] =
        "UPDATE incidents SET"
        " alerts_dropped = max(alert_count - (SELECT count(*) FROM alerts"
        " WHERE incident_id=?1), 0),"
        " events_dropped = max(?2 - coalesce((SELECT sum(event_count) FROM alerts"
        " WHERE incident_id=?1), 0), 0)"
        " WHERE id=?1",
    [S_MOVE_ALERTS] = "UPDATE alerts SET incident_id=?2 WHERE incident_id=?1",
    [S_MOVE_ENTITIES] = "DELETE FROM entities WHERE incident_id=?1",
    [S_PUT_ALERT_EVENT] = "INSERT OR IGNORE INTO alert_events (alert_id, topic,"
                          " partition, \"offset\") VALUES (?1,?2,?3,?4)",
    [S_HAS_ALERT] = "SELECT 1 FROM alerts WHERE id=?1",
    [S_HAS_ALERT_EVENTS] = "SELECT 1 FROM alert_events WHERE alert_id=?1 LIMIT 1",
    [S_RECORDS_TO] = "SELECT max(\"offset\") FROM record_incidents"
                     " WHERE topic=?1 AND partition=?2",
    [S_PUT_MARK] = "INSERT INTO correlation_marks (rule_id, group_key, topic, partition,"
                   " \"offset\", fire_us, fire_partition, fire_offset)"
                   " VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"
                   " ON CONFLICT(rule_id, group_key, topic, partition) DO UPDATE SET"
                   " \"offset\"=max(\"offset\", excluded.\"offset\"),"
                   " fire_us = CASE WHEN " LATER_FIRE " THEN excluded.fire_us"
                   " ELSE fire_us END,"
                   " fire_partition = CASE WHEN " LATER_FIRE
                   " THEN excluded.fire_partition ELSE fire_partition END,"
                   " fire_offset = CASE WHEN " LATER_FIRE " THEN excluded.fire_offset"
                   " ELSE fire_offset END",
    [S_EACH_MARK] = "SELECT rule_id, group_key, topic, partition, \"offset\", fire_us,"
                    " fire_partition, fire_offset FROM correlation_marks",
    [S_PUT_CHAINED] = "INSERT OR REPLACE INTO correlation_chained (alert_id, rule_id,"
                      " topic, partition, \"offset\", last_us, fire_us, fire_partition,"
                      " fire_offset, fields) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
    [S_EACH_CHAINED] = "SELECT rule_id, topic, partition, \"offset\", last_us, fire_us,"
                       " fire_partition, fire_offset, fields FROM correlation_chained"
                       " ORDER BY fire_us, fire_partition, fire_offset, alert_id",
    [S_CHAINED_FIELDS] = "SELECT key, value FROM json_each(?1)"
                         " WHERE type = 'text' ORDER BY id",
    [S_PUT_OFFSET] = "INSERT INTO input_offsets (topic, partition, next_offset,"
                     " max_event_us) VALUES (?1,?2,?3,?4) ON CONFLICT(topic, partition)"
                     " DO UPDATE SET next_offset=excluded.next_offset,"
                     " max_event_us=CASE WHEN ?5 THEN NULL"
                     " ELSE coalesce(excluded.max_event_us, max_event_us) END",
    [S_MAX_LAST_SEEN] = "SELECT max(last_seen_us) FROM incidents",
    [S_PARTITION_TIMES] = "SELECT topic, max_event_us FROM input_offsets"
                          " WHERE max_event_us IS NOT NULL",
    [S_OPEN_INCIDENTS] =
        "SELECT id, version, first_seen_us, last_seen_us, score, priority,"
        " alerts_dropped, sig_runs_min, sig_hosts_max, network_novelty, novel_pair,"
        " events_dropped, host_neighbours, host_prior_novelties, entities_dropped,"
        " notable_last_us, dropped_level, dropped_tactics FROM incidents"
        " WHERE merged_into IS NULL"
        " AND last_seen_us >= ?1 ORDER BY id",
    [S_RECENT_ALERTS] =
        "SELECT a.id, a.last_seen_us FROM incidents i JOIN alerts a"
        " ON a.incident_id = i.id WHERE i.merged_into IS NULL"
        " AND i.last_seen_us >= ?1 AND i.last_seen_us < ?2 AND a.last_seen_us >= ?1"
        " ORDER BY a.last_seen_us, a.id",
    [S_INCIDENT_BY_ID] =
        "SELECT id, version, first_seen_us, last_seen_us, score, priority,"
        " alerts_dropped, sig_runs_min, sig_hosts_max, network_novelty, novel_pair,"
        " events_dropped, host_neighbours, host_prior_novelties, entities_dropped,"
        " notable_last_us, dropped_level, dropped_tactics, merged_into"
        " FROM incidents WHERE id = ?1",
    [S_STIX_CREATED] = "SELECT COALESCE(stix_created_us, first_seen_us) FROM incidents"
                       " WHERE id = ?1",
    [S_SURFACED_IDS] = "SELECT id FROM incidents WHERE merged_into IS NULL AND surfaced"
                       " ORDER BY score DESC, id",
    [S_INCIDENT_ALERTS] =
        "SELECT id, rule_id, title, level, is_correlation, first_seen_us,"
        " last_seen_us, event_count FROM alerts WHERE incident_id=?1"
        " ORDER BY first_seen_us, id",
    [S_ALERT_TAGS] = "SELECT tag FROM alert_tags WHERE alert_id=?1 ORDER BY ord",
    [S_ALERT_FIELDS] =
        "SELECT name, value FROM alert_fields WHERE alert_id=?1 ORDER BY ord",
    [S_INCIDENT_ENTITIES] = "SELECT type, value, first_seen_us, alerts FROM entities"
                            " WHERE incident_id=?1 ORDER BY first_seen_us, type, value",
    [S_MARK_PUBLISHED] =
        "INSERT INTO incident_published (incident_id, version) VALUES (?1, ?2)"
        " ON CONFLICT(incident_id) DO UPDATE SET version=max(version, excluded.version)",
    [S_UNPUBLISHED] = "SELECT i.id FROM incidents i LEFT JOIN incident_published p"
                      " ON p.incident_id = i.id WHERE coalesce(p.version, 0) < i.version"
                      " AND i.merged_into IS NULL ORDER BY i.id",
    [S_INCIDENT_DOC] = "SELECT document, version FROM incidents WHERE id=?1",
    [S_RANKED] = "SELECT id, title, summary, tactics, explanation, first_seen, last_seen,"
                 " score, priority, surfaced, alert_count, version FROM incidents"
                 " WHERE merged_into IS NULL ORDER BY score DESC, last_seen_us DESC, id"
                 " LIMIT ?1",
    [S_METRIC] = "SELECT value FROM metrics WHERE name=?1",
    [S_COUNT_INCIDENTS] = "SELECT count(*), coalesce(sum(surfaced), 0) FROM incidents"
                          " WHERE merged_into IS NULL",
    [S_PUT_RECORD_INCIDENT] =
        "INSERT INTO record_incidents (topic, partition, \"offset\", alert_id,"
        " incident_id) VALUES (?1,?2,?3,?4,?5) ON CONFLICT(topic, partition,"
        " \"offset\", alert_id) DO UPDATE SET incident_id=excluded.incident_id",
    [S_MOVE_RECORD_INCIDENTS] =
        "UPDATE record_incidents SET incident_id=?2 WHERE incident_id=?1",
    [S_EACH_RECORD_INCIDENT] =
        "SELECT topic, partition, \"offset\", alert_id, incident_id FROM"
        " record_incidents ORDER BY topic, partition, \"offset\", alert_id",
    [S_EACH_OFFSET] = "SELECT topic, partition, next_offset FROM input_offsets"
                      " ORDER BY topic, partition",
    [S_DEL_EDGES] = "DELETE FROM incident_edges WHERE incident_id=?1",
    [S_PUT_EDGE] =
        "INSERT OR REPLACE INTO incident_edges (incident_id, a_type, a_value, b_type,"
        " b_value, first_seen, first_seen_us, alerts) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
    [S_DEL_SPREAD] = "DELETE FROM incident_spread WHERE incident_id=?1",
    [S_PUT_SPREAD] =
        "INSERT OR REPLACE INTO incident_spread (incident_id, ord, host, reached,"
        " reached_us, alert_id, techniques, source_ip, user_name)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    [S_DEL_TACTICS] = "DELETE FROM incident_tactics WHERE incident_id=?1",
    [S_PUT_TACTIC] =
        "INSERT OR REPLACE INTO incident_tactics (incident_id, ord, tactic, first_seen,"
        " first_seen_us, alert_id) VALUES (?1,?2,?3,?4,?5,?6)",
    [S_PUT_NOVELTY] = "INSERT OR IGNORE INTO novelty (host, rule_id, first_alert_id,"
                      " first_seen_us) VALUES (?1,?2,?3,?4)",
    [S_PUT_SIG_STAT] =
        "INSERT INTO signature_stats (key, runs, last_us) VALUES (?1,?2,?3)"
        " ON CONFLICT(key) DO UPDATE SET runs=excluded.runs,"
        " last_us=excluded.last_us",
    [S_EACH_SIG_STAT] = "SELECT key, runs, last_us FROM signature_stats ORDER BY key",
    [S_EACH_NOVELTY] = "SELECT host, rule_id FROM novelty ORDER BY host, rule_id",
    [S_PUT_ALERT_NOVEL] = "INSERT OR IGNORE INTO alert_novelty (alert_id) VALUES (?1)",
    [S_ALERT_NOVEL] = "SELECT 1 FROM alert_novelty WHERE alert_id=?1",
    [S_ADD_STOP] = "INSERT INTO stop_values (type, value, configured, prevented)"
                   " VALUES (?1,?2,?3,?4) ON CONFLICT(type, value) DO UPDATE SET"
                   " configured=excluded.configured,"
                   " prevented=prevented+excluded.prevented",
    [S_INCIDENT_STATE] = "SELECT merged_into FROM incidents WHERE id=?1",
    [S_PUT_FEEDBACK] = "INSERT INTO feedback (incident_id, verdict, note, recorded_at)"
                       " VALUES (?1,?2,?3,?4)",
    [S_EACH_VERDICT] = "SELECT f.incident_id, f.verdict, i.features FROM feedback f"
                       " JOIN incidents i ON i.id = f.incident_id"
                       " WHERE f.rowid = (SELECT max(rowid) FROM feedback g"
                       " WHERE g.incident_id = f.incident_id) AND i.features IS NOT NULL"
                       " ORDER BY f.incident_id",
    [S_ADD_METRIC] = "INSERT INTO metrics (name, value) VALUES (?1, ?2)"
                     " ON CONFLICT(name) DO UPDATE SET value=value+excluded.value",
    /* Retention (vg_store_prune): the incidents to remove are collected in
     * temp.prune_incidents -- the oldest quiet survivors without a verdict in
     * their merge family, then every incident merged into them, through any
     * chain -- and their alerts in temp.prune_alerts; then every row naming
     * them goes. */
    [S_NEWEST_ACTIVITY] = "SELECT max(last_seen_us) FROM incidents",
    [S_PRUNE_MARKS] = "DELETE FROM correlation_marks WHERE topic=?1 AND partition=?2"
                      " AND \"offset\" < ?3",
    [S_PRUNE_CHAINED] = "DELETE FROM correlation_chained WHERE topic=?1"
                        " AND partition=?2 AND \"offset\" < ?3",
    [S_PAGE_COUNTS] = "SELECT page_count, freelist_count FROM pragma_page_count(),"
                      " pragma_freelist_count()",
    [S_PRUNE_CLEAR_INCIDENTS] = "DELETE FROM temp.prune_incidents",
    [S_PRUNE_CLEAR_ALERTS] = "DELETE FROM temp.prune_alerts",
    [S_PRUNE_PICK_INCIDENTS] =
        "WITH RECURSIVE"
        " judged(id, up) AS ("
        "  SELECT id, merged_into FROM incidents"
        "  WHERE id IN (SELECT incident_id FROM feedback)"
        "  UNION SELECT i.id, i.merged_into FROM incidents i JOIN judged j"
        "  ON i.id = j.up),"
        " roots(id) AS ("
        "  SELECT id FROM incidents WHERE merged_into IS NULL AND last_seen_us < ?1"
        "  AND id NOT IN (SELECT id FROM judged WHERE up IS NULL)"
        "  ORDER BY last_seen_us, id LIMIT ?2),"
        " family(id) AS ("
        "  SELECT id FROM roots"
        "  UNION SELECT i.id FROM incidents i JOIN family f ON i.merged_into = f.id)"
        " INSERT INTO temp.prune_incidents (id) SELECT id FROM family",
    [S_PRUNE_PICK_ALERTS] = "INSERT INTO temp.prune_alerts (id) SELECT a.id FROM alerts a"
                            " JOIN temp.prune_incidents p ON a.incident_id = p.id",
    /* alerts past an incident's detail bound (max_alerts_kept) have no row in
     * alerts, but their events (vg_store_has_alert) and records */
    [S_PRUNE_PICK_DROPPED] =
        "INSERT OR IGNORE INTO temp.prune_alerts (id) SELECT alert_id"
        " FROM record_incidents WHERE incident_id IN"
        " (SELECT id FROM temp.prune_incidents)",
    [S_PRUNE_COUNT_ROOTS] = "SELECT count(*) FROM incidents WHERE merged_into IS NULL"
                            " AND id IN (SELECT id FROM temp.prune_incidents)",
    [S_PRUNE_ALERT_TAGS] =
        "DELETE FROM alert_tags WHERE alert_id IN (SELECT id FROM temp.prune_alerts)",
    [S_PRUNE_ALERT_FIELDS] =
        "DELETE FROM alert_fields WHERE alert_id IN (SELECT id FROM temp.prune_alerts)",
    [S_PRUNE_ALERT_EVENTS] =
        "DELETE FROM alert_events WHERE alert_id IN (SELECT id FROM temp.prune_alerts)",
    [S_PRUNE_ALERT_NOVELTY] = "DELETE FROM alert_novelty WHERE alert_id IN"
                              " (SELECT id FROM temp.prune_alerts)",
    [S_PRUNE_ALERTS] =
        "DELETE FROM alerts WHERE id IN (SELECT id FROM temp.prune_alerts)",
    [S_PRUNE_RECORDS] = "DELETE FROM record_incidents WHERE incident_id IN"
                        " (SELECT id FROM temp.prune_incidents)",
    [S_PRUNE_ENTITIES] = "DELETE FROM entities WHERE incident_id IN"
                         " (SELECT id FROM temp.prune_incidents)",
    [S_PRUNE_EDGES] = "DELETE FROM incident_edges WHERE incident_id IN"
                      " (SELECT id FROM temp.prune_incidents)",
    [S_PRUNE_SPREAD] = "DELETE FROM incident_spread WHERE incident_id IN"
                       " (SELECT id FROM temp.prune_incidents)",
    [S_PRUNE_TACTICS] = "DELETE FROM incident_tactics WHERE incident_id IN"
                        " (SELECT id FROM temp.prune_incidents)",
    [S_PRUNE_PUBLISHED] = "DELETE FROM incident_published WHERE incident_id IN"
                          " (SELECT id FROM temp.prune_incidents)",
    [S_PRUNE_INCIDENTS] =
        "DELETE FROM incidents WHERE id IN (SELECT id FROM temp.prune_incidents)",
};

struct vg_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT];
	char errmsg[512];
};

static vg_err fail(struct vg_store *st, const char *what)
{
	snprintf(st->errmsg, sizeof(st->errmsg), "%s: %s", what, sqlite3_errmsg(st->db));
	return VG_ERR_STORE;
}

const char *vg_store_errmsg(const struct vg_store *st)
{
	return st->errmsg;
}

/* Stores made before incident_published kept the acknowledged version in a column
 * of incidents: moved into the table and the column dropped (once), so that an
 * upgraded engine does not publish every stored incident again. */
static int move_published_column(sqlite3 *db, char **emsg)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(db,
	                            "SELECT 1 FROM pragma_table_info('incidents')"
	                            " WHERE name = 'published_version'",
	                            -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
	}
	if (rc == SQLITE_DONE)
		return SQLITE_OK;
	if (rc != SQLITE_ROW) {
		*emsg = sqlite3_mprintf("reading the incidents' columns: %s",
		                        sqlite3_errmsg(db));
		return rc;
	}
	rc = sqlite3_exec(
	    db,
	    "BEGIN IMMEDIATE;"
	    " INSERT OR IGNORE INTO incident_published (incident_id, version)"
	    " SELECT id, published_version FROM incidents"
	    " WHERE published_version > 0;"
	    " ALTER TABLE incidents DROP COLUMN published_version;"
	    " COMMIT;",
	    NULL, NULL, emsg);
	if (rc != SQLITE_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Open the upgrade's transaction before its first change. */
static int begin_once(sqlite3 *db, bool *began, char **emsg)
{
	if (*began)
		return SQLITE_OK;
	int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, emsg);
	*began = rc == SQLITE_OK;
	return rc;
}

/* The columns loop of upgrade_schema: want's rows (table, column, type, notnull,
 * default, pk) against the store's ",a,b," column list of each table (have). */
static int add_missing_columns(sqlite3 *db, sqlite3_stmt *cols, sqlite3_stmt *have,
                               bool *began, char **emsg)
{
	char *table = NULL, *list = NULL; /* the table whose list was read */
	int rc = SQLITE_OK;
	while ((rc = sqlite3_step(cols)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(cols, 0);
		const char *col = (const char *)sqlite3_column_text(cols, 1);
		rc = SQLITE_OK;
		if (!table || strcmp(table, t) != 0) {
			sqlite3_free(table);
			sqlite3_free(list);
			table = sqlite3_mprintf("%s", t);
			sqlite3_reset(have);
			sqlite3_bind_text(have, 1, t, -1, SQLITE_STATIC);
			if ((rc = sqlite3_step(have)) != SQLITE_ROW)
				break;
			rc = SQLITE_OK;
			/* NULL: no such table, which the schema makes whole */
			const unsigned char *l = sqlite3_column_text(have, 0);
			list = l ? sqlite3_mprintf("%s", l) : NULL;
			if (!table || (l && !list)) {
				rc = SQLITE_NOMEM;
				break;
			}
		}
		char *needle = list ? sqlite3_mprintf(",%s,", col) : NULL;
		bool present = !list || (needle && strstr(list, needle));
		sqlite3_free(needle);
		if (present)
			continue;
		const char *dflt = (const char *)sqlite3_column_text(cols, 4);
		bool notnull = sqlite3_column_int(cols, 3) != 0;
		if (sqlite3_column_int(cols, 5) || (notnull && !dflt)) {
			*emsg = sqlite3_mprintf(
			    "table %s lacks column %s, which cannot be added to a store "
			    "made by an older Vigil (%s): start a new store, or copy the "
			    "incidents into one",
			    t, col,
			    notnull && !dflt ? "NOT NULL without a default"
			                     : "part of the primary key");
			rc = SQLITE_ERROR;
			break;
		}
		if ((rc = begin_once(db, began, emsg)) != SQLITE_OK)
			break;
		char *alter = sqlite3_mprintf(
		    "ALTER TABLE \"%w\" ADD COLUMN \"%w\" %s%s%s%s", t, col,
		    sqlite3_column_text(cols, 2), notnull ? " NOT NULL" : "",
		    dflt ? " DEFAULT " : "", dflt ? dflt : "");
		rc = alter ? sqlite3_exec(db, alter, NULL, NULL, emsg) : SQLITE_NOMEM;
		sqlite3_free(alter);
		if (rc != SQLITE_OK)
			break;
	}
	sqlite3_free(table);
	sqlite3_free(list);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The views loop of upgrade_schema: want's rows (name, sql) against the store's
 * definition of each (stored). */
static int drop_changed_views(sqlite3 *db, sqlite3_stmt *views, sqlite3_stmt *stored,
                              bool *began, char **emsg)
{
	int rc;
	while ((rc = sqlite3_step(views)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(views, 0);
		const char *sql = (const char *)sqlite3_column_text(views, 1);
		sqlite3_reset(stored);
		sqlite3_bind_text(stored, 1, name, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(stored)) == SQLITE_DONE)
			continue; /* not there: the schema makes it */
		if (rc != SQLITE_ROW)
			break;
		const char *had = (const char *)sqlite3_column_text(stored, 0);
		if (had && sql && strcmp(had, sql) == 0)
			continue;
		if ((rc = begin_once(db, began, emsg)) != SQLITE_OK)
			break;
		char *drop = sqlite3_mprintf("DROP VIEW \"%w\"", name);
		rc = drop ? sqlite3_exec(db, drop, NULL, NULL, emsg) : SQLITE_NOMEM;
		sqlite3_free(drop);
		if (rc != SQLITE_OK)
			break;
	}
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * A store made by an older Vigil, brought to schemas/store.sql before the schema
 * is applied (which only makes what is missing), in one transaction:
 *  - columns the schema has gained are added to the store's existing tables as
 *    it declares them (type, NOT NULL with its DEFAULT; ALTER TABLE ADD COLUMN),
 *    before the schema's indexes, which may name them, are made.  A column ADD
 *    COLUMN cannot add (part of the primary key, or NOT NULL without a default)
 *    is an error naming the table and the column, and nothing is changed.  The
 *    REFERENCES of a declaration are not repeated (the engine does not enforce
 *    them; the tests check them);
 *  - views whose definition changed are dropped, for the schema to make again
 *    (a view holds no data).
 * The declarations are read from the schema applied to an in-memory database,
 * the store's columns per table as one ",a,b," list.  Columns a store has and the
 * schema does not are left alone (incidents.published_version:
 * move_published_column).  A store that is up to date is not written to.
 */
static int upgrade_schema(sqlite3 *db, const char *ddl, char **emsg)
{
	sqlite3 *want = NULL;
	sqlite3_stmt *cols = NULL, *have = NULL, *views = NULL, *stored = NULL;
	bool began = false;
	int rc = sqlite3_open_v2(":memory:", &want, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(want, ddl, NULL, NULL, emsg);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    want,
		    "SELECT m.name, c.name, c.type, c.\"notnull\", c.dflt_value, c.pk"
		    " FROM sqlite_schema m, pragma_table_info(m.name) c"
		    " WHERE m.type = 'table' ORDER BY m.name, c.cid",
		    -1, &cols, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    want, "SELECT name, sql FROM sqlite_schema WHERE type = 'view'", -1,
		    &views, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db,
		                        "SELECT ',' || group_concat(name, ',') || ','"
		                        " FROM pragma_table_info(?)",
		                        -1, &have, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    db, "SELECT sql FROM sqlite_schema WHERE type = 'view' AND name = ?",
		    -1, &stored, NULL);
	if (rc == SQLITE_OK)
		rc = add_missing_columns(db, cols, have, &began, emsg);
	if (rc == SQLITE_OK)
		rc = drop_changed_views(db, views, stored, &began, emsg);
	if (began) {
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "COMMIT", NULL, NULL, emsg);
		if (rc != SQLITE_OK)
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK && !*emsg)
		*emsg = sqlite3_mprintf("upgrading the store's schema: %s",
		                        sqlite3_errmsg(views ? db : want));
	sqlite3_finalize(stored);
	sqlite3_finalize(have);
	sqlite3_finalize(views);
	sqlite3_finalize(cols);
	sqlite3_close(want);
	return rc;
}

/* The store format schemas/store.sql declares ("PRAGMA user_version = N;"), or -1
 * when it declares none. */
static long ddl_format(const char *ddl)
{
	static const char decl[] = "PRAGMA user_version = ";
	const char *p = strstr(ddl, decl);
	if (!p)
		return -1;
	char *end;
	long v = strtol(p + sizeof(decl) - 1, &end, 10);
	return end > p + sizeof(decl) - 1 && *end == ';' && v >= 0 ? v : -1;
}

/* Why a store whose format is above this build's is refused (the store's format,
 * then this build's). */
#define NEWER_FORMAT                                                                     \
	"store format %lld was made by a newer Vigil; this one reads formats up to "     \
	"%ld (use that Vigil, or give store.path a new file)"

/* A store is refused, before anything is written to it, when a newer Vigil made it:
 * its user_version, the format schemas/store.sql declares, is above this build's.
 * Applying this build's schema would set the marker back and leave the newer
 * Vigil's tables and columns to be written by code that does not know them. */
static int check_format(sqlite3 *db, const char *ddl, char **emsg)
{
	long want = ddl_format(ddl);
	if (want < 0) {
		*emsg = sqlite3_mprintf("schemas/store.sql declares no user_version");
		return SQLITE_ERROR;
	}
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
	int64_t have = 0;
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		have = sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		*emsg =
		    sqlite3_mprintf("reading the store's format: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	if (rc == SQLITE_OK && have > want) {
		*emsg = sqlite3_mprintf(NEWER_FORMAT, (long long)have, want);
		rc = SQLITE_ERROR;
	}
	return rc;
}

static vg_err open_store(const char *path, bool create, struct vg_store **out,
                         char *errstr, size_t errstr_size)
{
	struct vg_store *st = calloc(1, sizeof(*st));
	const struct vg_resource *ddl = vg_resource_get("schemas/store.sql");
	char *emsg = NULL;
	struct stat sb;

	if (!st)
		return VG_ERR_NOMEM;
	/* SQLite would make an empty store of a mistyped path without CREATE too
	 * (a URI, a journal left over): the file itself must be there */
	if (!create && strcmp(path, ":memory:") != 0 && stat(path, &sb) != 0) {
		snprintf(errstr, errstr_size,
		         "%s: %s (no store there; vigil run or vigil replay makes one)",
		         path, strerror(errno));
		goto err;
	}
	/* NOMUTEX: a store is used by one thread at a time (the pipeline's; workers
	 * only parse and detect), so SQLite need not lock it on every call */
	if (sqlite3_open_v2(path, &st->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	                        (create ? SQLITE_OPEN_CREATE : 0),
	                    NULL) != SQLITE_OK) {
		snprintf(errstr, errstr_size, "%s: %s", path,
		         st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto err;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (!ddl || check_format(st->db, (const char *)ddl->data, &emsg) != SQLITE_OK) {
		snprintf(errstr, errstr_size, "%s: %s", path,
		         emsg ? emsg : "schemas/store.sql is not embedded");
		sqlite3_free(emsg);
		goto err;
	}
	/* WAL lets sqlite3 read while we write; NORMAL sync is durable at checkpoints
	 * and safe against application crashes (kill -9), which is what replay needs;
	 * a caller that commits Kafka offsets after the store's commit asks for more
	 * (vg_store_set_durable). */
	if (sqlite3_exec(st->db,
	                 /* a new file only (before its first table): the pages
	                  * retention frees can be given back (release_pages) */
	                 "PRAGMA auto_vacuum=INCREMENTAL;"
	                 " PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	                 /* The REFERENCES of schemas/store.sql are not enforced on
	                  * every write: a lookup per child row and DELETEs that
	                  * cannot run in one pass cost 14% of the instructions of
	                  * storing incidents (bench_hold).  The tests check the
	                  * stores they make with PRAGMA foreign_key_check instead. */
	                 " PRAGMA foreign_keys=OFF;"
	                 /* this connection's work tables of vg_store_prune */
	                 " CREATE TEMP TABLE IF NOT EXISTS prune_incidents"
	                 " (id TEXT PRIMARY KEY) WITHOUT ROWID;"
	                 " CREATE TEMP TABLE IF NOT EXISTS prune_alerts"
	                 " (id TEXT PRIMARY KEY) WITHOUT ROWID;",
	                 NULL, NULL, &emsg) != SQLITE_OK ||
	    !ddl || upgrade_schema(st->db, (const char *)ddl->data, &emsg) != SQLITE_OK ||
	    sqlite3_exec(st->db, (const char *)ddl->data, NULL, NULL, &emsg) !=
	        SQLITE_OK ||
	    move_published_column(st->db, &emsg) != SQLITE_OK) {
		snprintf(errstr, errstr_size, "%s: %s", path,
		         emsg ? emsg : "schemas/store.sql is not embedded");
		sqlite3_free(emsg);
		goto err;
	}
	for (int i = 0; i < S_COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, g_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		                       &st->stmt[i], NULL) != SQLITE_OK) {
			snprintf(errstr, errstr_size, "%s: preparing statement %d: %s",
			         path, i, sqlite3_errmsg(st->db));
			goto err;
		}
	}
	*out = st;
	return VG_OK;
err:
	vg_store_close(st);
	return VG_ERR_STORE;
}

vg_err vg_store_open(const char *path, struct vg_store **out, char *errstr,
                     size_t errstr_size)
{
	return open_store(path, true, out, errstr, errstr_size);
}

vg_err vg_store_set_durable(struct vg_store *st)
{
	if (sqlite3_exec(st->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return fail(st, "asking for commits synced to disk");
	if (!vg_store_is_durable(st))
		return fail(st, "asking for commits synced to disk (PRAGMA synchronous "
		                "did not take FULL)");
	return VG_OK;
}

bool vg_store_is_durable(const struct vg_store *st)
{
	sqlite3_stmt *s;
	bool full = false;
	if (sqlite3_prepare_v2(st->db, "PRAGMA synchronous", -1, &s, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(s) == SQLITE_ROW)
		full = sqlite3_column_int(s, 0) >= 2; /* FULL or EXTRA */
	sqlite3_finalize(s);
	return full;
}

vg_err vg_store_tune(struct vg_store *st, int64_t cache_mib, int64_t wal_checkpoint_mib)
{
	sqlite3_stmt *s;
	int64_t page = 0;
	if (sqlite3_prepare_v2(st->db, "PRAGMA page_size", -1, &s, NULL) != SQLITE_OK)
		return fail(st, "reading the page size");
	if (sqlite3_step(s) == SQLITE_ROW)
		page = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (page <= 0)
		return fail(st, "reading the page size");
	char sql[128];
	/* a negative cache_size is in KiB */
	snprintf(sql, sizeof(sql),
	         "PRAGMA cache_size=-%lld; PRAGMA wal_autocheckpoint=%lld",
	         (long long)cache_mib * 1024,
	         (long long)(wal_checkpoint_mib * 1024 * 1024 / page));
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(st, "sizing the page cache and the write-ahead log");
	return VG_OK;
}

vg_err vg_store_check_path(const char *path, char *errstr, size_t errstr_size)
{
	struct stat sb;
	if (!strcmp(path, ":memory:"))
		return VG_OK;
	if (stat(path, &sb) == 0) {
		static const char magic[16] = "SQLite format 3";
		unsigned char head[64];
		FILE *f = NULL;
		size_t got = 0;
		if (!S_ISREG(sb.st_mode)) {
			snprintf(errstr, errstr_size, "%s: not a file", path);
			return VG_ERR_STORE;
		}
		if (access(path, R_OK | W_OK) != 0 || !(f = fopen(path, "rb"))) {
			snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
			return VG_ERR_STORE;
		}
		got = fread(head, 1, sizeof(head), f);
		fclose(f);
		if (sb.st_size > 0 && (got < sizeof(head) || memcmp(head, magic, 16))) {
			snprintf(errstr, errstr_size, "%s: not an SQLite database", path);
			return VG_ERR_STORE;
		}
		/* the format (user_version: big-endian at offset 60 of the header), as
		 * check_format reads it -- but from the file alone, so a change still
		 * in the write-ahead log is seen only when the engine opens it */
		const struct vg_resource *ddl = vg_resource_get("schemas/store.sql");
		long want = ddl ? ddl_format((const char *)ddl->data) : -1;
		int32_t have =
		    (int32_t)((uint32_t)head[60] << 24 | (uint32_t)head[61] << 16 |
		              (uint32_t)head[62] << 8 | head[63]);
		if (sb.st_size > 0 && want >= 0 && have > want) {
			char why[160];
			snprintf(why, sizeof(why), NEWER_FORMAT, (long long)have, want);
			snprintf(errstr, errstr_size, "%s: %s", path, why);
			return VG_ERR_STORE;
		}
		return VG_OK;
	}
	if (errno != ENOENT) {
		snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
		return VG_ERR_STORE;
	}
	/* a new store: its directory must take the file (and SQLite's -wal, -shm) */
	char dir[4096];
	const char *slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s",
	         slash ? (slash == path ? 1 : (int)(slash - path)) : 1,
	         slash ? path : ".");
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(errstr, errstr_size, "%s: cannot create it in %s: %s", path, dir,
		         strerror(errno));
		return VG_ERR_STORE;
	}
	return VG_OK;
}

vg_err vg_store_open_existing(const char *path, struct vg_store **out, char *errstr,
                              size_t errstr_size)
{
	return open_store(path, false, out, errstr, errstr_size);
}

void vg_store_close(struct vg_store *st)
{
	if (!st)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st);
}

/* Reset a statement for reuse and return it. */
static sqlite3_stmt *S(struct vg_store *st, enum stmt_id id)
{
	sqlite3_reset(st->stmt[id]);
	sqlite3_clear_bindings(st->stmt[id]);
	return st->stmt[id];
}

static vg_err step_done(struct vg_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? VG_OK : fail(st, what);
}

/* Not copied (SQLITE_STATIC): every caller steps and resets the statement while v
 * is alive, and S() clears the bindings before the statement's next use. */
static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_STATIC);
}

static void bind_time(sqlite3_stmt *s, int text_idx, int us_idx, vg_time t)
{
	char buf[32];
	vg_time_format(t, buf);
	sqlite3_bind_text(s, text_idx, buf, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, us_idx, t);
}

vg_err vg_store_begin(struct vg_store *st)
{
	return step_done(st, S(st, S_BEGIN), "begin");
}

vg_err vg_store_commit(struct vg_store *st)
{
	return step_done(st, S(st, S_COMMIT), "commit");
}

vg_err vg_store_rollback(struct vg_store *st)
{
	return step_done(st, S(st, S_ROLLBACK), "rollback");
}

static vg_err put_alert(struct vg_store *st, const char *incident_id,
                        const struct vg_incident_alert *al)
{
	sqlite3_stmt *s = S(st, S_PUT_ALERT);
	vg_err err;
	bind_text(s, 1, al->id);
	bind_text(s, 2, incident_id);
	bind_text(s, 3, al->rule_id);
	bind_text(s, 4, al->title);
	bind_text(s, 5, vg_level_name(al->level));
	sqlite3_bind_int(s, 6, al->is_correlation);
	bind_time(s, 7, 9, al->first_ts);
	bind_time(s, 8, 10, al->last_ts);
	sqlite3_bind_int64(s, 11, (sqlite3_int64)al->event_count);
	if ((err = step_done(st, s, "storing an alert")))
		return err;
	/* (not stored yet: it has no tags or fields to replace) */
	if (al->novel) {
		s = S(st, S_PUT_ALERT_NOVEL);
		bind_text(s, 1, al->id);
		if ((err = step_done(st, s, "storing an alert's novelty")))
			return err;
	}
	for (size_t i = 0; i < al->ntags; i++) {
		s = S(st, S_PUT_TAG);
		bind_text(s, 1, al->id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, al->tags[i]);
		if ((err = step_done(st, s, "storing alert tags")))
			return err;
	}
	for (size_t i = 0; i < al->nfields; i++) {
		s = S(st, S_PUT_FIELD);
		bind_text(s, 1, al->id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, al->fields[i].name);
		bind_text(s, 4, al->fields[i].value);
		if ((err = step_done(st, s, "storing alert fields")))
			return err;
	}
	return VG_OK;
}

/* Delete an incident's story rows (before rewriting them, or after a merge). */
static vg_err del_story(struct vg_store *st, const char *id)
{
	static const enum stmt_id dels[] = {S_DEL_EDGES, S_DEL_SPREAD, S_DEL_TACTICS};
	for (size_t i = 0; i < 3; i++) {
		sqlite3_stmt *s = S(st, dels[i]);
		bind_text(s, 1, id);
		vg_err err = step_done(st, s, "deleting an incident's story");
		if (err)
			return err;
	}
	return VG_OK;
}

static vg_err put_story(struct vg_store *st, const struct vg_incident *inc,
                        const struct vg_incident_story *story)
{
	vg_err err = del_story(st, inc->id);
	sqlite3_stmt *s;
	for (size_t i = 0; !err && i < story->nedges; i++) {
		const struct vg_entity *a = &inc->entities[story->edges[i].a],
		                       *b = &inc->entities[story->edges[i].b];
		/* stored by value, smaller (type, value) first: ids of entities differ
		 * between runs, values do not */
		int c = a->type != b->type ? (a->type < b->type ? -1 : 1)
		                           : strcmp(a->value, b->value);
		if (c > 0) {
			const struct vg_entity *t = a;
			a = b;
			b = t;
		}
		s = S(st, S_PUT_EDGE);
		bind_text(s, 1, inc->id);
		bind_text(s, 2, vg_entity_type_name(a->type));
		bind_text(s, 3, a->value);
		bind_text(s, 4, vg_entity_type_name(b->type));
		bind_text(s, 5, b->value);
		bind_time(s, 6, 7, story->edges[i].first_seen);
		sqlite3_bind_int64(s, 8, story->edges[i].alerts);
		err = step_done(st, s, "storing a graph edge");
	}
	for (size_t i = 0; !err && i < story->nhops; i++) {
		const struct vg_story_hop *h = &story->hops[i];
		s = S(st, S_PUT_SPREAD);
		bind_text(s, 1, inc->id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, inc->entities[h->host].value);
		bind_time(s, 4, 5, h->reached);
		bind_text(s, 6, h->alert_id);
		bind_text(s, 7, h->techniques);
		bind_text(s, 8, h->source_ip);
		bind_text(s, 9, h->user);
		err = step_done(st, s, "storing a spread step");
	}
	for (size_t i = 0; !err && i < story->nsteps; i++) {
		const struct vg_story_step *t = &story->steps[i];
		s = S(st, S_PUT_TACTIC);
		bind_text(s, 1, inc->id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, t->tactic_name);
		bind_time(s, 4, 5, t->first_seen);
		bind_text(s, 6, t->alert_id);
		err = step_done(st, s, "storing a tactic step");
	}
	return err;
}

vg_err vg_store_put_novelty(struct vg_store *st, const char *host, const char *rule_id,
                            const char *alert_id, vg_time first_seen)
{
	sqlite3_stmt *s = S(st, S_PUT_NOVELTY);
	bind_text(s, 1, host);
	bind_text(s, 2, rule_id);
	bind_text(s, 3, alert_id);
	sqlite3_bind_int64(s, 4, first_seen);
	return step_done(st, s, "storing novelty");
}

vg_err vg_store_each_novelty(struct vg_store *st,
                             vg_err (*fn)(const char *, const char *, void *), void *ctx)
{
	sqlite3_stmt *s = S(st, S_EACH_NOVELTY);
	int rc;
	vg_err err = VG_OK;
	while (err == VG_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		err = fn((const char *)sqlite3_column_text(s, 0),
		         (const char *)sqlite3_column_text(s, 1), ctx);
	if (err == VG_OK && rc != SQLITE_DONE)
		err = fail(st, "reading novelty");
	sqlite3_reset(s);
	return err;
}

vg_err vg_store_add_stop_value(struct vg_store *st, const char *type, const char *value,
                               bool configured, int64_t prevented)
{
	sqlite3_stmt *s = S(st, S_ADD_STOP);
	bind_text(s, 1, type);
	bind_text(s, 2, value);
	sqlite3_bind_int(s, 3, configured);
	sqlite3_bind_int64(s, 4, prevented);
	return step_done(st, s, "storing a stop-value");
}

vg_err vg_store_put_feedback(struct vg_store *st, const char *incident_id,
                             const char *verdict, const char *note, vg_time at)
{
	sqlite3_stmt *s = S(st, S_INCIDENT_STATE);
	char merged[64] = "";
	int rc;
	if (strcmp(verdict, "tp") && strcmp(verdict, "fp")) {
		snprintf(st->errmsg, sizeof(st->errmsg),
		         "verdict must be 'tp' or 'fp', not '%s'", verdict);
		return VG_ERR_INVALID;
	}
	bind_text(s, 1, incident_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		snprintf(merged, sizeof(merged), "%s", sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	if (rc == SQLITE_DONE || merged[0]) {
		if (merged[0])
			snprintf(st->errmsg, sizeof(st->errmsg),
			         "incident %s was merged into %s: give the verdict to %s",
			         incident_id, merged, merged);
		else
			snprintf(st->errmsg, sizeof(st->errmsg), "no incident %s",
			         incident_id);
		return VG_ERR_NOTFOUND;
	}
	if (rc != SQLITE_ROW)
		return fail(st, "reading an incident");
	s = S(st, S_PUT_FEEDBACK);
	bind_text(s, 1, incident_id);
	bind_text(s, 2, verdict);
	if (note)
		bind_text(s, 3, note);
	char t[32];
	vg_time_format(at, t);
	bind_text(s, 4, t);
	return step_done(st, s, "storing a verdict");
}

vg_err vg_store_each_verdict(struct vg_store *st,
                             vg_err (*fn)(const char *, int, const char *, void *),
                             void *ctx)
{
	sqlite3_stmt *s = S(st, S_EACH_VERDICT);
	int rc;
	vg_err err = VG_OK;
	while (err == VG_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		err = fn((const char *)sqlite3_column_text(s, 0),
		         !strcmp((const char *)sqlite3_column_text(s, 1), "tp"),
		         (const char *)sqlite3_column_text(s, 2), ctx);
	if (err == VG_OK && rc != SQLITE_DONE)
		err = fail(st, "reading verdicts");
	sqlite3_reset(s);
	return err;
}

vg_err vg_store_put_incident(struct vg_store *st, const struct vg_incident *inc,
                             const struct vg_ranking *rank,
                             const struct vg_incident_doc *doc)
{
	sqlite3_stmt *s = S(st, S_PUT_INCIDENT);
	vg_err err;

	bind_text(s, 1, inc->id);
	sqlite3_bind_int64(s, 2, inc->version);
	bind_text(s, 3, doc->title);
	bind_text(s, 4, doc->summary);
	bind_time(s, 5, 7, inc->first_ts);
	bind_time(s, 6, 8, inc->last_ts);
	sqlite3_bind_int64(s, 9, (sqlite3_int64)(inc->nalerts + inc->alerts_dropped));
	sqlite3_bind_int64(s, 10, (sqlite3_int64)inc->alerts_dropped);
	bind_text(s, 11, doc->max_level);
	bind_text(s, 12, doc->tactics);
	if (rank) {
		sqlite3_bind_double(s, 13, rank->score);
		sqlite3_bind_int(s, 14, rank->priority);
		sqlite3_bind_int(s, 15, rank->surfaced);
	} else {
		sqlite3_bind_int(s, 15, 0);
	}
	if (doc->explanation)
		bind_text(s, 16, doc->explanation);
	if (doc->features)
		bind_text(s, 17, doc->features);
	bind_text(s, 18, doc->document);
	if (inc->has_sig) { /* NULL otherwise: no third-party signature */
		sqlite3_bind_int64(s, 19, inc->sig_runs_min);
		sqlite3_bind_int64(s, 20, inc->sig_hosts_max);
	}
	sqlite3_bind_int64(s, 21, inc->network_novelty);
	sqlite3_bind_int(s, 22, inc->novel_pair);
	sqlite3_bind_int64(s, 23, (sqlite3_int64)inc->events_dropped);
	sqlite3_bind_int64(s, 24, inc->host_neighbours);
	sqlite3_bind_int64(s, 25, inc->host_prior_novelties);
	sqlite3_bind_int64(s, 26, (sqlite3_int64)inc->entities_dropped);
	sqlite3_bind_int64(s, 27, inc->notable_last);
	sqlite3_bind_int(s, 28, inc->dropped_level);
	sqlite3_bind_int(s, 29, inc->dropped_tactics);
	if ((err = step_done(st, s, "storing an incident")))
		return err;
	uint64_t events = inc->events_dropped;
	for (size_t i = 0; i < inc->nalerts; i++) {
		events += inc->alerts[i].event_count;
		if (!inc->alerts[i].stored &&
		    (err = put_alert(st, inc->id, &inc->alerts[i])))
			return err;
	}
	if (inc->alerts_dropped) { /* else every alert has its row */
		s = S(st, S_RECOUNT_DROPPED);
		bind_text(s, 1, inc->id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)events);
		if ((err = step_done(st, s, "counting an incident's alerts")))
			return err;
	}
	for (size_t i = 0; i < inc->nentities; i++) {
		const struct vg_entity *e = &inc->entities[i];
		s = S(st, S_PUT_ENTITY);
		bind_text(s, 1, inc->id);
		bind_text(s, 2, vg_entity_type_name(e->type));
		bind_text(s, 3, e->value);
		bind_time(s, 4, 5, e->first_seen);
		sqlite3_bind_int64(s, 6, e->alerts);
		if ((err = step_done(st, s, "storing an entity")))
			return err;
	}
	return doc->story ? put_story(st, inc, doc->story) : VG_OK;
}

vg_err vg_store_merge_incident(struct vg_store *st, const char *merged, const char *into)
{
	vg_err err;
	sqlite3_stmt *s = S(st, S_MERGE_INCIDENT);
	bind_text(s, 1, merged);
	bind_text(s, 2, into);
	if ((err = step_done(st, s, "merging an incident")))
		return err;
	s = S(st, S_MOVE_ALERTS);
	bind_text(s, 1, merged);
	bind_text(s, 2, into);
	if ((err = step_done(st, s, "moving alerts of a merged incident")))
		return err;
	s = S(st, S_MOVE_RECORD_INCIDENTS);
	bind_text(s, 1, merged);
	bind_text(s, 2, into);
	if ((err = step_done(st, s, "moving records of a merged incident")))
		return err;
	/* The survivor's upsert re-adds the entities and story under its own id. */
	if ((err = del_story(st, merged)))
		return err;
	s = S(st, S_MOVE_ENTITIES);
	bind_text(s, 1, merged);
	return step_done(st, s, "moving entities of a merged incident");
}

vg_err vg_store_put_record_incident(struct vg_store *st, const struct vg_alert *alert,
                                    const char *incident_id)
{
	for (size_t i = 0; i < alert->nevents; i++) {
		sqlite3_stmt *s = S(st, S_PUT_RECORD_INCIDENT);
		if (!alert->events[i].topic)
			continue;
		bind_text(s, 1, alert->events[i].topic);
		sqlite3_bind_int(s, 2, alert->events[i].partition);
		sqlite3_bind_int64(s, 3, alert->events[i].offset);
		bind_text(s, 4, alert->id);
		bind_text(s, 5, incident_id);
		vg_err err = step_done(st, s, "storing a record's incident");
		if (err)
			return err;
	}
	return VG_OK;
}

vg_err vg_store_each_record_incident(struct vg_store *st,
                                     vg_err (*fn)(const char *, int32_t, int64_t,
                                                  const char *, const char *, void *),
                                     void *ctx)
{
	sqlite3_stmt *s = S(st, S_EACH_RECORD_INCIDENT);
	int rc;
	vg_err err = VG_OK;
	while (err == VG_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		err = fn((const char *)sqlite3_column_text(s, 0),
		         sqlite3_column_int(s, 1), sqlite3_column_int64(s, 2),
		         (const char *)sqlite3_column_text(s, 3),
		         (const char *)sqlite3_column_text(s, 4), ctx);
	if (err == VG_OK && rc != SQLITE_DONE)
		err = fail(st, "reading record incidents");
	sqlite3_reset(s);
	return err;
}

vg_err vg_store_each_offset(struct vg_store *st,
                            vg_err (*fn)(const char *, int32_t, int64_t, void *),
                            void *ctx)
{
	sqlite3_stmt *s = S(st, S_EACH_OFFSET);
	int rc;
	vg_err err = VG_OK;
	while (err == VG_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		err = fn((const char *)sqlite3_column_text(s, 0),
		         sqlite3_column_int(s, 1), sqlite3_column_int64(s, 2), ctx);
	if (err == VG_OK && rc != SQLITE_DONE)
		err = fail(st, "reading input offsets");
	sqlite3_reset(s);
	return err;
}

vg_err vg_store_put_alert_events(struct vg_store *st, const struct vg_alert *alert)
{
	for (size_t i = 0; i < alert->nevents; i++) {
		sqlite3_stmt *s = S(st, S_PUT_ALERT_EVENT);
		bind_text(s, 1, alert->id);
		bind_text(s, 2, alert->events[i].topic);
		sqlite3_bind_int(s, 3, alert->events[i].partition);
		sqlite3_bind_int64(s, 4, alert->events[i].offset);
		vg_err err = step_done(st, s, "storing alert events");
		if (err)
			return err;
	}
	return VG_OK;
}

int64_t vg_store_records_to(struct vg_store *st, const char *topic, int32_t partition)
{
	sqlite3_stmt *s = S(st, S_RECORDS_TO);
	bind_text(s, 1, topic);
	sqlite3_bind_int(s, 2, partition);
	int rc = sqlite3_step(s);
	int64_t to = rc != SQLITE_ROW ? INT64_MAX
	             : sqlite3_column_type(s, 0) == SQLITE_NULL
	                 ? -1
	                 : sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return to;
}

bool vg_store_has_alert(struct vg_store *st, const struct vg_alert *alert)
{
	/* An alert's events are written with it (vg_store_put_alert_events), also
	 * for the alerts past an incident's detail bound, which have no row in
	 * alerts; one without events can only be found there. */
	sqlite3_stmt *s = S(st, alert->nevents ? S_HAS_ALERT_EVENTS : S_HAS_ALERT);
	bind_text(s, 1, alert->id);
	bool found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return found;
}

vg_err vg_store_put_mark(struct vg_store *st, const char *rule_id, const char *group_key,
                         const char *topic, int32_t partition, int64_t offset,
                         const struct vg_fire_pos *fire)
{
	sqlite3_stmt *s = S(st, S_PUT_MARK);
	bind_text(s, 1, rule_id);
	bind_text(s, 2, group_key);
	bind_text(s, 3, topic);
	sqlite3_bind_int(s, 4, partition);
	sqlite3_bind_int64(s, 5, offset);
	if (fire) {
		sqlite3_bind_int64(s, 6, fire->ts);
		sqlite3_bind_int(s, 7, fire->partition);
		sqlite3_bind_int64(s, 8, fire->offset);
	} else {
		for (int i = 6; i <= 8; i++)
			sqlite3_bind_null(s, i);
	}
	return step_done(st, s, "storing a correlation mark");
}

vg_err vg_store_each_mark(struct vg_store *st,
                          vg_err (*fn)(const char *, const char *, const char *, int32_t,
                                       int64_t, const struct vg_fire_pos *, void *),
                          void *ctx)
{
	sqlite3_stmt *s = S(st, S_EACH_MARK);
	int rc;
	vg_err err = VG_OK;
	while (err == VG_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct vg_fire_pos fire = {sqlite3_column_int64(s, 5),
		                           sqlite3_column_int(s, 6),
		                           sqlite3_column_int64(s, 7)};
		bool has_fire = sqlite3_column_type(s, 5) != SQLITE_NULL;
		err =
		    fn((const char *)sqlite3_column_text(s, 0),
		       (const char *)sqlite3_column_text(s, 1),
		       (const char *)sqlite3_column_text(s, 2), sqlite3_column_int(s, 3),
		       sqlite3_column_int64(s, 4), has_fire ? &fire : NULL, ctx);
	}
	if (err == VG_OK && rc != SQLITE_DONE)
		err = fail(st, "reading correlation marks");
	sqlite3_reset(s);
	return err;
}

vg_err vg_store_put_chained(struct vg_store *st, const char *rule_id,
                            const struct vg_alert *alert)
{
	const struct vg_source *src =
	    alert->nevents ? &alert->events[alert->nevents - 1] : NULL;
	if (!alert->nchain || !src || !src->topic)
		return VG_OK; /* nothing to give back: consumers got no position */
	struct vg_buf json = {0}, *b = &json;
	vg_buf_putc(b, '{');
	for (size_t i = 0; i < alert->nchain; i++) {
		const struct vg_kv *kv = &alert->chain[i];
		if (i)
			vg_buf_putc(b, ',');
		vg_buf_json_str(b, kv->name, strlen(kv->name));
		vg_buf_putc(b, ':');
		vg_buf_json_str(b, kv->value, strlen(kv->value));
	}
	vg_buf_putc(b, '}');
	if (b->oom) {
		vg_buf_free(b);
		return VG_ERR_NOMEM;
	}
	sqlite3_stmt *s = S(st, S_PUT_CHAINED);
	bind_text(s, 1, alert->id);
	bind_text(s, 2, rule_id);
	bind_text(s, 3, src->topic);
	sqlite3_bind_int(s, 4, src->partition);
	sqlite3_bind_int64(s, 5, src->offset);
	sqlite3_bind_int64(s, 6, alert->last_ts);
	sqlite3_bind_int64(s, 7, alert->fire.ts);
	sqlite3_bind_int(s, 8, alert->fire.partition);
	sqlite3_bind_int64(s, 9, alert->fire.offset);
	sqlite3_bind_text(s, 10, b->data, (int)b->len, SQLITE_TRANSIENT);
	vg_buf_free(b);
	return step_done(st, s, "storing a chained correlation alert");
}

/* The fields of a stored chained alert (a JSON object) into *kv, names and values
 * in b. */
static vg_err chained_fields(struct vg_store *st, const char *json, struct vg_buf *b,
                             struct vg_kv **kv, size_t *cap, size_t *n)
{
	sqlite3_stmt *s = S(st, S_CHAINED_FIELDS);
	size_t *offs = NULL, offcap = 0;
	int rc;
	vg_err err = VG_OK;
	vg_buf_reset(b);
	*n = 0;
	bind_text(s, 1, json);
	while (!err && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		size_t *no = vg_grow(offs, &offcap, 2 * (*n + 1), sizeof(*no));
		if (!no) {
			err = VG_ERR_NOMEM;
			break;
		}
		offs = no;
		offs[2 * *n] = b->len;
		vg_buf_puts(b, (const char *)sqlite3_column_text(s, 0));
		vg_buf_putc(b, '\0');
		offs[2 * *n + 1] = b->len;
		vg_buf_puts(b, (const char *)sqlite3_column_text(s, 1));
		vg_buf_putc(b, '\0');
		(*n)++;
	}
	if (!err && rc != SQLITE_DONE)
		err = fail(st, "reading a chained correlation alert's fields");
	sqlite3_reset(s);
	struct vg_kv *nk = NULL;
	if (!err && (b->oom || !(nk = vg_grow(*kv, cap, *n ? *n : 1, sizeof(*nk)))))
		err = VG_ERR_NOMEM;
	if (!err) {
		*kv = nk;
		for (size_t i = 0; i < *n; i++)
			nk[i] = (struct vg_kv){b->data + offs[2 * i],
			                       b->data + offs[2 * i + 1]};
	}
	free(offs);
	return err;
}

vg_err vg_store_each_chained(struct vg_store *st,
                             vg_err (*fn)(const char *rule_id, const struct vg_kv *chain,
                                          size_t nchain, vg_time ts,
                                          const struct vg_source *src,
                                          const struct vg_fire_pos *at, void *ctx),
                             void *ctx)
{
	sqlite3_stmt *s = S(st, S_EACH_CHAINED);
	struct vg_buf strs = {0};
	struct vg_kv *kv = NULL;
	size_t cap = 0, n = 0;
	int rc;
	vg_err err = VG_OK;
	while (err == VG_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		char *rule_id = strdup((const char *)sqlite3_column_text(s, 0));
		char *topic = strdup((const char *)sqlite3_column_text(s, 1));
		struct vg_source src = {topic, sqlite3_column_int(s, 2),
		                        sqlite3_column_int64(s, 3)};
		vg_time ts = sqlite3_column_int64(s, 4);
		struct vg_fire_pos at = {sqlite3_column_int64(s, 5),
		                         sqlite3_column_int(s, 6),
		                         sqlite3_column_int64(s, 7)};
		if (!rule_id || !topic)
			err = VG_ERR_NOMEM;
		if (!err)
			err = chained_fields(st, (const char *)sqlite3_column_text(s, 8),
			                     &strs, &kv, &cap, &n);
		if (!err)
			err = fn(rule_id, kv, n, ts, &src, &at, ctx);
		free(rule_id);
		free(topic);
	}
	if (err == VG_OK && rc != SQLITE_DONE)
		err = fail(st, "reading chained correlation alerts");
	sqlite3_reset(s);
	free(kv);
	vg_buf_free(&strs);
	return err;
}

vg_err vg_store_put_offset(struct vg_store *st, const char *topic, int32_t partition,
                           int64_t next_offset, vg_time max_event_time, bool ended)
{
	sqlite3_stmt *s = S(st, S_PUT_OFFSET);
	bind_text(s, 1, topic);
	sqlite3_bind_int(s, 2, partition);
	sqlite3_bind_int64(s, 3, next_offset);
	if (max_event_time != VG_TIME_NONE && !ended)
		sqlite3_bind_int64(s, 4, max_event_time);
	else
		sqlite3_bind_null(s, 4); /* never the last call's value */
	sqlite3_bind_int(s, 5, ended);
	return step_done(st, s, "storing an input offset");
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return strdup(t ? (const char *)t : "");
}

static enum vg_level level_from_name(const char *name)
{
	for (int l = VG_LEVEL_INFORMATIONAL; l <= VG_LEVEL_CRITICAL; l++)
		if (!strcmp(vg_level_name((enum vg_level)l), name))
			return (enum vg_level)l;
	return VG_LEVEL_INFORMATIONAL;
}

static enum vg_entity_type entity_type_from_name(const char *name)
{
	for (int t = VG_ENT_IP; t <= VG_ENT_HASH; t++)
		if (!strcmp(vg_entity_type_name((enum vg_entity_type)t), name))
			return (enum vg_entity_type)t;
	return VG_ENT_HOST;
}

/* The fields of al->id into al->fields (empty before). */
static vg_err read_alert_fields(struct vg_store *st, struct vg_incident_alert *al)
{
	sqlite3_stmt *s = S(st, S_ALERT_FIELDS);
	size_t cap = 0;
	int rc;
	vg_err err = VG_OK;
	bind_text(s, 1, al->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (al->nfields == cap) {
			cap = cap ? cap * 2 : 4;
			void *n = realloc(al->fields, cap * sizeof(struct vg_kv));
			if (!n) {
				err = VG_ERR_NOMEM;
				break;
			}
			al->fields = n;
		}
		al->fields[al->nfields].name = col_dup(s, 0);
		al->fields[al->nfields].value = col_dup(s, 1);
		al->nfields++;
	}
	sqlite3_reset(s);
	if (!err && rc != SQLITE_DONE)
		err = fail(st, "reading alert fields");
	return err;
}

/* Read one incident's alerts (with tags and fields) and entities into inc. */
static vg_err load_incident_parts(struct vg_store *st, struct vg_incident *inc)
{
	sqlite3_stmt *s = S(st, S_INCIDENT_ALERTS);
	size_t cap = 0;
	int rc;

	bind_text(s, 1, inc->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (inc->nalerts == cap) {
			cap = cap ? cap * 2 : 8;
			void *n = realloc(inc->alerts, cap * sizeof(*inc->alerts));
			if (!n) {
				sqlite3_reset(s);
				return VG_ERR_NOMEM;
			}
			inc->alerts = n;
		}
		struct vg_incident_alert *al = &inc->alerts[inc->nalerts++];
		memset(al, 0, sizeof(*al));
		snprintf(al->id, sizeof(al->id), "%s",
		         (const char *)sqlite3_column_text(s, 0));
		al->rule_id = col_dup(s, 1);
		al->title = col_dup(s, 2);
		al->level = level_from_name((const char *)sqlite3_column_text(s, 3));
		al->is_correlation = sqlite3_column_int(s, 4);
		al->first_ts = sqlite3_column_int64(s, 5);
		al->last_ts = sqlite3_column_int64(s, 6);
		al->event_count = (uint64_t)sqlite3_column_int64(s, 7);
		al->stored = true; /* read from the store */
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "reading alerts");
	for (size_t i = 0; i < inc->nalerts; i++) {
		s = S(st, S_ALERT_NOVEL);
		bind_text(s, 1, inc->alerts[i].id);
		rc = sqlite3_step(s);
		inc->alerts[i].novel = rc == SQLITE_ROW;
		sqlite3_reset(s);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return fail(st, "reading an alert's novelty");
	}
	for (size_t i = 0; i < inc->nalerts; i++) {
		struct vg_incident_alert *al = &inc->alerts[i];
		size_t tcap = 0;
		s = S(st, S_ALERT_TAGS);
		bind_text(s, 1, al->id);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (al->ntags == tcap) {
				tcap = tcap ? tcap * 2 : 4;
				void *n = realloc(al->tags, tcap * sizeof(char *));
				if (!n) {
					sqlite3_reset(s);
					return VG_ERR_NOMEM;
				}
				al->tags = n;
			}
			al->tags[al->ntags++] = col_dup(s, 0);
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return fail(st, "reading an alert's tags");
		vg_err err = read_alert_fields(st, al);
		if (err)
			return err;
	}
	s = S(st, S_INCIDENT_ENTITIES);
	bind_text(s, 1, inc->id);
	cap = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (inc->nentities == cap) {
			cap = cap ? cap * 2 : 8;
			void *n = realloc(inc->entities, cap * sizeof(*inc->entities));
			if (!n) {
				sqlite3_reset(s);
				return VG_ERR_NOMEM;
			}
			inc->entities = n;
		}
		struct vg_entity *e = &inc->entities[inc->nentities++];
		e->type = entity_type_from_name((const char *)sqlite3_column_text(s, 0));
		e->value = col_dup(s, 1);
		e->first_seen = sqlite3_column_int64(s, 2);
		e->alerts = (uint32_t)sqlite3_column_int(s, 3);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? VG_OK : fail(st, "reading entities");
}

/* An incidents row (S_OPEN_INCIDENTS' first 18 columns) into inc, zeroed first. */
static void read_incident_row(sqlite3_stmt *s, struct vg_incident *inc)
{
	memset(inc, 0, sizeof(*inc));
	snprintf(inc->id, sizeof(inc->id), "%s", (const char *)sqlite3_column_text(s, 0));
	inc->version = (uint32_t)sqlite3_column_int64(s, 1);
	inc->first_ts = sqlite3_column_int64(s, 2);
	inc->last_ts = sqlite3_column_int64(s, 3);
	inc->score =
	    sqlite3_column_type(s, 4) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 4);
	inc->priority = sqlite3_column_int(s, 5);
	inc->alerts_dropped = (uint64_t)sqlite3_column_int64(s, 6);
	inc->has_sig = sqlite3_column_type(s, 7) != SQLITE_NULL;
	inc->sig_runs_min = (uint32_t)sqlite3_column_int64(s, 7);
	inc->sig_hosts_max = (uint32_t)sqlite3_column_int64(s, 8);
	inc->network_novelty = (uint32_t)sqlite3_column_int64(s, 9);
	inc->novel_pair = sqlite3_column_int(s, 10) != 0;
	inc->events_dropped = (uint64_t)sqlite3_column_int64(s, 11);
	inc->host_neighbours = (uint32_t)sqlite3_column_int64(s, 12);
	inc->host_prior_novelties = (uint32_t)sqlite3_column_int64(s, 13);
	inc->entities_dropped = (uint64_t)sqlite3_column_int64(s, 14);
	inc->notable_last = sqlite3_column_int64(s, 15);
	inc->dropped_level = (uint8_t)sqlite3_column_int(s, 16);
	inc->dropped_tactics = (uint16_t)sqlite3_column_int(s, 17);
}

vg_err vg_store_load_incident(struct vg_store *st, const char *id,
                              struct vg_incident *inc)
{
	sqlite3_stmt *s = S(st, S_INCIDENT_BY_ID);
	char merged[64] = "";
	memset(inc, 0, sizeof(*inc));
	bind_text(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		read_incident_row(s, inc);
		if (sqlite3_column_type(s, 18) != SQLITE_NULL)
			snprintf(merged, sizeof(merged), "%s",
			         sqlite3_column_text(s, 18));
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		snprintf(st->errmsg, sizeof(st->errmsg), "no incident %s", id);
		return VG_ERR_NOTFOUND;
	}
	if (rc != SQLITE_ROW)
		return fail(st, "reading an incident");
	if (merged[0]) {
		snprintf(st->errmsg, sizeof(st->errmsg),
		         "incident %s was merged into %s: ask for %s", id, merged,
		         merged);
		vg_incident_clear(inc);
		return VG_ERR_NOTFOUND;
	}
	vg_err err = load_incident_parts(st, inc);
	if (err)
		vg_incident_clear(inc);
	return err;
}

vg_err vg_store_stix_created(struct vg_store *st, const char *id, vg_time *created)
{
	sqlite3_stmt *s = S(st, S_STIX_CREATED);
	bind_text(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*created = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		snprintf(st->errmsg, sizeof(st->errmsg), "no incident %s", id);
		return VG_ERR_NOTFOUND;
	}
	return rc == SQLITE_ROW ? VG_OK : fail(st, "reading an incident");
}

vg_err vg_store_each_surfaced(struct vg_store *st,
                              vg_err (*fn)(const char *incident_id, void *ctx), void *ctx)
{
	/* Collect ids first: fn may read other statements (and this one, reset). */
	sqlite3_stmt *s = S(st, S_SURFACED_IDS);
	char(*ids)[21] = NULL;
	size_t n = 0, cap = 0;
	vg_err err = VG_OK;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			void *ni = realloc(ids, cap * sizeof(*ids));
			if (!ni) {
				err = VG_ERR_NOMEM;
				break;
			}
			ids = ni;
		}
		snprintf(ids[n++], sizeof(ids[0]), "%s", sqlite3_column_text(s, 0));
	}
	if (!err && rc != SQLITE_DONE)
		err = fail(st, "reading surfaced incidents");
	sqlite3_reset(s);
	for (size_t i = 0; i < n && !err; i++)
		err = fn(ids[i], ctx);
	free(ids);
	return err;
}

/* The event time a restart reopens incidents from (before the gap): the oldest
 * newest event time of the partitions of `topics` (NULL: of every partition), else
 * the newest incident's last activity, into *out; *found false when the store has
 * neither.  A store that cannot be read is an error, not an empty store (the
 * engine would start without its open incidents, and new alerts open second ones
 * beside them). */
static vg_err restore_from(struct vg_store *st, const char *const *topics, size_t ntopics,
                           vg_time *out, bool *found)
{
	sqlite3_stmt *s = S(st, S_PARTITION_TIMES);
	int rc;
	*found = false;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *topic = (const char *)sqlite3_column_text(s, 0);
		bool ours = !topics;
		for (size_t i = 0; i < ntopics && !ours && topic; i++)
			ours = !strcmp(topics[i], topic);
		vg_time t = sqlite3_column_int64(s, 1);
		if (ours && (!*found || t < *out))
			*out = t;
		*found = *found || ours;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "reading the partitions' event times");
	if (*found)
		return VG_OK;
	s = S(st, S_MAX_LAST_SEEN);
	rc = sqlite3_step(s);
	*found = rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL;
	if (*found)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
	           ? VG_OK
	           : fail(st, "reading the newest incident");
}

vg_err vg_store_each_open_incident(struct vg_store *st, vg_time gap,
                                   const char *const *topics, size_t ntopics,
                                   vg_err (*fn)(const struct vg_incident *, void *),
                                   void *ctx)
{
	vg_time newest = 0;
	int rc;
	bool found;
	vg_err err = restore_from(st, topics, ntopics, &newest, &found);
	if (err || !found)
		return err; /* or an empty store */

	/* Collect ids first: reading parts reuses other statements. */
	struct vg_incident *list = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *s = S(st, S_OPEN_INCIDENTS);
	sqlite3_bind_int64(s, 1, newest - gap);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			void *nl = realloc(list, cap * sizeof(*list));
			if (!nl) {
				err = VG_ERR_NOMEM;
				break;
			}
			list = nl;
		}
		read_incident_row(s, &list[n++]);
	}
	if (!err && rc != SQLITE_DONE)
		err = fail(st, "reading open incidents");
	sqlite3_reset(s);
	for (size_t i = 0; i < n && err == VG_OK; i++) {
		err = load_incident_parts(st, &list[i]);
		if (err == VG_OK)
			err = fn(&list[i], ctx);
	}
	for (size_t i = 0; i < n; i++)
		vg_incident_clear(&list[i]);
	free(list);
	return err;
}

vg_err vg_store_each_rate_alert(struct vg_store *st, vg_time gap, vg_time reach,
                                const char *const *topics, size_t ntopics,
                                vg_err (*fn)(const struct vg_incident_alert *, void *),
                                void *ctx)
{
	vg_time newest = 0;
	int rc;
	bool found;
	if (reach <= gap)
		return VG_OK; /* the restored incidents hold them all */
	vg_err err = restore_from(st, topics, ntopics, &newest, &found);
	if (err || !found)
		return err; /* or an empty store */
	/* one alert at a time: the alerts of a long stop_window can be many */
	struct vg_incident_alert al;
	sqlite3_stmt *s = S(st, S_RECENT_ALERTS);
	sqlite3_bind_int64(s, 1, newest - reach);
	sqlite3_bind_int64(s, 2, newest - gap);
	while (err == VG_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&al, 0, sizeof(al));
		snprintf(al.id, sizeof(al.id), "%s",
		         (const char *)sqlite3_column_text(s, 0));
		al.last_ts = sqlite3_column_int64(s, 1);
		al.stored = true;
		err = read_alert_fields(st, &al);
		if (err == VG_OK)
			err = fn(&al, ctx);
		for (size_t i = 0; i < al.nfields; i++) {
			free(al.fields[i].name);
			free(al.fields[i].value);
		}
		free(al.fields);
	}
	if (!err && rc != SQLITE_DONE)
		err = fail(st, "reading recent alerts");
	sqlite3_reset(s);
	return err;
}

vg_err vg_store_mark_published(struct vg_store *st, const char *incident_id,
                               uint32_t version)
{
	sqlite3_stmt *s = S(st, S_MARK_PUBLISHED);
	bind_text(s, 1, incident_id);
	sqlite3_bind_int64(s, 2, version);
	return step_done(st, s, "marking an incident published");
}

vg_err vg_store_each_unpublished(struct vg_store *st, vg_err (*fn)(const char *, void *),
                                 void *ctx)
{
	sqlite3_stmt *s = S(st, S_UNPUBLISHED);
	char **ids = NULL;
	size_t n = 0, cap = 0;
	int rc;
	vg_err err = VG_OK;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			void *ni = realloc(ids, cap * sizeof(char *));
			if (!ni) {
				err = VG_ERR_NOMEM;
				break;
			}
			ids = ni;
		}
		if (!(ids[n++] = col_dup(s, 0))) {
			err = VG_ERR_NOMEM;
			break;
		}
	}
	if (!err && rc != SQLITE_DONE)
		err = fail(st, "reading unpublished incidents");
	sqlite3_reset(s);
	for (size_t i = 0; i < n; i++) {
		if (err == VG_OK)
			err = fn(ids[i], ctx);
		free(ids[i]);
	}
	free(ids);
	return err;
}

vg_err vg_store_incident_json(struct vg_store *st, const char *incident_id,
                              struct vg_buf *out, uint32_t *version)
{
	sqlite3_stmt *s = S(st, S_INCIDENT_DOC);
	bind_text(s, 1, incident_id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		vg_buf_append(out, sqlite3_column_text(s, 0),
		              (size_t)sqlite3_column_bytes(s, 0));
		*version = (uint32_t)sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return VG_OK;
	return rc == SQLITE_DONE ? VG_ERR_NOTFOUND : fail(st, "reading an incident");
}

vg_err vg_store_prune_marks(struct vg_store *st, const char *topic, int32_t partition,
                            int64_t below)
{
	sqlite3_stmt *s = S(st, S_PRUNE_MARKS);
	bind_text(s, 1, topic);
	sqlite3_bind_int(s, 2, partition);
	sqlite3_bind_int64(s, 3, below);
	vg_err err = step_done(st, s, "removing correlation marks");
	if (err)
		return err;
	s = S(st, S_PRUNE_CHAINED);
	bind_text(s, 1, topic);
	sqlite3_bind_int(s, 2, partition);
	sqlite3_bind_int64(s, 3, below);
	return step_done(st, s, "removing chained correlation alerts");
}

vg_err vg_store_newest_activity(struct vg_store *st, vg_time *out)
{
	sqlite3_stmt *s = S(st, S_NEWEST_ACTIVITY);
	int rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL
	           ? sqlite3_column_int64(s, 0)
	           : VG_TIME_NONE;
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? VG_OK : fail(st, "reading the newest incident");
}

/* Run one statement of vg_store_prune; *changed gets the rows it changed. */
static vg_err prune_step(struct vg_store *st, enum stmt_id id, int64_t *changed)
{
	vg_err err = step_done(st, S(st, id), "removing incidents past the retention");
	if (!err && changed)
		*changed = sqlite3_changes64(st->db);
	return err;
}

static vg_err page_counts(struct vg_store *st, int64_t *pages, int64_t *free_pages)
{
	sqlite3_stmt *s = S(st, S_PAGE_COUNTS);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*pages = sqlite3_column_int64(s, 0);
		*free_pages = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? VG_OK : fail(st, "counting the store's free pages");
}

/* Free pages beyond an eighth of the pages in use (kept: new incidents reuse them)
 * are given back to the file system, at most RELEASE_PAGES_MAX a call (moving
 * pages costs I/O; the next call goes on).  A store made before auto_vacuum was set
 * releases nothing (`PRAGMA auto_vacuum=INCREMENTAL; VACUUM;` converts it). */
#define RELEASE_PAGES_MAX 4096
static vg_err release_pages(struct vg_store *st, int64_t *released)
{
	int64_t pages, free_pages, left;
	vg_err err = page_counts(st, &pages, &free_pages);
	*released = 0;
	if (err)
		return err;
	int64_t excess = free_pages - (pages - free_pages) / 8;
	if (excess <= 0)
		return VG_OK;
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA incremental_vacuum(%lld)",
	         (long long)(excess < RELEASE_PAGES_MAX ? excess : RELEASE_PAGES_MAX));
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(st, "releasing the store's free pages");
	if ((err = page_counts(st, &pages, &left)))
		return err;
	*released = free_pages - left;
	return VG_OK;
}

vg_err vg_store_prune(struct vg_store *st, vg_time before, size_t max_incidents,
                      struct vg_prune_stats *out)
{
	static const enum stmt_id alert_rows[] = {
	    S_PRUNE_ALERT_TAGS, S_PRUNE_ALERT_FIELDS, S_PRUNE_ALERT_EVENTS,
	    S_PRUNE_ALERT_NOVELTY};
	static const enum stmt_id incident_rows[] = {S_PRUNE_RECORDS, S_PRUNE_ENTITIES,
	                                             S_PRUNE_EDGES,   S_PRUNE_SPREAD,
	                                             S_PRUNE_TACTICS, S_PRUNE_PUBLISHED};
	vg_err err;
	int rc;
	memset(out, 0, sizeof(*out));
	/* the work tables keep the last call's ids until the next one */
	if ((err = prune_step(st, S_PRUNE_CLEAR_INCIDENTS, NULL)) ||
	    (err = prune_step(st, S_PRUNE_CLEAR_ALERTS, NULL)))
		return err;
	sqlite3_stmt *s = S(st, S_PRUNE_PICK_INCIDENTS);
	sqlite3_bind_int64(s, 1, before);
	sqlite3_bind_int64(
	    s, 2,
	    max_incidents && max_incidents < INT64_MAX ? (int64_t)max_incidents : -1);
	if ((err = step_done(st, s, "choosing incidents past the retention")))
		return err;
	s = S(st, S_PRUNE_COUNT_ROOTS);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		out->survivors = (size_t)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return fail(st, "counting incidents past the retention");
	if (!out->survivors)
		return release_pages(st, &out->pages_released);
	if ((err = prune_step(st, S_PRUNE_PICK_ALERTS, NULL)) ||
	    (err = prune_step(st, S_PRUNE_PICK_DROPPED, NULL)))
		return err;
	for (size_t i = 0; i < sizeof(alert_rows) / sizeof(alert_rows[0]); i++)
		if ((err = prune_step(st, alert_rows[i], NULL)))
			return err;
	if ((err = prune_step(st, S_PRUNE_ALERTS, &out->alerts)))
		return err;
	for (size_t i = 0; i < sizeof(incident_rows) / sizeof(incident_rows[0]); i++)
		if ((err = prune_step(st, incident_rows[i], NULL)))
			return err;
	if ((err = prune_step(st, S_PRUNE_INCIDENTS, &out->incidents)))
		return err;
	return release_pages(st, &out->pages_released);
}

vg_err vg_store_add_metric(struct vg_store *st, const char *name, int64_t delta)
{
	sqlite3_stmt *s = S(st, S_ADD_METRIC);
	bind_text(s, 1, name);
	sqlite3_bind_int64(s, 2, delta);
	return step_done(st, s, "updating a metric");
}

vg_err vg_store_each_ranked(struct vg_store *st, int limit,
                            vg_err (*fn)(const struct vg_ranked_row *, void *), void *ctx)
{
	sqlite3_stmt *s = S(st, S_RANKED);
	vg_err err = VG_OK;
	int rc;
	sqlite3_bind_int(s, 1, limit);
	while (err == VG_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct vg_ranked_row row = {
		    .id = (const char *)sqlite3_column_text(s, 0),
		    .title = (const char *)sqlite3_column_text(s, 1),
		    .summary = (const char *)sqlite3_column_text(s, 2),
		    .tactics = (const char *)sqlite3_column_text(s, 3),
		    .explanation = (const char *)sqlite3_column_text(s, 4),
		    .first_seen = (const char *)sqlite3_column_text(s, 5),
		    .last_seen = (const char *)sqlite3_column_text(s, 6),
		    .score = sqlite3_column_type(s, 7) == SQLITE_NULL
		                 ? -1
		                 : sqlite3_column_double(s, 7),
		    .priority = sqlite3_column_int(s, 8),
		    .surfaced = sqlite3_column_int(s, 9),
		    .alert_count = sqlite3_column_int64(s, 10),
		    .version = (uint32_t)sqlite3_column_int64(s, 11),
		};
		err = fn(&row, ctx);
	}
	if (err == VG_OK && rc != SQLITE_DONE)
		err = fail(st, "reading ranked incidents");
	sqlite3_reset(s);
	return err;
}

int64_t vg_store_metric(struct vg_store *st, const char *name)
{
	sqlite3_stmt *s = S(st, S_METRIC);
	int64_t v = 0;
	bind_text(s, 1, name);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

vg_err vg_store_count_incidents(struct vg_store *st, int64_t *total, int64_t *surfaced)
{
	sqlite3_stmt *s = S(st, S_COUNT_INCIDENTS);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*total = sqlite3_column_int64(s, 0);
		*surfaced = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? VG_OK : fail(st, "counting incidents");
}

vg_err vg_store_put_sig_stat(struct vg_store *st, const char *key, uint32_t runs,
                             vg_time last_ts)
{
	sqlite3_stmt *s = S(st, S_PUT_SIG_STAT);
	bind_text(s, 1, key);
	sqlite3_bind_int64(s, 2, runs);
	sqlite3_bind_int64(s, 3, last_ts);
	return step_done(st, s, "storing a signature statistic");
}

vg_err vg_store_each_sig_stat(struct vg_store *st,
                              vg_err (*fn)(const char *key, uint32_t runs,
                                           vg_time last_ts, void *ctx),
                              void *ctx)
{
	sqlite3_stmt *s = S(st, S_EACH_SIG_STAT);
	vg_err err = VG_OK;
	int rc;
	while (err == VG_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		err = fn((const char *)sqlite3_column_text(s, 0),
		         (uint32_t)sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2),
		         ctx);
	if (err == VG_OK && rc != SQLITE_DONE)
		err = fail(st, "reading signature statistics");
	sqlite3_reset(s);
	return err;
}
