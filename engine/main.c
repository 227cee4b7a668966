/*
 * main.c - the vigil command line: dispatch and usage.
 *
 * Each command lives in a cli_*.c file; this file only routes argv to them and
 * prints help.  Exit codes: 0 success, 1 runtime failure, 2 usage or
 * configuration error.
 */
#include "cli.h"

#include <string.h>

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} g_commands[] = {
    {"demo", vg_cli_demo,
     "demo [--db PATH] [--serve]   run the bundled scenario end to end"},
    {"run", vg_cli_run,
     "run -c FILE [--stop-after N] [--stop-at-end] [-v]   consume Kafka"},
    {"check", vg_cli_check,
     "check -c FILE   validate a config (and its rules, decoders, model)"},
    {"config", vg_cli_config, "config   list every configuration key with its default"},
    {"parse", vg_cli_parse,
     "parse [--format F] [FILE...]   print normalized events as JSON"},
    {"detect", vg_cli_detect,
     "detect [-r RULES]... [--format F] [FILE...]   print rule hits and alerts"},
    {"rules", vg_cli_rules,
     "rules check PATH...   load rules and report the ones that cannot run"},
    {"model", vg_cli_model,
     "model train|eval [options]   train or evaluate the ranking model"},
    {"scenario", vg_cli_scenario,
     "scenario [--seed N] [--start TIME] [--keys] [--labels FILE]   print generated "
     "traffic"},
    {"replay", vg_cli_replay,
     "replay [-c FILE] --db DB [--format F] FILE...   run recorded inputs through the "
     "pipeline; --db DB --export-map OUT writes the record -> incident map"},
    {"eval", vg_cli_eval,
     "eval aitads [options]   leave-one-scenario-out evaluation on AIT-ADS alerts"},
    {"simulate", vg_cli_simulate,
     "simulate [--seed N] [--variants] [--out PREFIX]   write generated traffic with "
     "endpoint campaigns: PREFIX.syslog, PREFIX.jsonl, PREFIX.truth.tsv"},
    {"feedback", vg_cli_feedback,
     "feedback INCIDENT --verdict tp|fp [--note TEXT] --db DB   record an analyst's "
     "verdict (vigil model train --db DB learns from it)"},
    {"stix", vg_cli_stix,
     "stix --db DB INCIDENT... | --surfaced   print incidents as STIX 2.1 bundles, one "
     "per line"},
    {"version", vg_cli_version, "version"},
};
#define NCOMMANDS (sizeof(g_commands) / sizeof(g_commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: vigil COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %s\n", g_commands[i].usage);
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
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], g_commands[i].name))
			return g_commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vigil: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
