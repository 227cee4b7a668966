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

/** @return the kill-chain index of an "attack.<tactic>" tag, or -1. */
int vg_tactic_index(const char *tag);
/** @return the tactic name at a kill-chain index, or NULL. */
const char *vg_tactic_name(int index);
/** @brief Fill t (buffers are reset first; the caller inits and frees them). */
void vg_incident_text_build(const struct vg_incident *inc, const struct vg_ranking *rank,
                            struct vg_incident_text *t);
/** @brief The top contributions as a JSON array (empty without a ranking). */
void vg_incident_explanation(const struct vg_ranking *rank, size_t top,
                             struct vg_buf *out);
/** @brief Feature values as a JSON object. */
void vg_incident_features_json(const struct vg_ranking *rank, struct vg_buf *out);
/** @brief The document published on the output topic. */
void vg_incident_document(const struct vg_incident *inc, const struct vg_ranking *rank,
                          const struct vg_incident_text *t, const char *explanation,
                          struct vg_buf *out);

#endif
