/*
 * assemble.c - L3: alerts that share an entity join one incident.
 *
 * An open incident owns its alerts and entities.  Two indexes find incidents fast:
 * linking entity key ("ip:203.0.113.7", "user:deploy@web01") -> the open incidents
 * holding it, and alert id -> incident for the alerts it details (so a replayed
 * alert is recognised and changes nothing; one past max_alerts_kept, which leaves
 * no id behind to unindex it by when the incident merges or expires, is counted
 * again, as it would be after a restart, and opens its own incident's id again
 * when it was a merged-away incident's first alert and links to nothing).  An
 * alert joins every joinable incident holding one of its linking values; when
 * there are several they merge into the oldest one (smallest first_ts, then
 * smallest id), whose id survives, the others being absorbed in (first_ts, id)
 * order.  Incident ids are a hash of the first alert's id, and alert ids are
 * deterministic, so the same input in the same order gives the same incidents.
 * Time is event time, given by the caller.  An incident keeps at most
 * max_entities_kept entities (10,000): a new one past it is counted in
 * entities_dropped, neither kept nor linked (an incident fed from ever-new
 * addresses grew without bound, ~170 bytes an alert).
 *
 * An incident quiet for longer than the inactivity gap at an alert's own time is
 * closed for that alert, so the result never depends on when vg_assembler_expire
 * runs; expire only frees memory.  An alert given out of time order (a late
 * event's) does not join an incident that starts more than a gap after it either.
 *
 * Linking (see link_keys): strong keys - source IPs, users on a host, processes
 * and parent processes on a host ("path@host": the same binary runs everywhere),
 * file hashes - link any alert; weak keys - the host (when link_hosts) and the
 * account across hosts - are tried only when no strong key linked, and only into
 * an incident with a notable alert (high/critical or a correlation) within the gap:
 * an attack's story follows it to the next host, benign activity on a busy host
 * stays in small incidents.  Stop-values never link: the configured list, and values
 * detected automatically because at least stop_max_alerts alerts carried them
 * within stop_window (by last_ts) before the alert at hand (a busy server, root,
 * a scanner hitting everyone).  Values that name nothing never become entities
 * (vg_entity_value_ok): the placeholder "-" of Windows Security events and web logs
 * ("no account", "no address"), and loopback or unspecified source addresses,
 * which are the alert's own host wherever they appear -- as keys they glued
 * failed logons on unrelated hosts into one incident.  An address is known by its
 * canonical text (vg_entity_canonical): Windows' ::ffff:203.0.113.7 is the
 * 203.0.113.7 a firewall or Suricata names; a host by its lowercase name, and an
 * alert's host.name is replaced by it on arrival (with_canonical_names), so keys,
 * per-host entities and the alert's kept fields agree: Sysmon's WS01.corp is the
 * ws01.corp of a syslog relay.  An account of a configured directory domain
 * (conf.account_domains) is known by its bare name, in lowercase, the same way:
 * Sysmon's CORP\alice is the alice of a Windows Security event or an sshd log.  The
 * detection reads only alerts held by incidents an alert could still join or that ended
 * within the window, which is exactly what a restart gives back: the alerts of the
 * incidents it restores (vg_assembler_restore indexes them the same way) and, when
 * stop_window reaches past those (longer than about two gaps), of the incidents
 * closed within it (vg_assembler_restore_rate; engine/pipeline.c,
 * restore_open_incidents), so a restarted engine decides as an uninterrupted one
 * would.  Each alert a stop-value kept from linking is counted per
 * value (vg_assembler_take_stops). Alerts past max_alerts_kept are counted in the
 * rate while the engine runs, but are not restored; past that bound a restart may
 * decide differently there.  A notable one makes its incident (and what it merges
 * into) notable, and that is stored (vg_incident.notable_last) and restored.
 *
 * Third-party alerts (fields rule.id or rule.name: the other detector's signature;
 * their incident alert is titled by rule.name, the Vigil rule stays in rule_id)
 * also link by their signature on their host ("sig:W-Sys-Cav@mail", sig_key): a
 * detector repeating one signature on one host is one incident per inactivity gap,
 * not one incident per alert.  Signature keys are strong and never stop-values
 * (a repeated signature is exactly what they group); they live in the same index
 * as entity keys, recorded per incident (open_inc.sigs, also for alerts past
 * max_alerts_kept) and rebuilt from the alerts' fields on restore.  The assembler
 * also keeps, per (host, signature), how many runs (separated by more than the gap)
 * the stream has shown and, per signature, on how many hosts: each third-party
 * alert's incident takes both in (has_sig, sig_runs_min, sig_hosts_max), in
 * assembly order, for the ranking features.  The tables are handed to the caller
 * for storage (vg_assembler_take_sig_stats) and given back on restart; they grow
 * with the distinct (host, signature) pairs, not with alerts.
 *
 * Network novelty: a "pair" is an alert's (host, signature) for third-party alerts
 * or (host, rule) for Vigil's own ("pair:<rule>@<host>").  A third-party alert's
 * signature there is its rule.id and rule.name together ("pair:sig:<id>|<name>@<host>";
 * its "sig:" key when it has only one of them): where the id names a family --
 * AIT-ADS' A-Aud-Com6 is AMiner's "New user_acct (user_auth, user_cmd, ...)
 * parameter combination in Audit logs" -- a never-seen member is news on a host
 * that has long shown its siblings (in AIT-ADS, mostly the attacker's own); where
 * id and name go one to one (Wazuh's rule ids, Suricata's signature ids) it is the
 * id.  A family shows at most PAIR_NAMES_MAX names per host as pairs of their own
 * (counted in a "names:<sig key>" row); past that its new names are its id's pair,
 * no news: a rule whose description carries the event's values (Wazuh's dynamic
 * fields) would otherwise make every alert a novelty.  Incidents still group by
 * the id (sig_key).  A stream restored from a store
 * made before these pairs (no "stream:named-pairs" row) starts again, warm-up and
 * all, rather than take every known (id, name) for news.  When a
 * pair is seen for the first time in the stream, past novelty_warmup after the
 * stream's first alert (everything is new to a fresh engine), that is a novelty at
 * the alert's time t: every open incident whose first alert is within the gap of
 * t, either side (other than the alert's own), counts it in network_novelty and is
 * reported by vg_assembler_take_touched for re-ranking, and a new incident counts
 * the remembered novelties within the gap of its first alert.  So an incident's
 * count is the number of novelties within one gap of its first alert, whichever
 * was assembled first (detectors deliver late: an AMiner alert can arrive after
 * alerts raised later): a lone anomaly raised while never-seen activity appears
 * across the network stands out from the same anomaly on a quiet day.  The bound is
 * the gap around the first alert, so a long-running incident does not soak up every
 * novelty of its lifetime.  Both sides reach two gaps behind the newest alert:
 * novelties are remembered that long (an alert later than that misses the older
 * ones), and a novelty is counted only by incidents whose first alert is within
 * them (a novelty more than a gap behind the newest alert misses the incidents
 * that started before those two gaps).  The count saturates at
 * NETWORK_NOVELTY_MAX (64), as host neighbours do: each novelty re-ranks (and so
 * re-stores) every incident it counts in, and without a bound every open incident
 * within the gap was re-stored for every novelty -- tens of thousands of
 * incidents per novelty on a host scanned from new sources, for each of a busy
 * network's novelties.  Cost per novelty: a pass over the incidents that can
 * still count one (not saturated, first alert within two gaps of the newest; the
 * others leave the list for good, as neither condition can turn back), not over
 * every open incident -- a scanned host keeps tens of thousands open, and reading
 * them all took about 1 ms per novelty; cost per opening: a binary search of the
 * remembered novelties, kept in time order.  The stream's start ("stream:start")
 * and each novelty ("novel:<pair>", its time) are statistics rows too, so a
 * restarted engine counts as an uninterrupted one would.
 *
 * Host neighbours: an incident's host is the host of the pair of the alert that
 * opened it (the part of the pair key after its last '@'; none when empty).
 * host_neighbours counts the other incidents opened on the same host within the
 * gap of its first alert, either side, whichever was assembled first, in the same
 * way as network novelty (remembered openings, touched incidents): an attacker
 * working on a host raises several signatures there at once, each its own
 * (host, signature) incident, while a benign stream usually raises one.  As for
 * novelties, openings within novelty_warmup of the stream's start neither count
 * nor are counted: a fresh engine opens every stream of every host at once.
 * The count saturates at HOST_NEIGHBOURS_MAX (64).
 * Openings are remembered for two gaps, and stored as statistics rows
 * ("open<slot>:<pair>", the opening's time: a new opening takes the slot of the
 * pair's oldest remembered opening once that is forgotten, else a new one, so every
 * remembered opening has a row -- the openings of a signature's pair are more than
 * a gap apart and need two slots, several incidents of one of Vigil's own rules
 * open on one host at once, their alerts sharing no entity, need more; rows are
 * reused, never deleted: a pair keeps as many as it once needed at once).  On
 * restore an incident's host is taken from its earliest detailed alert, which is
 * the one that opened it unless a late alert from another host came before it (an
 * incident of the engine's own alerts linked across hosts).  An opening costs a
 * binary search of its host's openings and a pass over the host's incidents that
 * can still be counted (struct host_ix), not over all of them.
 *
 * Host memory: a new incident also counts the novelties on its host within
 * host_memory (24 h by default, as the warm-up) before its first alert, its own
 * pair's excluded (host_prior_novelties).  A step of an attack can come hours
 * after the noisy ones -- a user changed on the web server ten hours after it was
 * scanned and broken into -- and alone looks like the host's everyday anomalies;
 * the host's recent history of never-seen activity is what sets it apart.  Counted
 * once, when the incident opens (a novelty assembled later, from a late alert, is
 * not added: it would re-rank every incident of the host for a day).  Each host
 * remembers its novelties for host_memory and two gaps behind the newest alert
 * (struct host_ix.novel), rebuilt on restart from the "novel:<pair>" rows.
 */
#include "vg_correlate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct open_inc {
	struct vg_incident inc; /* its notable_last: see vg_correlate.h */
	size_t alerts_cap;
	size_t entities_cap;
	/* past ENT_SMALL entities, (type, value) -> index + 1 (0: empty), open
	 * addressing, at most half full (see find_entity) */
	uint32_t *ent_tab;
	uint32_t ent_tab_cap; /* a power of two, or 0 */
	char **sigs;          /* signature keys of its alerts (see sig_key), indexed */
	size_t nsigs, sigs_cap;
	struct host_ix *hix; /* the host of the pair that opened it; NULL: none */
	bool touched;        /* listed in vg_assembler.touched */
	bool nov_listed;     /* in vg_assembler.nov_inc */
	/* its position in vg_assembler.open, in hix->inc and in vg_assembler.nov_inc,
	 * so closing it costs O(1) (the arrays are unordered: the last entry moves
	 * into the hole) */
	uint32_t open_ix, hix_ix, nov_ix;
};

/* host_neighbours saturates here, so a busy host re-ranks each of its incidents at
 * most this many times for its neighbours (and keeps the count meaningful). */
#define HOST_NEIGHBOURS_MAX 64
/* network_novelty saturates here, for the same reason (see Network novelty). */
#define NETWORK_NOVELTY_MAX 64

/* Signature and pair keys: a signature is kept to SIG_TEXT_MAX bytes and a host to
 * VG_ENTITY_VALUE_MAX - 1, so "sig:<signature>@<host>" always fits KEY_MAX with
 * the host after its last '@' (the statistics and host neighbours read it there),
 * and so does every statistics key made of one ("open<slot>:<pair>" the longest):
 * a key cut short would never leave vg_assembler_take_sig_stats's dirty set (it
 * deletes by the row's copy), and its caller would drain forever. */
#define SIG_TEXT_MAX 256
#define KEY_MAX      (sizeof("pair:sig:@") + SIG_TEXT_MAX + VG_ENTITY_VALUE_MAX)
_Static_assert(sizeof("open4294967295:") - 1 + KEY_MAX <= VG_SIG_STAT_KEY_MAX,
               "a statistics row holds every statistics key");

/* Times kept in order, forgotten from the front: v[head .. n), in time order
 * unless unsorted (restored entries are appended and sorted at next use). */
struct time_queue {
	vg_time *v;
	size_t head, n, cap;
	bool unsorted;
};

/* Per host (the part of a pair key after its last '@'): the open incidents opened
 * on it that a later opening can still count, and its incident openings of the last
 * two gaps (host neighbours).  An opening costs a binary search of the openings and
 * a pass over the incidents listed, which holds only those not yet saturated
 * (HOST_NEIGHBOURS_MAX) and not too old for a later opening (first alert more
 * than two gaps before the newest, as the openings are pruned): a host scanned from
 * a new source every second opens a new incident each time (the host alone links
 * nothing), and before this an opening passed over every incident and opening of
 * the host -- 36,000 of each after an hour, milliseconds per alert, growing. */
struct host_ix {
	struct open_inc **inc; /* listed open incidents opened on it, unordered */
	size_t n, cap;
	struct time_queue opened; /* openings past the warm-up, of the last two gaps */
	/* its novelties (host memory), of the last host_memory and two gaps */
	struct time_queue novel;
};

/* Per pair: the slots of its "open<slot>:<pair>" statistics rows.  A new opening
 * takes the slot of the pair's oldest remembered opening when that opening is
 * forgotten (more than two gaps before the newest alert), else a new slot, so every
 * remembered opening keeps a row and a pair has as many rows as it once needed at
 * once; queue: (slot, opening time) in the order taken (time order but for late
 * alerts; restored ones sorted at next use). */
struct pair_slots {
	struct slot_at {
		uint32_t slot;
		vg_time ts;
	} * q;
	size_t head, n, cap; /* q[head .. n) */
	uint32_t nslots;
	bool unsorted;
};

/* Open incidents holding one linking value (several only when it was a stop-value
 * at some point).  Few incidents share a value, so a small inline array serves;
 * past IX_SMALL (a busy host that became a stop-value can be named by hundreds of
 * thousands of incidents) a map keyed by incident id keeps adding and removing
 * O(1).  Iteration order does not matter: linked incidents are sorted before use. */
#define IX_SMALL 8
struct ent_ix {
	struct open_inc *small[IX_SMALL];
	uint32_t n;            /* entries in small (big == NULL) */
	struct vg_strmap *big; /* incident id -> struct open_inc *, or NULL */
};

/* Iterate: pass *i = 0 first; returns NULL at the end. */
static struct open_inc *ix_next(const struct ent_ix *ix, size_t *i)
{
	if (!ix->big)
		return *i < ix->n ? ix->small[(*i)++] : NULL;
	struct vg_strmap_slot *slot = vg_strmap_next(ix->big, i);
	return slot ? slot->value : NULL;
}

static void ix_free(struct ent_ix *ix)
{
	if (ix->big) {
		vg_strmap_free(ix->big);
		free(ix->big);
	}
	free(ix);
}

/* last_ts of the newest alerts carrying a value, ascending, at most max_alerts. */
struct rate {
	vg_time *ts;
	uint32_t n, cap;
};

struct stop {
	char *key; /* "type:value" */
	enum vg_entity_type type;
	bool configured;
	uint64_t pending; /* prevented links not yet taken */
};

/* Per (host, signature) ("sig:..." key) and per bare signature ("sigh:<sig>"). */
struct sig_stat {
	uint32_t runs;   /* runs before the current one (host key) / hosts (bare) */
	vg_time last_ts; /* newest alert of the pair (host key) */
};

struct vg_assembler {
	struct vg_assembler_conf conf;
	/* conf.stop_values in the entities' canonical text ("type:value"), owned */
	char **stops_canon;
	/* conf.host_domains in lowercase without a leading dot, each with its
	 * length, longest first; owned */
	char **domains;
	size_t *domain_len;
	/* conf.account_domains in lowercase, without a leading dot; owned */
	char **acct_domains;
	struct vg_kv *canon_kv; /* with_canonical_names' copy of an alert's fields */
	size_t canon_cap;
	vg_time stream_start;  /* first alert's first_ts; VG_TIME_NONE before */
	bool named_pairs;      /* the stream's third-party pairs are (id, name) ones
	                          ("stream:named-pairs"; see novelty_seen) */
	vg_time newest_ts;     /* newest first_ts seen (novelties are pruned by it) */
	struct time_queue nov; /* novelties' times, of the last two gaps */
	/* the open incidents a later novelty can still count (nov_list), unordered */
	struct open_inc **nov_inc;
	size_t nnov_inc, nov_inc_cap;
	struct vg_strmap hosts;      /* host -> struct host_ix * (host neighbours) */
	struct vg_strmap pair_slots; /* pair key -> struct pair_slots * */
	char (*touched)[21];         /* incidents changed by a novelty elsewhere: */
	size_t touched_head;         /* touched[touched_head .. ntouched) not yet taken */
	size_t ntouched, touched_cap;
	struct vg_strmap sig_stats; /* key -> struct sig_stat * */
	struct vg_strmap sig_dirty; /* keys changed since vg_assembler_take_sig_stats */
	struct vg_strmap by_entity; /* "type:value" -> struct ent_ix * (linking only) */
	struct vg_strmap rates;     /* "type:value" -> struct rate * */
	struct vg_strmap stops;     /* "type:value" -> struct stop * */
	struct stop **stop_list;
	size_t nstops, stops_cap;
	size_t stop_cursor;        /* vg_assembler_take_stops resumes here */
	struct vg_strmap by_alert; /* alert id -> struct open_inc * */
	struct vg_strmap by_id;    /* incident id -> struct open_inc * */
	struct open_inc **open;
	size_t nopen, open_cap;
	struct merge_note {
		char from[21], into[21];
	} * merged; /* merges not yet taken: merged[merged_head .. nmerged) */
	size_t merged_head, nmerged, merged_cap;
};

const char *vg_entity_type_name(enum vg_entity_type t)
{
	switch (t) {
	case VG_ENT_IP: return "ip";
	case VG_ENT_HOST: return "host";
	case VG_ENT_USER: return "user";
	case VG_ENT_PROCESS: return "process";
	case VG_ENT_HASH: return "hash";
	}
	return "unknown";
}

static bool links(const struct vg_assembler *a, enum vg_entity_type t)
{
	return t == VG_ENT_IP || t == VG_ENT_USER || t == VG_ENT_HASH ||
	       t == VG_ENT_PROCESS || (t == VG_ENT_HOST && a->conf.link_hosts);
}

static void entity_key(char *buf, size_t size, enum vg_entity_type t, const char *value)
{
	size_t k = vg_str_append_cstr(buf, size, 0, vg_entity_type_name(t));
	k = vg_str_append(buf, size, k, ":", 1);
	vg_str_append_cstr(buf, size, k, value);
}

/* The keys a value links by.  Strong keys link any alert: source IP, user on a
 * host ("user:deploy@web01"), process on a host, hash.  Weak keys link an alert only
 * into a notable incident (one holding a high/critical or correlation alert): the
 * host, and the account across hosts ("acct:deploy": a stolen account is how an
 * attack spreads), so an attack's story picks up what happens next on its hosts
 * and accounts while benign activity on a busy host stays in small incidents. */
struct lkeys {
	char k[2][600];
	bool weak[2];
	size_t n;
};

static bool links(const struct vg_assembler *a, enum vg_entity_type t);

static void link_keys(const struct vg_assembler *a, enum vg_entity_type t,
                      const char *value, struct lkeys *out)
{
	out->n = 0;
	if (!links(a, t))
		return;
	entity_key(out->k[0], sizeof(out->k[0]), t, value);
	out->weak[0] = t == VG_ENT_HOST;
	out->n = 1;
	const char *at = t == VG_ENT_USER ? strrchr(value, '@') : NULL;
	if (at && a->conf.link_hosts) {
		size_t k = vg_str_append(out->k[1], sizeof(out->k[1]), 0, "acct:", 5);
		vg_str_append(out->k[1], sizeof(out->k[1]), k, value,
		              (size_t)(at - value));
		out->weak[1] = true;
		out->n = 2;
	}
}

static bool entity_text(const struct vg_assembler *a, enum vg_entity_type t,
                        const char *value, char *out, size_t size);

/* A configured stop-value "type:value" as the entities it must match are written
 * (an address in its canonical form, a host in lowercase, ...); as configured when
 * the type is unknown or the value names nothing.  @return a copy, NULL on OOM. */
static char *stop_canon(const struct vg_assembler *a, const char *sv)
{
	static const enum vg_entity_type types[] = {VG_ENT_IP, VG_ENT_HOST, VG_ENT_USER,
	                                            VG_ENT_PROCESS, VG_ENT_HASH};
	const char *colon = strchr(sv, ':');
	char v[VG_ENTITY_VALUE_MAX];
	for (size_t i = 0; colon && i < sizeof(types) / sizeof(types[0]); i++) {
		const char *tn = vg_entity_type_name(types[i]);
		if (strlen(tn) != (size_t)(colon - sv) || strncmp(sv, tn, strlen(tn)) ||
		    !entity_text(a, types[i], colon + 1, v, sizeof(v)))
			continue;
		size_t n = strlen(tn) + 1 + strlen(v) + 1;
		char *c = malloc(n);
		if (c)
			snprintf(c, n, "%s:%s", tn, v);
		return c;
	}
	return strdup(sv);
}

static int cmp_len_desc(const void *x, const void *y)
{
	size_t a = strlen(*(char *const *)x), b = strlen(*(char *const *)y);
	return a < b ? 1 : a > b ? -1 : 0;
}

/* A configured list of domains in lowercase, without a leading dot, into *out
 * (owned; n entries).  @return false on OOM (what was copied stays in *out). */
static bool copy_domains(const char *const *src, size_t n, char ***out)
{
	if (!n)
		return true;
	if (!(*out = calloc(n, sizeof(char *))))
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *d = src[i] + (src[i][0] == '.');
		if (!((*out)[i] = strdup(d)))
			return false;
		vg_ascii_lower((*out)[i], strlen(d));
	}
	return true;
}

/* a->domains from conf.host_domains (longest first, as vg_assembler_host tries
 * them) and a->acct_domains from conf.account_domains.  @return false on OOM. */
static bool set_domains(struct vg_assembler *a)
{
	size_t n = a->conf.n_host_domains;
	if (!copy_domains(a->conf.host_domains, n, &a->domains) ||
	    !copy_domains(a->conf.account_domains, a->conf.n_account_domains,
	                  &a->acct_domains) ||
	    (n && !(a->domain_len = calloc(n, sizeof(size_t)))))
		return false;
	if (n)
		qsort(a->domains, n, sizeof(char *), cmp_len_desc);
	for (size_t i = 0; i < n; i++)
		a->domain_len[i] = strlen(a->domains[i]);
	return true;
}

bool vg_assembler_host(const struct vg_assembler *a, const char *value, char *out,
                       size_t size)
{
	if (!vg_entity_canonical(VG_ENT_HOST, value, out, size))
		return false;
	size_t n = strlen(out);
	for (size_t i = 0; i < a->conf.n_host_domains; i++) {
		size_t dl = a->domain_len[i];
		if (dl && n > dl + 1 && out[n - dl - 1] == '.' &&
		    !memcmp(out + n - dl, a->domains[i], dl)) {
			out[n - dl - 1] = '\0';
			break;
		}
	}
	return true;
}

/* Is d[0..n) one of the configured account domains (any case)? */
static bool account_domain(const struct vg_assembler *a, const char *d, size_t n)
{
	for (size_t i = 0; i < a->conf.n_account_domains; i++)
		if (strlen(a->acct_domains[i]) == n &&
		    !strncasecmp(a->acct_domains[i], d, n))
			return true;
	return false;
}

bool vg_assembler_account(const struct vg_assembler *a, const char *value, char *out,
                          size_t size)
{
	if (!vg_entity_canonical(VG_ENT_USER, value, out, size))
		return false;
	if (!a->conf.n_account_domains)
		return true;
	size_t n = strlen(out);
	char *bs = memchr(out, '\\', n), *at = strrchr(out, '@');
	if (bs && account_domain(a, out, (size_t)(bs - out))) /* CORP\alice */
		memmove(out, bs + 1, n - (size_t)(bs - out)); /* with the NUL */
	else if (at && account_domain(a, at + 1, n - (size_t)(at + 1 - out)))
		*at = '\0'; /* alice@corp.example.com */
	vg_ascii_lower(out, strlen(out));
	return vg_entity_value_ok(VG_ENT_USER, out);
}

vg_err vg_assembler_new(const struct vg_assembler_conf *conf, struct vg_assembler **out)
{
	struct vg_assembler *a = calloc(1, sizeof(*a));
	if (!a)
		return VG_ERR_NOMEM;
	a->conf = *conf;
	if (!a->conf.max_alerts_kept)
		a->conf.max_alerts_kept = 1000;
	if (!a->conf.max_entities_kept)
		a->conf.max_entities_kept = 10000;
	if (a->conf.inactivity_gap <= 0)
		a->conf.inactivity_gap = 3600 * VG_USEC_PER_SEC;
	if (!a->conf.stop_max_alerts)
		a->conf.stop_max_alerts = 50;
	if (a->conf.stop_window <= 0)
		a->conf.stop_window = a->conf.inactivity_gap;
	a->stream_start = VG_TIME_NONE;
	a->newest_ts = VG_TIME_NONE;
	vg_strmap_init(&a->rates);
	vg_strmap_init(&a->sig_stats);
	vg_strmap_init(&a->sig_dirty);
	vg_strmap_init(&a->stops);
	vg_strmap_init(&a->by_entity);
	vg_strmap_init(&a->by_alert);
	vg_strmap_init(&a->by_id);
	vg_strmap_init(&a->hosts);
	vg_strmap_init(&a->pair_slots);
	if (!set_domains(a) ||
	    (a->conf.n_stop_values &&
	     !(a->stops_canon = calloc(a->conf.n_stop_values, sizeof(char *))))) {
		vg_assembler_destroy(a);
		return VG_ERR_NOMEM;
	}
	for (size_t i = 0; i < a->conf.n_stop_values; i++)
		if (!(a->stops_canon[i] = stop_canon(a, a->conf.stop_values[i]))) {
			vg_assembler_destroy(a);
			return VG_ERR_NOMEM;
		}
	*out = a;
	return VG_OK;
}

/* Copy string s (NULL as "") to *at, advancing it.  @return the copy. */
static char *pack_str(char **at, const char *s)
{
	size_t n = strlen(s ? s : "") + 1;
	char *c = memcpy(*at, s ? s : "", n);
	*at += n;
	return c;
}

/* The bytes the names and values of src[0..n) take with their NULs. */
static size_t kv_strings_size(const struct vg_kv *src, size_t n)
{
	size_t size = 0;
	for (size_t i = 0; i < n; i++)
		size += strlen(src[i].name) + strlen(src[i].value) + 2;
	return size;
}

/* Copy src[0..n) into dst, their strings packed at *at (advanced). */
static void kv_pack(struct vg_kv *dst, const struct vg_kv *src, size_t n, char **at)
{
	for (size_t i = 0; i < n; i++) {
		dst[i].name = pack_str(at, src[i].name);
		dst[i].value = pack_str(at, src[i].value);
	}
}

vg_err vg_kv_dup(const struct vg_kv *src, size_t n, struct vg_kv **out, size_t *nout)
{
	size_t slots = n ? n : 1;
	struct vg_kv *kv = malloc(slots * sizeof(*kv) + kv_strings_size(src, n));
	if (!kv)
		return VG_ERR_NOMEM;
	char *at = (char *)(kv + slots);
	kv_pack(kv, src, n, &at);
	*out = kv;
	*nout = n;
	return VG_OK;
}

const char *vg_kv_get(const struct vg_kv *kv, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (kv[i].name && kv[i].value && kv[i].value[0] &&
		    strcmp(kv[i].name, name) == 0)
			return kv[i].value;
	return NULL;
}

void vg_kv_free(struct vg_kv *kv)
{
	free(kv); /* the strings are in the same block */
}

static void alert_clear(struct vg_incident_alert *al)
{
	if (al->block) { /* the assembler's copies (copy_incident_alert) */
		free(al->block);
		memset(al, 0, sizeof(*al));
		return;
	}
	free(al->rule_id);
	free(al->title);
	for (size_t i = 0; i < al->ntags; i++)
		free(al->tags[i]);
	free(al->tags);
	for (size_t i = 0; i < al->nfields; i++) { /* one string each (the store's) */
		free(al->fields[i].name);
		free(al->fields[i].value);
	}
	free(al->fields);
	memset(al, 0, sizeof(*al));
}

void vg_incident_clear(struct vg_incident *inc)
{
	if (!inc)
		return;
	if (inc->caller_state && inc->caller_state_free)
		inc->caller_state_free(inc->caller_state);
	for (size_t i = 0; i < inc->nalerts; i++)
		alert_clear(&inc->alerts[i]);
	free(inc->alerts);
	for (size_t i = 0; i < inc->nentities; i++)
		free(inc->entities[i].value);
	free(inc->entities);
	memset(inc, 0, sizeof(*inc));
}

void vg_assembler_destroy(struct vg_assembler *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nopen; i++) {
		vg_incident_clear(&a->open[i]->inc);
		for (size_t j = 0; j < a->open[i]->nsigs; j++)
			free(a->open[i]->sigs[j]);
		free(a->open[i]->sigs);
		free(a->open[i]->ent_tab);
		free(a->open[i]);
	}
	free(a->open);
	size_t it = 0;
	struct vg_strmap_slot *slot;
	while ((slot = vg_strmap_next(&a->by_entity, &it)))
		ix_free(slot->value);
	it = 0;
	while ((slot = vg_strmap_next(&a->rates, &it))) {
		struct rate *r = slot->value;
		free(r->ts);
		free(r);
	}
	for (size_t i = 0; i < a->nstops; i++) {
		free(a->stop_list[i]->key);
		free(a->stop_list[i]);
	}
	free(a->stop_list);
	for (size_t i = 0; a->stops_canon && i < a->conf.n_stop_values; i++)
		free(a->stops_canon[i]);
	free(a->stops_canon);
	for (size_t i = 0; a->domains && i < a->conf.n_host_domains; i++)
		free(a->domains[i]);
	free(a->domains);
	for (size_t i = 0; a->acct_domains && i < a->conf.n_account_domains; i++)
		free(a->acct_domains[i]);
	free(a->acct_domains);
	free(a->domain_len);
	free(a->canon_kv);
	free(a->nov.v);
	free(a->nov_inc);
	free(a->touched);
	it = 0;
	while ((slot = vg_strmap_next(&a->hosts, &it))) {
		struct host_ix *hx = slot->value;
		free(hx->inc);
		free(hx->opened.v);
		free(hx->novel.v);
		free(hx);
	}
	vg_strmap_free(&a->hosts);
	it = 0;
	while ((slot = vg_strmap_next(&a->pair_slots, &it))) {
		struct pair_slots *ps = slot->value;
		free(ps->q);
		free(ps);
	}
	vg_strmap_free(&a->pair_slots);
	it = 0;
	while ((slot = vg_strmap_next(&a->sig_stats, &it)))
		free(slot->value);
	vg_strmap_free(&a->sig_stats);
	vg_strmap_free(&a->sig_dirty);
	vg_strmap_free(&a->rates);
	vg_strmap_free(&a->stops);
	vg_strmap_free(&a->by_entity);
	vg_strmap_free(&a->by_alert);
	vg_strmap_free(&a->by_id);
	free(a->merged);
	free(a);
}

bool vg_entity_value_ok(enum vg_entity_type t, const char *value)
{
	if (!value || !value[0] || !strcmp(value, "-"))
		return false;
	return t != VG_ENT_IP || !vg_ip_host_local(value, strlen(value));
}

bool vg_entity_canonical(enum vg_entity_type t, const char *value, char *out, size_t size)
{
	if (!vg_entity_value_ok(t, value) || !size)
		return false;
	size_t n = strlen(value);
	if (t == VG_ENT_IP) {
		vg_ip_text(value, n, out, size);
		return true;
	}
	if (n >= size)
		n = size - 1; /* cut, as vg_alert_entities cuts what does not fit */
	memcpy(out, value, n);
	out[n] = '\0';
	/* hex digits: one hash whatever the tool's case; host names (DNS and Windows
	 * computer names) are case-insensitive, and ECS asks for lowercase: one host
	 * whether Sysmon says WS01.corp or a syslog relay ws01.corp */
	if (t == VG_ENT_HASH || t == VG_ENT_HOST)
		vg_ascii_lower(out, n);
	return true;
}

/* The canonical spellings with_canonical_names writes an alert's names into. */
struct canon_names {
	char host[VG_ENTITY_VALUE_MAX];   /* host.name */
	char user[VG_ENTITY_VALUE_MAX];   /* user.name */
	char target[VG_ENTITY_VALUE_MAX]; /* user.target.name */
};

/* alert, or a copy of it in *copy (its fields in a->canon_kv) whose host.name is
 * as vg_assembler_host makes it and whose user.name and user.target.name are as
 * vg_assembler_account makes them (into names): every key, entity and detail the
 * assembler makes from them then names one host and one account whatever the
 * source's case or domain.  NULL when the copy's fields cannot be allocated. */
static const struct vg_alert *with_canonical_names(struct vg_assembler *a,
                                                   const struct vg_alert *alert,
                                                   struct vg_alert *copy,
                                                   struct canon_names *names)
{
	char *const out[3] = {names->host, names->user, names->target};
	size_t at[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX}; /* when changed */
	const size_t size = sizeof(names->host);
	bool changed = false;
	for (size_t i = 0; i < alert->nfields; i++) {
		const char *n = alert->fields[i].name, *v = alert->fields[i].value;
		size_t k = !strcmp(n, "host.name")          ? 0
		           : !strcmp(n, "user.name")        ? 1
		           : !strcmp(n, "user.target.name") ? 2
		                                            : SIZE_MAX;
		if (k == SIZE_MAX)
			continue;
		bool made = k == 0 ? vg_assembler_host(a, v, out[k], size)
		                   : vg_assembler_account(a, v, out[k], size);
		if (made && strcmp(out[k], v)) {
			at[k] = i;
			changed = true;
		}
	}
	if (!changed)
		return alert;
	if (alert->nfields > a->canon_cap) {
		struct vg_kv *nk = realloc(a->canon_kv, alert->nfields * sizeof(*nk));
		if (!nk)
			return NULL;
		a->canon_kv = nk;
		a->canon_cap = alert->nfields;
	}
	*copy = *alert;
	memcpy(a->canon_kv, alert->fields, alert->nfields * sizeof(*a->canon_kv));
	for (size_t k = 0; k < 3; k++)
		if (at[k] != SIZE_MAX)
			a->canon_kv[at[k]].value = out[k];
	copy->fields = a->canon_kv;
	return copy;
}

size_t vg_alert_entities(const struct vg_kv *f, size_t n, struct vg_entity_ref *out)
{
	static const struct {
		const char *name;
		enum vg_entity_type type;
		bool per_host;
		/* read when name is not set: a source the log names by its DNS name
		 * (sshd and PAM with UseDNS) is the source all the same */
		const char *otherwise;
	} map[] = {
	    {"source.ip", VG_ENT_IP, false, "source.domain"},
	    {"host.name", VG_ENT_HOST, false, NULL},
	    {"user.name", VG_ENT_USER, true, NULL},
	    /* the account acted upon: logged on to (Windows 4624), switched to,
	     * created -- what that account does next on the host joins in */
	    {"user.target.name", VG_ENT_USER, true, NULL},
	    {"process.executable", VG_ENT_PROCESS, true, NULL},
	    {"process.parent.executable", VG_ENT_PROCESS, true, NULL},
	    {"process.hash.sha256", VG_ENT_HASH, false, NULL},
	    {"file.hash.sha256", VG_ENT_HASH, false, NULL},
	};
	_Static_assert(sizeof(map) / sizeof(map[0]) <= VG_ALERT_ENTITIES_MAX,
	               "VG_ALERT_ENTITIES_MAX holds every entity field");
	char hbuf[sizeof(out->value)];
	const char *host = vg_kv_get(f, n, "host.name");
	if (host)
		host = vg_entity_canonical(VG_ENT_HOST, host, hbuf, sizeof(hbuf)) ? hbuf
		                                                                  : NULL;
	size_t k = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const char *raw = vg_kv_get(f, n, map[i].name);
		if (!raw && map[i].otherwise)
			raw = vg_kv_get(f, n, map[i].otherwise);
		char v[sizeof(out->value)];
		if (!raw || !vg_entity_canonical(map[i].type, raw, v, sizeof(v)))
			continue;
		struct vg_entity_ref *e = &out[k];
		e->type = map[i].type;
		/* a longer value is cut to sizeof(e->value) - 1 bytes */
		size_t w = vg_str_append_cstr(e->value, sizeof(e->value), 0, v);
		if (map[i].per_host && host) {
			w = vg_str_append(e->value, sizeof(e->value), w, "@", 1);
			vg_str_append_cstr(e->value, sizeof(e->value), w, host);
		}
		bool dup = false; /* a process that is its own parent's path */
		for (size_t j = 0; j < k && !dup; j++)
			dup = out[j].type == e->type && !strcmp(out[j].value, e->value);
		if (!dup)
			k++;
	}
	return k;
}

const char *vg_alert_account(const struct vg_kv *f, size_t n)
{
	const char *user = vg_kv_get(f, n, "user.name");
	if (vg_entity_value_ok(VG_ENT_USER, user))
		return user;
	user = vg_kv_get(f, n, "user.target.name");
	return vg_entity_value_ok(VG_ENT_USER, user) ? user : NULL;
}

/* An incident's entities are found by a scan while they are few (most incidents
 * name two to four) and by a hash table past ENT_SMALL: a long-running incident
 * of a scan names one address per alert, and scanning them all for each alert made
 * assembling it quadratic (40,000 alerts of one Suricata signature from distinct
 * addresses: 14 s, 43% in strcmp).  Entities are only ever added to an open
 * incident, so the table never deletes. */
#define ENT_SMALL 8

static uint32_t ent_hash(enum vg_entity_type t, const char *value)
{
	return (uint32_t)vg_hash64(value, strlen(value), (uint64_t)t + 1);
}

/* Enter entity i of oi into its table (which has room). */
static void ent_tab_put(struct open_inc *oi, size_t i)
{
	const struct vg_entity *e = &oi->inc.entities[i];
	uint32_t mask = oi->ent_tab_cap - 1, h = ent_hash(e->type, e->value) & mask;
	while (oi->ent_tab[h])
		h = (h + 1) & mask;
	oi->ent_tab[h] = (uint32_t)i + 1;
}

/* Make room in oi's table for one more entity (made past ENT_SMALL, doubled at
 * half full).  Returns VG_OK or VG_ERR_NOMEM. */
static vg_err ent_tab_room(struct open_inc *oi)
{
	size_t n = oi->inc.nentities + 1;
	if (n <= ENT_SMALL || 2 * n <= oi->ent_tab_cap)
		return VG_OK;
	if (n > UINT32_MAX / 4)
		return VG_ERR_NOMEM;
	uint32_t cap = oi->ent_tab_cap ? oi->ent_tab_cap : 4 * ENT_SMALL;
	while (2 * n > cap)
		cap *= 2;
	uint32_t *tab = calloc(cap, sizeof(*tab));
	if (!tab)
		return VG_ERR_NOMEM;
	free(oi->ent_tab);
	oi->ent_tab = tab;
	oi->ent_tab_cap = cap;
	for (size_t i = 0; i < oi->inc.nentities; i++)
		ent_tab_put(oi, i);
	return VG_OK;
}

static struct vg_entity *find_entity(struct open_inc *oi, enum vg_entity_type t,
                                     const char *value)
{
	struct vg_incident *inc = &oi->inc;
	if (!oi->ent_tab) {
		for (size_t i = 0; i < inc->nentities; i++)
			if (inc->entities[i].type == t &&
			    strcmp(inc->entities[i].value, value) == 0)
				return &inc->entities[i];
		return NULL;
	}
	uint32_t mask = oi->ent_tab_cap - 1, h = ent_hash(t, value) & mask;
	for (; oi->ent_tab[h]; h = (h + 1) & mask) {
		struct vg_entity *e = &inc->entities[oi->ent_tab[h] - 1];
		if (e->type == t && strcmp(e->value, value) == 0)
			return e;
	}
	return NULL;
}

/* The signature key of an alert: "sig:<rule.id>@<host.name>" (rule.name when there
 * is no rule.id, host.ip when there is no host.name).  @return false when the alert
 * carries no third-party signature. */
static bool sig_key(const struct vg_kv *f, size_t n, char *buf, size_t size)
{
	const char *sig = vg_kv_get(f, n, "rule.id");
	const char *host = vg_kv_get(f, n, "host.name");
	char h[VG_ENTITY_VALUE_MAX];
	if (!sig)
		sig = vg_kv_get(f, n, "rule.name");
	if (host && vg_entity_canonical(VG_ENT_HOST, host, h, sizeof(h)))
		host = h; /* also for alerts restored from an older store */
	if (!host)
		host = vg_kv_get(f, n, "host.ip");
	if (!sig)
		return false;
	host = host ? host : "";
	size_t k = vg_str_append(buf, size, 0, "sig:", 4);
	k = vg_str_append(buf, size, k, sig, strnlen(sig, SIG_TEXT_MAX));
	k = vg_str_append(buf, size, k, "@", 1);
	vg_str_append(buf, size, k, host, strnlen(host, VG_ENTITY_VALUE_MAX - 1));
	return true;
}

/* Index oi under key (once). */
static vg_err ix_add(struct vg_assembler *a, const char *key, struct open_inc *oi)
{
	struct ent_ix *ix = vg_strmap_get(&a->by_entity, key);
	if (!ix) {
		if (!(ix = calloc(1, sizeof(*ix))))
			return VG_ERR_NOMEM;
		if (vg_strmap_put(&a->by_entity, key, ix) != VG_OK) {
			free(ix);
			return VG_ERR_NOMEM;
		}
	}
	if (ix->big)
		return vg_strmap_put(ix->big, oi->inc.id, oi);
	for (uint32_t i = 0; i < ix->n; i++)
		if (ix->small[i] == oi)
			return VG_OK;
	if (ix->n < IX_SMALL) {
		ix->small[ix->n++] = oi;
		return VG_OK;
	}
	struct vg_strmap *big = calloc(1, sizeof(*big));
	if (!big)
		return VG_ERR_NOMEM;
	vg_strmap_init(big);
	for (uint32_t i = 0; i < ix->n; i++)
		if (vg_strmap_put(big, ix->small[i]->inc.id, ix->small[i]) != VG_OK) {
			vg_strmap_free(big);
			free(big);
			return VG_ERR_NOMEM;
		}
	ix->big = big;
	ix->n = 0;
	return vg_strmap_put(big, oi->inc.id, oi);
}

/* Remove oi from key's index entry (freeing the entry when it empties). */
static void ix_del(struct vg_assembler *a, const char *key, struct open_inc *oi)
{
	struct ent_ix *ix = vg_strmap_get(&a->by_entity, key);
	bool empty;
	if (!ix)
		return;
	if (ix->big) {
		if (vg_strmap_get(ix->big, oi->inc.id) == oi)
			vg_strmap_del(ix->big, oi->inc.id);
		empty = ix->big->count == 0;
	} else {
		for (uint32_t i = 0; i < ix->n; i++)
			if (ix->small[i] == oi) {
				ix->small[i] = ix->small[--ix->n];
				break;
			}
		empty = ix->n == 0;
	}
	if (empty) {
		vg_strmap_del(&a->by_entity, key);
		ix_free(ix);
	}
}

/* Alerts carrying key with last_ts in (now - window, now] (as far as kept): those
 * before the alert at hand, not those after it, which a late alert (assembled past
 * the watermark, out of time order) would otherwise count. */
static uint32_t rate_count(const struct vg_assembler *a, const char *key, vg_time now)
{
	const struct rate *r = vg_strmap_get(&a->rates, key);
	uint32_t c = 0, i;
	if (!r)
		return 0;
	for (i = r->n; i > 0 && r->ts[i - 1] > now; i--)
		;
	for (; i > 0 && r->ts[i - 1] > now - a->conf.stop_window; i--)
		c++;
	return c;
}

/* Remember that an alert at ts carried key (keeps the newest stop_max_alerts). */
static vg_err rate_add(struct vg_assembler *a, const char *key, vg_time ts)
{
	struct rate *r = vg_strmap_get(&a->rates, key);
	uint32_t max = a->conf.stop_max_alerts;
	if (max == UINT32_MAX)
		return VG_OK;
	if (!r) {
		if (!(r = calloc(1, sizeof(*r))))
			return VG_ERR_NOMEM;
		if (vg_strmap_put(&a->rates, key, r) != VG_OK) {
			free(r);
			return VG_ERR_NOMEM;
		}
	}
	if (r->n == r->cap && r->cap < max) {
		uint32_t ncap = r->cap ? r->cap * 2 : 4;
		if (ncap > max)
			ncap = max;
		vg_time *nt = realloc(r->ts, ncap * sizeof(vg_time));
		if (!nt)
			return VG_ERR_NOMEM;
		r->ts = nt;
		r->cap = ncap;
	}
	if (r->n == max) { /* full: drop the oldest, unless ts is older still */
		if (ts <= r->ts[0])
			return VG_OK;
		memmove(r->ts, r->ts + 1, (r->n - 1) * sizeof(vg_time));
		r->n--;
	}
	uint32_t j = r->n++;
	while (j > 0 && r->ts[j - 1] > ts) {
		r->ts[j] = r->ts[j - 1];
		j--;
	}
	r->ts[j] = ts;
	return VG_OK;
}

/* Count an alert at ts under each of the n link keys of its entities. */
static vg_err rate_add_keys(struct vg_assembler *a, const struct lkeys *lks, size_t n,
                            vg_time ts)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < lks[i].n; j++) {
			vg_err err = rate_add(a, lks[i].k[j], ts);
			if (err)
				return err;
		}
	return VG_OK;
}

/* Count the linking values of an alert's fields at ts (restore). */
static vg_err rate_add_alert(struct vg_assembler *a, const struct vg_kv *fields,
                             size_t nfields, vg_time ts)
{
	struct vg_entity_ref cands[VG_ALERT_ENTITIES_MAX];
	struct lkeys lks[VG_ALERT_ENTITIES_MAX];
	size_t n = vg_alert_entities(fields, nfields, cands);
	for (size_t i = 0; i < n; i++)
		link_keys(a, cands[i].type, cands[i].value, &lks[i]);
	return rate_add_keys(a, lks, n, ts);
}

/* Is value (of type t) listed in the configured stop-values?  Users and processes
 * also match by their name without "@host". */
static bool configured_stop(const struct vg_assembler *a, enum vg_entity_type t,
                            const char *value)
{
	const char *tn = vg_entity_type_name(t);
	size_t tl = strlen(tn);
	const char *at = strrchr(value, '@');
	size_t bare = (t == VG_ENT_USER || t == VG_ENT_PROCESS) && at
	                  ? (size_t)(at - value)
	                  : strlen(value);
	for (size_t i = 0; i < a->conf.n_stop_values; i++) {
		const char *sv = a->stops_canon[i];
		if (strncmp(sv, tn, tl) != 0 || sv[tl] != ':')
			continue;
		sv += tl + 1;
		if (!strcmp(sv, value) ||
		    (strlen(sv) == bare && !strncmp(sv, value, bare)))
			return true;
	}
	return false;
}

/* Count one link a stop-value prevented. */
static vg_err note_stop(struct vg_assembler *a, const char *key, enum vg_entity_type t,
                        bool configured)
{
	struct stop *st = vg_strmap_get(&a->stops, key);
	if (!st) {
		if (a->nstops == a->stops_cap) {
			size_t ncap = a->stops_cap ? a->stops_cap * 2 : 16;
			struct stop **nl = realloc(a->stop_list, ncap * sizeof(*nl));
			if (!nl)
				return VG_ERR_NOMEM;
			a->stop_list = nl;
			a->stops_cap = ncap;
		}
		if (!(st = calloc(1, sizeof(*st))) || !(st->key = strdup(key)) ||
		    vg_strmap_put(&a->stops, key, st) != VG_OK) {
			if (st)
				free(st->key);
			free(st);
			return VG_ERR_NOMEM;
		}
		st->type = t;
		a->stop_list[a->nstops++] = st;
	}
	st->configured = configured;
	st->pending++;
	return VG_OK;
}

size_t vg_assembler_take_stops(struct vg_assembler *a, struct vg_stop_stat *out,
                               size_t max)
{
	size_t n = 0;
	for (; a->stop_cursor < a->nstops && n < max; a->stop_cursor++) {
		struct stop *st = a->stop_list[a->stop_cursor];
		if (!st->pending)
			continue;
		out[n].type = st->type;
		out[n].value = strchr(st->key, ':') + 1;
		out[n].configured = st->configured;
		out[n].prevented = st->pending;
		st->pending = 0;
		n++;
	}
	if (a->stop_cursor >= a->nstops)
		a->stop_cursor = 0;
	return n;
}

/* Add (or update) an entity of oi and index it under its link keys (lkp: them,
 * already computed, or NULL).  Returns VG_OK or VG_ERR_NOMEM. */
static vg_err add_entity(struct vg_assembler *a, struct open_inc *oi,
                         enum vg_entity_type t, const char *value, vg_time seen,
                         uint32_t alerts, const struct lkeys *lkp)
{
	struct vg_incident *inc = &oi->inc;
	struct vg_entity *e = find_entity(oi, t, value);
	struct lkeys own;
	vg_err err = VG_OK;
	if (!lkp) {
		link_keys(a, t, value, &own);
		lkp = &own;
	}

	if (e) {
		if (seen < e->first_seen)
			e->first_seen = seen;
		e->alerts += alerts;
		/* During a merge the key may still point at the absorbed incident. */
		for (size_t j = 0; j < lkp->n && !err; j++)
			err = ix_add(a, lkp->k[j], oi);
		return err;
	}
	if (inc->nentities >= a->conf.max_entities_kept) {
		inc->entities_dropped += alerts;
		return VG_OK;
	}
	if (inc->nentities == oi->entities_cap) {
		/* an alert names two to four (address, host, account, process) */
		size_t ncap = oi->entities_cap ? oi->entities_cap * 2 : 4;
		struct vg_entity *ne = realloc(inc->entities, ncap * sizeof(*ne));
		if (!ne)
			return VG_ERR_NOMEM;
		inc->entities = ne;
		oi->entities_cap = ncap;
	}
	if ((err = ent_tab_room(oi)) != VG_OK)
		return err;
	e = &inc->entities[inc->nentities];
	e->value = strdup(value);
	if (!e->value)
		return VG_ERR_NOMEM;
	e->type = t;
	e->first_seen = seen;
	e->alerts = alerts;
	inc->nentities++;
	if (oi->ent_tab)
		ent_tab_put(oi, inc->nentities - 1);
	for (size_t j = 0; j < lkp->n && !err; j++)
		err = ix_add(a, lkp->k[j], oi);
	return err;
}

/* Deep-copy src into dst (an incident alert), in one block: its fields, its tag
 * pointers, then every string (an open incident holds up to max_alerts_kept of
 * these; one allocation instead of one per string saves their malloc headers and
 * calls).  Returns VG_OK or VG_ERR_NOMEM. */
static vg_err copy_incident_alert(struct vg_incident_alert *dst,
                                  const struct vg_incident_alert *src)
{
	size_t size = src->nfields * sizeof(struct vg_kv) + src->ntags * sizeof(char *);
	size += strlen(src->rule_id ? src->rule_id : "") + 1;
	size += strlen(src->title ? src->title : "") + 1;
	for (size_t i = 0; i < src->ntags; i++)
		size += strlen(src->tags[i]) + 1;
	size += kv_strings_size(src->fields, src->nfields);
	unsigned char *block = malloc(size);
	if (!block)
		return VG_ERR_NOMEM;
	memset(dst, 0, sizeof(*dst));
	memcpy(dst->id, src->id, sizeof(dst->id));
	dst->novel = src->novel;
	dst->stored = src->stored;
	dst->level = src->level;
	dst->is_correlation = src->is_correlation;
	dst->first_ts = src->first_ts;
	dst->last_ts = src->last_ts;
	dst->event_count = src->event_count;
	dst->block = block;
	dst->fields = (struct vg_kv *)(void *)block;
	dst->tags = (char **)(void *)(block + src->nfields * sizeof(struct vg_kv));
	char *at = (char *)(dst->tags + src->ntags);
	dst->rule_id = pack_str(&at, src->rule_id);
	dst->title = pack_str(&at, src->title);
	for (; dst->ntags < src->ntags; dst->ntags++)
		dst->tags[dst->ntags] = pack_str(&at, src->tags[dst->ntags]);
	kv_pack(dst->fields, src->fields, src->nfields, &at);
	dst->nfields = src->nfields;
	return VG_OK;
}

/* Record signature key `key` on oi and index oi under it (once). */
static vg_err sig_add(struct vg_assembler *a, struct open_inc *oi, const char *key)
{
	for (size_t i = 0; i < oi->nsigs; i++)
		if (!strcmp(oi->sigs[i], key))
			return ix_add(a, key, oi); /* a merge may still name `from` */
	if (oi->nsigs == oi->sigs_cap) {
		size_t ncap = oi->sigs_cap ? oi->sigs_cap * 2 : 4;
		char **ns = realloc(oi->sigs, ncap * sizeof(*ns));
		if (!ns)
			return VG_ERR_NOMEM;
		oi->sigs = ns;
		oi->sigs_cap = ncap;
	}
	if (!(oi->sigs[oi->nsigs] = strdup(key)))
		return VG_ERR_NOMEM;
	oi->nsigs++;
	return ix_add(a, key, oi);
}

static vg_err push_alert(struct vg_assembler *a, struct open_inc *oi,
                         const struct vg_incident_alert *al)
{
	struct vg_incident *inc = &oi->inc;
	vg_err err;
	char sk[KEY_MAX];

	if (sig_key(al->fields, al->nfields, sk, sizeof(sk)) &&
	    (err = sig_add(a, oi, sk)) != VG_OK)
		return err;
	if (vg_level_notable(al->level, al->is_correlation) &&
	    al->last_ts > oi->inc.notable_last)
		oi->inc.notable_last = al->last_ts;
	if (al->first_ts < inc->first_ts)
		inc->first_ts = al->first_ts;
	if (al->last_ts > inc->last_ts)
		inc->last_ts = al->last_ts;
	if (inc->nalerts >= a->conf.max_alerts_kept) {
		/* not in by_alert: open_remove unindexes the detailed alerts only
		 * (an entry of a merged part's alert still names that part, and
		 * goes with it) */
		inc->alerts_dropped++;
		inc->events_dropped += al->event_count;
		if (al->level > inc->dropped_level)
			inc->dropped_level = (uint8_t)al->level;
		for (size_t j = 0; j < al->ntags; j++) {
			int t = vg_tactic_index(al->tags[j]);
			if (t >= 0)
				inc->dropped_tactics |= (uint16_t)(1u << t);
		}
		return VG_OK;
	}
	if (inc->nalerts == oi->alerts_cap) {
		/* from one: most incidents keep one alert (an alert is ~140 bytes) */
		size_t ncap = oi->alerts_cap ? oi->alerts_cap * 2 : 1;
		struct vg_incident_alert *na = realloc(inc->alerts, ncap * sizeof(*na));
		if (!na)
			return VG_ERR_NOMEM;
		inc->alerts = na;
		oi->alerts_cap = ncap;
	}
	err = copy_incident_alert(&inc->alerts[inc->nalerts], al);
	if (err != VG_OK)
		return err;
	inc->nalerts++;
	return vg_strmap_put(&a->by_alert, al->id, oi) == VG_OK ? VG_OK : VG_ERR_NOMEM;
}

static struct open_inc *open_new(struct vg_assembler *a, const char *id)
{
	if (a->nopen == a->open_cap) {
		size_t ncap = a->open_cap ? a->open_cap * 2 : 16;
		struct open_inc **no = realloc(a->open, ncap * sizeof(*no));
		if (!no)
			return NULL;
		a->open = no;
		a->open_cap = ncap;
	}
	struct open_inc *oi = calloc(1, sizeof(*oi));
	if (!oi)
		return NULL;
	snprintf(oi->inc.id, sizeof(oi->inc.id), "%s", id);
	if (vg_strmap_put(&a->by_id, oi->inc.id, oi) != VG_OK) {
		free(oi);
		return NULL;
	}
	oi->inc.first_ts = INT64_MAX;
	oi->inc.last_ts = INT64_MIN;
	oi->inc.score = -1;
	oi->open_ix = (uint32_t)a->nopen; /* < 2^32: 2.5 KB each */
	a->open[a->nopen++] = oi;
	return oi;
}

/* Take oi off its host's list (it will not be counted again). */
static void host_unlist(struct open_inc *oi)
{
	struct host_ix *hx = oi->hix;
	struct open_inc *last = hx->inc[--hx->n];
	hx->inc[oi->hix_ix] = last;
	last->hix_ix = oi->hix_ix;
	oi->hix = NULL;
}

/* Take oi off the list of incidents a novelty can count (it will not be counted
 * again). */
static void nov_unlist(struct vg_assembler *a, struct open_inc *oi)
{
	struct open_inc *last = a->nov_inc[--a->nnov_inc];
	a->nov_inc[oi->nov_ix] = last;
	last->nov_ix = oi->nov_ix;
	oi->nov_listed = false;
}

/* Remove oi from the open list and both indexes, and free it. */
static void open_remove(struct vg_assembler *a, struct open_inc *oi)
{
	struct lkeys lk;
	for (size_t i = 0; i < oi->inc.nentities; i++) {
		const struct vg_entity *e = &oi->inc.entities[i];
		link_keys(a, e->type, e->value, &lk);
		for (size_t j = 0; j < lk.n; j++)
			ix_del(a, lk.k[j], oi);
	}
	for (size_t i = 0; i < oi->nsigs; i++) {
		ix_del(a, oi->sigs[i], oi);
		free(oi->sigs[i]);
	}
	free(oi->sigs);
	free(oi->ent_tab);
	for (size_t i = 0; i < oi->inc.nalerts; i++)
		if (vg_strmap_get(&a->by_alert, oi->inc.alerts[i].id) == oi)
			vg_strmap_del(&a->by_alert, oi->inc.alerts[i].id);
	vg_strmap_del(&a->by_id, oi->inc.id);
	if (oi->hix)
		host_unlist(oi);
	if (oi->nov_listed)
		nov_unlist(a, oi);
	struct open_inc *last = a->open[--a->nopen];
	a->open[oi->open_ix] = last;
	last->open_ix = oi->open_ix;
	vg_incident_clear(&oi->inc);
	free(oi);
}

static bool older(const struct open_inc *x, const struct open_inc *y)
{
	if (x->inc.first_ts != y->inc.first_ts)
		return x->inc.first_ts < y->inc.first_ts;
	return strcmp(x->inc.id, y->inc.id) < 0;
}

/* The array v of n elements of `size` bytes, with room for one more (its capacity
 * *cap doubled when full); NULL when out of memory (v is then unchanged). */
static void *grow1(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : 8;
	void *nv = realloc(v, ncap * size);
	if (nv)
		*cap = ncap;
	return nv;
}

/* The queue v[*head .. *n) of `size`-byte elements, with room for one more at the
 * back: the consumed front reused when full (moved down), else grown as grow1;
 * NULL when out of memory (v is then unchanged). */
static void *queue_room(void *v, size_t *head, size_t *n, size_t *cap, size_t size)
{
	if (*head && *n == *cap) {
		memmove(v, (char *)v + *head * size, (*n - *head) * size);
		*n -= *head;
		*head = 0;
	}
	return grow1(v, *n, cap, size);
}

static vg_err note_merge(struct vg_assembler *a, const char *from, const char *into)
{
	struct merge_note *m = queue_room(a->merged, &a->merged_head, &a->nmerged,
	                                  &a->merged_cap, sizeof(*m));
	if (!m)
		return VG_ERR_NOMEM;
	a->merged = m;
	m += a->nmerged++;
	snprintf(m->from, sizeof(m->from), "%s", from);
	snprintf(m->into, sizeof(m->into), "%s", into);
	return VG_OK;
}

/* Move everything of `from` into `into`, then drop `from`. */
static vg_err merge_into(struct vg_assembler *a, struct open_inc *into,
                         struct open_inc *from)
{
	struct vg_incident *f = &from->inc;
	vg_err err = VG_OK;

	for (size_t i = 0; i < f->nalerts && err == VG_OK; i++)
		err = push_alert(a, into, &f->alerts[i]);
	into->inc.alerts_dropped += f->alerts_dropped;
	into->inc.events_dropped += f->events_dropped;
	into->inc.entities_dropped += f->entities_dropped;
	if (f->dropped_level > into->inc.dropped_level)
		into->inc.dropped_level = f->dropped_level;
	into->inc.dropped_tactics |= f->dropped_tactics;
	/* from's own, not rebuilt from its detailed alerts: a notable one past
	 * max_alerts_kept is counted only, and the weak links the merged incident
	 * takes would depend on that bound */
	if (from->inc.notable_last > into->inc.notable_last)
		into->inc.notable_last = from->inc.notable_last;
	if (f->has_sig) {
		struct vg_incident *t = &into->inc;
		if (!t->has_sig || f->sig_runs_min < t->sig_runs_min)
			t->sig_runs_min = f->sig_runs_min;
		if (!t->has_sig || f->sig_hosts_max > t->sig_hosts_max)
			t->sig_hosts_max = f->sig_hosts_max;
		t->has_sig = true;
	}
	if (f->network_novelty > into->inc.network_novelty)
		into->inc.network_novelty = f->network_novelty;
	into->inc.novel_pair |= f->novel_pair;
	if (f->host_neighbours > into->inc.host_neighbours)
		into->inc.host_neighbours = f->host_neighbours;
	if (f->host_prior_novelties > into->inc.host_prior_novelties)
		into->inc.host_prior_novelties = f->host_prior_novelties;
	for (size_t i = 0; i < from->nsigs && err == VG_OK; i++)
		err = sig_add(a, into, from->sigs[i]);
	for (size_t i = 0; i < f->nentities && err == VG_OK; i++)
		err = add_entity(a, into, f->entities[i].type, f->entities[i].value,
		                 f->entities[i].first_seen, f->entities[i].alerts, NULL);
	if (f->first_ts < into->inc.first_ts)
		into->inc.first_ts = f->first_ts;
	if (f->last_ts > into->inc.last_ts)
		into->inc.last_ts = f->last_ts;
	if (err == VG_OK)
		err = note_merge(a, f->id, into->inc.id);
	/* add_entity indexed `into` under every value of `from`, and push_alert
	 * re-pointed the alert ids; open_remove drops what still names `from`. */
	open_remove(a, from);
	return err;
}

/* The value of key in m, a zeroed block of `size` bytes put there when absent
 * (*created); NULL when out of memory. */
static void *map_get_or_new(struct vg_strmap *m, const char *key, size_t size,
                            bool *created)
{
	void *v = vg_strmap_get(m, key);
	*created = false;
	if (v)
		return v;
	if (!(v = calloc(1, size)))
		return NULL;
	if (vg_strmap_put(m, key, v) != VG_OK) {
		free(v);
		return NULL;
	}
	*created = true;
	return v;
}

static struct sig_stat *sig_stat_get(struct vg_assembler *a, const char *key,
                                     bool *created)
{
	return map_get_or_new(&a->sig_stats, key, sizeof(struct sig_stat), created);
}

/* Update the stream statistics of alert's signature (key sk, from sig_key; NULL
 * when it carries none) and fold them into inc. */
static vg_err sig_stamp(struct vg_assembler *a, const char *sk,
                        const struct vg_alert *alert, struct vg_incident *inc)
{
	char hk[KEY_MAX];
	bool created;
	if (!sk)
		return VG_OK;
	struct sig_stat *st = sig_stat_get(a, sk, &created);
	if (!st)
		return VG_ERR_NOMEM;
	if (!created && st->last_ts + a->conf.inactivity_gap < alert->first_ts)
		st->runs++;
	if (created || alert->last_ts > st->last_ts)
		st->last_ts = alert->last_ts;
	if (!inc->has_sig || st->runs < inc->sig_runs_min)
		inc->sig_runs_min = st->runs;
	if (vg_strmap_put(&a->sig_dirty, sk, st) != VG_OK)
		return VG_ERR_NOMEM;
	bool new_host = created;
	/* "sigh:<sig>": the part of sk before the last '@' */
	const char *at = strrchr(sk, '@');
	snprintf(hk, sizeof(hk), "sigh:%.*s", (int)(at - sk - 4), sk + 4);
	if (!(st = sig_stat_get(a, hk, &created)))
		return VG_ERR_NOMEM;
	st->runs += new_host;
	if (new_host && vg_strmap_put(&a->sig_dirty, hk, st) != VG_OK)
		return VG_ERR_NOMEM;
	if (!inc->has_sig || st->runs > inc->sig_hosts_max)
		inc->sig_hosts_max = st->runs;
	inc->has_sig = true;
	return VG_OK;
}

/* ---------------------------------------------------------- network novelty */

/* Record a statistics row for storage (created when absent). */
static struct sig_stat *stat_row(struct vg_assembler *a, const char *key, vg_time ts)
{
	bool created;
	struct sig_stat *st = sig_stat_get(a, key, &created);
	if (!st)
		return NULL;
	st->last_ts = ts;
	return vg_strmap_put(&a->sig_dirty, key, st) == VG_OK ? st : NULL;
}

static int cmp_time(const void *x, const void *y)
{
	vg_time a = *(const vg_time *)x, b = *(const vg_time *)y;
	return a < b ? -1 : a > b;
}

/* Remember t in q (in time order: from the back, so times in event-time order
 * cost O(1); a restored entry is appended and sorted at next use). */
static vg_err tq_push(struct time_queue *q, vg_time t, bool restored)
{
	vg_time *v = queue_room(q->v, &q->head, &q->n, &q->cap, sizeof(*v));
	if (!v)
		return VG_ERR_NOMEM;
	q->v = v;
	size_t j = q->n++;
	if (restored) {
		q->unsorted = true;
	} else {
		while (j > q->head && v[j - 1] > t) {
			v[j] = v[j - 1];
			j--;
		}
	}
	v[j] = t;
	return VG_OK;
}

/* The first of v[lo .. hi) at or after t (v sorted). */
static size_t first_at_or_after(const vg_time *v, size_t lo, size_t hi, vg_time t)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Forget the times before `from` (sorting a restored queue first). */
static void tq_forget(struct time_queue *q, vg_time from)
{
	if (q->unsorted) {
		qsort(q->v + q->head, q->n - q->head, sizeof(vg_time), cmp_time);
		q->unsorted = false;
	}
	q->head = first_at_or_after(q->v, q->head, q->n, from);
}

/* How many times of q lie in [lo, hi] (q sorted: after tq_forget). */
static size_t tq_count(const struct time_queue *q, vg_time lo, vg_time hi)
{
	size_t l = first_at_or_after(q->v, q->head, q->n, lo);
	size_t h = hi == INT64_MAX ? q->n : first_at_or_after(q->v, l, q->n, hi + 1);
	return h - l;
}

/* List oi among the incidents a later novelty can count (already listed: no
 * change); the novelty passes take it off once it is saturated or too old. */
static vg_err nov_list(struct vg_assembler *a, struct open_inc *oi)
{
	if (oi->nov_listed)
		return VG_OK;
	struct open_inc **ni =
	    grow1(a->nov_inc, a->nnov_inc, &a->nov_inc_cap, sizeof(*ni));
	if (!ni)
		return VG_ERR_NOMEM;
	a->nov_inc = ni;
	oi->nov_ix = (uint32_t)a->nnov_inc;
	oi->nov_listed = true;
	a->nov_inc[a->nnov_inc++] = oi;
	return VG_OK;
}

static vg_err touch(struct vg_assembler *a, struct open_inc *oi)
{
	if (oi->touched)
		return VG_OK;
	char(*nt)[21] = queue_room(a->touched, &a->touched_head, &a->ntouched,
	                           &a->touched_cap, sizeof(*nt));
	if (!nt)
		return VG_ERR_NOMEM;
	a->touched = nt;
	snprintf(a->touched[a->ntouched++], sizeof(a->touched[0]), "%s", oi->inc.id);
	oi->touched = true;
	return VG_OK;
}

/* Taking from the front costs what it takes (the pipeline takes a few at a time
 * after every alert, and one novelty can touch tens of thousands of incidents);
 * an emptied list starts over at 0. */
size_t vg_assembler_take_touched(struct vg_assembler *a, char (*ids)[21], size_t max)
{
	size_t left = a->ntouched - a->touched_head, n = left < max ? left : max;
	if (!n)
		return 0;
	memcpy(ids, a->touched + a->touched_head, n * sizeof(*ids));
	for (size_t i = 0; i < n; i++) {
		struct open_inc *oi = vg_strmap_get(&a->by_id, ids[i]);
		if (oi)
			oi->touched = false;
	}
	a->touched_head += n;
	if (a->touched_head == a->ntouched)
		a->touched_head = a->ntouched = 0;
	return n;
}

/* The pair of an alert: for a third-party alert with both a rule.id and a
 * rule.name, "pair:sig:<id>|<name>@<host>" (the signature text kept to
 * SIG_TEXT_MAX bytes, the host that of its signature key sk); with only one of
 * them, sk itself; for Vigil's own, "pair:<rule>@<host.name>". */
static void pair_key(const struct vg_kv *fields, size_t nfields, const char *sk,
                     const char *rule_id, char *buf, size_t size)
{
	if (sk) {
		const char *id = vg_kv_get(fields, nfields, "rule.id");
		const char *name = vg_kv_get(fields, nfields, "rule.name");
		if (!id || !name) {
			vg_str_append_cstr(buf, size, 0, sk);
			return;
		}
		size_t nid = strnlen(id, SIG_TEXT_MAX), k;
		k = vg_str_append(buf, size, 0, "pair:sig:", 9);
		k = vg_str_append(buf, size, k, id, nid);
		if (nid < SIG_TEXT_MAX) {
			k = vg_str_append(buf, size, k, "|", 1);
			k = vg_str_append(buf, size, k, name,
			                  strnlen(name, SIG_TEXT_MAX - nid - 1));
		}
		vg_str_append_cstr(buf, size, k, strrchr(sk, '@'));
		return;
	}
	const char *host = vg_kv_get(fields, nfields, "host.name");
	char h[VG_ENTITY_VALUE_MAX];
	if (host && vg_entity_canonical(VG_ENT_HOST, host, h, sizeof(h)))
		host = h; /* also for alerts restored from an older store */
	rule_id = rule_id ? rule_id : "";
	host = host ? host : "";
	size_t k = vg_str_append(buf, size, 0, "pair:", 5);
	k = vg_str_append(buf, size, k, rule_id, strnlen(rule_id, 256));
	k = vg_str_append(buf, size, k, "@", 1);
	vg_str_append(buf, size, k, host, strnlen(host, 256));
}

/* The host index of a pair key's host (what follows its last '@'), created when
 * absent; *hx = NULL when the host is empty.  @return VG_OK or VG_ERR_NOMEM. */
static vg_err host_ix_of(struct vg_assembler *a, const char *pk, struct host_ix **hx)
{
	const char *at = strrchr(pk, '@');
	*hx = NULL;
	if (!at || !at[1])
		return VG_OK;
	if ((*hx = vg_strmap_get(&a->hosts, at + 1)))
		return VG_OK;
	struct host_ix *n = calloc(1, sizeof(*n));
	if (!n || vg_strmap_put(&a->hosts, at + 1, n) != VG_OK) {
		free(n);
		return VG_ERR_NOMEM;
	}
	*hx = n;
	return VG_OK;
}

/* Index oi under its host hx (NULL: none). */
static vg_err host_ix_add(struct open_inc *oi, struct host_ix *hx)
{
	if (!hx)
		return VG_OK;
	struct open_inc **ni = grow1(hx->inc, hx->n, &hx->cap, sizeof(*ni));
	if (!ni)
		return VG_ERR_NOMEM;
	hx->inc = ni;
	oi->hix = hx; /* only while it is listed: open_remove unlists it */
	oi->hix_ix = (uint32_t)hx->n;
	hx->inc[hx->n++] = oi;
	return VG_OK;
}

static int cmp_slot_at(const void *x, const void *y)
{
	const struct slot_at *a = x, *b = y;
	return a->ts < b->ts   ? -1
	       : a->ts > b->ts ? 1
	                       : (a->slot > b->slot) - (a->slot < b->slot);
}

/* The pair's slots (created when absent); NULL when out of memory. */
static struct pair_slots *pair_slots_of(struct vg_assembler *a, const char *pk)
{
	bool created;
	return map_get_or_new(&a->pair_slots, pk, sizeof(struct pair_slots), &created);
}

/* Queue (slot, ts) at the back of ps. */
static vg_err pair_slot_push(struct pair_slots *ps, uint32_t slot, vg_time ts)
{
	struct slot_at *nq = queue_room(ps->q, &ps->head, &ps->n, &ps->cap, sizeof(*nq));
	if (!nq)
		return VG_ERR_NOMEM;
	ps->q = nq;
	nq[ps->n++] = (struct slot_at){slot, ts};
	if (slot >= ps->nslots)
		ps->nslots = slot + 1;
	return VG_OK;
}

/* Names a detector's alert family (one id) shows per host as pairs of their own
 * (see Network novelty); AIT-ADS' largest family shows 6. */
#define PAIR_NAMES_MAX 16

/* A named pair pk ("pair:sig:...") the stream has not seen becomes its family's
 * pair (the signature key sk) once the family has shown PAIR_NAMES_MAX names on
 * the host; until then it is counted.  @return VG_OK or VG_ERR_NOMEM. */
static vg_err cap_names(struct vg_assembler *a, const char *sk, char *pk, size_t size)
{
	if (strncmp(pk, "pair:sig:", 9) != 0)
		return VG_OK; /* not a named pair */
	char key[VG_SIG_STAT_KEY_MAX];
	bool created;
	snprintf(key, sizeof(key), "names:%s", sk);
	struct sig_stat *st = sig_stat_get(a, key, &created);
	if (!st)
		return VG_ERR_NOMEM;
	if (st->runs >= PAIR_NAMES_MAX) {
		vg_str_append_cstr(pk, size, 0, sk);
		return VG_OK;
	}
	st->runs++;
	return vg_strmap_put(&a->sig_dirty, key, st);
}

/* Before the alert joins an incident: the stream's start, and whether the alert's
 * pair pk (of size bytes; a third-party alert's, of signature key sk, becomes sk
 * past its family's names, cap_names) is new to the stream past the warm-up
 * (*novel).  Signature pairs are created by sig_stamp afterwards; "pair:" ones
 * here. */
static vg_err novelty_seen(struct vg_assembler *a, const struct vg_alert *alert,
                           const char *sk, char *pk, size_t size, bool *novel)
{
	*novel = false;
	/* a new stream; or one restored from a store whose third-party pairs were
	 * (host, rule.id) ones (made before "stream:named-pairs"), where every
	 * (id, name) pair would look new: it starts again, warm-up and all */
	if (a->stream_start == VG_TIME_NONE || !a->named_pairs) {
		if (!stat_row(a, "stream:start", alert->first_ts) ||
		    !stat_row(a, "stream:named-pairs", alert->first_ts))
			return VG_ERR_NOMEM;
		a->stream_start = alert->first_ts;
		a->named_pairs = true;
	}
	if (alert->first_ts > a->newest_ts)
		a->newest_ts = alert->first_ts;
	if (vg_strmap_get(&a->sig_stats, pk))
		return VG_OK;
	if (sk) {
		if (cap_names(a, sk, pk, size) != VG_OK)
			return VG_ERR_NOMEM;
		if (!strcmp(pk, sk) && vg_strmap_get(&a->sig_stats, pk))
			return VG_OK; /* past the family's names: its id's, known */
	}
	/* a "pair:" row only records that the pair was seen (its time is unused) */
	if (!strncmp(pk, "pair:", 5) && !stat_row(a, pk, alert->last_ts))
		return VG_ERR_NOMEM;
	*novel = alert->first_ts - a->stream_start >= a->conf.novelty_warmup;
	return VG_OK;
}

/* Host memory: the oldest novelty time a host still remembers (see
 * host_memory_count). */
static vg_time host_memory_from(const struct vg_assembler *a)
{
	return a->newest_ts - a->conf.host_memory - 2 * a->conf.inactivity_gap;
}

/* After the alert joined oi (just opened when `opened`): a new incident counts the
 * remembered novelties within the gap of its first alert; a novel alert is counted
 * by every other incident whose first alert is within the gap of it, and
 * remembered. */
static vg_err novelty_apply(struct vg_assembler *a, struct open_inc *oi, bool opened,
                            const struct vg_alert *alert, const char *pk, bool novel)
{
	vg_time t = alert->first_ts, gap = a->conf.inactivity_gap;
	char nk[VG_SIG_STAT_KEY_MAX];
	if (!opened && !novel)
		return VG_OK; /* most alerts: one more in an open incident */
	size_t w = vg_str_append_cstr(nk, sizeof(nk), 0, "novel:");
	vg_str_append_cstr(nk, sizeof(nk), w, pk);
	/* remembered: the novelties of the last two gaps before the newest alert
	 * (a later alert could still be within the gap of them) */
	tq_forget(&a->nov, a->newest_ts - 2 * gap);
	if (opened) {
		size_t n = tq_count(&a->nov, t - gap, t + gap);
		/* not its own pair's (a pair is novel once: its row holds the time) */
		const struct sig_stat *own = vg_strmap_get(&a->sig_stats, nk);
		if (own && own->last_ts >= t - gap && own->last_ts <= t + gap &&
		    own->last_ts >= a->newest_ts - 2 * gap)
			n--;
		oi->inc.network_novelty =
		    n < NETWORK_NOVELTY_MAX ? (uint32_t)n : NETWORK_NOVELTY_MAX;
	}
	if (novel) {
		oi->inc.novel_pair = true;
		/* the listed incidents: those saturated or too old for any later
		 * novelty (first alert more than two gaps before the newest, as
		 * novelties are forgotten) leave the list */
		for (size_t i = 0; i < a->nnov_inc;) {
			struct open_inc *o = a->nov_inc[i];
			if (o->inc.network_novelty >= NETWORK_NOVELTY_MAX ||
			    o->inc.first_ts + 2 * gap < a->newest_ts) {
				nov_unlist(a, o); /* a->nov_inc[i] is now another */
				continue;
			}
			i++;
			if (o == oi || o->inc.first_ts > t + gap ||
			    o->inc.first_ts + gap < t)
				continue;
			o->inc.network_novelty++;
			o->inc.version++;
			if (touch(a, o) != VG_OK)
				return VG_ERR_NOMEM;
		}
		if (!stat_row(a, nk, t) || tq_push(&a->nov, t, false) != VG_OK)
			return VG_ERR_NOMEM;
		if (a->conf.host_memory > 0) { /* and on its host (host memory) */
			struct host_ix *hx;
			if (host_ix_of(a, pk, &hx) != VG_OK ||
			    (hx && tq_push(&hx->novel, t, false) != VG_OK))
				return VG_ERR_NOMEM;
			if (hx) /* bounded by the window, opening or not */
				tq_forget(&hx->novel, host_memory_from(a));
		}
	}
	/* listed from its opening (counted from then on) */
	return opened && oi->inc.network_novelty < NETWORK_NOVELTY_MAX ? nov_list(a, oi)
	                                                               : VG_OK;
}

/* Host memory: the novelties on host hx within host_memory before t, the pair
 * pk's own excluded (a pair is novel once: its row holds the time; a later run of
 * the pair is no news about the host).  Novelties are remembered for host_memory
 * and two gaps behind the newest alert, so an opening up to two gaps late counts
 * as in time. */
static uint32_t host_memory_count(struct vg_assembler *a, struct host_ix *hx,
                                  const char *pk, vg_time t)
{
	vg_time from = t - a->conf.host_memory;
	tq_forget(&hx->novel, host_memory_from(a));
	size_t n = t > from ? tq_count(&hx->novel, from, t - 1) : 0;
	char nk[VG_SIG_STAT_KEY_MAX];
	size_t w = vg_str_append_cstr(nk, sizeof(nk), 0, "novel:");
	vg_str_append_cstr(nk, sizeof(nk), w, pk);
	const struct sig_stat *own = vg_strmap_get(&a->sig_stats, nk);
	if (n && own && own->last_ts >= from && own->last_ts < t &&
	    own->last_ts >= hx->novel.v[hx->novel.head])
		n--;
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* A new incident oi, opened by the alert with pair pk at t: it counts the
 * remembered openings on its host within the gap of t, every other listed incident
 * on that host whose first alert is within the gap counts it (touched; those
 * saturated or too old for a later opening leave the list), and the opening is
 * remembered and recorded in a row of the pair (pair_slots). */
static vg_err host_opened(struct vg_assembler *a, struct open_inc *oi, const char *pk,
                          vg_time t)
{
	vg_time gap = a->conf.inactivity_gap;
	struct host_ix *hx;
	if (host_ix_of(a, pk, &hx) != VG_OK)
		return VG_ERR_NOMEM;
	if (!hx || t - a->stream_start < a->conf.novelty_warmup)
		return VG_OK; /* never counted: not listed (and no novelty yet) */
	if (a->conf.host_memory > 0)
		oi->inc.host_prior_novelties = host_memory_count(a, hx, pk, t);
	/* too old for any later alert (as novelties) */
	tq_forget(&hx->opened, a->newest_ts - 2 * gap);
	size_t n = tq_count(&hx->opened, t - gap, t + gap);
	oi->inc.host_neighbours =
	    n < HOST_NEIGHBOURS_MAX ? (uint32_t)n : HOST_NEIGHBOURS_MAX;
	for (size_t i = 0; i < hx->n;) {
		struct open_inc *o = hx->inc[i];
		if (o->inc.host_neighbours >= HOST_NEIGHBOURS_MAX ||
		    o->inc.first_ts + 2 * gap < a->newest_ts ||
		    o->inc.first_ts - a->stream_start < a->conf.novelty_warmup) {
			host_unlist(o); /* hx->inc[i] is now another: not i++ */
			continue;
		}
		i++;
		if (o->inc.first_ts > t + gap || o->inc.first_ts + gap < t)
			continue;
		o->inc.host_neighbours++;
		o->inc.version++;
		if (touch(a, o) != VG_OK)
			return VG_ERR_NOMEM;
	}
	if (oi->inc.host_neighbours < HOST_NEIGHBOURS_MAX && host_ix_add(oi, hx) != VG_OK)
		return VG_ERR_NOMEM;
	/* the row: the slot of the pair's oldest remembered opening once it is
	 * forgotten, else a new slot, so every remembered opening has one */
	struct pair_slots *ps = pair_slots_of(a, pk);
	if (!ps)
		return VG_ERR_NOMEM;
	if (ps->unsorted) {
		qsort(ps->q + ps->head, ps->n - ps->head, sizeof(*ps->q), cmp_slot_at);
		ps->unsorted = false;
	}
	uint32_t slot = ps->nslots;
	if (ps->head < ps->n && ps->q[ps->head].ts + 2 * gap < a->newest_ts)
		slot = ps->q[ps->head++].slot;
	char key[VG_SIG_STAT_KEY_MAX];
	snprintf(key, sizeof(key), "open%u:%s", slot, pk);
	if (!stat_row(a, key, t) || pair_slot_push(ps, slot, t) != VG_OK)
		return VG_ERR_NOMEM;
	return tq_push(&hx->opened, t, false);
}

/* The pair of an "open<slot>:<pair>" statistics row key, or NULL. */
static const char *opening_pair(const char *key)
{
	if (strncmp(key, "open", 4) != 0 || key[4] < '0' || key[4] > '9')
		return NULL;
	const char *p = key + 4;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == ':' ? p + 1 : NULL;
}

size_t vg_assembler_take_sig_stats(struct vg_assembler *a, struct vg_sig_stat_row *out,
                                   size_t max)
{
	size_t it = 0, n = 0;
	struct vg_strmap_slot *slot;
	while (n < max && (slot = vg_strmap_next(&a->sig_dirty, &it))) {
		const struct sig_stat *st = slot->value;
		snprintf(out[n].key, sizeof(out[n].key), "%s", slot->key);
		out[n].runs = st->runs;
		out[n].last_ts = st->last_ts;
		n++;
	}
	for (size_t i = 0; i < n; i++)
		vg_strmap_del(&a->sig_dirty, out[i].key);
	return n;
}

vg_err vg_assembler_restore_sig_stat(struct vg_assembler *a, const char *key,
                                     uint32_t runs, vg_time last_ts)
{
	bool created;
	const char *pair;
	struct sig_stat *st = sig_stat_get(a, key, &created);
	if (!st)
		return VG_ERR_NOMEM;
	st->runs = runs;
	st->last_ts = last_ts;
	if (!strcmp(key, "stream:start"))
		a->stream_start = last_ts;
	else if (!strcmp(key, "stream:named-pairs"))
		a->named_pairs = true;
	else if (!strncmp(key, "novel:", 6)) {
		struct host_ix *hx = NULL;
		if (tq_push(&a->nov, last_ts, true) != VG_OK ||
		    (a->conf.host_memory > 0 && host_ix_of(a, key + 6, &hx) != VG_OK) ||
		    (hx && tq_push(&hx->novel, last_ts, true) != VG_OK))
			return VG_ERR_NOMEM;
	} else if ((pair = opening_pair(key)) != NULL) {
		struct host_ix *hx;
		struct pair_slots *ps = pair_slots_of(a, pair);
		if (!ps || host_ix_of(a, pair, &hx) != VG_OK ||
		    pair_slot_push(ps, (uint32_t)strtoul(key + 4, NULL, 10), last_ts) !=
		        VG_OK)
			return VG_ERR_NOMEM;
		ps->unsorted = true;
		return hx ? tq_push(&hx->opened, last_ts, true) : VG_OK;
	}
	return VG_OK;
}

/* Is incident o more than the inactivity gap away from alert: quiet for longer before
 * it (closed at its time, whether or not expire has run yet), or started more than a
 * gap after it?  The latter only for an alert assembled out of time order (a late
 * event's): in time order an incident never starts after the alert at hand. */
static bool apart(const struct vg_assembler *a, const struct open_inc *o,
                  const struct vg_alert *alert)
{
	return o->inc.last_ts + a->conf.inactivity_gap < alert->first_ts ||
	       o->inc.first_ts - a->conf.inactivity_gap > alert->last_ts;
}

static int cmp_older(const void *x, const void *y)
{
	const struct open_inc *const *a = x, *const *b = y;
	return older(*a, *b) ? -1 : older(*b, *a) ? 1 : 0;
}

struct vg_incident *vg_assembler_add(struct vg_assembler *a, const struct vg_alert *alert,
                                     bool *changed)
{
	struct open_inc **hit = NULL;
	size_t nhit = 0, hit_cap = 0;
	struct vg_entity_ref cands[VG_ALERT_ENTITIES_MAX];
	size_t ncand;
	struct vg_rule_info info;
	struct vg_incident_alert al;
	struct open_inc *oi;

	*changed = false;
	oi = vg_strmap_get(&a->by_alert, alert->id);
	if (oi)
		return &oi->inc; /* replayed: already part of this incident */
	struct vg_alert canon;
	struct canon_names names;
	alert = with_canonical_names(a, alert, &canon, &names);
	if (!alert)
		return NULL; /* out of memory */

	vg_rule_info(alert->rule, &info);
	char sk[KEY_MAX], pk[KEY_MAX];
	bool novel, has_sig = sig_key(alert->fields, alert->nfields, sk, sizeof(sk));
	pair_key(alert->fields, alert->nfields, has_sig ? sk : NULL, info.id, pk,
	         sizeof(pk));
	if (novelty_seen(a, alert, has_sig ? sk : NULL, pk, sizeof(pk), &novel) != VG_OK)
		return NULL;
	ncand = vg_alert_entities(alert->fields, alert->nfields, cands);
	struct lkeys lks[VG_ALERT_ENTITIES_MAX]; /* each entity's, once */
	for (size_t i = 0; i < ncand; i++)
		link_keys(a, cands[i].type, cands[i].value, &lks[i]);
	if (has_sig) {
		struct ent_ix *ix = vg_strmap_get(&a->by_entity, sk);
		size_t it = 0;
		struct open_inc *o;
		while (ix && (o = ix_next(ix, &it))) {
			if (apart(a, o, alert))
				continue; /* closed at this alert's time */
			if (nhit == hit_cap) {
				size_t ncap = hit_cap ? hit_cap * 2 : 8;
				struct open_inc **nh = realloc(hit, ncap * sizeof(*nh));
				if (!nh)
					goto oom;
				hit = nh;
				hit_cap = ncap;
			}
			hit[nhit++] = o;
		}
	}
	/* Strong keys first; weak ones only when no strong key linked anything. */
	for (int pass = 0; pass < 2 && (pass == 0 || nhit == 0); pass++)
		for (size_t i = 0; i < ncand; i++) {
			const struct lkeys *lk = &lks[i];
			for (size_t j = 0; j < lk->n; j++) {
				const char *key = lk->k[j];
				bool weak = lk->weak[j];
				if (weak != (pass == 1))
					continue;
				bool conf_stop =
				    configured_stop(a, cands[i].type, cands[i].value);
				if (conf_stop || rate_count(a, key, alert->last_ts) >=
				                     a->conf.stop_max_alerts) {
					if (note_stop(a, key, cands[i].type, conf_stop) !=
					    VG_OK)
						goto oom;
					continue;
				}
				struct ent_ix *ix = vg_strmap_get(&a->by_entity, key);
				size_t it = 0;
				struct open_inc *o;
				while (ix && (o = ix_next(ix, &it))) {
					bool dup = false;
					/* Quiet past the gap at this alert's time:
					 * closed, whether or not expire has run yet (so
					 * batching never changes the result). */
					if (apart(a, o, alert))
						continue;
					/* weak: only into an incident with a notable
					 * alert within the gap */
					if (weak && (!o->inc.notable_last ||
					             o->inc.notable_last +
					                     a->conf.inactivity_gap <
					                 alert->first_ts))
						continue;
					for (size_t h = 0; h < nhit && !dup; h++)
						dup = hit[h] == o;
					if (dup)
						continue;
					if (nhit == hit_cap) {
						size_t ncap = hit_cap ? hit_cap * 2 : 8;
						struct open_inc **nh =
						    realloc(hit, ncap * sizeof(*nh));
						if (!nh)
							goto oom;
						hit = nh;
						hit_cap = ncap;
					}
					hit[nhit++] = o;
				}
			}
		}

	if (nhit == 0) {
		char hex[17], id[21];
		vg_hex64(vg_hash64(alert->id, strlen(alert->id), UINT64_C(0x1c1de7)),
		         hex);
		snprintf(id, sizeof(id), "inc-%s", hex);
		oi = open_new(a, id);
		if (!oi)
			goto oom;
	} else {
		/* The oldest survives; the others are absorbed oldest first, so the
		 * result does not depend on the order the index listed them in. */
		qsort(hit, nhit, sizeof(*hit), cmp_older);
		oi = hit[0];
		for (size_t i = 1; i < nhit; i++)
			if (merge_into(a, oi, hit[i]) != VG_OK)
				goto oom;
	}
	free(hit);
	hit = NULL;
	if (novelty_apply(a, oi, nhit == 0, alert, pk, novel) != VG_OK ||
	    (nhit == 0 && host_opened(a, oi, pk, alert->first_ts) != VG_OK))
		return NULL;

	memset(&al, 0, sizeof(al));
	memcpy(al.id, alert->id, sizeof(al.id));
	al.rule_id = (char *)info.id;
	/* a third-party alert is titled by its own detector's rule name */
	const char *tp_name = vg_kv_get(alert->fields, alert->nfields, "rule.name");
	al.title = (char *)(tp_name ? tp_name : info.title);
	/* the level and ATT&CK tags its own detector gave a third-party alert count
	 * with its rule's (attack.c; a rule of more than 64 tags keeps its own) */
	al.level = vg_alert_level(alert);
	char own[VG_ALERT_ATTACK_TAGS_MAX][48];
	size_t nown = vg_alert_attack_tags(alert->fields, alert->nfields, own);
	char *tags[64 + VG_ALERT_ATTACK_TAGS_MAX];
	al.tags = (char **)info.tags;
	al.ntags = info.ntags;
	if (nown && info.ntags <= 64) {
		for (size_t j = 0; j < info.ntags; j++)
			tags[j] = (char *)info.tags[j];
		al.tags = tags;
		for (size_t i = 0; i < nown; i++) {
			bool dup = false;
			for (size_t j = 0; j < info.ntags && !dup; j++)
				dup = strcasecmp(info.tags[j], own[i]) == 0;
			if (!dup)
				tags[al.ntags++] = own[i];
		}
	}
	al.is_correlation = info.is_correlation;
	al.first_ts = alert->first_ts;
	al.last_ts = alert->last_ts;
	al.event_count = alert->event_count;
	al.fields = alert->fields;
	al.nfields = alert->nfields;
	if (sig_stamp(a, has_sig ? sk : NULL, alert, &oi->inc) != VG_OK)
		return NULL;
	if (push_alert(a, oi, &al) != VG_OK)
		return NULL;
	for (size_t i = 0; i < ncand; i++)
		if (add_entity(a, oi, cands[i].type, cands[i].value, alert->first_ts, 1,
		               &lks[i]) != VG_OK)
			return NULL;
	if (rate_add_keys(a, lks, ncand, alert->last_ts) != VG_OK)
		return NULL;
	oi->inc.version++;
	*changed = true;
	return &oi->inc;
oom:
	free(hit);
	return NULL;
}

size_t vg_assembler_take_merged(struct vg_assembler *a, char (*merged)[21],
                                char (*into)[21], size_t max)
{
	size_t left = a->nmerged - a->merged_head, n = left < max ? left : max;
	if (!n)
		return 0; /* a->merged may still be NULL */
	for (size_t i = 0; i < n; i++) {
		memcpy(merged[i], a->merged[a->merged_head + i].from, sizeof(merged[i]));
		memcpy(into[i], a->merged[a->merged_head + i].into, sizeof(into[i]));
	}
	a->merged_head += n;
	if (a->merged_head == a->nmerged)
		a->merged_head = a->nmerged = 0; /* as vg_assembler_take_touched */
	return n;
}

/* The text an entity value of type t is known by in a's incidents, into out: as
 * vg_entity_canonical, a host as vg_assembler_host, and an account or a process
 * named with its host ("root@WEB01") with that host, after the last '@', as
 * vg_assembler_host makes it, and the account as vg_assembler_account makes it
 * (an account without a host in a configured domain, "alice@corp.example.com",
 * is that account).  What a store written by an older version holds (ip "-", a
 * host in its source's case, CORP\alice) and configured stop-values become this.
 * @return false when the value, or the account or path before "@host", names
 * nothing. */
static bool entity_text(const struct vg_assembler *a, enum vg_entity_type t,
                        const char *value, char *out, size_t size)
{
	if (t == VG_ENT_HOST)
		return vg_assembler_host(a, value, out, size);
	if (t != VG_ENT_USER && t != VG_ENT_PROCESS)
		return vg_entity_canonical(t, value, out, size);
	const char *at = strrchr(value, '@');
	if (t == VG_ENT_USER && at && account_domain(a, at + 1, strlen(at + 1)))
		at = NULL; /* a UPN, not "@host" */
	char own[VG_ENTITY_VALUE_MAX], head[VG_ENTITY_VALUE_MAX],
	    host[VG_ENTITY_VALUE_MAX];
	snprintf(own, sizeof(own), "%.*s", at ? (int)(at - value) : (int)strlen(value),
	         value);
	if (t == VG_ENT_USER ? !vg_assembler_account(a, own, head, sizeof(head))
	                     : !vg_entity_value_ok(t, own))
		return false;
	if (t != VG_ENT_USER)
		memcpy(head, own, sizeof(head));
	/* a longer value is cut, as vg_alert_entities cuts it */
	int w = !at ? snprintf(out, size, "%s", head)
	        : at > value && vg_assembler_host(a, at + 1, host, sizeof(host))
	            ? snprintf(out, size, "%s@%s", head, host)
	            : snprintf(out, size, "%s@%s", head, at + 1);
	return w >= 0;
}

vg_err vg_assembler_restore(struct vg_assembler *a, const struct vg_incident *inc)
{
	if (vg_strmap_get(&a->by_id, inc->id) || !inc->id[0])
		return VG_ERR_INVALID;
	struct open_inc *oi = open_new(a, inc->id);
	vg_err err = VG_OK;
	if (!oi)
		return VG_ERR_NOMEM;
	oi->inc.version = inc->version;
	oi->inc.first_ts = inc->first_ts;
	oi->inc.last_ts = inc->last_ts;
	oi->inc.score = inc->score;
	oi->inc.priority = inc->priority;
	oi->inc.alerts_dropped = inc->alerts_dropped;
	oi->inc.events_dropped = inc->events_dropped;
	oi->inc.entities_dropped = inc->entities_dropped;
	oi->inc.notable_last = inc->notable_last; /* its detailed alerts add theirs */
	oi->inc.dropped_level = inc->dropped_level;
	oi->inc.dropped_tactics = inc->dropped_tactics;
	oi->inc.has_sig = inc->has_sig;
	oi->inc.sig_runs_min = inc->sig_runs_min;
	oi->inc.sig_hosts_max = inc->sig_hosts_max;
	oi->inc.network_novelty = inc->network_novelty;
	oi->inc.novel_pair = inc->novel_pair;
	oi->inc.host_neighbours = inc->host_neighbours;
	oi->inc.host_prior_novelties = inc->host_prior_novelties;
	if (inc->nalerts) { /* its host: that of its earliest detailed alert */
		const struct vg_incident_alert *f = &inc->alerts[0];
		char sk[KEY_MAX], pk[KEY_MAX];
		bool has_sig = sig_key(f->fields, f->nfields, sk, sizeof(sk));
		pair_key(f->fields, f->nfields, has_sig ? sk : NULL, f->rule_id, pk,
		         sizeof(pk));
		struct host_ix *hx;
		err = host_ix_of(a, pk, &hx);
		if (err == VG_OK)
			err = host_ix_add(oi, hx);
	}
	if (err == VG_OK)
		err = nov_list(a, oi); /* taken off by the next novelty if it cannot
		                          count it */
	for (size_t i = 0; i < inc->nalerts && err == VG_OK; i++) {
		err = push_alert(a, oi, &inc->alerts[i]);
		if (err == VG_OK)
			err = rate_add_alert(a, inc->alerts[i].fields,
			                     inc->alerts[i].nfields,
			                     inc->alerts[i].last_ts);
	}
	for (size_t i = 0; i < inc->nentities && err == VG_OK; i++) {
		char v[VG_ENTITY_VALUE_MAX];
		if (entity_text(a, inc->entities[i].type, inc->entities[i].value, v,
		                sizeof(v)))
			err = add_entity(a, oi, inc->entities[i].type, v,
			                 inc->entities[i].first_seen,
			                 inc->entities[i].alerts, NULL);
	}
	if (err != VG_OK)
		open_remove(a, oi);
	return err;
}

vg_err vg_assembler_restore_rate(struct vg_assembler *a,
                                 const struct vg_incident_alert *al)
{
	return rate_add_alert(a, al->fields, al->nfields, al->last_ts);
}

/* Forget rate entries no alert at or after `now` can count (their newest time is
 * outside every later window). */
static void rates_prune(struct vg_assembler *a, vg_time now)
{
	size_t it = 0, n = 0;
	struct vg_strmap_slot *slot;
	char **dead = NULL;
	while ((slot = vg_strmap_next(&a->rates, &it))) {
		struct rate *r = slot->value;
		if (r->n && r->ts[r->n - 1] > now - a->conf.stop_window)
			continue;
		char **nd = realloc(dead, (n + 1) * sizeof(*nd));
		if (!nd)
			break; /* pruning is only memory: try again next time */
		dead = nd;
		dead[n++] = slot->key;
	}
	for (size_t i = 0; i < n; i++) {
		struct rate *r = vg_strmap_get(&a->rates, dead[i]);
		free(r->ts);
		free(r);
		/* the key is owned by the map: delete last */
		vg_strmap_del(&a->rates, dead[i]);
	}
	free(dead);
}

size_t vg_assembler_expire(struct vg_assembler *a, vg_time now)
{
	size_t closed = 0;
	rates_prune(a, now);
	for (size_t i = 0; i < a->nopen;) {
		struct open_inc *oi = a->open[i];
		if (oi->inc.last_ts + a->conf.inactivity_gap < now) {
			open_remove(a, oi); /* moves the last one into slot i */
			closed++;
		} else {
			i++;
		}
	}
	return closed;
}

struct vg_incident *vg_assembler_get(struct vg_assembler *a, const char *id)
{
	struct open_inc *oi = vg_strmap_get(&a->by_id, id);
	return oi ? &oi->inc : NULL;
}

size_t vg_assembler_open_count(const struct vg_assembler *a)
{
	return a->nopen;
}
