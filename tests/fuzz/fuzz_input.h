/*
 * fuzz_input.h - for libFuzzer targets that read their input as a program of
 * choices (fuzz_assemble, fuzz_correlate): the bytes one at a time, 0 once used
 * up, so every input is a complete program.
 */
#ifndef VG_FUZZ_INPUT_H
#define VG_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct input {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t take(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

/* A step of event time in microseconds from one byte: -8 .. 55 seconds, minutes,
 * hours or milliseconds (the two high bits), so streams go back now and then and
 * cross gaps and windows of every size. */
static inline int64_t fz_time_step(struct input *in)
{
	static const int64_t unit[4] = {1000000, 60000000, 3600000000, 1000};
	uint8_t b = take(in);
	return ((int64_t)(b & 0x3F) - 8) * unit[b >> 6];
}

/* The number of entries of a pool of values. */
#define POOL(a) (sizeof(a) / sizeof((a)[0]))

#endif
