/*
 * conf_check - the form of a setting's value: its type (time, size,
 * number, yes/no, text without control characters), the few words some
 * settings take, host[:port] values. See conf.h; conf.c calls
 * conf_check_value for each value it takes.
 */
#include "config.h"

#include <arpa/inet.h>

#include <ctype.h>
#include <string.h>

#include "conf_int.h"
#include "util.h"

/* settings whose value is one of a few words */
static const struct {
	const char	*name;
	const char	*choices;	/* '|' separated */
} choice_tab[] = {
	{ "inet_protocols", "all|ipv4|ipv6" },
	{ "smtp_address_preference", "any|ipv4|ipv6" },
	{ "smtp_tls_security_level", "none|may|encrypt|dane|verify|secure" },
	{ "smtpd_forbid_bare_newline", "yes|reject|normalize" },
	{ "unknown_address_reject_code", "450|550" },
};

/* check_choice - a value from choice_tab's list for its setting */
static int
check_choice(const char *name, const char *v, struct str *err)
{
	const char *c, *bar;
	size_t i, n = strlen(v);

	for (i = 0; i < ARRAY_LEN(choice_tab); i++) {
		if (strcmp(choice_tab[i].name, name) != 0)
			continue;
		for (c = choice_tab[i].choices; ; c = bar + 1) {
			bar = strchr(c, '|');
			if (bar == NULL)
				bar = c + strlen(c);
			if ((size_t)(bar - c) == n && strncmp(c, v, n) == 0)
				return 0;
			if (*bar == '\0')
				break;
		}
		str_printf(err, "%s: \"%s\" is not one of %s", name, v,
		    choice_tab[i].choices);
		return -1;
	}
	return 0;
}

/*
 * check_port - "" or a decimal port 1-65535 after a ':' (the tail of a
 * host:port or [host]:port value)
 */
static int
check_port(const char *p)
{
	long l;

	return *p == '\0' ? 0 : *p == ':' && util_parse_long(p + 1, 1, 65535, &l) == 0 ? 0 : -1;
}

/*
 * check_hostport - relayhost: "", host, host:port, [host], [host]:port;
 * dns_servers entries: IPv4, IPv4:port, IPv6, [IPv6]:port
 */
static int
check_hostport(const char *v, size_t n, int ip_only)
{
	char buf[256];
	const char *close;
	unsigned char a[16];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	if (buf[0] == '[') {
		if ((close = strchr(buf, ']')) == NULL || close == buf + 1 ||
		    check_port(close + 1) < 0)
			return -1;
		buf[close - buf] = '\0';
		memmove(buf, buf + 1, strlen(buf));
		if (ip_only)
			return inet_pton(AF_INET6, buf, a) == 1 ? 0 : -1;
	} else if (ip_only) {
		char *colon = strchr(buf, ':');

		if (inet_pton(AF_INET6, buf, a) == 1)
			return 0;
		if (colon != NULL) {
			if (check_port(colon) < 0)
				return -1;
			*colon = '\0';
		}
		return inet_pton(AF_INET, buf, a) == 1 ? 0 : -1;
	} else {
		char *colon = strchr(buf, ':');

		if (colon != NULL) {
			if (check_port(colon) < 0)
				return -1;
			*colon = '\0';
		}
	}
	/* a host name or address literal: letters, digits, '-', '.', ':' */
	for (close = buf; *close != '\0'; close++)
		if (!isalnum((unsigned char)*close) && strchr("-.:_", *close) == NULL)
			return -1;
	return buf[0] == '\0' ? -1 : 0;
}

/* check_special - values with a syntax of their own */
static int
check_special(const char *name, const char *v, struct str *err)
{
	const char *p, *q;

	if (strcmp(name, "relayhost") == 0) {
		if (*v != '\0' && check_hostport(v, strlen(v), 0) < 0) {
			str_printf(err, "relayhost: bad value \"%s\" (use host, host:port, [host] or [host]:port)", v);
			return -1;
		}
	} else if (strcmp(name, "dns_servers") == 0) {
		for (p = v; *p != '\0'; p = q) {
			p += strspn(p, ", \t");
			q = p + strcspn(p, ", \t");
			if (q > p && check_hostport(p, (size_t)(q - p), 1) < 0) {
				str_printf(err, "dns_servers: bad address \"%.*s\" (use IPv4, IPv4:port, IPv6 or [IPv6]:port)",
				    (int)(q - p), p);
				return -1;
			}
		}
	}
	return check_choice(name, v, err);
}

/* conf_check_value - is the (expanded) value well formed for its type? */
int
conf_check_value(const char *name, enum conf_type type, const char *v, struct str *err)
{
	long l;
	long long ll;

	switch (type) {
	case T_TIME:
		if (util_parse_time(v, 's', &l) < 0) {
			str_printf(err, "%s: bad time value \"%s\" (use e.g. 300s, 30m, 5d)", name, v);
			return -1;
		}
		break;
	case T_SIZE:
		if (util_parse_size(v, &ll) < 0) {
			str_printf(err, "%s: bad size \"%s\"", name, v);
			return -1;
		}
		break;
	case T_INT:
		if (util_parse_long(v, 0, 1000000000L, &l) < 0) {
			str_printf(err, "%s: bad number \"%s\"", name, v);
			return -1;
		}
		if (strcmp(name, "smtp_port") == 0 && (l < 1 || l > 65535)) {
			str_printf(err, "%s: %ld is not a port (1-65535)", name, l);
			return -1;
		}
		if (strcmp(name, "max_use") == 0 && l < 1) {
			str_printf(err, "%s: must be at least 1", name);
			return -1;
		}
		if ((strcmp(name, "default_process_limit") == 0 ||
		    strcmp(name, "smtpd_process_limit") == 0) && (l < 1 || l > 1000)) {
			str_printf(err, "%s: %ld is not between 1 and 1000", name, l);
			return -1;
		}
		break;
	case T_BOOL:
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0) {
			str_printf(err, "%s: expected yes or no, not \"%s\"", name, v);
			return -1;
		}
		break;
	default:
		if (util_has_ctl(v, strlen(v))) {
			str_printf(err, "%s: control character in value", name);
			return -1;
		}
		return check_special(name, v, err);
	}
	return 0;
}
