/*
 * stix.h - engine-private: an incident as a STIX 2.1 bundle (see stix.c).
 */
#ifndef VG_STIX_H
#define VG_STIX_H

#include "incident_text.h"

/**
 * @brief Write inc as one STIX 2.1 bundle (a JSON object, no newline) to out.
 *
 * t and story are the incident's text and story (vg_incident_text_build_story,
 * vg_incident_story_build); its score and priority are inc's (score < 0: not
 * scored).  created: the objects' `created` (vg_store_stix_created: the first alert
 * time of the incident's first version, or inc->first_ts).  A pure function of its
 * arguments: the same incident gives the same bytes, ids included.
 */
void vg_stix_bundle(const struct vg_incident *inc, vg_time created,
                    const struct vg_incident_text *t,
                    const struct vg_incident_story *story, struct vg_buf *out);

#endif
