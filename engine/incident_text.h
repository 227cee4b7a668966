/*
 * incident_text.h - engine-private: titles, summaries, tactics and the published
 * JSON document of an incident (see incident_text.c).
 */
#ifndef VG_INCIDENT_TEXT_H
#define VG_INCIDENT_TEXT_H

#include "vg_engine.h"

struct vg_incident_text {
	struct vg_buf title;
	struct vg_buf summary;
	struct vg_buf tactics; /* comma-separated, kill-chain order */
	const char *max_level;
};

/* Scratch arrays of vg_incident_canonical, reused from call to call. */
struct vg_incident_order {
	struct vg_incident_alert *alerts;
	struct vg_entity *entities;
	size_t alerts_cap, entities_cap;
};
/**
 * @brief inc as everything said about it is built from, into *view: a shallow copy
 * whose alerts are ordered by (first_ts, id) and entities by (first_seen, type
 * name, value) -- the order the store loads them in (store.c S_INCIDENT_ALERTS,
 * S_INCIDENT_ENTITIES).  An incident grown in memory holds them in arrival order
 * (merged parts appended), one restored after a restart in that order; the story,
 * text, document and store rows built from the view are the same either way.
 * view shares inc's strings and arrays (when already in order) or o's copies: it
 * is valid while inc and o are unchanged, and is never cleared.  Costs a pass over
 * each array, and a sort of a copy of one that is out of order.
 * @return VG_OK, or VG_ERR_NOMEM (view is then untouched).
 */
vg_err vg_incident_canonical(const struct vg_incident *inc, struct vg_incident_order *o,
                             struct vg_incident *view);
/** @brief Free o's arrays and zero it; NULL is allowed. */
void vg_incident_order_free(struct vg_incident_order *o);
/** @brief The ATT&CK technique ("T1110", "T1548.003") of an "attack.t..." tag
 *  into out; false when the tag names none. */
bool vg_attack_technique(const char *tag, char out[16]);
/** @brief Build the story of inc into s (zeroed by the caller or a previous
 *  vg_incident_story_free).  @return VG_OK or VG_ERR_NOMEM (s is then empty). */
vg_err vg_incident_story_build(const struct vg_incident *inc,
                               struct vg_incident_story *s);
/** @brief Free a story's arrays and zero it; NULL is allowed. */
void vg_incident_story_free(struct vg_incident_story *s);
/** @brief Fill t (buffers are reset first; the caller inits and frees them).
 *  story may be NULL (then the title and summary leave out the spread). */
void vg_incident_text_build_story(const struct vg_incident *inc,
                                  const struct vg_ranking *rank,
                                  const struct vg_incident_story *story,
                                  struct vg_incident_text *t);
/**
 * @brief The document with the story, appended to out, made to fit max_bytes for a
 * message broker: when the whole document is larger, the graph, the entities and
 * the alerts are left out (empty arrays), then if need be the story (sources,
 * spread path, tactic timeline, hosts), and a "truncated" member says what and how
 * large the whole one was.  The store keeps every detail in its tables.
 * @return 2 whole, 1 without graph, entities and alerts, 0 without the story too
 * (possibly still larger than max_bytes: title, summary and explanation stay).
 */
int vg_incident_document_fit(const struct vg_incident *inc, const struct vg_ranking *rank,
                             const struct vg_incident_text *t,
                             const struct vg_incident_story *story,
                             const char *explanation, size_t max_bytes,
                             struct vg_buf *out);
/** @brief The top contributions as a JSON array (empty without a ranking). */
void vg_incident_explanation(const struct vg_ranking *rank, size_t top,
                             struct vg_buf *out);
/** @brief Feature values as a JSON object. */
void vg_incident_features_json(const struct vg_ranking *rank, struct vg_buf *out);

#endif
