/* Unit tests for engine/config.c: defaults, every kind of error with its exact
 * file:line:col message, all errors reported at once. */
#include "vg_engine.h"
#include "vg_test.h"

static struct vg_config *load_ok(const char *yaml)
{
	struct vg_diag d;
	struct vg_config *cfg = NULL;
	vg_diag_init(&d);
	vg_err err = vg_config_load_string("t.yaml", yaml, strlen(yaml), &cfg, &d);
	vg_diag_print(&d, stderr);
	ck_assert_int_eq(err, VG_OK);
	ck_assert_uint_eq(d.count, 0);
	vg_diag_clear(&d);
	return cfg;
}

/* Load a config expected to fail; returns the messages joined by newlines. */
static char *load_bad(const char *yaml)
{
	struct vg_diag d;
	struct vg_config *cfg = NULL;
	struct vg_buf b;
	vg_diag_init(&d);
	vg_buf_init(&b);
	vg_err err = vg_config_load_string("bad.yaml", yaml, strlen(yaml), &cfg, &d);
	ck_assert_int_ne(err, VG_OK);
	ck_assert_ptr_null(cfg);
	for (size_t i = 0; i < d.count; i++) {
		vg_buf_puts(&b, d.msgs[i]);
		vg_buf_putc(&b, '\n');
	}
	vg_diag_clear(&d);
	return b.data;
}

START_TEST(empty_file_gives_defaults)
{
	struct vg_config *cfg = load_ok("");
	ck_assert_str_eq(cfg->kafka.brokers, "embedded");
	ck_assert_str_eq(cfg->kafka.group_id, "vigil");
	ck_assert_uint_eq(cfg->kafka.ninputs, 1);
	ck_assert_str_eq(cfg->kafka.inputs[0].topic, "syslog");
	ck_assert_str_eq(cfg->kafka.output_topic, "vigil.incidents");
	ck_assert_str_eq(cfg->kafka.dead_letter_topic, "vigil.dead-letter");
	ck_assert_int_eq(cfg->kafka.batch_size, 1000);
	ck_assert_str_eq(cfg->model.path, "embedded");
	ck_assert_double_eq(cfg->model.priority_bands[2], 0.8);
	ck_assert_str_eq(cfg->store.path, "vigil.db");
	ck_assert_int_eq(cfg->correlation.allowed_lateness, 60 * VG_USEC_PER_SEC);
	ck_assert_int_eq(cfg->correlation.incident_gap, 3600 * VG_USEC_PER_SEC);
	ck_assert_uint_eq(cfg->rules.npaths, 0);
	vg_config_destroy(cfg);
}
END_TEST

START_TEST(full_file_is_read)
{
	struct vg_config *cfg =
	    load_ok("kafka:\n"
	            "  brokers: \"k1:9092,k2:9092\"\n"
	            "  group_id: soc\n"
	            "  inputs:\n"
	            "    - {topic: raw.syslog, format: rfc5424}\n"
	            "    - topic: raw.sysmon\n"
	            "      format: json\n"
	            "  librdkafka:\n"
	            "    security.protocol: SASL_SSL\n"
	            "    sasl.mechanism: SCRAM-SHA-512\n"
	            "  batch_size: 500\n"
	            "rules: {paths: [/etc/vigil/rules, extra.yml]}\n"
	            "decoders: {rfc3164_utc_offset: \"-05:30\"}\n"
	            "model: {path: m.json, priority_bands: [0.1, 0.4, 0.9], "
	            "surface_threshold: 0.7}\n"
	            "store: {path: /var/lib/vigil/v.db}\n"
	            "correlation: {allowed_lateness: 500ms, incident_gap: 2d}\n");
	ck_assert_str_eq(cfg->kafka.brokers, "k1:9092,k2:9092");
	ck_assert_uint_eq(cfg->kafka.ninputs, 2);
	ck_assert_int_eq(cfg->kafka.inputs[0].format, VG_FMT_RFC5424);
	ck_assert_str_eq(cfg->kafka.inputs[1].topic, "raw.sysmon");
	ck_assert_int_eq(cfg->kafka.inputs[1].format, VG_FMT_JSON);
	ck_assert_uint_eq(cfg->kafka.librdkafka.count, 2);
	ck_assert_str_eq(cfg->kafka.librdkafka.items[1].name, "sasl.mechanism");
	ck_assert_str_eq(cfg->kafka.librdkafka.items[1].value, "SCRAM-SHA-512");
	ck_assert_int_eq(cfg->kafka.batch_size, 500);
	ck_assert_uint_eq(cfg->rules.npaths, 2);
	ck_assert_str_eq(cfg->rules.paths[1], "extra.yml");
	ck_assert_int_eq(cfg->decoders.rfc3164_utc_offset_sec, -(5 * 3600 + 30 * 60));
	ck_assert_double_eq(cfg->model.surface_threshold, 0.7);
	ck_assert_int_eq(cfg->correlation.allowed_lateness, 500000);
	ck_assert_int_eq(cfg->correlation.incident_gap, 2 * 86400 * VG_USEC_PER_SEC);
	vg_config_destroy(cfg);
}
END_TEST

START_TEST(typos_get_suggestions)
{
	char *msgs = load_bad("kafak:\n  brokers: x\n"
	                      "correlation:\n  alowed_lateness: 5s\n");
	ck_assert_str_eq(msgs,
	                 "bad.yaml:1:1: error: unknown section 'kafak' (did you mean "
	                 "'kafka'?)\n"
	                 "bad.yaml:4:3: error: unknown key 'alowed_lateness' in section "
	                 "'correlation' (did you mean 'allowed_lateness'?)\n");
	free(msgs);
}
END_TEST

START_TEST(wrong_types_and_values_all_reported)
{
	char *msgs = load_bad("kafka:\n"
	                      "  batch_size: lots\n"
	                      "  poll_timeout_ms: 0\n"
	                      "  inputs: [{topic: a, format: xml}, {format: json}]\n"
	                      "  librdkafka: [a, b]\n"
	                      "model:\n"
	                      "  surface_threshold: 1.5\n"
	                      "  priority_bands: [0.5, 0.2, 0.9]\n"
	                      "correlation:\n"
	                      "  incident_gap: soon\n"
	                      "decoders:\n"
	                      "  rfc3164_utc_offset: CET\n"
	                      "store: [x]\n");
	ck_assert_str_eq(
	    msgs,
	    "bad.yaml:2:15: error: 'kafka.batch_size' must be a whole number, not "
	    "'lots'\n"
	    "bad.yaml:3:20: error: 'kafka.poll_timeout_ms' must be between 1 and 60000, "
	    "not 0\n"
	    "bad.yaml:4:31: error: unknown input format 'xml' (expected auto, syslog, "
	    "rfc3164, rfc5424, json, auditd or aitads)\n"
	    "bad.yaml:4:37: error: input needs a 'topic'\n"
	    "bad.yaml:5:15: error: 'kafka.librdkafka' must be a mapping of property: "
	    "value, not "
	    "a list\n"
	    "bad.yaml:7:22: error: 'model.surface_threshold' must be a number between 0 "
	    "and 1, "
	    "not '1.5'\n"
	    "bad.yaml:8:19: error: 'model.priority_bands' must be three ascending scores "
	    "between 0 and 1\n"
	    "bad.yaml:10:17: error: 'correlation.incident_gap' must be a duration like "
	    "500ms, "
	    "90s, 5m, 1h or 2d, not 'soon'\n"
	    "bad.yaml:12:23: error: 'decoders.rfc3164_utc_offset' must be a UTC offset "
	    "like "
	    "+02:00 or -05:30, not 'CET'\n"
	    "bad.yaml:13:8: error: section 'store' must be a mapping, not a list\n");
	free(msgs);
}
END_TEST

START_TEST(semantic_errors)
{
	char *msgs =
	    load_bad("kafka:\n"
	             "  inputs: [{topic: a}, {topic: a}, {topic: vigil.incidents}]\n"
	             "  group_id: x\n"
	             "  group_id: y\n");
	ck_assert_str_eq(
	    msgs, "bad.yaml:2:32: error: input topic 'a' is listed twice (first at "
	          "2:20)\n"
	          "bad.yaml:4:3: error: key 'kafka.group_id' is set twice (first at "
	          "line 3)\n"
	          "bad.yaml:2:44: error: input topic 'vigil.incidents' is also the "
	          "output topic\n");
	free(msgs);
	/* the default input (syslog) against a setting: at the setting */
	msgs = load_bad("kafka:\n  dead_letter_topic: syslog\n");
	ck_assert_str_eq(msgs, "bad.yaml:2:22: error: input topic 'syslog' is also the "
	                       "dead-letter topic\n");
	free(msgs);
}
END_TEST

/* A section written twice (YAML parsers let a mapping repeat a key) is an error,
 * not a silent merge or override of the first. */
START_TEST(sections_set_twice)
{
	char *msgs = load_bad("rules:\n  paths: [a]\n"
	                      "correlation: {incident_gap: 2h}\n"
	                      "rules:\n  paths: [b]\n"
	                      "correlation:\n  incident_gap: 3h\n"
	                      "kafka: {inputs: [{topic: a, topic: b}, {topc: c}],\n"
	                      "  librdkafka: {debug: all, debug: consumer}}\n"
	                      "engine:\n  workers: 1\n  workers: 2\n");
	ck_assert_str_eq(msgs, "bad.yaml:4:1: error: section 'rules' is set twice (first "
	                       "at line 1)\n"
	                       "bad.yaml:6:1: error: section 'correlation' is set twice "
	                       "(first at line 3)\n"
	                       "bad.yaml:8:29: error: input key 'topic' is set twice "
	                       "(first at line 8)\n"
	                       "bad.yaml:8:41: error: unknown key 'topc' in input (did "
	                       "you mean 'topic'?)\n"
	                       "bad.yaml:8:40: error: input needs a 'topic'\n"
	                       "bad.yaml:9:28: error: 'kafka.librdkafka': 'debug' is set "
	                       "twice (first at line 9)\n"
	                       "bad.yaml:12:3: error: key 'engine.workers' is set twice "
	                       "(first at line 11)\n");
	free(msgs);
}
END_TEST

/* engine.value_cache: the default is detection's (VG_DETECT_CACHE_DEFAULT), 0
 * turns it off, and a size past 1,048,576 entries (about 300 MiB a thread) is an
 * error at start-up. */
START_TEST(engine_value_cache)
{
	struct vg_config *cfg = load_ok("");
	ck_assert_int_eq(cfg->engine.value_cache, VG_DETECT_CACHE_DEFAULT);
	vg_config_destroy(cfg);
	cfg = load_ok("engine: {value_cache: 0}\n");
	ck_assert_int_eq(cfg->engine.value_cache, 0);
	vg_config_destroy(cfg);
	char *msgs = load_bad("engine:\n  value_cache: 2000000\n");
	ck_assert_str_eq(msgs,
	                 "bad.yaml:2:16: error: 'engine.value_cache' must be between "
	                 "0 and 1048576, not 2000000\n");
	free(msgs);
}
END_TEST

/* store.cache_mib and store.wal_checkpoint_mib: 64 and 32 MiB unless set; 0 is an
 * error for both, with every problem listed. */
START_TEST(store_cache_and_checkpoint)
{
	struct vg_config *cfg = load_ok("");
	ck_assert_int_eq(cfg->store.cache_mib, 64);
	ck_assert_int_eq(cfg->store.wal_checkpoint_mib, 32);
	vg_config_destroy(cfg);
	cfg = load_ok("store: {cache_mib: 8, wal_checkpoint_mib: 256}\n");
	ck_assert_int_eq(cfg->store.cache_mib, 8);
	ck_assert_int_eq(cfg->store.wal_checkpoint_mib, 256);
	vg_config_destroy(cfg);
	char *msgs = load_bad("store:\n  cache_mib: 0\n  wal_checkpoint_mib: 0\n");
	ck_assert_str_eq(msgs, "bad.yaml:2:14: error: 'store.cache_mib' must be between "
	                       "1 and 65536, not 0\n"
	                       "bad.yaml:3:23: error: 'store.wal_checkpoint_mib' must be "
	                       "between 1 and 65536, not 0\n");
	free(msgs);
}
END_TEST

/* store.retention: 0 (the default) keeps everything; otherwise it must outlast
 * what can still grow -- 2 x incident_gap + allowed_lateness (the rules' timespans
 * are checked by the pipeline, test_pipeline.c). */
START_TEST(retention_is_checked_against_the_gap)
{
	int line, col;
	struct vg_config *cfg = load_ok("");
	ck_assert_int_eq(cfg->store.retention, 0);
	vg_config_where(cfg, "store", "retention", &line, &col);
	ck_assert_int_eq(line, 0); /* a default was written nowhere */
	vg_config_destroy(cfg);
	cfg = load_ok("store:\n  path: x.db\n  retention: 30d\n");
	ck_assert_int_eq(cfg->store.retention, 30 * 86400 * VG_USEC_PER_SEC);
	vg_config_where(cfg, "store", "retention", &line, &col);
	ck_assert_int_eq(line, 3);
	ck_assert_int_eq(col, 14);
	vg_config_where(cfg, "store", "path", &line, &col);
	ck_assert_int_eq(line, 2);
	ck_assert_int_eq(col, 9);
	vg_config_where(cfg, "store", "nosuchkey", &line, &col);
	ck_assert_int_eq(line, 0);
	vg_config_destroy(cfg);
	char *msgs = load_bad("correlation: {incident_gap: 2h}\n"
	                      "store: {retention: 4h}\n");
	ck_assert_str_eq(msgs,
	                 "bad.yaml:2:20: error: 'store.retention' must be 0 (keep "
	                 "everything) or at least 14460s (2 x "
	                 "correlation.incident_gap + correlation.allowed_lateness): "
	                 "incidents younger than that can still grow\n");
	free(msgs);
	/* a restart also counts the alerts of stop_window (automatic stop-values) */
	msgs = load_bad("correlation: {incident_gap: 10m, stop_window: 6h}\n"
	                "store: {retention: 4h}\n");
	ck_assert_str_eq(msgs,
	                 "bad.yaml:2:20: error: 'store.retention' must be 0 (keep "
	                 "everything) or at least 21660s (correlation.stop_window + "
	                 "correlation.allowed_lateness): a restart counts the alerts of "
	                 "that long for the automatic stop-values\n");
	free(msgs);
	msgs = load_bad("store: {retention: -1d}\n");
	ck_assert_ptr_nonnull(strstr(msgs, "bad.yaml:1:20: error: 'store.retention' must "
	                                   "be a duration"));
	free(msgs);
}
END_TEST

/* A duration is a decimal number and a unit: strtod alone took hexadecimal and
 * leading blanks, a value small enough to round to 0 (which means "none" for
 * several settings) was taken as 0, and one past vg_time overflowed.  A null
 * where a name is wanted (a group id, a topic, a store path) is not a name, and
 * an input's key must be a word: "~" was the group id, the store a file "null",
 * and a key [x] was skipped. */
START_TEST(durations_and_nulls_are_refused)
{
	char *msgs = load_bad("kafka:\n"
	                      "  stats_interval: 0x10\n"
	                      "  poll_timeout_ms: 100\n"
	                      "  group_id: ~\n"
	                      "  inputs:\n"
	                      "    - topic: null\n"
	                      "    - {topic: b, [x]: y}\n"
	                      "correlation:\n"
	                      "  allowed_lateness: \" 5m\"\n"
	                      "  max_future: 0.0000001\n"
	                      "  incident_gap: 9999999999d\n"
	                      "store:\n"
	                      "  path: null\n");
	ck_assert_str_eq(
	    msgs,
	    "bad.yaml:2:19: error: 'kafka.stats_interval' must be a duration like 500ms, "
	    "90s, 5m, 1h or 2d, not '0x10'\n"
	    "bad.yaml:4:13: error: 'kafka.group_id' must not be empty\n"
	    "bad.yaml:6:14: error: input topic must not be empty\n"
	    "bad.yaml:7:18: error: an input's keys are topic and format, not a list\n"
	    "bad.yaml:9:21: error: 'correlation.allowed_lateness' must be a duration "
	    "like "
	    "500ms, 90s, 5m, 1h or 2d, not ' 5m'\n"
	    "bad.yaml:10:15: error: 'correlation.max_future' must be a duration like "
	    "500ms, 90s, 5m, 1h or 2d, not '0.0000001'\n"
	    "bad.yaml:11:17: error: 'correlation.incident_gap' must be a duration like "
	    "500ms, 90s, 5m, 1h or 2d, not '9999999999d'\n"
	    "bad.yaml:13:9: error: 'store.path' must not be empty\n");
	free(msgs);
	struct vg_config *cfg = load_ok("kafka:\n  stats_interval: 1.5m\n"
	                                "correlation:\n  max_future: 1e-3s\n");
	ck_assert_int_eq(cfg->kafka.stats_interval, 90 * VG_USEC_PER_SEC);
	ck_assert_int_eq(cfg->correlation.max_future, 1000);
	vg_config_destroy(cfg);
}
END_TEST

START_TEST(invalid_yaml_points_at_the_problem)
{
	char *msgs = load_bad("kafka:\n  brokers: [a, b\nstore: {}\n");
	ck_assert_ptr_nonnull(strstr(msgs, "bad.yaml:3:"));
	ck_assert_ptr_nonnull(strstr(msgs, ": error: "));
	free(msgs);
	msgs = load_bad("just a string\n");
	ck_assert_str_eq(
	    msgs,
	    "bad.yaml:1:1: error: the configuration must be a mapping of "
	    "sections (kafka, rules, decoders, model, store, correlation, engine)\n");
	free(msgs);
	/* a byte libyaml's reader refuses is at its place, not at 1:1 (libyaml
	 * gives its offset, not its line and column) */
	msgs = load_bad("kafka:\n  # c\n  # c\n  group_id: \"caf\xe9\"\n");
	ck_assert_str_eq(msgs, "bad.yaml:4:18: error: invalid trailing UTF-8 octet\n");
	free(msgs);
	msgs = load_bad("kafka:\n  group_id: \"a\x01b\"\n");
	ck_assert_str_eq(msgs,
	                 "bad.yaml:2:15: error: control characters are not allowed\n");
	free(msgs);
}
END_TEST

/* Keys after a second document start were read by no one (only the first
 * document was loaded): that document is an error at its start, and text after an
 * end marker the YAML error it is. */
START_TEST(one_document_per_file)
{
	char *msgs = load_bad("kafka: {brokers: \"10.0.0.1:9092\"}\n"
	                      "---\n"
	                      "store: {path: /var/lib/vigil/vigil.db}\n");
	ck_assert_str_eq(msgs, "bad.yaml:2:1: error: a config file holds one YAML "
	                       "document\n");
	free(msgs);
	msgs = load_bad("kafka: {}\n"
	                "--- # the store\n"
	                "store: {pth: x}\n");
	ck_assert_str_eq(msgs, "bad.yaml:2:1: error: a config file holds one YAML "
	                       "document\n");
	free(msgs);
	msgs = load_bad("kafka: {}\n"
	                "...\n"
	                "store: {}\n");
	ck_assert_ptr_nonnull(strstr(msgs, "bad.yaml:3:1: error: "));
	free(msgs);
	/* one document, marked as such, is fine */
	vg_config_destroy(load_ok("---\nkafka: {}\n...\n"));
}
END_TEST

START_TEST(librdkafka_properties_are_checked_with_positions)
{
	struct vg_config *cfg = load_ok("kafka:\n"
	                                "  brokers: \"127.0.0.1:9\"\n"
	                                "  librdkafka:\n"
	                                "    security.protocol: CARRIER_PIGEON\n"
	                                "    no.such.property: 1\n"
	                                "    linger.ms: \"5\"\n");
	struct vg_diag d;
	vg_diag_init(&d);
	ck_assert_int_eq(vg_kafka_check_config(cfg, &d), VG_ERR_CONFIG);
	ck_assert_uint_eq(d.errors, 2);
	ck_assert_ptr_nonnull(strstr(d.msgs[0], "t.yaml:4:24: error: "
	                                        "kafka.librdkafka.security.protocol: "));
	ck_assert_ptr_nonnull(strstr(d.msgs[1], "t.yaml:5:23: error: "
	                                        "kafka.librdkafka.no.such.property: "));
	vg_diag_clear(&d);
	vg_config_destroy(cfg);
}
END_TEST

/* vg_kafka_check_config's messages for cfg (NULL when it passes), joined by
 * newlines. */
static char *kafka_check(struct vg_config *cfg)
{
	struct vg_diag d;
	struct vg_buf b;
	vg_diag_init(&d);
	vg_buf_init(&b);
	vg_err err = vg_kafka_check_config(cfg, &d);
	ck_assert_int_eq(err, d.errors ? VG_ERR_CONFIG : VG_OK);
	for (size_t i = 0; i < d.count; i++) {
		vg_buf_puts(&b, d.msgs[i]);
		vg_buf_putc(&b, '\n');
	}
	vg_diag_clear(&d);
	return b.data;
}

/* The largest incident document must fit librdkafka's message.max.bytes: checked
 * by `vigil check` as by the producer (it was the producer's alone, so check passed
 * what run refused), at the user's message.max.bytes, else at
 * kafka.max_message_bytes. */
START_TEST(documents_must_fit_message_max_bytes)
{
	struct vg_config *cfg = load_ok("kafka:\n"
	                                "  librdkafka: {message.max.bytes: '10000'}\n");
	char *msgs = kafka_check(cfg);
	ck_assert_str_eq(msgs,
	                 "t.yaml:2:35: error: kafka.max_message_bytes (950000) must "
	                 "be at least 1024 below librdkafka's message.max.bytes "
	                 "(10000): the producer would refuse the largest incident "
	                 "documents\n");
	free(msgs);
	vg_config_destroy(cfg);
	cfg = load_ok("kafka:\n"
	              "  max_message_bytes: 999000\n");
	msgs = kafka_check(cfg);
	ck_assert_str_eq(msgs,
	                 "t.yaml:2:22: error: kafka.max_message_bytes (999000) must "
	                 "be at least 1024 below librdkafka's message.max.bytes "
	                 "(1000000): the producer would refuse the largest incident "
	                 "documents\n");
	free(msgs);
	vg_config_destroy(cfg);
	/* 1024 below is enough */
	cfg = load_ok("kafka:\n"
	              "  max_message_bytes: 20000\n"
	              "  librdkafka: {message.max.bytes: 21024}\n");
	ck_assert_ptr_null(kafka_check(cfg));
	vg_config_destroy(cfg);
}
END_TEST

/* The librdkafka map cannot undo what delivery rests on (auto-commit off,
 * idempotence on, acks all): each such entry is refused at its value, whatever the
 * spelling or alias; the same values, or other properties, pass. */
START_TEST(delivery_settings_are_kept)
{
	struct vg_config *cfg = load_ok("kafka:\n"
	                                "  librdkafka:\n"
	                                "    enable.auto.commit: \"true\"\n"
	                                "    enable.auto.offset.store: \"true\"\n"
	                                "    acks: 1\n"
	                                "    enable.idempotence: f\n"
	                                "    request.required.acks: \"0\"\n"
	                                "    isolation.level: read_uncommitted\n");
	char *msgs = kafka_check(cfg);
	ck_assert_str_eq(
	    msgs,
	    "t.yaml:3:25: error: kafka.librdkafka.enable.auto.commit: 'true' is refused: "
	    "Vigil commits an input offset itself, once everything derived from the "
	    "records before it is stored and delivered; automatic commits run ahead of "
	    "that, and a crash then loses those records (Vigil sets enable.auto.commit "
	    "to false)\n"
	    "t.yaml:5:11: error: kafka.librdkafka.acks: '1' is refused: an incident "
	    "version counts as delivered only once every in-sync replica holds it "
	    "(Vigil sets acks to all)\n"
	    "t.yaml:6:25: error: kafka.librdkafka.enable.idempotence: 'f' is refused: "
	    "without it a retried incident version can be written twice, or after a "
	    "later version of its incident (Vigil sets enable.idempotence to true)\n"
	    "t.yaml:7:28: error: kafka.librdkafka.request.required.acks: '0' is "
	    "refused: an incident version counts as delivered only once every in-sync "
	    "replica holds it (Vigil sets acks to all)\n");
	free(msgs);
	vg_config_destroy(cfg);
	cfg = load_ok("kafka:\n"
	              "  librdkafka:\n"
	              "    enable.auto.commit: \"0\"\n"
	              "    acks: \"-1\"\n"
	              "    enable.idempotence: \"true\"\n"
	              "    enable.auto.offset.store: \"true\"\n"
	              "    linger.ms: 20\n");
	ck_assert_ptr_null(kafka_check(cfg));
	vg_config_destroy(cfg);
}
END_TEST

START_TEST(missing_file_is_an_io_error)
{
	struct vg_diag d;
	struct vg_config *cfg = NULL;
	vg_diag_init(&d);
	ck_assert_int_eq(vg_config_load_file("/nonexistent/vigil.yaml", &cfg, &d),
	                 VG_ERR_IO);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_str_eq(
	    d.msgs[0],
	    "/nonexistent/vigil.yaml: error: cannot read: No such file or directory");
	vg_diag_clear(&d);
}
END_TEST

/* correlation.host_domains: kept in lowercase without a leading dot; an entry
 * that is not a domain name is an error where it is written, every one of them;
 * a null list (`paths:`) is an empty one. */
START_TEST(host_domains_are_checked)
{
	struct vg_config *cfg =
	    load_ok("correlation:\n  host_domains: [Corp.Example.COM, .lab.local]\n"
	            "rules:\n  paths:\n");
	ck_assert_uint_eq(cfg->correlation.nhost_domains, 2);
	ck_assert_str_eq(cfg->correlation.host_domains[0], "corp.example.com");
	ck_assert_str_eq(cfg->correlation.host_domains[1], "lab.local");
	ck_assert_uint_eq(cfg->rules.npaths, 0);
	vg_config_destroy(cfg);
	cfg = load_ok("correlation: {host_domains: corp.example.com}\n");
	ck_assert_uint_eq(cfg->correlation.nhost_domains, 1);
	vg_config_destroy(cfg);
	/* account_domains: the same rules (NetBIOS names are single labels) */
	cfg = load_ok("correlation: {account_domains: [CORP, Corp.Example.com]}\n");
	ck_assert_uint_eq(cfg->correlation.naccount_domains, 2);
	ck_assert_str_eq(cfg->correlation.account_domains[0], "corp");
	ck_assert_str_eq(cfg->correlation.account_domains[1], "corp.example.com");
	vg_config_destroy(cfg);
	char *bad = load_bad("correlation: {account_domains: ['CORP\\x']}\n");
	ck_assert_str_eq(bad, "bad.yaml:1:33: error: 'correlation.account_domains': "
	                      "'CORP\\x' is not a domain name\n");
	free(bad);
	char *msgs = load_bad("correlation:\n"
	                      "  host_domains:\n"
	                      "    - corp..example\n"
	                      "    - ok.example\n"
	                      "    - 'bad domain'\n"
	                      "    - [nested]\n"
	                      "    - .\n"
	                      "rules: {paths: {a: b}}\n");
	ck_assert_str_eq(
	    msgs,
	    "bad.yaml:3:7: error: 'correlation.host_domains': 'corp..example' is "
	    "not a domain name\n"
	    "bad.yaml:5:7: error: 'correlation.host_domains': 'bad domain' is not a "
	    "domain name\n"
	    "bad.yaml:6:7: error: 'correlation.host_domains' entries must be "
	    "non-empty domain names\n"
	    "bad.yaml:7:7: error: 'correlation.host_domains': '.' is not a domain "
	    "name\n"
	    "bad.yaml:8:16: error: 'rules.paths' must be a list of paths, not a "
	    "mapping\n");
	free(msgs);
}
END_TEST

/* A broker list is read as librdkafka reads it (entries split at commas or spaces,
 * [proto://]host[:port]), and every entry it would misread is an error at the setting:
 * librdkafka itself takes "9o92" for port 9. */
START_TEST(brokers_are_checked)
{
	static const char *const good[] = {
	    "kafka-1:9092",
	    "kafka-1.example.com:9092,kafka-2.example.com:9093",
	    "h1:9092 h2:9093, h3",
	    "10.0.0.1:9092",
	    "[::1]:9092",
	    "fe80::1",
	    "SSL://broker.example:9093,SASL_SSL://[2001:db8::5]:9094",
	    "embedded",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char yaml[256];
		snprintf(yaml, sizeof(yaml), "kafka: {brokers: '%s'}\n", good[i]);
		struct vg_config *cfg = load_ok(yaml);
		ck_assert_str_eq(cfg->kafka.brokers, good[i]);
		vg_config_destroy(cfg);
	}
	char *msgs = load_bad("kafka:\n"
	                      "  brokers: 'localhost:9o92,ok:1,h:0,h:65536,[::1,[::1]x,"
	                      "bad^host,x://,S^://h:1,:9092,fe80::1:zz'\n");
	ck_assert_str_eq(
	    msgs,
	    "bad.yaml:2:12: error: 'kafka.brokers': 'localhost:9o92' is not a broker "
	    "address: a port must be a number from 1 to 65535\n"
	    "bad.yaml:2:12: error: 'kafka.brokers': 'h:0' is not a broker address: a "
	    "port must be a number from 1 to 65535\n"
	    "bad.yaml:2:12: error: 'kafka.brokers': 'h:65536' is not a broker "
	    "address: a port must be a number from 1 to 65535\n"
	    "bad.yaml:2:12: error: 'kafka.brokers': '[::1' is not a broker address: "
	    "an IPv6 address lacks its closing ']'\n"
	    "bad.yaml:2:12: error: 'kafka.brokers': '[::1]x' is not a broker "
	    "address: only ':port' may follow an IPv6 address's ']'\n"
	    "bad.yaml:2:12: error: 'kafka.brokers': 'bad^host' is not a broker "
	    "address: a host name has letters, digits, '.', '-' and '_' only\n"
	    "bad.yaml:2:12: error: 'kafka.brokers': 'x://' is not a broker address: "
	    "it has no host\n"
	    "bad.yaml:2:12: error: 'kafka.brokers': 'S^://h:1' is not a broker "
	    "address: the protocol before '://' must be a word such as SSL\n"
	    "bad.yaml:2:12: error: 'kafka.brokers': ':9092' is not a broker "
	    "address: it has no host\n"
	    "bad.yaml:2:12: error: 'kafka.brokers': 'fe80::1:zz' is not a broker "
	    "address: an IPv6 address has hex digits, ':' and '.' only (a port "
	    "after one needs brackets, as [::1]:9092)\n");
	free(msgs);
	msgs = load_bad("kafka: {brokers: ' , '}\n");
	ck_assert_str_eq(msgs, "bad.yaml:1:18: error: 'kafka.brokers' names no broker\n");
	free(msgs);
}
END_TEST

/* Each entry of a list option keeps where it was written, so that errors found
 * after loading (a rule path that cannot be opened) point at it. */
START_TEST(list_entries_keep_their_positions)
{
	struct vg_config *cfg = load_ok("rules:\n"
	                                "  paths:\n"
	                                "    - a/rules\n"
	                                "    -   b.yml\n"
	                                "decoders: {paths: one.yaml}\n");
	int line, col;
	vg_config_where_item(cfg, "rules", "paths", 0, &line, &col);
	ck_assert_int_eq(line, 3);
	ck_assert_int_eq(col, 7);
	vg_config_where_item(cfg, "rules", "paths", 1, &line, &col);
	ck_assert_int_eq(line, 4);
	ck_assert_int_eq(col, 9);
	vg_config_where_item(cfg, "rules", "paths", 2, &line, &col); /* no such entry */
	ck_assert_int_eq(line, 0);
	ck_assert_int_eq(col, 0);
	vg_config_where_item(cfg, "decoders", "paths", 0, &line, &col); /* a scalar */
	ck_assert_int_eq(line, 5);
	ck_assert_int_eq(col, 19);
	vg_config_where_item(cfg, "kafka", "brokers", 0, &line, &col); /* not a list */
	ck_assert_int_eq(line, 0);
	vg_config_where_item(cfg, "correlation", "host_domains", 0, &line, &col);
	ck_assert_int_eq(line, 0); /* not written */
	vg_config_destroy(cfg);
}
END_TEST

/* vg_config_append adds an entry after the file's, with no position (a command
 * line's -r); vg_config_named_at names the file's entries at their positions and
 * the added ones by no file; lists the file did not write take entries too. */
START_TEST(appended_entries_have_no_position)
{
	struct vg_config *cfg = load_ok("rules:\n  paths: [a/rules]\n");
	ck_assert_int_eq(vg_config_append(cfg, "rules", "paths", "extra.yml"), VG_OK);
	ck_assert_int_eq(vg_config_append(cfg, "decoders", "paths", "d.yaml"), VG_OK);
	ck_assert_int_eq(vg_config_append(cfg, "decoders", "paths", "e.yaml"), VG_OK);
	ck_assert_int_eq(vg_config_append(cfg, "kafka", "brokers", "x:9092"),
	                 VG_ERR_INVALID); /* not a list of paths */
	ck_assert_int_eq(vg_config_append(cfg, "rules", "paths", ""), VG_ERR_INVALID);
	ck_assert_uint_eq(cfg->rules.npaths, 2);
	ck_assert_str_eq(cfg->rules.paths[0], "a/rules");
	ck_assert_str_eq(cfg->rules.paths[1], "extra.yml");
	ck_assert_uint_eq(cfg->decoders.npaths, 2);
	ck_assert_str_eq(cfg->decoders.paths[1], "e.yaml");
	struct vg_named_at *at = vg_config_named_at(cfg, "rules", "paths", 2);
	ck_assert_ptr_nonnull(at);
	ck_assert_str_eq(at[0].file, "t.yaml");
	ck_assert_int_eq(at[0].line, 2);
	ck_assert_int_eq(at[0].col, 11);
	ck_assert_ptr_null(at[1].file);
	ck_assert_int_eq(at[1].line, 0);
	free(at);
	at = vg_config_named_at(cfg, "decoders", "paths", 2);
	ck_assert_ptr_nonnull(at);
	ck_assert(!at[0].file && !at[1].file && !at[0].line && !at[1].line);
	free(at);
	vg_config_destroy(cfg);
}
END_TEST

START_TEST(example_config_is_valid)
{
	char path[4096];
	struct vg_diag d;
	struct vg_config *cfg = NULL;
	snprintf(path, sizeof(path), "%s/engine/vigil.example.yaml",
	         vg_test_source_root());
	vg_diag_init(&d);
	vg_err err = vg_config_load_file(path, &cfg, &d);
	vg_diag_print(&d, stderr);
	ck_assert_int_eq(err, VG_OK);
	vg_config_destroy(cfg);
	vg_diag_clear(&d);
}
END_TEST

static Suite *config_suite(void)
{
	const struct vg_test_case cases[] = {
	    {"defaults", empty_file_gives_defaults},
	    {"full", full_file_is_read},
	    {"typos", typos_get_suggestions},
	    {"types", wrong_types_and_values_all_reported},
	    {"semantics", semantic_errors},
	    {"sections_twice", sections_set_twice},
	    {"retention", retention_is_checked_against_the_gap},
	    {"value_cache", engine_value_cache},
	    {"store_cache", store_cache_and_checkpoint},
	    {"yaml", invalid_yaml_points_at_the_problem},
	    {"durations_nulls", durations_and_nulls_are_refused},
	    {"one_document", one_document_per_file},
	    {"io", missing_file_is_an_io_error},
	    {"librdkafka", librdkafka_properties_are_checked_with_positions},
	    {"message_size", documents_must_fit_message_max_bytes},
	    {"delivery", delivery_settings_are_kept},
	    {"host_domains", host_domains_are_checked},
	    {"brokers", brokers_are_checked},
	    {"list_positions", list_entries_keep_their_positions},
	    {"appended_entries", appended_entries_have_no_position},
	    {"example", example_config_is_valid},
	};
	return vg_test_suite("config", cases, sizeof(cases) / sizeof(cases[0]), NULL,
	                     NULL);
}

VG_TEST_MAIN(config_suite)
