/*
 * cli.h - engine-private: the vigil commands (one function per command, argv[0] is
 * the command name) and the helpers they share.
 */
#ifndef VG_CLI_H
#define VG_CLI_H

#include "vg_engine.h"

#define VG_VERSION "0.1.0"

int vg_cli_demo(int argc, char **argv);
int vg_cli_run(int argc, char **argv);
int vg_cli_check(int argc, char **argv);
int vg_cli_config(int argc, char **argv);
int vg_cli_parse(int argc, char **argv);
int vg_cli_detect(int argc, char **argv);
int vg_cli_rules(int argc, char **argv);
int vg_cli_model(int argc, char **argv);
int vg_cli_scenario(int argc, char **argv);
int vg_cli_version(int argc, char **argv);

/** Reads newline-separated records from files (or stdin when none) one by one. */
struct vg_line_reader {
	char *const *files;
	size_t nfiles, next_file;
	FILE *fp;
	const char *name; /* current file name ("-" for stdin) */
	int64_t index;    /* 0-based record index within the current file */
	char *line;
	size_t cap;
};

void vg_line_reader_init(struct vg_line_reader *lr, char *const *files, size_t nfiles);
/** @return the next record (without its newline; a trailing '\r' is kept as data),
 *  with its length, or NULL at the end of the last file; *err set on I/O errors. */
const char *vg_line_reader_next(struct vg_line_reader *lr, size_t *len, vg_err *err);
void vg_line_reader_free(struct vg_line_reader *lr);

/** @brief Load a config given by -c, printing every problem. @return NULL on error. */
struct vg_config *vg_cli_load_config(const char *path);

#endif
