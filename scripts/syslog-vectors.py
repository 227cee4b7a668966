#!/usr/bin/env python3
"""syslog-vectors.py - turn third-party syslog test tables into one plain case list.

Used by tests/conformance/test_syslog_conformance.c at test time; reads the original
files under the shared data folder (never copies them) and writes one case per line:

    suite <TAB> case-id <TAB> key=HEX <TAB> key=HEX ...

Every value is hex-encoded so any byte survives.  Keys:
    fmt      rfc5424 | rfc3164 | syslog | octet   (how the runner must parse `in`)
    in       the input bytes
    valid    1 = the peer accepts it, 0 = rejects it
    note     why the peer says so (error text), informational
    pri version host app procid msgid msg      expected header fields
    ts       RFC 3339 text (5424) / "Mmm dd hh:mm:ss" (3164-style, no year)
    sd.<ID>.<NAME> / sdid.<ID>                 structured data parameter / element
    utcoff ref                                  zone for 3164 times, reference epoch s
    opts     the peer's parse options for the case (syslog-ng flags, bad_hostname)
    rN.<key>                                    octet-counting: record N's fields,
                                                rN.kind = ok | invalid | framing
A case the extractor cannot evaluate (a value computed by Go code) is written with
key `skip` = reason, so the runner counts it instead of silently dropping it.

Sources: go-syslog rfc5424/machine_test.go (testCases), rfc3164/machine_test.go,
octetcounting/parser_test.go; rsyslog legacy .parse1 pairs; syslog-ng
lib/tests/test_msgparse.c (msgparse_params tables).
"""
import os
import re
import sys

BOM = b"\xef\xbb\xbf"


def hexs(b):
    if isinstance(b, str):
        b = b.encode("utf-8", "surrogateescape")
    return b.hex()


def emit(suite, cid, kv):
    parts = [suite, str(cid)]
    for k, v in kv:
        parts.append("%s=%s" % (k, hexs(v)))
    sys.stdout.write("\t".join(parts) + "\n")


# ------------------------------------------------------------------ tokenizers

class Unsupported(Exception):
    pass


def go_string(src, i):
    """Parse a Go string literal at src[i]; return (bytes, end)."""
    q = src[i]
    if q == "`":
        j = src.index("`", i + 1)
        return src[i + 1:j].encode("utf-8"), j + 1
    out = bytearray()
    j = i + 1
    while True:
        c = src[j]
        if c == q:
            return bytes(out), j + 1
        if c != "\\":
            out += c.encode("utf-8")
            j += 1
            continue
        e = src[j + 1]
        simple = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11,
                  "\\": 92, '"': 34, "'": 39}
        if e in simple:
            out.append(simple[e])
            j += 2
        elif e == "x":
            out.append(int(src[j + 2:j + 4], 16))
            j += 4
        elif e in "uU":
            n = 4 if e == "u" else 8
            out += chr(int(src[j + 2:j + 2 + n], 16)).encode("utf-8")
            j += 2 + n
        elif e in "01234567":
            out.append(int(src[j + 1:j + 4], 8))
            j += 4
        else:
            raise Unsupported("escape \\" + e)


def c_string(src, i):
    """Parse a C string literal at src[i]; return (bytes, end)."""
    out = bytearray()
    j = i + 1
    while True:
        c = src[j]
        if c == '"':
            return bytes(out), j + 1
        if c != "\\":
            out += c.encode("utf-8")
            j += 1
            continue
        e = src[j + 1]
        simple = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11,
                  "\\": 92, '"': 34, "'": 39, "?": 63}
        if e in simple:
            out.append(simple[e])
            j += 2
        elif e == "x":
            k = j + 2
            while k < len(src) and src[k] in "0123456789abcdefABCDEF":
                k += 1
            out.append(int(src[j + 2:k], 16) & 0xFF)
            j = k
        elif e in "01234567":
            k = j + 1
            while k < j + 4 and src[k] in "01234567":
                k += 1
            out.append(int(src[j + 1:k], 8) & 0xFF)
            j = k
        else:
            raise Unsupported("escape \\" + e)


def skip_ws_comments(src, i):
    while i < len(src):
        if src[i].isspace():
            i += 1
        elif src.startswith("//", i):
            i = src.index("\n", i)
        elif src.startswith("/*", i):
            i = src.index("*/", i) + 2
        else:
            break
    return i


def split_top(src, i, close, lang):
    """Split the comma-separated items from src[i] up to the matching `close`.
    Returns (items as source text, index past close)."""
    items, depth, start, j = [], 0, i, i
    strfn = go_string if lang == "go" else c_string
    while True:
        if src.startswith("//", j) or src.startswith("/*", j):
            j = skip_ws_comments(src, j)
            continue
        c = src[j]
        if c == '"' or (lang == "go" and c == "`"):
            _, j = strfn(src, j)
            continue
        if lang == "c" and c == "'":
            j = src.index("'", j + 2) + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                assert c == close, (c, close, src[start:j + 20])
                last = src[start:j].strip()
                if strip_comments(last, lang):
                    items.append(last)
                return items, j + 1
            depth -= 1
        elif c == "," and depth == 0:
            items.append(src[start:j].strip())
            start = j + 1
        j += 1


def strip_comments(s, lang):
    out, j = [], 0
    strfn = go_string if lang == "go" else c_string
    while j < len(s):
        if s.startswith("//", j):
            k = s.find("\n", j)
            j = len(s) if k < 0 else k
            continue
        if s.startswith("/*", j):
            j = s.index("*/", j) + 2
            continue
        if s[j] == '"' or (lang == "go" and s[j] == "`"):
            _, k = strfn(s, j)
            out.append(s[j:k])
            j = k
            continue
        out.append(s[j])
        j += 1
    return "".join(out).strip()


def go_str_expr(e):
    """A Go string expression: literals and BOM joined by '+'."""
    e = strip_comments(e, "go")
    out, j = b"", 0
    while j < len(e):
        j = skip_ws_comments(e, j)
        if j >= len(e):
            break
        if e[j] in '"`':
            b, j = go_string(e, j)
            out += b
        elif e.startswith("BOM", j):
            out += BOM
            j += 3
        elif e.startswith("isoLatin1String(", j):
            args, j = split_top(e, j + len("isoLatin1String("), ")", "go")
            out += go_str_expr(args[0]).decode("utf-8").encode("latin-1")
        else:
            raise Unsupported("computed string: " + e[j:j + 40])
        j = skip_ws_comments(e, j)
        if j < len(e):
            if e[j] != "+":
                raise Unsupported("computed string: " + e[j:j + 40])
            j += 1
    return out


def go_args(s):
    items, _ = split_top(s, 0, ")", "go")
    return items


# ------------------------------------------------------------------ go-syslog

def find_block(src, marker, lang):
    i = src.index(marker) + len(marker)
    i = src.index("{", i) + 1
    return split_top(src, i, "}", lang)[0]


def rfc5424_message(expr):
    """(&SyslogMessage{}).SetX(...)... -> list of (key, value)."""
    e = strip_comments(expr, "go")
    if e == "nil":
        return None
    if not e.startswith("(&SyslogMessage{})"):
        raise Unsupported("value " + e[:40])
    kv = []
    j = len("(&SyslogMessage{})")
    while j < len(e):
        j = skip_ws_comments(e, j)
        m = re.compile(r"\.\s*Set(\w+)\(").match(e, j)
        if not m:
            raise Unsupported("value call " + e[j:j + 40])
        args, j = split_top(e, m.end(), ")", "go")
        name = m.group(1)
        if name in ("Version", "Priority"):
            kv.append((name.lower() if name == "Version" else "pri", args[0]))
        elif name == "ElementID":
            kv.append(("sdid." + go_str_expr(args[0]).decode(), "1"))
        elif name == "Parameter":
            sid, pn, pv = (go_str_expr(a) for a in args)
            kv.append(("sd.%s.%s" % (sid.decode(), pn.decode()), pv))
        else:
            key = {"Timestamp": "ts", "Hostname": "host", "Appname": "app",
                   "ProcID": "procid", "MsgID": "msgid", "Message": "msg"}[name]
            kv.append((key, go_str_expr(args[0])))
    return kv


def go_error(expr):
    e = strip_comments(expr, "go")
    m = re.match(r'fmt\.(?:Sprintf|Errorf)\((\w+)\s*\+\s*\w+,\s*(\d+)\)$', e)
    if m:
        return "%s col %s" % (m.group(1), m.group(2))
    if e.startswith('"'):
        return go_str_expr(e).decode("utf-8", "replace")
    return e


def go_rfc5424(path):
    src = open(path, encoding="utf-8").read()
    for n, item in enumerate(find_block(src, "var testCases = []testCase", "go")):
        item = strip_comments(item, "go")
        inner, _ = split_top(item, item.index("{") + 1, "}", "go")
        try:
            inp = go_str_expr(re.sub(r"^\[\]byte\((.*)\)$", r"\1", inner[0], flags=re.S))
            valid = strip_comments(inner[1], "go") == "true"
            kv = [("fmt", "rfc5424"), ("in", inp), ("valid", "1" if valid else "0")]
            if valid:
                kv += rfc5424_message(inner[2]) or []
            else:
                kv.append(("note", go_error(inner[3])))
        except Unsupported as e:
            kv = [("skip", str(e))]
        emit("go-syslog/rfc5424", n, kv)


def go_rfc3164(path):
    src = open(path, encoding="utf-8").read()
    for n, item in enumerate(find_block(src, "var testCases = []testCase", "go")):
        try:
            m = re.search(r"\[\]byte\((.*?)\),\n", item, re.S)
            inp = go_str_expr(m.group(1))
            valid = re.search(r"\b(true|false)\b", item).group(1) == "true"
            kv = [("fmt", "rfc3164"), ("in", inp), ("valid", "1" if valid else "0")]
            for key, go in (("pri", "Priority"), ("host", "Hostname"), ("app", "Appname"),
                            ("procid", "ProcID"), ("msgid", "MsgID"), ("msg", "Message")):
                m = re.search(go + r":\s*syslogtesting\.\w+Address\(", item)
                if not m:
                    continue
                args, _ = split_top(item, m.end(), ")", "go")
                kv.append((key, args[0] if key == "pri" else go_str_expr(args[0])))
            m = re.search(r'TimeParse\(time\.Stamp,\s*("[^"]*")\)', item)
            if m:
                kv.append(("ts", " ".join(go_str_expr(m.group(1)).decode().split())))
        except Unsupported as e:
            kv = [("skip", str(e))]
        emit("go-syslog/rfc3164", n, kv)


def go_octet(path):
    src = open(path, encoding="utf-8").read()
    body = src[src.index("func getTestCases()"):]
    for n, item in enumerate(find_block(body, "return []testCase", "go")):
        item = strip_comments(item, "go")
        inner, _ = split_top(item, item.index("{") + 1, "}", "go")
        fields = {}
        for it in inner:
            m = re.match(r"(\w+):\s*(.*)$", strip_comments(it, "go"), re.S)
            if m:
                fields[m.group(1)] = m.group(2)
        descr = go_str_expr(fields["descr"]).decode()
        try:
            inp = go_str_expr(fields["input"])
            kv = [("fmt", "octet"), ("in", inp), ("note", descr)]
            if "maxMessageLength" in fields:
                kv.append(("maxlen", fields["maxMessageLength"]))
            res = fields["results"]
            results, _ = split_top(res, res.index("{") + 1, "}", "go")
            for r, rr in enumerate(results):
                rin, _ = split_top(rr, rr.index("{") + 1, "}", "go")
                d = {}
                for it in rin:
                    m = re.match(r"(\w+):\s*(.*)$", strip_comments(it, "go"), re.S)
                    d[m.group(1)] = m.group(2)
                if "Message" in d:
                    kv.append(("r%d.kind" % r, "ok"))
                    for k, v in rfc5424_message(d["Message"].replace("rfc5424.", "")):
                        kv.append(("r%d.%s" % (r, k), v))
                elif re.search(r"getTimestampError|getParsingError", d["Error"]):
                    kv.append(("r%d.kind" % r, "invalid"))
                else:
                    kv.append(("r%d.kind" % r, "framing"))
        except Unsupported as e:
            kv = [("skip", "%s: %s" % (descr, e))]
        emit("go-syslog/octetcounting", n, kv)


# ------------------------------------------------------------------ rsyslog

def rsyslog_parse1(folder):
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".parse1"):
            continue
        lines = [l for l in open(os.path.join(folder, name), "rb").read().split(b"\n")
                 if l and not l.startswith(b"#")]
        for k in range(0, len(lines) - 1, 2):
            inp, exp = lines[k], lines[k + 1]
            f = exp.split(b",", 7)
            cid = "%s:%d" % (name, k // 2 + 1)
            if len(f) < 8:
                emit("rsyslog/parse1", cid, [("skip", "expected line has < 8 fields")])
                continue
            kv = [("fmt", "syslog"), ("in", inp), ("valid", "1"), ("pri", f[0]),
                  ("ts", b" ".join(f[3].split()))]
            if f[4] != b"~H":  # ~H: rsyslog's own host name (the line has none)
                kv.append(("host", f[4]))
            # %programname% for RFC 3164; for RFC 5424 rsyslog prints APP-NAME only
            # as %syslogtag%.
            is5424 = re.match(rb"<\d{1,3}>1 ", inp) is not None
            kv.append(("app", re.sub(rb"\[[^]]*\]$", b"", f[6]) if is5424 else f[5]))
            # rsyslog's %msg% keeps the SP that follows "TAG:"; Vigil's message
            # starts after it (as go-syslog's and syslog-ng's do).
            msg = f[7][1:] if f[7].startswith(b" ") else f[7]
            kv.append(("msg", msg))
            emit("rsyslog/parse1", cid, kv)


# ------------------------------------------------------------------ syslog-ng

def c_value(e):
    e = strip_comments(e, "c")
    if e.startswith('"'):
        out, j = b"", 0
        while j < len(e):
            j = skip_ws_comments(e, j)
            if j >= len(e):
                break
            if e[j] != '"':
                raise Unsupported("C expression " + e[:40])
            b, j = c_string(e, j)
            out += b
        return out
    return e


def syslogng_msgparse(path):
    src = open(path, encoding="utf-8").read()
    pairs = {}
    for m in re.finditer(r"struct sdata_pair (\w+)\[\]\s*=\s*\{", src):
        items, _ = split_top(src, m.end(), "}", "c")
        lst = []
        for it in items:
            inner, _ = split_top(it, it.index("{") + 1, "}", "c")
            if c_value(inner[0]) == "NULL":
                break
            lst.append((c_value(inner[0]).decode(), c_value(inner[1])))
        pairs[m.group(1)] = lst
    n = 0
    for m in re.finditer(r"Test\(msgparse, (\w+)\)", src):
        body_start = src.index("struct msgparse_params params[] =", m.end())
        items, _ = split_top(src, src.index("{", body_start) + 1, "}", "c")
        for it in items:
            it = strip_comments(it, "c")
            inner, _ = split_top(it, it.index("{") + 1, "}", "c")
            vals = msgparse_values(inner)
            if vals[0] == "NULL":
                break
            n += 1
            cid = "%s#%d" % (m.group(1), n)
            flags = set(re.findall(r"LP_\w+", vals[1])) if isinstance(vals[1], str) else set()
            inp = vals[0]
            # Every case is emitted; the parse options it needs are kept in `opts`
            # so a case that depends on an option Vigil lacks can be listed, with
            # the reason, in tests/conformance/EXCEPTIONS.md.
            opts = "|".join(sorted(flags)) or "0"
            if vals[2] != "NULL":
                opts += " bad_hostname=" + vals[2].decode("utf-8", "replace")
            fmt = "rfc5424" if "LP_SYSLOG_PROTOCOL" in flags else "rfc3164"
            # The tests run at fake_time(1549615069); the table's NIL-timestamp
            # case expects 1549615069.123 as "now", so that is the reference time.
            kv = [("fmt", fmt), ("in", inp), ("ref", "1549615069.123"), ("opts", opts)]
            if "LP_PIGGYBACK_ERRORS" in flags and vals[4] == "0":
                kv += [("valid", "0"), ("note", vals[9] if vals[9] != "NULL" else vals[7])]
                emit("syslog-ng/msgparse", cid, kv)
                continue
            kv += [("valid", "1"), ("pri", vals[3])]
            sec, usec, ofs = vals[4], vals[5], vals[6]
            if sec not in ("0", "1"):
                kv.append(("epoch", "%s.%06d" % (sec, int(usec))))
            kv.append(("utcoff", ofs if sec != "0" else "3600"))
            for key, idx in (("host", 7), ("app", 8), ("msg", 9), ("procid", 11),
                             ("msgid", 12)):
                v = vals[idx]
                if key == "msg" and v == "NULL":
                    v = b""  # the test compares the message always: NULL = ""
                elif v == "NULL" or v == "0":
                    continue
                kv.append((key, v))
            sdn = vals[13]
            for k, v in pairs.get(sdn, []):
                kv.append(("sd." + k[len(".SDATA."):], v))
            emit("syslog-ng/msgparse", cid, kv)


# struct msgparse_params in field order; designated initializers (".msg = ...")
# name them, positional ones follow this order.
MSGPARSE_FIELDS = ["msg", "parse_flags", "bad_hostname_re", "expected_pri",
                   "expected_stamp_sec", "expected_stamp_usec", "expected_stamp_ofs",
                   "expected_host", "expected_program", "expected_msg",
                   "expected_sd_str", "expected_pid", "expected_msgid",
                   "expected_sd_pairs"]
MSGPARSE_DEFAULTS = ["NULL", "0", "NULL", "0", "0", "0", "0", "NULL", "NULL", "NULL",
                     "NULL", "NULL", "NULL", "NULL"]


def msgparse_values(inner):
    vals = list(MSGPARSE_DEFAULTS)
    pos = 0
    for x in inner:
        x = strip_comments(x, "c")
        m = re.match(r"\.(\w+)\s*=\s*(.*)$", x, re.S)
        if m:
            vals[MSGPARSE_FIELDS.index(m.group(1))] = c_value(m.group(2))
        else:
            vals[pos] = c_value(x)
            pos += 1
    return vals


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("VIGIL_SHARED_DATA", "")
    go = os.path.join(root, "go-syslog")
    go_rfc5424(os.path.join(go, "rfc5424", "machine_test.go"))
    go_rfc3164(os.path.join(go, "rfc3164", "machine_test.go"))
    go_octet(os.path.join(go, "octetcounting", "parser_test.go"))
    rsyslog_parse1(os.path.join(root, "rsyslog", "legacy-testsuites-2018"))
    syslogng_msgparse(os.path.join(root, "syslog-ng", "lib", "tests", "test_msgparse.c"))


if __name__ == "__main__":
    main()
