/*
 * main.c - the vigil command line: dispatch and usage.
 *
 * Each command lives in a cli_*.c file; this file only routes argv to them,
 * prints help, and checks that what a command wrote on stdout was written.  Exit
 * codes: 0 success, 1 runtime failure (a failed write of the output too), 2 usage
 * or configuration error.
 */
#include "cli.h"

#include <string.h>

/* Per command: the line of `vigil --help`, and the full usage `vigil COMMAND
 * --help` prints (and the command itself, on a usage error: vg_cli_usage); NULL
 * when the line says it all.  Lines after the first are indented by the caller. */
static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *full;
} g_commands[] = {
    {"demo", vg_cli_demo,
     "demo [--db PATH] [--serve]   run the bundled scenario end to end",
     "demo [--db PATH] [--serve] [--seed N]"},
    {"run", vg_cli_run,
     "run -c FILE [--stop-after N] [--stop-at-end] [-v]   consume Kafka", NULL},
    {"check", vg_cli_check,
     "check -c FILE   validate a config (and its rules, decoders, model)", NULL},
    {"config", vg_cli_config, "config   list every configuration key with its default",
     NULL},
    {"parse", vg_cli_parse,
     "parse [-c FILE] [--format F] [FILE...]   print normalized events as JSON",
     "parse [-c FILE] [--format F] [--decoders PATH]... [FILE...]   ('-' or none reads\n"
     "stdin; F: auto, syslog, rfc3164, rfc5424, json, auditd, aitads); -c: the config's\n"
     "decoders and settings, as `vigil run` parses, --decoders added to them"},
    {"detect", vg_cli_detect,
     "detect [-c FILE] [-r RULES]... [--format F] [FILE...]   print rule hits and alerts",
     "detect [-c FILE] [-r RULES]... [--format F] [FILE...]   ('-' or none reads stdin)\n"
     "-c: the config's rules, decoders and correlation settings, as `vigil run` detects\n"
     "(no store, no model), -r's rules added to them; neither: the embedded rules"},
    {"rules", vg_cli_rules,
     "rules check PATH...   load rules and report the ones that cannot run",
     "rules check [-v] PATH...\n"
     "prints every rule that cannot run (file:line:col and reason), then the counts;\n"
     "-v also prints warnings (e.g. logsources without a mapping)"},
    {"model", vg_cli_model,
     "model train|eval [options]   train or evaluate the ranking model",
     "model train [--out FILE] [--seed N] [--scenarios N] [--rounds N] [--db DB "
     "[--verdict-weight N]]\n"
     "model eval [--model FILE] [--seed N] [--scenarios N] [--threshold X]"},
    {"scenario", vg_cli_scenario,
     "scenario [--seed N] [--start TIME] [--keys] [--labels FILE]   print generated "
     "traffic",
     "scenario [--seed N] [--hours N] [--hosts N] [--no-attack] [--variants] "
     "[--start TIME] [--keys] [--labels FILE]"},
    {"replay", vg_cli_replay,
     "replay [-c FILE] --db DB [--format F] FILE...   run recorded inputs through the "
     "pipeline; --db DB --export-map OUT writes the record -> incident map",
     "replay [-c CONFIG] --db DB [--format F] [--model FILE] [--threshold X] "
     "[--batch N] FILE...   ('-' reads stdin)\n"
     "replay --db DB --export-map OUT.tsv   (OUT '-' = stdout)"},
    {"eval", vg_cli_eval,
     "eval aitads [options]   leave-one-scenario-out evaluation on AIT-ADS alerts",
     "eval aitads [--data DIR] [--out DIR] [-c CONFIG] [--seed N] [--rounds N] "
     "[--depth N] [--scenarios a,b,...]"},
    {"simulate", vg_cli_simulate,
     "simulate [--seed N] [--variants] [--out PREFIX]   write generated traffic with "
     "endpoint campaigns: PREFIX.syslog, PREFIX.jsonl, PREFIX.truth.tsv",
     "simulate [--seed N] [--hours N] [--hosts N] [--no-attack] [--variants] "
     "[--start TIME] [--out PREFIX]"},
    {"feedback", vg_cli_feedback,
     "feedback INCIDENT --verdict tp|fp [--note TEXT] --db DB   record an analyst's "
     "verdict (vigil model train --db DB learns from it)",
     NULL},
    {"stix", vg_cli_stix,
     "stix --db DB INCIDENT... | --surfaced   print incidents as STIX 2.1 bundles, one "
     "per line",
     "stix --db DB INCIDENT...\nstix --db DB --surfaced"},
    {"version", vg_cli_version, "version", NULL},
};
#define NCOMMANDS (sizeof(g_commands) / sizeof(g_commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: vigil COMMAND [options]   (vigil COMMAND --help: its "
	             "options)\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %s\n", g_commands[i].usage);
}

void vg_cli_usage(FILE *out, const char *command)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(command, g_commands[i].name) != 0)
			continue;
		const char *t =
		    g_commands[i].full ? g_commands[i].full : g_commands[i].usage;
		size_t nl = strlen(command);
		fputs("usage: vigil ", out);
		for (; *t; t++) {
			fputc(*t, out);
			if (*t != '\n')
				continue;
			/* another form of the command, or a line about it */
			bool form = !strncmp(t + 1, command, nl) && t[1 + nl] == ' ';
			fputs(form ? "       vigil " : "  ", out);
		}
		fputc('\n', out);
		return;
	}
}

/* The status of command cmd that returned rc, once its stdout is flushed: a write
 * that failed (a full disk, /dev/full) then or earlier is said and is exit 1, as
 * the output is lost; rc when it is already an error.  Every command writes its
 * stdout through stdio and leaves it to this one check. */
static int output_status(const char *cmd, int rc)
{
	bool written = vg_cli_output_written(stdout, false, cmd, "output");
	return written || rc ? rc : 1;
}

static bool wants_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int vg_cli_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("vigil %s\n", VG_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || wants_help(argv[1]) || (!strcmp(argv[1], "help") && argc < 3)) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *cmd = argv[1];
	/* vigil COMMAND --help, or vigil COMMAND SUBCOMMAND --help (model train, ...) */
	bool help = (argc > 2 && wants_help(argv[2])) ||
	            (argc > 3 && argv[2][0] != '-' && wants_help(argv[3]));
	if (!strcmp(cmd, "help") && argc > 2) { /* vigil help COMMAND */
		cmd = argv[2];
		help = true;
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(cmd, g_commands[i].name) != 0)
			continue;
		if (help) {
			vg_cli_usage(stdout, cmd);
			return output_status(cmd, 0);
		}
		return output_status(cmd, g_commands[i].fn(argc - 1, argv + 1));
	}
	fprintf(stderr, "vigil: unknown command '%s'\n\n", cmd);
	usage(stderr);
	return 2;
}
