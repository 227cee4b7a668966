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
int vg_cli_feedback(int argc, char **argv);
int vg_cli_stix(int argc, char **argv);
int vg_cli_simulate(int argc, char **argv);
int vg_cli_replay(int argc, char **argv);
int vg_cli_eval(int argc, char **argv);
/** @brief Print the full usage of a command ("usage: vigil replay ...") to out:
 *  what `vigil COMMAND --help` prints (main.c holds the texts). */
void vg_cli_usage(FILE *out, const char *command);

/** One recorded input of `vigil replay` (one partition: topic = name, partition
 *  `partition` (0 unless set), offset = 0-based record index, or offsets[k] for the
 *  k-th record when offsets is set: ascending, one per record). */
struct vg_replay_input {
	const char *name;
	FILE *fp;        /* read to its end; not closed */
	int64_t records; /* out: records read */
	int32_t partition;
	const int64_t *offsets;
	size_t noffsets;
};

/**
 * @brief Run every input through the pipeline (cli_replay.c): inputs declared
 * assigned first, read round-robin `batch` records at a time, one store
 * transaction per batch, vg_pipeline_finish_input before the last batch.
 * @return VG_OK, or the first error (the open batch is left for
 *         vg_pipeline_destroy to roll back).
 */
vg_err vg_cli_replay_inputs(struct vg_pipeline *p, enum vg_format fmt,
                            struct vg_replay_input *in, size_t n, size_t batch);
/** @brief Write the record -> incident map of a store as TSV (header, then one line
 *  per input record, "-" where a record raised no alert). */
vg_err vg_cli_export_map(struct vg_store *st, FILE *out, uint64_t *lines);
/** @return a monotonic clock in seconds (for the figures commands print). */
double vg_cli_seconds(void);

/** Reads newline-separated records from files (or stdin when none) one by one. */
struct vg_line_reader {
	const char *cmd; /* the command, in messages: "vigil CMD: FILE: reason" */
	char *const *files;
	size_t nfiles, next_file;
	FILE *fp;
	const char *name; /* current file name ("-" for stdin) */
	int64_t index;    /* 0-based record index within the current file */
	char *line;
	size_t cap;
};

void vg_line_reader_init(struct vg_line_reader *lr, const char *cmd, char *const *files,
                         size_t nfiles);
/** @return the next record (without its newline; a trailing '\r' is kept as data),
 *  with its length, or NULL at the end of the last file; on an I/O error (a file
 *  that cannot be opened or read, a directory) NULL with *err set and
 *  "vigil CMD: FILE: reason" printed on stderr. */
const char *vg_line_reader_next(struct vg_line_reader *lr, size_t *len, vg_err *err);
void vg_line_reader_free(struct vg_line_reader *lr);

/* Numeric option values (cli_args.c): each reads all of text, stores it in *out and
 * returns true, or prints "vigil CMD: OPT wants ..., not 'TEXT'" to stderr and
 * returns false (the command then exits with status 2). */
/** @brief A whole number in [min, max]. */
bool vg_cli_int_arg(const char *cmd, const char *opt, const char *text, int64_t min,
                    int64_t max, int64_t *out);
/** @brief A seed: any whole number from 0 to 2^64-1 (digits only). */
bool vg_cli_seed_arg(const char *cmd, const char *opt, const char *text, uint64_t *out);
/** @brief Whether everything written to f reached it: f flushed (close: closed),
 *  else "vigil CMD: writing WHAT: reason" on stderr and false -- a full disk loses
 *  the output, and the exit status must say so.  An earlier failed write leaves
 *  the error flag but no errno to tell: "a write failed". */
bool vg_cli_output_written(FILE *f, bool close, const char *cmd, const char *what);
/** @brief No argument left after the options (argv[optind..argc)): else prints
 *  "vigil CMD: unexpected argument 'ARG'" and the usage of `usage` to stderr and
 *  returns false (exit 2) -- a command that takes none must not ignore one ("vigil
 *  check -c a.yaml b.yaml" checked a.yaml alone and said ok). */
bool vg_cli_no_args(const char *cmd, const char *usage, int argc, char **argv);
/** @brief A finite number in [min, max]. */
bool vg_cli_real_arg(const char *cmd, const char *opt, const char *text, double min,
                     double max, double *out);

/** @brief Load a config given by -c, printing every problem. @return NULL on error. */
struct vg_config *vg_cli_load_config(const char *path);
/* The config at path, or a config's defaults (named `name` in messages) when path
 * is NULL; NULL with the reasons on stderr. */
struct vg_config *vg_cli_config_or_defaults(const char *path, const char *name);

#endif
