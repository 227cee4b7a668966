/*
 * ip.c - IP addresses given as text: external (publicly routable) or
 * internal/special (the external_source_ip / external_destination_ip ranking
 * features), and local to every host (loopback, unspecified: an address incident
 * assembly never links two hosts by).  The text is
 * copied into a small stack buffer and parsed with inet_pton, so classification
 * never allocates and never reads past len.  Anything that cannot be a real
 * Internet peer counts as not external: private (RFC 1918), loopback, link-local,
 * shared CGNAT space (RFC 6598), "this network", multicast and the reserved /
 * broadcast block; for IPv6 loopback, unspecified, ULA (fc00::/7), link-local
 * (fe80::/10), the deprecated site-local fec0::/10 and multicast.  IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible-with-zero-prefix and NAT64 (64:ff9b::/96)
 * addresses are classified by their IPv4 part.
 *
 * Documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32)
 * are deliberately treated as external: they stand for public addresses in
 * examples and generated scenarios, which is exactly how the data uses them.
 */
#include "vg_core.h"

#include <arpa/inet.h>
#include <string.h>

/* The first 12 bytes of an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static int classify_v4(const unsigned char a[4])
{
	if (a[0] == 0 || a[0] == 10 || a[0] == 127)
		return 0; /* this network, RFC 1918, loopback */
	if (a[0] == 172 && (a[1] & 0xf0) == 16)
		return 0; /* 172.16.0.0/12 */
	if (a[0] == 192 && a[1] == 168)
		return 0;
	if (a[0] == 169 && a[1] == 254)
		return 0; /* link-local */
	if (a[0] == 100 && (a[1] & 0xc0) == 64)
		return 0; /* 100.64.0.0/10 shared address space (CGNAT) */
	if (a[0] >= 224)
		return 0; /* multicast 224/4, reserved 240/4, broadcast */
	return 1;
}

static int classify_v6(const unsigned char a[16])
{
	static const unsigned char zero[10] = {0};
	static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b};

	if (memcmp(a, zero, 10) == 0) {
		if (a[10] == 0xff && a[11] == 0xff)
			return classify_v4(a + 12); /* ::ffff:a.b.c.d */
		if (a[10] == 0 && a[11] == 0) {
			/* ::, ::1 and the deprecated ::a.b.c.d form */
			static const unsigned char zero4[3] = {0};
			if (memcmp(a + 12, zero4, 3) == 0 && a[15] <= 1)
				return 0;
			return classify_v4(a + 12);
		}
	}
	if (memcmp(a, nat64, 12) == 0)
		return classify_v4(a + 12);
	if ((a[0] & 0xfe) == 0xfc)
		return 0; /* unique local fc00::/7 */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return 0; /* link-local fe80::/10 */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return 0; /* site-local fec0::/10 (deprecated, still internal) */
	if (a[0] == 0xff)
		return 0; /* multicast */
	return 1;
}

int vg_ip_parse(const char *s, size_t len, unsigned char addr[16])
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (!s)
		return 0;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	const char *zone = memchr(s, '%', len);
	if (zone)
		len = (size_t)(zone - s);
	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(buf, ':', len))
		return inet_pton(AF_INET6, buf, addr) == 1 ? 6 : 0;
	if (zone)
		return 0; /* a zone only makes sense on IPv6 */
	return inet_pton(AF_INET, buf, addr) == 1 ? 4 : 0;
}

int vg_ip_parse_as(const char *s, size_t len, int family, unsigned char addr[16])
{
	int got = vg_ip_parse(s, len, addr);
	if (got == family || !got)
		return got;
	if (family == 4 && memcmp(addr, v4_mapped, 12) == 0) {
		memmove(addr, addr + 12, 4); /* ::ffff:a.b.c.d */
		return 4;
	}
	if (family == 6) {
		memmove(addr + 12, addr, 4);
		memcpy(addr, v4_mapped, 12);
		return 6;
	}
	return got;
}

int vg_ip_classify(const char *s, size_t len)
{
	unsigned char addr[16];
	switch (vg_ip_parse(s, len, addr)) {
	case 4: return classify_v4(addr);
	case 6: return classify_v6(addr);
	default: return -1;
	}
}

bool vg_ip_host_local(const char *s, size_t len)
{
	/* dotted IPv4 as written (no ':', no '['): only 127.x and 0.x can be */
	if (s && len && s[0] != '[' && !memchr(s, ':', len) &&
	    !(len > 4 && !memcmp(s, "127.", 4)) && !(len > 2 && !memcmp(s, "0.", 2)))
		return false;
	static const unsigned char zero[10] = {0};
	unsigned char addr[16];
	const unsigned char *v4 = addr;
	switch (vg_ip_parse(s, len, addr)) {
	case 4: break;
	case 6:
		if (memcmp(addr, zero, 10) != 0)
			return false;
		if (addr[10] == 0xff && addr[11] == 0xff) {
			v4 = addr + 12; /* ::ffff:a.b.c.d */
			break;
		}
		if (addr[10] != 0 || addr[11] != 0)
			return false;
		/* ::, ::1, and the deprecated ::a.b.c.d form */
		if (addr[12] == 0 && addr[13] == 0 && addr[14] == 0 && addr[15] <= 1)
			return true;
		v4 = addr + 12;
		break;
	default: return false;
	}
	return v4[0] == 127 || v4[0] == 0;
}

size_t vg_ip_text(const char *s, size_t len, char *out, size_t size)
{
	if (!size)
		return 0;
	/* dotted IPv4 is canonical already (inet_pton takes no other spelling of
	 * it): only IPv6 and [bracketed] text is parsed */
	if (len && (s[0] == '[' || memchr(s, ':', len))) {
		size_t n = vg_ip_canonical(s, len, out, size);
		if (n)
			return n;
	}
	if (len >= size)
		len = size - 1;
	memcpy(out, s, len);
	out[len] = '\0';
	return len;
}

size_t vg_ip_canonical(const char *s, size_t len, char *out, size_t size)
{
	unsigned char addr[16];
	char buf[INET6_ADDRSTRLEN];
	int family = vg_ip_parse(s, len, addr);
	const char *text = NULL;
	if (family == 4)
		text = inet_ntop(AF_INET, addr, buf, sizeof(buf));
	else if (family == 6 && memcmp(addr, v4_mapped, 12) == 0)
		text =
		    inet_ntop(AF_INET, addr + 12, buf, sizeof(buf)); /* ::ffff:a.b.c.d */
	else if (family == 6)
		text = inet_ntop(AF_INET6, addr, buf, sizeof(buf));
	if (!text)
		return 0;
	size_t n = strlen(text), zl = 0;
	const char *zone = family == 6 ? memchr(s, '%', len) : NULL;
	if (zone) { /* the zone as written, up to a closing bracket */
		zl = (size_t)(s + len - zone);
		if (zl && zone[zl - 1] == ']')
			zl--;
	}
	if (n + zl + 1 > size)
		return 0;
	memcpy(out, text, n);
	if (zl)
		memcpy(out + n, zone, zl);
	out[n + zl] = '\0';
	return n + zl;
}
