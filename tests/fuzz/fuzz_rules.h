/*
 * fuzz_rules.h - for libFuzzer targets that need rules of their own (fuzz_assemble,
 * fuzz_correlate, fuzz_incident_text): a rule file written, loaded and removed, the
 * ruleset kept for the process's lifetime.
 */
#ifndef VG_FUZZ_RULES_H
#define VG_FUZZ_RULES_H

#include "vg_correlate.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Two detection rules, low and high (the high one's title quoted and with a
 * backslash, for what is published), with ATT&CK tags. */
#define FZ_LOW_ID  "11111111-1111-4111-8111-111111111111"
#define FZ_HIGH_ID "22222222-2222-4222-8222-222222222222"
#define FZ_TWO_RULES                                                                     \
	"title: low\nid: " FZ_LOW_ID "\nlevel: low\n"                                    \
	"tags: [attack.initial-access, attack.t1078]\n"                                  \
	"logsource: {product: linux, service: sshd}\n"                                   \
	"detection: {sel: {event.action: login}, condition: sel}\n---\n"                 \
	"title: high \"quoted\" \\ rule\nid: " FZ_HIGH_ID "\nlevel: high\n"              \
	"tags: [attack.privilege-escalation, attack.t1548.003, "                         \
	"attack.lateral-movement]\n"                                                     \
	"logsource: {product: linux, service: sudo}\n"                                   \
	"detection: {sel: {event.action: sudo}, condition: sel}\n"

/* The rules of yaml (the field registry initialised first); aborts, printing the
 * diagnostics, when they do not load. */
static inline struct vg_ruleset *fz_load_rules(const char *tag, const char *yaml)
{
	char path[96];
	snprintf(path, sizeof(path), "/tmp/vigil-fuzz-%s-%d.yml", tag, (int)getpid());
	FILE *fp = fopen(path, "w");
	if (!fp || fputs(yaml, fp) < 0)
		abort();
	fclose(fp);
	struct vg_ruleset *rs = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	const char *paths[] = {path};
	if (vg_fields_init(NULL) != VG_OK ||
	    vg_ruleset_load(paths, 1, &rs, &d) != VG_OK) {
		vg_diag_print(&d, stderr);
		abort();
	}
	vg_diag_clear(&d);
	unlink(path);
	return rs;
}

/* FZ_TWO_RULES's rules, low then high, into r. */
static inline void fz_two_rules(const char *tag, const struct vg_rule *r[2])
{
	static struct vg_ruleset *rs; /* for the process's lifetime: reachable */
	rs = fz_load_rules(tag, FZ_TWO_RULES);
	r[0] = vg_ruleset_find(rs, FZ_LOW_ID);
	r[1] = vg_ruleset_find(rs, FZ_HIGH_ID);
	if (!r[0] || !r[1])
		abort();
}

#endif
