/*
 * fuzz_file.h - for libFuzzer targets whose code under test reads files (rule and
 * decoder loaders): the input written to one file per process, rewritten for each
 * input.
 */
#ifndef VG_FUZZ_FILE_H
#define VG_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Write data[0..size) to "/tmp/vigil-fuzz-<tag>-<pid>.<ext>" and return its path
 * (static storage); aborts when the file cannot be written. */
static const char *fz_input_file(const char *tag, const char *ext, const uint8_t *data,
                                 size_t size)
{
	static char path[96];
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/vigil-fuzz-%s-%d.%s", tag,
		         (int)getpid(), ext);
	FILE *fp = fopen(path, "wb");
	if (!fp)
		abort();
	if (size && fwrite(data, 1, size, fp) != size)
		abort();
	fclose(fp);
	return path;
}

#endif
