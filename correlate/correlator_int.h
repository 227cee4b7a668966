/*
 * correlator_int.h - the correlator's private state, shared by its files:
 * correlator.c (groups, windows, alerts, chains, feeding), ordered.c (the ordered
 * mode's held hits and their release; alerts of chained correlations given back
 * after a restart) and marks.c (restart marks).  Nothing here is public.
 */
#ifndef VG_CORRELATOR_INT_H
#define VG_CORRELATOR_INT_H

#include "correlate_int.h"

#define ALERT_EVENTS_MAX      256
#define DEFAULT_MAX_PER_RULE  100000
#define DEFAULT_MAX_TOTAL     1000000
#define DEFAULT_MAX_HELD_HITS 1000000

/* A reference to one event: its time, and its partition (index into the
 * correlator's partition table, top 16 bits) with its offset (low 48 bits, sign
 * extended): 16 bytes, as windows hold many. */
struct evref {
	vg_time ts;
	uint64_t pk;
};
#define OFF_BITS 48
#define OFF_MASK ((UINT64_C(1) << OFF_BITS) - 1)

static inline struct evref mkref(vg_time ts, uint32_t pidx, int64_t off)
{
	return (struct evref){ts,
	                      ((uint64_t)pidx << OFF_BITS) | ((uint64_t)off & OFF_MASK)};
}

static inline int64_t ref_off(const struct evref *r)
{
	uint64_t v = r->pk & OFF_MASK;
	if (v & (UINT64_C(1) << (OFF_BITS - 1)))
		v |= ~OFF_MASK; /* negative offsets (never from Kafka) */
	return (int64_t)v;
}

static inline uint32_t ref_pidx(const struct evref *r)
{
	return (uint32_t)(r->pk >> OFF_BITS);
}

/* Per-partition extent of a group's events: n of them, at offsets min_off..max_off
 * (max_ts: the time of the one at max_off), times lo_ts..hi_ts.  A sliding
 * group's partition may have several, each opened at most a timespan after the
 * previous one's oldest time (pext_add), so that the old ones leave the window. */
struct pext {
	uint32_t pidx;
	uint32_t n;
	int64_t min_off, max_off;
	vg_time max_ts;
	vg_time lo_ts, hi_ts;
};

/* value_count: one distinct value (the 64-bit hash of its bytes) with its newest
 * time.  Sets hold hashes, not copies: see the note at vals_add. */
struct vent {
	uint64_t h;
	vg_time ts;
};

/* An alert of a correlation that other correlations consume, waiting to be fed
 * to them (as an event carrying its group values) once the current call is done;
 * at: its fire position, where the ordered mode counts it. */
struct chained {
	const struct vg_rule *rule;
	struct vg_event *ev;
	struct vg_fire_pos at;
};

#define TL_MAX 16 /* times kept per rule and group (temporal) */

/* value_count: distinct values held in the group itself until there are more
 * than VC_INLINE; then in a separate table (the large form), which goes back into
 * the group once expiry leaves VC_SHRINK or fewer (the gap keeps a group hovering
 * at the limit from allocating and freeing at every event).
 *
 * The large form: open addressing, linear probing, power-of-two capacity, at most
 * 3/4 full, backward-shift deletion (no tombstones); a free slot has ts ==
 * VG_TIME_NONE.  Its capacity and oldest time live where the small form's values
 * were, so the table is nothing but slots. */
#define VC_INLINE 3
#define VC_SHRINK 1
struct vcset {
	struct vent *slots; /* NULL: the small form */
	union {
		struct vent inl[VC_INLINE]; /* the small form */
		struct {
			uint32_t cap;
			vg_time min_ts; /* no value is older (exact after a prune) */
		} big;
	} f;
};

/* eager event_count: a ring of at most corr->need references sorted by time.
 * The first RING_INLINE (fewer when need is smaller) live in the group; a ring
 * that must grow beyond them moves to `heap` and doubles up to need. */
#define RING_INLINE 4
struct ringx {
	struct evref *heap; /* NULL: inl */
	uint32_t rhead, rlen, rcap;
	uint32_t pad;
	struct evref inl[]; /* min(need, RING_INLINE) */
};

/* A snapshot of group-by + entity values (see snapshot_f), in the group. */
struct snapx {
	char *data;
	uint32_t len, cap;
};

/* The events of a gx group beyond its first EV_INLINE: one allocation holding all
 * of them (at most ALERT_EVENTS_MAX) and, once some were not kept, the
 * per-partition extents of every event the group took in (a sliding group: of
 * every event still in its window, give or take a timespan). */
#define EV_INLINE 3
struct evblock {
	uint32_t cap;
	uint32_t npexts, pxcap; /* npexts == 0: derive them from e[] */
	uint32_t pad;
	struct pext *pexts;
	struct evref e[]; /* cap */
};

/* Every kind but eager event_count.  The alert's events: up to ALERT_EVENTS_MAX
 * references sorted by time, in ev[] while there are at most EV_INLINE, then all
 * in eb -- a window's first ones, or a sliding window's: those not older than the
 * newest event by more than the timespan (the older ones are forgotten when room is
 * needed, and skipped until then: slide_forget).  While every event the group took
 * in is kept (no extents), the per-partition extents are derived from them. */
struct gx {
	struct evblock *eb; /* NULL: ev[] */
	uint16_t nevs;      /* at most ALERT_EVENTS_MAX */
	uint16_t pad;
	uint32_t nvals; /* value_count: distinct values held, either form */
	union {
		struct vcset vc; /* value_count */
		struct {         /* temporal, temporal_ordered */
			/* per referenced rule, up to TL_MAX newest times (sorted),
			 * then the per-rule counts (uint8_t), in one allocation */
			vg_time *tl;
			uint32_t tlrefs;
		} tp;
		double sum; /* value_sum / value_avg */
		struct {    /* absence: the trigger, the newest expected event */
			vg_time trig, exp_ts;
		} ab;
	} u;
	struct evref ev[EV_INLINE];
};

/* One open group, in one allocation: this header (72 bytes), its key (keycap
 * bytes, a multiple of 8), then its kind's state: struct ringx with its inline
 * slots for eager event_count; else struct gx, followed for close-evaluated
 * windows by a struct snapx.  A rule's groups all have the same kind (struct
 * rstate); nothing points into a group but the table, list and heap links, so a
 * pooled group may be moved by realloc. */
struct group {
	struct group *hnext;
	/* in the rule's list: its neighbours; in the rule's deadline heap (next is
	 * GROUP_IN_HEAP, correlator.c): heap_at is its place there */
	union {
		struct group *prev;
		size_t heap_at;
	};
	struct group *next;
	vg_time first_ts, newest_ts, deadline;
	uint64_t count;
	uint32_t keylen, keycap;
	uint32_t corr;   /* correlation number */
	uint32_t hash;   /* low bits of the key's hash: the table has < 2^32 buckets */
	uint64_t tail[]; /* key, then kind state */
};

/* Group layouts (struct rstate.kind). */
enum { G_RING, G_SLIDING, G_FIXED };

/* A rule's open groups, ordered by deadline for expiry: a list in deadline order
 * (a deadline set later is almost always later: appended), and a min-heap of the
 * groups whose deadline came earlier than the list's last (absence triggers among
 * expected-only groups, windows opened by a chained alert's earlier time,
 * arrivals out of order in the unordered mode). */
struct rstate {
	const struct vg_rule *rule;
	struct group *head, *tail;
	struct group **heap;
	uint32_t nheap, heapcap;
	size_t ngroups;
	struct group *pool;
	uint64_t stamp; /* last feed that touched it (one count per event) */
	/* temporal kinds take an event once per rule it hits (its time per rule),
	 * but into a group's events and count once: the groups the feed `added_stamp`
	 * added it to (a few: one per distinct key its rules' aliases give) */
	uint64_t added_stamp;
	struct group *added[4];
	uint32_t nadded;
	int kind;         /* G_* */
	uint32_t rinl;    /* G_RING: inline ring slots */
	uint32_t statesz; /* bytes of kind state after the key */
};

static inline char *gkey(struct group *g)
{
	return (char *)g->tail;
}

static inline struct ringx *RX(struct group *g)
{
	return (struct ringx *)(void *)((char *)g->tail + g->keycap);
}

static inline const struct ringx *RXC(const struct group *g)
{
	return (const struct ringx *)(const void *)((const char *)g->tail + g->keycap);
}

static inline struct gx *GX(struct group *g)
{
	return (struct gx *)(void *)((char *)g->tail + g->keycap);
}

static inline const struct gx *GXC(const struct group *g)
{
	return (const struct gx *)(const void *)((const char *)g->tail + g->keycap);
}

/* G_FIXED only. */
static inline struct snapx *SNAP(struct group *g)
{
	return (struct snapx *)(void *)((char *)GX(g) + sizeof(struct gx));
}

static inline const struct evref *ring_of(const struct group *g)
{
	const struct ringx *x = RXC(g);
	return x->heap ? x->heap : x->inl;
}

static inline const struct evref *evs_of(const struct gx *x)
{
	return x->eb ? x->eb->e : x->ev;
}

struct partition {
	const char *topic;
	int32_t partition;
	vg_time max_ts;
	vg_time wm;
	int64_t max_offset;  /* largest offset fed, -1 none (vg_correlator_sweep_marks) */
	int64_t counted_off; /* ordered: largest offset of a held hit counted, -1 none
	                        (an alert's frontier) */
	struct vg_minset held_offs; /* ordered: the offsets of its held hits */
	/* fed or advanced: its watermark counts for the low one.  A partition known
	 * only from a chained alert given back (restore_chained) does not: it may be
	 * read by no one now (another consumer's, or a topic no longer read). */
	bool input;
};

struct mark {
	struct mark *next;
	uint32_t corr;
	const char *topic;
	int32_t partition;
	int64_t offset;
	char *key;
	uint64_t hash;
	bool has_fire; /* ordered mode's mark: fire applies, whatever the partition */
	struct vg_fire_pos fire;
};

struct vg_correlator {
	const struct vg_ruleset *rs;
	struct vg_correlator_conf conf;
	struct rstate *rules; /* one per correlation */
	size_t nrules;
	struct group **table;
	size_t nbuckets; /* power of two */
	size_t ngroups;
	char **topics;
	size_t ntopics;
	const char *last_raw_topic, *last_topic;
	struct partition *parts;
	size_t nparts;
	size_t last_part;
	vg_time low_wm;
	struct mark **marks;
	size_t nmark_buckets, nmarks;
	uint64_t stamp;
	struct vg_correlator_stats stats;
	vg_field entity[16];
	size_t nentity;
	/* alert scratch, reused */
	struct vg_buf key, snap, idbuf, strs;
	struct vg_kv *kv;
	size_t *kvoff; /* each kv value's offset in strs while it is filled */
	size_t kvcap;  /* widest group-by + entity fields */
	struct vg_source events[ALERT_EVENTS_MAX];
	struct evref tmp[ALERT_EVENTS_MAX];
	struct pext pxs[ALERT_EVENTS_MAX]; /* extents derived from a gx's events */
	/* correlations of correlations */
	struct vg_arena *arena;
	struct chained *pending;
	size_t npending, pendcap;
	bool draining;
	/* ordered mode: held hits (a min-heap by cmp_held_hit), the fields they keep,
	 * the arena their events are rebuilt in, and the release point so far */
	struct held_hit **held; /* ordered.c */
	size_t nheld, heldcap;
	vg_field *kept;
	size_t nkept;
	struct vg_arena *rel_arena;
	vg_time released_to;
	struct vg_buf hold;
	struct vg_source *frontier; /* an alert's, per partition (emit_group) */
	size_t frontier_cap;
	/* ordered: the position in counting order of the hit being counted -- an
	 * event's (time, partition, offset), a chained alert's fire position */
	struct vg_fire_pos counting;
	/* an alert's chain values (vg_alert.chain), reused */
	struct vg_kv *chainkv;
	size_t chaincap;
	struct vg_buf chainstrs;
};

struct held_hit; /* ordered.c */

/* correlator.c */
const char *vg_corr_intern_topic(struct vg_correlator *c, const char *topic);
struct partition *vg_corr_part(struct vg_correlator *c, const char *itopic,
                               int32_t partition, bool input);
void vg_corr_feed_consumers(struct vg_correlator *c, const struct vg_rule *rule,
                            const struct vg_event *ev, const char *itopic, vg_alert_fn fn,
                            void *fn_ctx);
void vg_corr_drain_chained(struct vg_correlator *c, vg_alert_fn fn, void *fn_ctx);
void vg_corr_expire_at(struct vg_correlator *c, vg_time at, vg_alert_fn fn, void *fn_ctx);

/* ordered.c */
bool vg_corr_kept_fields(struct vg_correlator *c);
void vg_corr_hold_hit(struct vg_correlator *c, const struct vg_event *ev,
                      struct partition *pt, const struct vg_rule **rules, size_t nrules,
                      const char *itopic, vg_alert_fn fn, void *fn_ctx);

/* marks.c */
bool vg_corr_mark_consumed(const struct vg_correlator *c, uint32_t corr, const char *key,
                           size_t keylen, const char *topic, const struct vg_event *ev);

#endif
