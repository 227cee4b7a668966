/*
 * log.c - leveled logging to stderr, and a rate limiter for per-event messages so a
 * flood of bad input cannot flood the log.
 */
#include "vg_core.h"

#include <pthread.h>
#include <time.h>

static enum vg_log_level g_level = VG_LOG_INFO;
static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;

void vg_log_set_level(enum vg_log_level level)
{
	g_level = level;
}

enum vg_log_level vg_log_get_level(void)
{
	return g_level;
}

static void log_v(enum vg_log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	if (level > g_level)
		return;
	pthread_mutex_lock(&g_log_lock);
	fprintf(stderr, "vigil: %s: ", names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&g_log_lock);
}

void vg_log(enum vg_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(level, fmt, ap);
	va_end(ap);
}

void vg_log_limited(struct vg_ratelimit *rl, enum vg_log_level level, const char *fmt,
                    ...)
{
	int64_t now = (int64_t)time(NULL);
	va_list ap;

	if (now - rl->window_start >= (int64_t)rl->interval_sec) {
		if (rl->suppressed)
			vg_log(level, "(%llu similar messages suppressed)",
			       (unsigned long long)rl->suppressed);
		rl->window_start = now;
		rl->in_window = 0;
		rl->suppressed = 0;
	}
	if (rl->in_window >= rl->burst) {
		rl->suppressed++;
		return;
	}
	rl->in_window++;
	va_start(ap, fmt);
	log_v(level, fmt, ap);
	va_end(ap);
}
