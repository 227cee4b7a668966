/*
 * decoder.c - run the loaded decoders on one framed syslog record.
 *
 * Selection is by program name first: one hash lookup finds the chain of decoders
 * for the line's tag / APP-NAME ("NAME(MODULE)" tags without a chain of their own
 * are looked up as MODULE), and only their patterns run, in order; the first
 * pattern that matches wins.  A decoder selected by program applies its own `set`
 * (and vigil.decoder) even when none of its patterns matches, so every sshd line is
 * at least event.dataset sshd.  When no pattern of the chain matched, the decoders
 * that have only a prefilter are tried: a memmem for the literal, then their
 * patterns; such a decoder claims the line only when a pattern matches.
 *
 * An anchored pattern's possible first bytes (a 256-bit set) and literal start,
 * both computed at load time, are checked first, so most patterns of a chain cost
 * no PCRE2 call at all; the first-byte sets are indexed per byte (by_byte), so a
 * line does not even visit the patterns its first byte rules out.
 * Matching uses the per-thread match data, match context (match limit, JIT stack)
 * of the parse context: nothing is allocated here.  A pattern that hits its limit is
 * counted and logged at a limited rate, and treated as not matching.
 */
#include "parsers_int.h"

#include <string.h>

static void apply(struct vg_event *ev, const struct vgp_assign *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vgp_set(ev, a[i].id, a[i].value, a[i].len, (enum vg_value_kind)a[i].kind);
}

static void set_decoder_name(const struct vg_parser *parser, struct vg_event *ev,
                             const struct vgp_decoder *d)
{
	vgp_set(ev, parser->id.vigil_decoder, d->name, d->name_len, VG_VK_STR);
}

/*
 * Try d's patterns on msg.  On the first match: when claim is set, apply the
 * decoder's own set and name first; then the captures and the pattern's set.
 * @return true when a pattern matched.
 */
static bool run_decoder(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                        struct vg_event *ev, const struct vgp_decoder *d,
                        struct vg_str msg, bool claim)
{
	/* only the patterns a match can start with this byte for (by_byte) */
	unsigned b0 = msg.len ? (unsigned char)msg.ptr[0] : 256;
	for (uint32_t k = d->by_start[b0]; k < d->by_start[b0 + 1]; k++) {
		const struct vgp_pattern *pat = &d->patterns[d->by_byte[k]];
		if (pat->lit_len && (msg.len < pat->lit_len ||
		                     memcmp(msg.ptr, pat->lit, pat->lit_len) != 0))
			continue; /* cannot match: its fixed start differs */
		int rc = pat->jit ? pcre2_jit_match(pat->code, (PCRE2_SPTR)msg.ptr,
		                                    msg.len, 0, 0, ctx->md, ctx->mctx)
		                  : pcre2_match(pat->code, (PCRE2_SPTR)msg.ptr, msg.len,
		                                0, 0, ctx->md, ctx->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		if (rc < 0) {
			ctx->match_errors++;
			PCRE2_UCHAR m[128];
			pcre2_get_error_message(rc, m, sizeof(m));
			vg_log_limited(
			    &ctx->rl, VG_LOG_WARN,
			    "decoder '%s' pattern '%s': %s (treated as no match)",
			    d->name, pat->name, (const char *)m);
			continue;
		}
		if (claim) {
			apply(ev, d->sets, d->nsets);
			set_decoder_name(parser, ev, d);
		}
		const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ctx->md);
		for (size_t c = 0; c < pat->ncaps; c++) {
			uint32_t g = pat->caps[c].group;
			if (g >= (uint32_t)rc || ov[2 * g] == PCRE2_UNSET)
				continue;
			const char *v = msg.ptr + ov[2 * g];
			size_t n = ov[2 * g + 1] - ov[2 * g];
			if (pat->caps[c].address) {
				/* sshd and PAM name the client's host instead of
				 * its address with UseDNS; a host name made of hex
				 * digits passes the patterns' character classes */
				unsigned char addr[16];
				if (!vg_ip_parse(v, n, addr)) {
					if (pat->caps[c].domain != VG_FIELD_NONE)
						vgp_set(ev, pat->caps[c].domain, v, n,
						        VG_VK_STR);
					continue;
				}
			}
			enum vg_value_kind kind =
			    pat->caps[c].numeric && vgp_is_integer(v, n) ? VG_VK_NUM
			                                                 : VG_VK_STR;
			vgp_set(ev, pat->caps[c].id, v, n, kind);
		}
		apply(ev, pat->sets, pat->nsets);
		return true;
	}
	return false;
}

static bool has_literal(const struct vgp_decoder *d, struct vg_str msg)
{
	return memmem(msg.ptr, msg.len, d->prefilter, d->prefilter_len) != NULL;
}

/* "sshd(pam_unix)": a program with no chain of its own is looked up by the module
 * name in parentheses (old PAM tags).  @return the chain index or -1. */
static int32_t module_chain(const struct vgp_decoders *decs, struct vg_str prog)
{
	if (prog.len < 4 || prog.ptr[prog.len - 1] != ')')
		return -1;
	const char *open = memchr(prog.ptr, '(', prog.len);
	if (!open || open == prog.ptr)
		return -1;
	size_t n = (size_t)(prog.ptr + prog.len - 1 - (open + 1));
	return n ? vgp_strmap_get(&decs->programs, open + 1, n) : -1;
}

vg_err vgp_decode(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                  struct vg_event *ev, const struct vgp_syslog *sl)
{
	const struct vgp_decoders *decs = &parser->decoders;

	if (sl->program.len) {
		int32_t ci =
		    vgp_strmap_get(&decs->programs, sl->program.ptr, sl->program.len);
		if (ci < 0)
			ci = module_chain(decs, sl->program);
		if (ci >= 0) {
			const struct vgp_chain *ch = &decs->chains[ci];
			for (size_t i = 0; i < ch->n; i++) {
				const struct vgp_decoder *d =
				    &decs->list[ch->decoders[i]];
				if (d->prefilter && !has_literal(d, sl->msg))
					continue;
				apply(ev, d->sets, d->nsets);
				set_decoder_name(parser, ev, d);
				if (run_decoder(parser, ctx, ev, d, sl->msg, false))
					return VG_OK;
			}
		}
	}
	for (size_t i = 0; i < decs->nprefiltered; i++) {
		const struct vgp_decoder *d = &decs->list[decs->prefiltered[i]];
		if (has_literal(d, sl->msg) &&
		    run_decoder(parser, ctx, ev, d, sl->msg, true))
			return VG_OK;
	}
	return VG_OK;
}
