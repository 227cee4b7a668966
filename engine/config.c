/*
 * config.c - the YAML configuration: one static table of every key.
 *
 * The table (key, type, default, where it lands in struct vg_config, description)
 * validates the file, fills the struct, catches typos with a suggestion and
 * documents the keys (`vigil config`), all in one place.  Every problem is reported
 * as "file:line:col: error: ..." and loading goes on, so a user sees them all at once.
 * libyaml marks are 0-based; mark_line/mark_col add 1 once.
 */
#include "vg_engine.h"
#include "vg_yaml.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

enum opt_type {
	T_STR,
	T_INT,
	T_DURATION,
	T_DOUBLE,
	T_STRLIST,
	T_MAP,
	T_INPUTS,
	T_BANDS,
	T_UTCOFFSET,
	T_STOPVALUES,
	T_DOMAINS,
	T_BOOL
};

struct opt {
	const char *section;
	const char *key;
	enum opt_type type;
	size_t off;
	const char *def; /* default, parsed like a value from the file; NULL = empty */
	double min, max; /* bounds for numbers */
	const char *desc;
};

#define O(f) offsetof(struct vg_config, f)
static const struct opt g_opts[] = {
    {"kafka", "brokers", T_STR, O(kafka.brokers), "embedded", 0, 0,
     "Bootstrap servers ([proto://]host[:port], separated by commas; each checked), or "
     "'embedded' for the in-process mock cluster"},
    {"kafka", "group_id", T_STR, O(kafka.group_id), "vigil", 0, 0, "Consumer group id"},
    {"kafka", "inputs", T_INPUTS, O(kafka.inputs), NULL, 0, 0,
     "Input topics: a list of {topic: NAME, format: auto|syslog|rfc3164|rfc5424|json}; "
     "default [{topic: syslog, format: auto}]"},
    {"kafka", "output_topic", T_STR, O(kafka.output_topic), "vigil.incidents", 0, 0,
     "Topic receiving one JSON message per incident version, keyed by incident id"},
    {"kafka", "dead_letter_topic", T_STR, O(kafka.dead_letter_topic), "vigil.dead-letter",
     0, 0, "Topic receiving records that could not be parsed, with the reason"},
    {"kafka", "librdkafka", T_MAP, O(kafka.librdkafka), NULL, 0, 0,
     "Properties passed to librdkafka as they are (security.protocol, sasl.*, ssl.*); "
     "those that undo delivery (enable.auto.commit true, enable.idempotence false, "
     "acks other than all) are refused"},
    {"kafka", "max_message_bytes", T_INT, O(kafka.max_message_bytes), "950000", 8192,
     1000000000,
     "Largest incident document published (and stored as published); a larger one "
     "leaves out its graph, entities and alerts, then its story, and says so in "
     "\"truncated\" (the store's tables keep every detail).  Keep it below "
     "librdkafka's message.max.bytes and the topic's max.message.bytes"},
    {"kafka", "batch_size", T_INT, O(kafka.batch_size), "1000", 1, 1000000,
     "Records per batch (one store transaction and one offset commit)"},
    {"kafka", "poll_timeout_ms", T_INT, O(kafka.poll_timeout_ms), "200", 1, 60000,
     "Longest wait for a batch to fill"},
    {"kafka", "stats_interval", T_DURATION, O(kafka.stats_interval), "60s", 0, 86400,
     "Wall time between the progress lines vigil run logs (records and rate, dead "
     "letters, rule hits, alerts, incident versions, late events, evicted correlation "
     "groups, consumer lag); 0 = none"},
    {"kafka", "embedded_partitions", T_INT, O(kafka.embedded_partitions), "3", 1, 64,
     "Partitions per topic of the embedded cluster"},
    {"rules", "paths", T_STRLIST, O(rules.paths), NULL, 0, 0,
     "Sigma rule files or directories; empty: the embedded default rules"},
    {"decoders", "paths", T_STRLIST, O(decoders.paths), NULL, 0, 0,
     "Decoder files or directories; empty: the embedded default decoders"},
    {"decoders", "rfc3164_utc_offset", T_UTCOFFSET, O(decoders.rfc3164_utc_offset_sec),
     "+00:00", 0, 0, "Time zone of RFC 3164 timestamps, which carry none (+HH:MM)"},
    {"model", "path", T_STR, O(model.path), "embedded", 0, 0,
     "XGBoost model file; 'embedded' for the model shipped in the binary"},
    {"model", "priority_bands", T_BANDS, O(model.priority_bands), "[0.2, 0.5, 0.8]", 0, 1,
     "Three ascending score cut-offs: below the first is priority 4, above the last 1"},
    {"model", "surface_threshold", T_DOUBLE, O(model.surface_threshold), "0.5", 0, 1,
     "Incidents scoring at least this are surfaced to analysts"},
    {"store", "path", T_STR, O(store.path), "vigil.db", 0, 0, "SQLite database file"},
    {"store", "cache_mib", T_INT, O(store.cache_mib), "64", 1, 65536,
     "Memory (MiB) the engine's store connection keeps pages of the database in "
     "(SQLite's page cache); a page beyond it is read back from the file"},
    {"store", "wal_checkpoint_mib", T_INT, O(store.wal_checkpoint_mib), "32", 1, 65536,
     "Size (MiB) of the write-ahead log at which it is copied into the database "
     "file (a checkpoint, with an fsync); a larger log copies a page written in "
     "several batches once, and takes as much more disk"},
    {"store", "retention", T_DURATION, O(store.retention), "0", 0, 100 * 365 * 86400.0,
     "Incidents quiet this long (event time: behind the oldest input partition's "
     "watermark, or the newest incident when that is older) are removed with their "
     "alerts and story; merged incidents go with their survivor, "
     "incidents with an analyst's verdict stay.  0 = keep everything.  At least "
     "2 x correlation.incident_gap (or stop_window when longer) + allowed_lateness "
     "+ the longest correlation timespan chain of the rules, so nothing a restart "
     "re-reads or counts can need them"},
    {"correlation", "allowed_lateness", T_DURATION, O(correlation.allowed_lateness),
     "60s", 0, 86400, "How late (event time) an event may arrive and still count"},
    {"correlation", "max_future", T_DURATION, O(correlation.max_future), "1h", 0,
     365 * 86400,
     "An event time further than this after its record's own time (the Kafka "
     "message timestamp, never later than the clock; the clock for files) is a "
     "wrong clock, a time zone error or a forged record: the event takes its "
     "partition's newest event time (a run of them, their records' times), keeps "
     "the claim in vigil.claimed_time and is counted in future_events; taken as is "
     "it would move its partition's watermark past every real event to come, which "
     "would all be late to correlation.  0 = no limit"},
    {"correlation", "incident_gap", T_DURATION, O(correlation.incident_gap), "1h", 1,
     30 * 86400, "An incident quiet this long (event time) is closed"},
    {"correlation", "novelty_warmup", T_DURATION, O(correlation.novelty_warmup), "24h", 0,
     365 * 86400,
     "A (host, signature/rule) pair first seen this soon after the stream's first "
     "alert is not a novelty (ranking feature network_novelty), an incident opened "
     "this soon not a host neighbour (host_neighbours); 0 = none"},
    {"correlation", "host_memory", T_DURATION, O(correlation.host_memory), "24h", 0,
     365 * 86400,
     "How far back a new incident looks for novelties on its host (ranking feature "
     "host_prior_novelties): a quiet step of an attack on a host where never-seen "
     "activity broke out hours before; 0 = not at all"},
    {"correlation", "max_groups_per_rule", T_INT, O(correlation.max_groups_per_rule),
     "100000", 1, 1e9, "Open correlation groups per rule before the oldest is evicted"},
    {"correlation", "max_groups_total", T_INT, O(correlation.max_groups_total), "1000000",
     1, 1e10, "Open correlation groups in total before the oldest is evicted"},
    {"correlation", "max_released_per_batch", T_INT,
     O(correlation.max_released_per_batch), "50000", 1, 1e9,
     "Held alerts assembled at most per batch once the low watermark passes them; the "
     "rest follow in the next batches (every poll, records or not): a partition that "
     "catches up after days behind must not make every incident document at once"},
    {"correlation", "max_held_alerts", T_INT, O(correlation.max_held_alerts), "1000000",
     1, 1e9,
     "Alerts held for event-time order (a partition behind the others holds them, "
     "and the offset commits behind them) before the oldest are assembled anyway, "
     "counted in alerts_released_early with a warning: a source whose clock is days "
     "behind would otherwise grow memory until the process dies (about 450 bytes "
     "each)"},
    {"correlation", "max_held_hits", T_INT, O(correlation.max_held_hits), "1000000", 1,
     1e9,
     "Rule hits that correlations consume, held so that correlation counts them in "
     "event-time order whatever the order partitions deliver them in (and the offset "
     "commits behind them), before the oldest are counted anyway, counted in "
     "hits_released_early with a warning (about 160 bytes each for an sshd "
     "failure: tests/bench/bench_hold hits)"},
    {"correlation", "idle_partition_timeout", T_DURATION,
     O(correlation.idle_partition_timeout), "10s", 1, 86400,
     "Wall time after which a partition that gave no event time (nothing, or only "
     "dead letters) and has no records waiting follows the clock"},
    {"correlation", "stop_values", T_STOPVALUES, O(correlation.stop_values), NULL, 0, 0,
     "Entity values that never link alerts into one incident: a map of type (ip, host, "
     "user, process, hash) to a list of values, e.g. {user: [root], ip: [10.0.0.53]}; "
     "users and processes match on every host; hosts and hashes in any case, "
     "addresses in any spelling (::ffff:10.0.0.53 is 10.0.0.53)"},
    {"correlation", "stop_max_alerts", T_INT, O(correlation.stop_max_alerts), "50", 1,
     4e9,
     "A linking value carried by this many alerts within stop_window stops "
     "linking (automatic stop-value: busy hosts, shared accounts, scanners)"},
    {"correlation", "stop_window", T_DURATION, O(correlation.stop_window), "1h", 1,
     30 * 86400,
     "Event-time window of the automatic stop-value rate.  Longer than two "
     "incident_gap, a restart reads the alerts of that long back from the store to "
     "count them again, and store.retention must keep them"},
    {"correlation", "host_domains", T_DOMAINS, O(correlation.host_domains), NULL, 0, 0,
     "Local DNS domains, e.g. [corp.example.com]: a host name in one is known by "
     "its first labels, so WS01.corp.example.com (a Windows event's Computer) and "
     "ws01 (a syslog header) are one host in incidents; names in other domains "
     "stay whole.  Host names ignore case either way"},
    {"correlation", "account_domains", T_DOMAINS, O(correlation.account_domains), NULL, 0,
     0,
     "Directory (Active Directory) domains whose accounts are the bare names, e.g. "
     "[CORP, corp.example.com]: CORP\\alice (Sysmon's User), "
     "alice@corp.example.com and alice (a Windows Security event, an sshd log) are "
     "one account in incidents, which then follow it across hosts; accounts of "
     "other domains (NT AUTHORITY\\SYSTEM) stay whole.  With any listed, account "
     "names ignore case"},
    {"correlation", "link_hosts", T_BOOL, O(correlation.link_hosts), "true", 0, 0,
     "Alerts on the same host join one incident (guarded by stop-values), so an "
     "incident follows an attack across hosts"},
    {"engine", "workers", T_INT, O(engine.workers), "0", 0, 256,
     "Threads that parse records and run detection on them; correlation, assembly "
     "and the store run on one, in record order, so results never depend on it.  "
     "0 = one per core"},
    {"engine", "value_cache", T_INT, O(engine.value_cache), "4096", 0, 1048576,
     "Field values each detection thread remembers with the rule literals they "
     "contain (about 300 bytes each): a value seen again is not scanned.  Results "
     "never depend on it; the hit rate is logged with the progress.  0 = off"},
};
#define NOPTS (sizeof(g_opts) / sizeof(g_opts[0]))

static const char *const g_sections[] = {"kafka", "rules",       "decoders", "model",
                                         "store", "correlation", "engine"};
#define NSECTIONS (sizeof(g_sections) / sizeof(g_sections[0]))

struct loader {
	yaml_document_t *doc;
	const char *file;
	struct vg_diag *diag;
	struct vg_config *cfg;
	bool oom;
};

static int mark_line(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static int mark_col(const yaml_node_t *n)
{
	return (int)n->start_mark.column + 1;
}

#define ERR(ld, node, ...)                                                               \
	vg_diag_error((ld)->diag, (ld)->file, mark_line(node), mark_col(node),           \
	              __VA_ARGS__)

static const char *type_name(yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

static char *dup_str(struct loader *ld, const char *s)
{
	char *d = strdup(s);
	if (!d)
		ld->oom = true;
	return d;
}

/* "500ms", "90s", "5m", "1h", "2d" or a bare number of seconds: a decimal number
 * (vg_parse_double: strtod alone took "0x10" and " 5m"), not so small that it
 * rounds to 0 (which means "none" for several settings: a max_future of 1e-9d
 * was no bound at all), nor so large that it leaves vg_time. */
static bool parse_duration(const char *s, vg_time *out)
{
	size_t u = strcspn(s, "smhd");
	const char *unit = s + u;
	double v, mult;
	char num[64];
	if (!*unit || !strcmp(unit, "s"))
		mult = 1;
	else if (!strcmp(unit, "ms"))
		mult = 0.001;
	else if (!strcmp(unit, "m"))
		mult = 60;
	else if (!strcmp(unit, "h"))
		mult = 3600;
	else if (!strcmp(unit, "d"))
		mult = 86400;
	else
		return false;
	if (u == 0 || u >= sizeof(num))
		return false;
	memcpy(num, s, u);
	num[u] = '\0';
	if (!vg_parse_double(num, &v) || v < 0)
		return false;
	double us = v * mult * (double)VG_USEC_PER_SEC;
	if (!(us < 9.2e18) || (v > 0 && us < 0.5))
		return false;
	*out = (vg_time)llround(us);
	return true;
}

static bool parse_utc_offset(const char *s, int64_t *out)
{
	if (!strcmp(s, "Z") || !strcmp(s, "UTC")) {
		*out = 0;
		return true;
	}
	if (strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
		return false;
	for (int i = 1; i < 6; i++)
		if (i != 3 && (s[i] < '0' || s[i] > '9'))
			return false;
	int h = (s[1] - '0') * 10 + (s[2] - '0'), m = (s[4] - '0') * 10 + (s[5] - '0');
	if (h > 14 || m > 59)
		return false;
	*out = (h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
	return true;
}

static const char *scalar(struct loader *ld, yaml_node_t *n, const struct opt *o)
{
	if (n->type != YAML_SCALAR_NODE) {
		ERR(ld, n, "'%s.%s' must be a single value, not %s", o->section, o->key,
		    type_name(n));
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

/* A plain null scalar: nothing written, ~ or null. */
static bool is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp((const char *)n->data.scalar.value, nulls[i]))
			return true;
	return false;
}

/* A domain name as host_domains keeps it: lowercase, without a leading dot.
 * @return false when it is not one (labels of letters, digits, '-' and '_', 1-63
 * bytes each, 253 in all). */
static bool domain_name(char *d)
{
	if (*d == '.')
		memmove(d, d + 1, strlen(d));
	size_t n = strlen(d), label = 0;
	if (!n || n > 253)
		return false;
	vg_ascii_lower(d, n);
	for (char *c = d; *c; c++) {
		if (*c == '.') {
			if (!label)
				return false;
			label = 0;
		} else if (((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		            *c == '-' || *c == '_') &&
		           ++label <= 63) {
			continue;
		} else {
			return false;
		}
	}
	return label > 0;
}

static bool ascii_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool ascii_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* One entry of a bootstrap list as librdkafka reads it: [proto://]host[:port], host a
 * name, an IPv4 address or an IPv6 one (bracketed when a port follows).  A typo would
 * otherwise show only as a broker that never answers, or as another port: librdkafka
 * reads "9o92" as 9.  @return NULL when it is one, else why not. */
static const char *broker_problem(const char *b, const char *end)
{
	for (const char *p = b; p + 3 <= end; p++) {
		if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
			for (const char *q = b; q < p; q++)
				if (!ascii_alnum(*q) && *q != '_')
					return "the protocol before '://' must be a word "
					       "such as SSL";
			b = p + 3;
			break;
		}
	}
	const char *host = b, *host_end, *port = NULL;
	const char *colon = memchr(b, ':', (size_t)(end - b));
	if (*b == '[') {
		host = b + 1;
		host_end = memchr(host, ']', (size_t)(end - host));
		if (!host_end)
			return "an IPv6 address lacks its closing ']'";
		if (host_end + 1 < end && host_end[1] != ':')
			return "only ':port' may follow an IPv6 address's ']'";
		port = host_end + 1 < end ? host_end + 2 : NULL;
	} else if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
		host_end = end; /* an IPv6 address without a port */
		for (const char *q = host; q < host_end; q++)
			if (!ascii_hex(*q) && *q != ':' && *q != '.')
				return "an IPv6 address has hex digits, ':' and '.' only "
				       "(a port after one needs brackets, as [::1]:9092)";
	} else {
		host_end = colon ? colon : end;
		port = colon ? colon + 1 : NULL;
		for (const char *q = host; q < host_end; q++)
			if (!ascii_alnum(*q) && *q != '.' && *q != '-' && *q != '_')
				return "a host name has letters, digits, '.', '-' and "
				       "'_' "
				       "only";
	}
	if (host == host_end)
		return "it has no host";
	if (port) {
		long v = 0;
		bool ok = port < end && end - port <= 5;
		for (const char *q = port; ok && q < end; q++) {
			ok = *q >= '0' && *q <= '9';
			v = v * 10 + (*q - '0');
		}
		if (!ok || v < 1 || v > 65535)
			return "a port must be a number from 1 to 65535";
	}
	return NULL;
}

/* kafka.brokers: entries separated by commas or spaces (as librdkafka splits them),
 * each checked by broker_problem, every bad one reported at n. */
static void check_brokers(struct loader *ld, const char *list, yaml_node_t *n)
{
	size_t entries = 0;
	for (const char *b = list; *b;) {
		size_t len = strcspn(b, ", ");
		if (len) {
			const char *why = broker_problem(b, b + len);
			entries++;
			if (why)
				vg_diag_error(ld->diag, ld->file, n ? mark_line(n) : 0,
				              n ? mark_col(n) : 0,
				              "'kafka.brokers': '%.*s' is not a broker "
				              "address: %s",
				              (int)len, b, why);
		}
		b += len + (b[len] != '\0');
	}
	if (!entries)
		vg_diag_error(ld->diag, ld->file, n ? mark_line(n) : 0,
		              n ? mark_col(n) : 0, "'kafka.brokers' names no broker");
}

/* A list of strings (a scalar is a list of one): paths, or domain names
 * (domains: checked and kept as domain_name leaves them). */
static void set_strlist(struct loader *ld, yaml_node_t *n, const struct opt *o, void *dst,
                        bool domains)
{
	const char *what = domains ? "domain names" : "paths";
	char ***list = dst;
	size_t *count = (size_t *)((char *)dst + sizeof(char **));
	free_list(*list, *count); /* a default set before */
	*list = NULL;
	*count = 0;
	yaml_node_item_t one = 0;
	yaml_node_item_t *start = &one, *top = &one + 1;
	if (is_null(n)) {
		start = top; /* `paths:` or `paths: ~` -- none */
	} else if (n->type == YAML_SEQUENCE_NODE) {
		start = n->data.sequence.items.start;
		top = n->data.sequence.items.top;
	} else if (n->type != YAML_SCALAR_NODE) {
		ERR(ld, n, "'%s.%s' must be a list of %s, not %s", o->section, o->key,
		    what, type_name(n));
		return;
	}
	size_t len = (size_t)(top - start);
	size_t at = (size_t)(o - g_opts);
	int *where = calloc(2 * (len ? len : 1), sizeof(int));
	*list = calloc(len ? len : 1, sizeof(char *));
	free(ld->cfg->item_where[at]);
	ld->cfg->item_where[at] = where;
	if (!*list || !where) {
		ld->oom = true;
		return;
	}
	for (yaml_node_item_t *it = start; it < top; it++) {
		yaml_node_t *v = it == &one ? n : yaml_document_get_node(ld->doc, *it);
		if (v->type != YAML_SCALAR_NODE || !v->data.scalar.length) {
			ERR(ld, v, "'%s.%s' entries must be non-empty %s", o->section,
			    o->key, what);
			continue;
		}
		char *s = dup_str(ld, (char *)v->data.scalar.value);
		if (s && domains && !domain_name(s)) {
			ERR(ld, v, "'%s.%s': '%s' is not a domain name", o->section,
			    o->key, (char *)v->data.scalar.value);
			free(s);
			continue;
		}
		if (!s)
			continue;
		where[2 * *count] = mark_line(v);
		where[2 * *count + 1] = mark_col(v);
		(*list)[(*count)++] = s;
	}
}

static void set_map(struct loader *ld, yaml_node_t *n, const struct opt *o, void *dst)
{
	struct vg_kv_list *kv = dst;
	if (n->type != YAML_MAPPING_NODE) {
		ERR(ld, n, "'%s.%s' must be a mapping of property: value, not %s",
		    o->section, o->key, type_name(n));
		return;
	}
	size_t len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	kv->items = calloc(len ? len : 1, sizeof(*kv->items));
	kv->lines = calloc(len ? len : 1, sizeof(int));
	kv->cols = calloc(len ? len : 1, sizeof(int));
	if (!kv->items || !kv->lines || !kv->cols) {
		ld->oom = true;
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
		if (k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE) {
			ERR(ld, v, "'%s.%s' values must be single values", o->section,
			    o->key);
			continue;
		}
		const yaml_node_t *prev = vg_yaml_key_before(ld->doc, n, p);
		if (prev) {
			ERR(ld, k, "'%s.%s': '%s' is set twice (first at line %d)",
			    o->section, o->key, (char *)k->data.scalar.value,
			    mark_line(prev));
			continue;
		}
		kv->items[kv->count].name = dup_str(ld, (char *)k->data.scalar.value);
		kv->items[kv->count].value = dup_str(ld, (char *)v->data.scalar.value);
		kv->lines[kv->count] = mark_line(v);
		kv->cols[kv->count] = mark_col(v);
		kv->count++;
	}
}

static void set_inputs(struct loader *ld, yaml_node_t *n, const struct opt *o, void *dst)
{
	static const char *const keys[] = {"topic", "format"};
	struct vg_config *cfg = ld->cfg;
	(void)dst;
	if (n->type != YAML_SEQUENCE_NODE) {
		ERR(ld, n, "'kafka.inputs' must be a list of {topic, format}, not %s",
		    type_name(n));
		return;
	}
	size_t len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	cfg->kafka.inputs = calloc(len ? len : 1, sizeof(struct vg_input));
	if (!cfg->kafka.inputs) {
		ld->oom = true;
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(ld->doc, *it);
		struct vg_input in = {NULL, VG_FMT_AUTO, 0, 0};
		bool topic_written = false; /* reported when bad: no second error */
		if (e->type != YAML_MAPPING_NODE) {
			ERR(ld, e,
			    "each input must be a mapping {topic: NAME, format: FORMAT}");
			continue;
		}
		for (yaml_node_pair_t *p = e->data.mapping.pairs.start;
		     p < e->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
			yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
			const char *key = (const char *)k->data.scalar.value;
			if (k->type != YAML_SCALAR_NODE) {
				ERR(ld, k, "an input's keys are topic and format, not %s",
				    type_name(k));
				continue;
			}
			if (v->type != YAML_SCALAR_NODE) {
				ERR(ld, v, "input '%s' must be a single value", key);
				continue;
			}
			const yaml_node_t *prev = vg_yaml_key_before(ld->doc, e, p);
			if (prev) {
				ERR(ld, k,
				    "input key '%s' is set twice (first at line %d)", key,
				    mark_line(prev));
				continue;
			}
			const char *val = (const char *)v->data.scalar.value;
			if (!strcmp(key, "topic")) {
				topic_written = true;
				const struct vg_input *same = NULL;
				for (size_t j = 0; j < cfg->kafka.ninputs && !same; j++)
					if (!strcmp(cfg->kafka.inputs[j].topic, val))
						same = &cfg->kafka.inputs[j];
				if (!*val || is_null(v)) {
					ERR(ld, v, "input topic must not be empty");
				} else if (same) {
					ERR(ld, v,
					    "input topic '%s' is listed twice (first at "
					    "%d:%d)",
					    val, same->line, same->col);
				} else {
					in.topic = dup_str(ld, val);
					in.line = mark_line(v);
					in.col = mark_col(v);
				}
			} else if (!strcmp(key, "format")) {
				if (!vg_format_from_name(val, &in.format))
					ERR(ld, v,
					    "unknown input format '%s' (expected auto, "
					    "syslog, rfc3164, rfc5424, json, auditd or "
					    "aitads)",
					    val);
			} else {
				const char *sugg = vg_closest(key, keys, 2);
				if (sugg)
					ERR(ld, k,
					    "unknown key '%s' in input (did you mean "
					    "'%s'?)",
					    key, sugg);
				else
					ERR(ld, k, "unknown key '%s' in input", key);
			}
		}
		if (!in.topic) {
			if (!topic_written)
				ERR(ld, e, "input needs a 'topic'");
			continue;
		}
		cfg->kafka.inputs[cfg->kafka.ninputs++] = in;
	}
	if (!cfg->kafka.ninputs && len == 0)
		ERR(ld, n, "'%s.%s' must name at least one topic", o->section, o->key);
}

/* correlation.stop_values: {type: [value, ...], ...} -> "type:value" strings. */
static void set_stopvalues(struct loader *ld, yaml_node_t *n, const struct opt *o,
                           void *dst)
{
	static const char *const types[] = {"ip", "host", "user", "process", "hash"};
	char ***list = dst;
	size_t *count = (size_t *)((char *)dst + sizeof(char **));
	if (n->type != YAML_MAPPING_NODE) {
		ERR(ld, n, "'%s.%s' must be a mapping of entity type to a list of values",
		    o->section, o->key);
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
		const char *type = (const char *)k->data.scalar.value;
		bool known = false;
		for (size_t i = 0; i < 5 && k->type == YAML_SCALAR_NODE; i++)
			known |= !strcmp(type, types[i]);
		if (!known) {
			const char *sugg = k->type == YAML_SCALAR_NODE
			                       ? vg_closest(type, types, 5)
			                       : NULL;
			ERR(ld, k,
			    "unknown entity type in '%s.%s'%s%s%s (expected ip, "
			    "host, user, process or hash)",
			    o->section, o->key, sugg ? " (did you mean '" : "",
			    sugg ? sugg : "", sugg ? "'?)" : "");
			continue;
		}
		const yaml_node_t *prev = vg_yaml_key_before(ld->doc, n, p);
		if (prev) {
			ERR(ld, k, "'%s.%s': '%s' is set twice (first at line %d)",
			    o->section, o->key, type, mark_line(prev));
			continue;
		}
		if (v->type != YAML_SEQUENCE_NODE) {
			ERR(ld, v, "'%s.%s.%s' must be a list of values", o->section,
			    o->key, type);
			continue;
		}
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(ld->doc, *it);
			if (e->type != YAML_SCALAR_NODE || !e->data.scalar.length) {
				ERR(ld, e, "'%s.%s.%s' entries must be non-empty values",
				    o->section, o->key, type);
				continue;
			}
			char **nl = realloc(*list, (*count + 1) * sizeof(char *));
			size_t len = strlen(type) + 2 + e->data.scalar.length;
			char *sv = malloc(len);
			if (!nl || !sv) {
				if (nl)
					*list = nl;
				free(sv);
				ld->oom = true;
				return;
			}
			*list = nl;
			snprintf(sv, len, "%s:%s", type, (char *)e->data.scalar.value);
			(*list)[(*count)++] = sv;
		}
	}
}

static void set_value(struct loader *ld, yaml_node_t *n, const struct opt *o)
{
	void *dst = (char *)ld->cfg + o->off;
	const char *s;
	int64_t iv;
	double dv;
	vg_time tv;

	switch (o->type) {
	case T_STR:
		if (!(s = scalar(ld, n, o)))
			return;
		if (!*s || is_null(n)) { /* "~" or null was a group id, a store "null" */
			ERR(ld, n, "'%s.%s' must not be empty", o->section, o->key);
			return;
		}
		free(*(char **)dst);
		*(char **)dst = dup_str(ld, s);
		return;
	case T_INT:
		if (!(s = scalar(ld, n, o)))
			return;
		if (!vg_parse_int64(s, &iv)) {
			ERR(ld, n, "'%s.%s' must be a whole number, not '%s'", o->section,
			    o->key, s);
			return;
		}
		if ((double)iv < o->min || (double)iv > o->max) {
			ERR(ld, n, "'%s.%s' must be between %.0f and %.0f, not %lld",
			    o->section, o->key, o->min, o->max, (long long)iv);
			return;
		}
		*(int64_t *)dst = iv;
		return;
	case T_DOUBLE:
		if (!(s = scalar(ld, n, o)))
			return;
		if (!vg_parse_double(s, &dv) || dv < o->min || dv > o->max) {
			ERR(ld, n, "'%s.%s' must be a number between %g and %g, not '%s'",
			    o->section, o->key, o->min, o->max, s);
			return;
		}
		*(double *)dst = dv;
		return;
	case T_DURATION:
		if (!(s = scalar(ld, n, o)))
			return;
		if (!parse_duration(s, &tv)) {
			ERR(ld, n,
			    "'%s.%s' must be a duration like 500ms, 90s, 5m, 1h or 2d, "
			    "not '%s'",
			    o->section, o->key, s);
			return;
		}
		if ((double)tv < o->min * (double)VG_USEC_PER_SEC ||
		    (double)tv > o->max * (double)VG_USEC_PER_SEC) {
			ERR(ld, n, "'%s.%s' must be between %gs and %gs, not '%s'",
			    o->section, o->key, o->min, o->max, s);
			return;
		}
		*(vg_time *)dst = tv;
		return;
	case T_UTCOFFSET:
		if (!(s = scalar(ld, n, o)))
			return;
		if (!parse_utc_offset(s, &iv)) {
			ERR(ld, n,
			    "'%s.%s' must be a UTC offset like +02:00 or -05:30, not "
			    "'%s'",
			    o->section, o->key, s);
			return;
		}
		*(int64_t *)dst = iv;
		return;
	case T_BANDS: {
		double b[3];
		size_t k = 0;
		bool ok = n->type == YAML_SEQUENCE_NODE;
		for (yaml_node_item_t *it = ok ? n->data.sequence.items.start : NULL;
		     ok && it < n->data.sequence.items.top; it++) {
			yaml_node_t *v = yaml_document_get_node(ld->doc, *it);
			ok = k < 3 && v->type == YAML_SCALAR_NODE &&
			     vg_parse_double((char *)v->data.scalar.value, &b[k]) &&
			     b[k] >= 0 && b[k] <= 1 && (k == 0 || b[k] > b[k - 1]);
			k++;
		}
		if (!ok || k != 3) {
			ERR(ld, n,
			    "'%s.%s' must be three ascending scores between 0 and 1",
			    o->section, o->key);
			return;
		}
		memcpy(dst, b, sizeof(b));
		return;
	}
	case T_STRLIST: set_strlist(ld, n, o, dst, false); return;
	case T_DOMAINS: set_strlist(ld, n, o, dst, true); return;
	case T_MAP: set_map(ld, n, o, dst); return;
	case T_INPUTS: set_inputs(ld, n, o, dst); return;
	case T_STOPVALUES: set_stopvalues(ld, n, o, dst); return;
	case T_BOOL:
		if (!(s = scalar(ld, n, o)))
			return;
		if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))
			*(bool *)dst = true;
		else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))
			*(bool *)dst = false;
		else
			ERR(ld, n, "'%s.%s' must be true or false, not '%s'", o->section,
			    o->key, s);
		return;
	}
}

static const struct opt *find_opt(const char *section, const char *key)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (!strcmp(g_opts[i].section, section) && !strcmp(g_opts[i].key, key))
			return &g_opts[i];
	return NULL;
}

static void unknown_key(struct loader *ld, yaml_node_t *k, const char *section,
                        const char *key)
{
	const char *cands[NOPTS];
	size_t n = 0;
	for (size_t i = 0; i < NOPTS; i++)
		if (!strcmp(g_opts[i].section, section))
			cands[n++] = g_opts[i].key;
	const char *sugg = vg_closest(key, cands, n);
	if (sugg)
		ERR(ld, k, "unknown key '%s' in section '%s' (did you mean '%s'?)", key,
		    section, sugg);
	else
		ERR(ld, k, "unknown key '%s' in section '%s'", key, section);
}

/* Apply every default by loading it as if it were in the file. */
static void apply_defaults(struct loader *ld)
{
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &g_opts[i];
		yaml_parser_t parser;
		yaml_document_t doc;
		if (!o->def)
			continue;
		yaml_parser_initialize(&parser);
		yaml_parser_set_input_string(&parser, (const unsigned char *)o->def,
		                             strlen(o->def));
		if (yaml_parser_load(&parser, &doc)) {
			yaml_document_t *saved = ld->doc;
			ld->doc = &doc;
			set_value(ld, yaml_document_get_root_node(&doc), o);
			ld->doc = saved;
			free(ld->cfg->item_where[i]); /* a default was not written */
			ld->cfg->item_where[i] = NULL;
			yaml_document_delete(&doc);
		}
		yaml_parser_delete(&parser);
	}
}

/* The value node of section.key in the document, or NULL when not written. */
static yaml_node_t *value_node(struct loader *ld, yaml_node_t *root, const char *section,
                               const char *key)
{
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
		if (k->type != YAML_SCALAR_NODE || v->type != YAML_MAPPING_NODE ||
		    strcmp((const char *)k->data.scalar.value, section))
			continue;
		for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
		     q < v->data.mapping.pairs.top; q++) {
			yaml_node_t *kk = yaml_document_get_node(ld->doc, q->key);
			if (kk->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)kk->data.scalar.value, key))
				return yaml_document_get_node(ld->doc, q->value);
		}
	}
	return NULL;
}

vg_time vg_config_restart_span(const struct vg_config *cfg)
{
	/* a restart reopens the incidents of two gaps and counts the alerts of
	 * stop_window for the automatic stop-values (engine/pipeline.c,
	 * restore_open_incidents) */
	const vg_time gaps = 2 * cfg->correlation.incident_gap;
	return (cfg->correlation.stop_window > gaps ? cfg->correlation.stop_window
	                                            : gaps) +
	       cfg->correlation.allowed_lateness;
}

static void check_semantics(struct loader *ld, yaml_node_t *root)
{
	struct vg_config *cfg = ld->cfg;
	yaml_node_t *n = value_node(ld, root, "store", "retention");
	vg_time least = vg_config_restart_span(cfg);
	if (n && cfg->store.retention > 0 && cfg->store.retention < least)
		ERR(ld, n,
		    "'store.retention' must be 0 (keep everything) or at least %llds %s",
		    (long long)(least / VG_USEC_PER_SEC),
		    cfg->correlation.stop_window > 2 * cfg->correlation.incident_gap
		        ? "(correlation.stop_window + correlation.allowed_lateness): a "
		          "restart counts the alerts of that long for the automatic "
		          "stop-values"
		        : "(2 x correlation.incident_gap + "
		          "correlation.allowed_lateness): "
		          "incidents younger than that can still grow");
	if (cfg->kafka.brokers && strcmp(cfg->kafka.brokers, "embedded"))
		check_brokers(ld, cfg->kafka.brokers,
		              value_node(ld, root, "kafka", "brokers"));
	for (size_t i = 0; i < cfg->kafka.ninputs; i++) {
		/* at the input's topic, or at the other topic's setting when the
		 * input is the default one */
		const struct vg_input *in = &cfg->kafka.inputs[i];
		const char *t = in->topic;
		static const char *const other[] = {"output_topic", "dead_letter_topic"};
		const char *name[] = {cfg->kafka.output_topic,
		                      cfg->kafka.dead_letter_topic};
		for (size_t k = 0; k < 2; k++) {
			if (!name[k] || strcmp(t, name[k]))
				continue;
			yaml_node_t *at = value_node(ld, root, "kafka", other[k]);
			vg_diag_error(ld->diag, ld->file,
			              in->line ? in->line
			              : at     ? mark_line(at)
			                       : mark_line(root),
			              in->line ? in->col
			              : at     ? mark_col(at)
			                       : mark_col(root),
			              "input topic '%s' is also the %s topic", t,
			              k ? "dead-letter" : "output");
		}
	}
}

static vg_err load_doc(struct loader *ld, yaml_node_t *root)
{
	if (root && root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)
		root = NULL; /* an empty file: all defaults */
	if (root && root->type != YAML_MAPPING_NODE) {
		ERR(ld, root, "the configuration must be a mapping of sections (%s)",
		    "kafka, rules, decoders, model, store, correlation, engine");
		return VG_ERR_CONFIG;
	}
	for (yaml_node_pair_t *p = root ? root->data.mapping.pairs.start : NULL;
	     root && p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
		const char *section = (const char *)k->data.scalar.value;
		bool known = false;
		if (k->type != YAML_SCALAR_NODE) {
			ERR(ld, k, "section names must be plain words");
			continue;
		}
		for (size_t i = 0; i < NSECTIONS; i++)
			known |= !strcmp(section, g_sections[i]);
		if (!known) {
			const char *sugg = vg_closest(section, g_sections, NSECTIONS);
			if (sugg)
				ERR(ld, k, "unknown section '%s' (did you mean '%s'?)",
				    section, sugg);
			else
				ERR(ld, k,
				    "unknown section '%s' (expected kafka, rules, "
				    "decoders, model, store, correlation or engine)",
				    section);
			continue;
		}
		const yaml_node_t *first = vg_yaml_key_before(ld->doc, root, p);
		if (first) {
			ERR(ld, k, "section '%s' is set twice (first at line %d)",
			    section, mark_line(first));
			continue;
		}
		if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0)
			continue; /* "store:" with nothing under it */
		if (v->type != YAML_MAPPING_NODE) {
			ERR(ld, v, "section '%s' must be a mapping, not %s", section,
			    type_name(v));
			continue;
		}
		for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
		     q < v->data.mapping.pairs.top; q++) {
			yaml_node_t *kk = yaml_document_get_node(ld->doc, q->key);
			yaml_node_t *vv = yaml_document_get_node(ld->doc, q->value);
			if (kk->type != YAML_SCALAR_NODE) {
				ERR(ld, kk, "keys must be plain words");
				continue;
			}
			const char *key = (const char *)kk->data.scalar.value;
			const struct opt *o = find_opt(section, key);
			const yaml_node_t *prev = vg_yaml_key_before(ld->doc, v, q);
			if (prev) {
				ERR(ld, kk, "key '%s.%s' is set twice (first at line %d)",
				    section, key, mark_line(prev));
				o = NULL;
			}
			if (!o) {
				if (!find_opt(section, key))
					unknown_key(ld, kk, section, key);
				continue;
			}
			set_value(ld, vv, o);
			size_t at = (size_t)(o - g_opts);
			ld->cfg->where[2 * at] = mark_line(vv);
			ld->cfg->where[2 * at + 1] = mark_col(vv);
		}
	}
	if (!ld->cfg->kafka.ninputs) {
		free(ld->cfg->kafka.inputs); /* a list with no valid input: reported */
		ld->cfg->kafka.inputs = calloc(1, sizeof(struct vg_input));
		if (ld->cfg->kafka.inputs) {
			ld->cfg->kafka.inputs[0].topic = dup_str(ld, "syslog");
			ld->cfg->kafka.inputs[0].format = VG_FMT_AUTO;
			ld->cfg->kafka.ninputs = 1;
		}
	}
	if (root)
		check_semantics(ld, root);
	return VG_OK;
}

/* keep: on errors in values (the YAML itself read), *out is still set. */
static vg_err load_string(const char *name, const char *yaml, size_t len,
                          struct vg_config **out, struct vg_diag *diag, bool keep)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	size_t errors_before = diag->errors;
	struct vg_config *cfg = calloc(1, sizeof(*cfg));
	struct loader ld = {NULL, name, diag, cfg, false};
	vg_err err = VG_OK;

	if (!cfg || !(cfg->file = strdup(name)) ||
	    !(cfg->where = calloc(2 * NOPTS, sizeof(int))) ||
	    !(cfg->item_where = calloc(NOPTS, sizeof(int *)))) {
		vg_config_destroy(cfg);
		return VG_ERR_NOMEM;
	}
	apply_defaults(&ld);
	if (!yaml_parser_initialize(&parser)) {
		vg_config_destroy(cfg);
		return VG_ERR_NOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&parser, &doc)) {
		vg_yaml_error(diag, name, &parser, (const unsigned char *)yaml, len,
		              NULL);
		yaml_parser_delete(&parser);
		vg_config_destroy(cfg);
		return VG_ERR_CONFIG;
	}
	ld.doc = &doc;
	load_doc(&ld, yaml_document_get_root_node(&doc));
	bool more = yaml_document_get_root_node(&doc) != NULL;
	yaml_document_delete(&doc);
	/* A second document ("---" and more keys) was read by no one: the settings
	 * in it silently did nothing. */
	if (more && !yaml_parser_load(&parser, &doc)) {
		vg_yaml_error(diag, name, &parser, (const unsigned char *)yaml, len,
		              NULL);
	} else if (more) {
		if (yaml_document_get_root_node(&doc))
			vg_diag_error(diag, name, (int)doc.start_mark.line + 1,
			              (int)doc.start_mark.column + 1,
			              "a config file holds one YAML document");
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	if (ld.oom)
		err = VG_ERR_NOMEM;
	else if (diag->errors > errors_before)
		err = VG_ERR_CONFIG;
	if (err && !(keep && err == VG_ERR_CONFIG)) {
		vg_config_destroy(cfg);
		return err;
	}
	*out = cfg;
	return err;
}

vg_err vg_config_load_string(const char *name, const char *yaml, size_t len,
                             struct vg_config **out, struct vg_diag *diag)
{
	return load_string(name, yaml, len, out, diag, false);
}

static vg_err load_file(const char *path, struct vg_config **out, struct vg_diag *diag,
                        bool keep)
{
	struct vg_buf b;
	vg_buf_init(&b);
	if (vg_buf_read_file(&b, path) != VG_OK) {
		vg_diag_error(diag, path, 0, 0, "cannot read: %s", strerror(errno));
		vg_buf_free(&b);
		return VG_ERR_IO;
	}
	vg_err err = load_string(path, b.data ? b.data : "", b.len, out, diag, keep);
	vg_buf_free(&b);
	return err;
}

vg_err vg_config_load_file(const char *path, struct vg_config **out, struct vg_diag *diag)
{
	return load_file(path, out, diag, false);
}

vg_err vg_config_load_file_partial(const char *path, struct vg_config **out,
                                   struct vg_diag *diag)
{
	*out = NULL;
	return load_file(path, out, diag, true);
}

void vg_config_destroy(struct vg_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->file);
	free(cfg->where);
	for (size_t i = 0; cfg->item_where && i < NOPTS; i++)
		free(cfg->item_where[i]);
	free(cfg->item_where);
	free(cfg->kafka.brokers);
	free(cfg->kafka.group_id);
	for (size_t i = 0; i < cfg->kafka.ninputs; i++)
		free(cfg->kafka.inputs[i].topic);
	free(cfg->kafka.inputs);
	free(cfg->kafka.output_topic);
	free(cfg->kafka.dead_letter_topic);
	for (size_t i = 0; i < cfg->kafka.librdkafka.count; i++) {
		free(cfg->kafka.librdkafka.items[i].name);
		free(cfg->kafka.librdkafka.items[i].value);
	}
	free(cfg->kafka.librdkafka.items);
	free(cfg->kafka.librdkafka.lines);
	free(cfg->kafka.librdkafka.cols);
	free_list(cfg->rules.paths, cfg->rules.npaths);
	free_list(cfg->decoders.paths, cfg->decoders.npaths);
	free(cfg->model.path);
	free(cfg->store.path);
	free_list(cfg->correlation.stop_values, cfg->correlation.nstop_values);
	free_list(cfg->correlation.host_domains, cfg->correlation.nhost_domains);
	free_list(cfg->correlation.account_domains, cfg->correlation.naccount_domains);
	free(cfg);
}

void vg_config_where(const struct vg_config *cfg, const char *section, const char *key,
                     int *line, int *col)
{
	const struct opt *o = find_opt(section, key);
	size_t at = o ? (size_t)(o - g_opts) : 0;
	*line = o && cfg->where ? cfg->where[2 * at] : 0;
	*col = o && cfg->where ? cfg->where[2 * at + 1] : 0;
}

void vg_config_where_item(const struct vg_config *cfg, const char *section,
                          const char *key, size_t i, int *line, int *col)
{
	const struct opt *o = find_opt(section, key);
	const int *where = NULL;
	if (o && (o->type == T_STRLIST || o->type == T_DOMAINS) && cfg->item_where) {
		/* the list's count follows its pointer (set_strlist) */
		size_t count =
		    *(const size_t *)((const char *)cfg + o->off + sizeof(char **));
		if (i < count)
			where = cfg->item_where[o - g_opts];
	}
	*line = where ? where[2 * i] : 0;
	*col = where ? where[2 * i + 1] : 0;
}

vg_err vg_config_append(struct vg_config *cfg, const char *section, const char *key,
                        const char *value)
{
	const struct opt *o = find_opt(section, key);
	if (!o || o->type != T_STRLIST || !value || !value[0])
		return VG_ERR_INVALID;
	char ***list = (char ***)((char *)cfg + o->off);
	size_t *count = (size_t *)((char *)cfg + o->off + sizeof(char **));
	size_t at = (size_t)(o - g_opts);
	char **nl = realloc(*list, (*count + 1) * sizeof(char *));
	if (!nl)
		return VG_ERR_NOMEM;
	*list = nl;
	/* the entry has no position in the file: (0, 0), as vg_config_where_item
	 * reports for an entry the file did not write */
	int *where = cfg->item_where
	                 ? realloc(cfg->item_where[at], 2 * (*count + 1) * sizeof(int))
	                 : NULL;
	if (cfg->item_where && !where)
		return VG_ERR_NOMEM;
	if (where) {
		if (!cfg->item_where[at]) /* none kept yet: the earlier entries too */
			memset(where, 0, 2 * *count * sizeof(int));
		where[2 * *count] = where[2 * *count + 1] = 0;
		cfg->item_where[at] = where;
	}
	if (!(nl[*count] = strdup(value)))
		return VG_ERR_NOMEM;
	(*count)++;
	return VG_OK;
}

struct vg_named_at *vg_config_named_at(const struct vg_config *cfg, const char *section,
                                       const char *key, size_t n)
{
	struct vg_named_at *at = calloc(n ? n : 1, sizeof(*at));
	for (size_t i = 0; at && i < n; i++) {
		vg_config_where_item(cfg, section, key, i, &at[i].line, &at[i].col);
		at[i].file = at[i].line ? cfg->file : NULL;
	}
	return at;
}

void vg_config_describe(FILE *out)
{
	const char *section = "";
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &g_opts[i];
		if (strcmp(section, o->section)) {
			section = o->section;
			fprintf(out, "%s:\n", section);
		}
		fprintf(out, "  %-24s %s%s%s%s\n", o->key, o->desc,
		        o->def ? " (default: " : "", o->def ? o->def : "",
		        o->def ? ")" : "");
	}
}
