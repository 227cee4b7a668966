/*
 * diag.c - error codes and compiler-style diagnostics.
 *
 * A vg_diag collects every problem found while loading configuration, rules or
 * decoders, so start-up can report them all at once instead of the first only.
 */
#include "vg_core.h"

#include <stdlib.h>
#include <string.h>

const char *vg_err_str(vg_err err)
{
	switch (err) {
	case VG_OK: return "success";
	case VG_ERR_INVALID: return "invalid argument or input";
	case VG_ERR_NOMEM: return "out of memory";
	case VG_ERR_IO: return "I/O error";
	case VG_ERR_PARSE: return "parse error";
	case VG_ERR_CONFIG: return "configuration error";
	case VG_ERR_KAFKA: return "Kafka error";
	case VG_ERR_STORE: return "store error";
	case VG_ERR_MODEL: return "model error";
	case VG_ERR_FULL: return "table full";
	case VG_ERR_NOTFOUND: return "not found";
	}
	return "unknown error";
}

void vg_diag_init(struct vg_diag *diag)
{
	memset(diag, 0, sizeof(*diag));
}

static void diag_addv(struct vg_diag *diag, const char *kind, const char *file, int line,
                      int col, const char *fmt, va_list ap)
{
	char msg[1024];
	char loc[512] = "";
	int n;

	if (file && line > 0 && col > 0)
		snprintf(loc, sizeof(loc), "%s:%d:%d: ", file, line, col);
	else if (file && line > 0)
		snprintf(loc, sizeof(loc), "%s:%d: ", file, line);
	else if (file)
		snprintf(loc, sizeof(loc), "%s: ", file);
	vsnprintf(msg, sizeof(msg), fmt, ap);

	if (diag->count == diag->cap) {
		size_t ncap = diag->cap ? diag->cap * 2 : 8;
		char **nm = realloc(diag->msgs, ncap * sizeof(*nm));
		if (!nm)
			return;
		diag->msgs = nm;
		diag->cap = ncap;
	}
	n = snprintf(NULL, 0, "%s%s: %s", loc, kind, msg);
	if (n < 0)
		return;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return;
	snprintf(s, (size_t)n + 1, "%s%s: %s", loc, kind, msg);
	diag->msgs[diag->count++] = s;
}

void vg_diag_error(struct vg_diag *diag, const char *file, int line, int col,
                   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_addv(diag, "error", file, line, col, fmt, ap);
	va_end(ap);
	diag->errors++;
}

void vg_diag_warn(struct vg_diag *diag, const char *file, int line, int col,
                  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_addv(diag, "warning", file, line, col, fmt, ap);
	va_end(ap);
}

void vg_diag_print(const struct vg_diag *diag, FILE *out)
{
	for (size_t i = 0; i < diag->count; i++)
		fprintf(out, "%s\n", diag->msgs[i]);
}

void vg_diag_clear(struct vg_diag *diag)
{
	if (!diag)
		return;
	for (size_t i = 0; i < diag->count; i++)
		free(diag->msgs[i]);
	free(diag->msgs);
	vg_diag_init(diag);
}
