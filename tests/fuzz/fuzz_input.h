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

static uint8_t take(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

/* The number of entries of a pool of values. */
#define POOL(a) (sizeof(a) / sizeof((a)[0]))

#endif
