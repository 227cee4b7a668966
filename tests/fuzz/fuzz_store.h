/*
 * fuzz_store.h - for libFuzzer targets that write SQLite stores (fuzz_assemble,
 * fuzz_pipeline).
 */
#ifndef VG_FUZZ_STORE_H
#define VG_FUZZ_STORE_H

#include <stdio.h>
#include <unistd.h>

/* The store file at path and what SQLite keeps beside it (a process that aborted
 * left its write-ahead log, which a new store of the same name would replay). */
static inline void fz_remove_store(const char *path)
{
	static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
	char p[160];
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, ext[i]);
		unlink(p);
	}
}

#endif
