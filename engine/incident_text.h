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
