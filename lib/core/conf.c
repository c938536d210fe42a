/*
 * conf - posthorn.conf, the one configuration file
 *
 * See conf.h. The table below is the list of every setting; man/posthorn.conf.5
 * documents the same list and must be kept in step with it.
 */
#include "config.h"

#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "dirs.h"
#include "util.h"

enum conf_type { T_STR, T_LIST, T_TIME, T_SIZE, T_INT, T_BOOL };

struct conf_ent {
	const char	*name;
	enum conf_type	 type;
	const char	*def;
	char		*val;	/* set by the file or conf_set */
};

/* Keep sorted by name: conf_print lists them in this order. */
static struct conf_ent table[] = {
	{ "alias_maps", T_STR, "/etc/aliases", NULL },
	{ "allow_mail_to_commands", T_LIST, "alias, forward", NULL },
	{ "allow_mail_to_files", T_LIST, "alias, forward", NULL },
	{ "authorized_mailq_users", T_LIST, "anyone", NULL },
	{ "command_directory", T_STR, PATH_COMMAND_DIR, NULL },
	{ "command_time_limit", T_TIME, "1000s", NULL },
	{ "default_privs", T_STR, "nobody", NULL },
	{ "default_process_limit", T_INT, "10", NULL },
	{ "delay_warning_time", T_TIME, "0h", NULL },
	{ "dns_servers", T_LIST, "", NULL },
	{ "dnssec_trust_anchors", T_STR, "", NULL },
	{ "header_size_limit", T_SIZE, "102400", NULL },
	{ "home_mailbox", T_STR, "", NULL },
	{ "hopcount_limit", T_INT, "50", NULL },
	{ "inet_protocols", T_STR, "all", NULL },
	{ "mail_spool_directory", T_STR, PATH_MAIL_SPOOL_DIR, NULL },
	{ "maillog_file", T_STR, "", NULL },
	{ "mailq_path", T_STR, PATH_MAILQ, NULL },
	{ "masquerade_domains", T_LIST, "", NULL },
	{ "masquerade_exceptions", T_LIST, "", NULL },
	{ "max_idle", T_TIME, "100s", NULL },
	{ "maximal_backoff_time", T_TIME, "1800s", NULL },
	{ "maximal_queue_lifetime", T_TIME, "5d", NULL },
	{ "message_size_limit", T_SIZE, "10240000", NULL },
	{ "minimal_backoff_time", T_TIME, "300s", NULL },
	{ "mydestination", T_LIST, NULL, NULL },	/* computed */
	{ "mydomain", T_STR, NULL, NULL },		/* computed */
	{ "myhostname", T_STR, NULL, NULL },		/* computed */
	{ "mynetworks", T_LIST, "127.0.0.0/8, [::1]/128", NULL },
	{ "myorigin", T_STR, NULL, NULL },		/* computed */
	{ "queue_minfree", T_SIZE, "0", NULL },
	{ "recipient_delimiter", T_STR, "", NULL },
	{ "relay_domains", T_LIST, "", NULL },
	{ "relayhost", T_STR, "", NULL },
	{ "smtp_address_preference", T_STR, "any", NULL },
	{ "smtp_connect_timeout", T_TIME, "30s", NULL },
	{ "smtp_connection_cache_time_limit", T_TIME, "2s", NULL },
	{ "smtp_connection_reuse_time_limit", T_TIME, "300s", NULL },
	{ "smtp_data_done_timeout", T_TIME, "600s", NULL },
	{ "smtp_data_init_timeout", T_TIME, "120s", NULL },
	{ "smtp_data_xfer_timeout", T_TIME, "180s", NULL },
	{ "smtp_destination_concurrency_limit", T_INT, "4", NULL },
	{ "smtp_destination_recipient_limit", T_INT, "50", NULL },
	{ "smtp_helo_name", T_STR, "$myhostname", NULL },
	{ "smtp_helo_timeout", T_TIME, "300s", NULL },
	{ "smtp_line_length_limit", T_INT, "998", NULL },
	{ "smtp_mail_timeout", T_TIME, "300s", NULL },
	{ "smtp_port", T_INT, "25", NULL },
	{ "smtp_quit_timeout", T_TIME, "300s", NULL },
	{ "smtp_rcpt_timeout", T_TIME, "300s", NULL },
	{ "smtp_sasl_allow_cleartext", T_BOOL, "no", NULL },
	{ "smtp_sasl_auth_enable", T_BOOL, "no", NULL },
	{ "smtp_sasl_oauth_command", T_STR, "", NULL },
	{ "smtp_sasl_password_maps", T_STR, "", NULL },
	{ "smtp_starttls_timeout", T_TIME, "300s", NULL },
	{ "smtp_tls_CAfile", T_STR, "", NULL },
	{ "smtp_tls_CApath", T_STR, "", NULL },
	{ "smtp_tls_security_level", T_STR, "may", NULL },
	{ "smtp_tls_wrappermode", T_BOOL, "no", NULL },
	{ "smtpd_dnsbl_sites", T_LIST, "", NULL },
	{ "smtpd_forbid_bare_newline", T_STR, "yes", NULL },
	{ "smtpd_greet_pause", T_TIME, "1s", NULL },
	{ "smtpd_hard_error_limit", T_INT, "20", NULL },
	{ "smtpd_helo_required", T_BOOL, "no", NULL },
	{ "smtpd_peername_lookup", T_BOOL, "yes", NULL },
	{ "smtpd_process_limit", T_INT, "100", NULL },
	{ "smtpd_recipient_limit", T_INT, "1000", NULL },
	{ "smtpd_reject_invalid_helo_hostname", T_BOOL, "yes", NULL },
	{ "smtpd_reject_unknown_sender_domain", T_BOOL, "no", NULL },
	{ "smtpd_sasl_auth_enable", T_BOOL, "no", NULL },
	{ "smtpd_sasl_password_file", T_STR, "", NULL },
	{ "smtpd_session_time_limit", T_TIME, "3600s", NULL },
	{ "smtpd_timeout", T_TIME, "300s", NULL },
	{ "smtpd_tls_cert_file", T_STR, "", NULL },
	{ "smtpd_tls_key_file", T_STR, "", NULL },
	{ "spool_directory", T_STR, PATH_SPOOL_DIR, NULL },
	{ "unknown_address_reject_code", T_INT, "450", NULL },
};

static char *loaded_path;
static char hostname_buf[256];
static char domain_buf[256];
static const char *mailname_path = PATH_MAILNAME;
static char mailname_buf[256];
static int mailname_read;
static char mydest_buf[sizeof(mailname_buf) + 64];

/* lookup - find a table entry */
static struct conf_ent *
lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(table); i++)
		if (strlen(table[i].name) == len &&
		    strncmp(table[i].name, name, len) == 0)
			return &table[i];
	return NULL;
}

static int expand(const char *, struct str *, int, struct str *);

/*
 * mailname - the first word of the first line of the mailname file
 * (PATH_MAILNAME, chosen with configure --with-mailname, or the one
 * conf_mailname_file named), read once; NULL
 * when the build names no file, the file cannot be read, or the line
 * is empty or holds a "$" or a control character.
 */
static const char *
mailname(void)
{
	FILE *fp;
	char *p;
	size_t n;

	if (mailname_path == NULL || mailname_path[0] == '\0')
		return NULL;
	if (!mailname_read) {
		mailname_read = 1;
		if ((fp = fopen(mailname_path, "re")) != NULL) {
			if (fgets(mailname_buf, sizeof(mailname_buf), fp) == NULL)
				mailname_buf[0] = '\0';
			fclose(fp);
			p = mailname_buf + strspn(mailname_buf, " \t");
			n = strcspn(p, " \t\r\n");
			memmove(mailname_buf, p, n);
			mailname_buf[n] = '\0';
			for (p = mailname_buf; *p; p++)
				if (*p == '$' || iscntrl((unsigned char)*p))
					mailname_buf[0] = '\0';
			util_lowercase(mailname_buf);
		}
	}
	return mailname_buf[0] ? mailname_buf : NULL;
}

/*
 * conf_mailname_file - read myorigin's default from path (NULL or "":
 * none) instead of the mailname file chosen at build time; the file is
 * read again at the next use.
 */
void
conf_mailname_file(const char *path)
{
	mailname_path = path;
	mailname_read = 0;
	mailname_buf[0] = '\0';
}

/*
 * computed_default - myhostname and mydomain come from the system;
 * myorigin is the mailname file's name when there is one, else
 * $myhostname. mydestination is Postfix's default, and the mailname
 * file's name too when there is one: Debian's other mail systems make
 * the mail name a local domain, and mail from "mail user" on a host
 * whose mail name is not its host name (a short host name, the usual
 * case) is addressed to user@mailname.
 * mydomain is myhostname's value, which may refer to other settings:
 * NULL with err when that expansion fails (depth as in expand).
 */
static const char *
computed_default(const struct conf_ent *e, int depth, struct str *err)
{
	struct str h = STR_INIT;
	const char *dot, *m;

	if (strcmp(e->name, "myorigin") == 0)
		return (m = mailname()) != NULL ? m : "$myhostname";
	if (strcmp(e->name, "mydestination") == 0) {
		/* (mydest_buf has room for any mailname) */
		if ((m = mailname()) == NULL || util_snprintf(mydest_buf,
		    sizeof(mydest_buf), "$myhostname, %s, localhost.$mydomain, "
		    "localhost", m) < 0)
			return "$myhostname, localhost.$mydomain, localhost";
		return mydest_buf;
	}
	if (hostname_buf[0] == '\0') {
		if (gethostname(hostname_buf, sizeof(hostname_buf) - 1) < 0 ||
		    hostname_buf[0] == '\0')
			snprintf(hostname_buf, sizeof(hostname_buf), "localhost");
		hostname_buf[sizeof(hostname_buf) - 1] = '\0';
		util_lowercase(hostname_buf);
	}
	if (strcmp(e->name, "myhostname") == 0)
		return hostname_buf;
	/* mydomain: myhostname minus its first label */
	if (domain_buf[0] == '\0') {
		if (expand("$myhostname", &h, depth + 1, err) < 0) {
			str_free(&h);
			return NULL;
		}
		dot = strchr(str_c(&h), '.');
		snprintf(domain_buf, sizeof(domain_buf), "%s",
		    dot && dot[1] ? dot + 1 : "localdomain");
		str_free(&h);
	}
	return domain_buf;
}

/* raw_value - the unexpanded value of a setting, or NULL with err */
static const char *
raw_value(struct conf_ent *e, int depth, struct str *err)
{
	if (e->val)
		return e->val;
	if (e->def)
		return e->def;
	return computed_default(e, depth, err);
}

/* expand - replace $name and ${name} references, depth-limited */
static int
expand(const char *in, struct str *out, int depth, struct str *err)
{
	const char *p, *start, *raw;
	struct conf_ent *e;
	size_t len;

	if (depth > 10) {
		str_printf(err, "settings refer to each other in a loop");
		return -1;
	}
	for (p = in; *p; p++) {
		if (*p != '$') {
			str_appendc(out, *p);
			continue;
		}
		p++;
		if (*p == '$') {
			str_appendc(out, '$');
			continue;
		}
		if (*p == '{') {
			start = ++p;
			while (*p && *p != '}')
				p++;
			if (*p != '}') {
				str_printf(err, "unterminated ${ in \"%s\"", in);
				return -1;
			}
			len = (size_t)(p - start);
		} else {
			start = p;
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			len = (size_t)(p - start);
			p--;
		}
		if ((e = lookup(start, len)) == NULL) {
			str_printf(err, "unknown setting $%.*s", (int)len, start);
			return -1;
		}
		if ((raw = raw_value(e, depth + 1, err)) == NULL ||
		    expand(raw, out, depth + 1, err) < 0)
			return -1;
	}
	return 0;
}

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
check_choice(const struct conf_ent *e, const char *v, struct str *err)
{
	const char *c, *bar;
	size_t i, n = strlen(v);

	for (i = 0; i < ARRAY_LEN(choice_tab); i++) {
		if (strcmp(choice_tab[i].name, e->name) != 0)
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
		str_printf(err, "%s: \"%s\" is not one of %s", e->name, v,
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
check_special(const struct conf_ent *e, const char *v, struct str *err)
{
	const char *p, *q;

	if (strcmp(e->name, "relayhost") == 0) {
		if (*v != '\0' && check_hostport(v, strlen(v), 0) < 0) {
			str_printf(err, "relayhost: bad value \"%s\" (use host, host:port, [host] or [host]:port)", v);
			return -1;
		}
	} else if (strcmp(e->name, "dns_servers") == 0) {
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
	return check_choice(e, v, err);
}

/* check_type - is the (expanded) value well formed for its type? */
static int
check_type(const struct conf_ent *e, const char *v, struct str *err)
{
	long l;
	long long ll;

	switch (e->type) {
	case T_TIME:
		if (util_parse_time(v, 's', &l) < 0) {
			str_printf(err, "%s: bad time value \"%s\" (use e.g. 300s, 30m, 5d)", e->name, v);
			return -1;
		}
		break;
	case T_SIZE:
		if (util_parse_size(v, &ll) < 0) {
			str_printf(err, "%s: bad size \"%s\"", e->name, v);
			return -1;
		}
		break;
	case T_INT:
		if (util_parse_long(v, 0, 1000000000L, &l) < 0) {
			str_printf(err, "%s: bad number \"%s\"", e->name, v);
			return -1;
		}
		if (strcmp(e->name, "smtp_port") == 0 && (l < 1 || l > 65535)) {
			str_printf(err, "%s: %ld is not a port (1-65535)", e->name, l);
			return -1;
		}
		if ((strcmp(e->name, "default_process_limit") == 0 ||
		    strcmp(e->name, "smtpd_process_limit") == 0) && (l < 1 || l > 1000)) {
			str_printf(err, "%s: %ld is not between 1 and 1000", e->name, l);
			return -1;
		}
		break;
	case T_BOOL:
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0) {
			str_printf(err, "%s: expected yes or no, not \"%s\"", e->name, v);
			return -1;
		}
		break;
	default:
		if (util_has_ctl(v, strlen(v))) {
			str_printf(err, "%s: control character in value", e->name);
			return -1;
		}
		return check_special(e, v, err);
	}
	return 0;
}

/* set_value - store a value as given; check_all judges it */
static void
set_value(struct conf_ent *e, char *value)
{
	free(e->val);
	e->val = value;
	if (strcmp(e->name, "myhostname") == 0)
		domain_buf[0] = '\0';
}

/*
 * check_all - every value must expand (no unknown $name, no loop) and
 * have the right type: after this, the accessors cannot meet a bad one.
 */
static int
check_all(struct str *err)
{
	struct str v = STR_INIT;
	const char *raw;
	size_t i;
	int rc = 0;

	for (i = 0; i < ARRAY_LEN(table) && rc == 0; i++) {
		str_reset(&v);
		if ((raw = raw_value(&table[i], 0, err)) == NULL ||
		    expand(raw, &v, 0, err) < 0 ||
		    check_type(&table[i], str_c(&v), err) < 0)
			rc = -1;
	}
	str_free(&v);
	return rc;
}

/* save_values - a copy of what is set, for restore_values */
static char **
save_values(void)
{
	char **saved = xcalloc(ARRAY_LEN(table), sizeof(*saved));
	size_t i;

	for (i = 0; i < ARRAY_LEN(table); i++)
		saved[i] = table[i].val ? xstrdup(table[i].val) : NULL;
	return saved;
}

/* restore_values - put back what save_values copied, and free the copy */
static void
restore_values(char **saved)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(table); i++)
		set_value(&table[i], saved[i]);
	free(saved);
}

/* free_values - forget what save_values copied */
static void
free_values(char **saved)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(table); i++)
		free(saved[i]);
	free(saved);
}

/*
 * conf_set - set one value, as a line of the file would. The value is
 * checked with all the others (it may be referred to); a bad one leaves
 * the configuration as it was.
 */
int
conf_set(const char *name, const char *value, struct str *err)
{
	struct conf_ent *e;
	char **saved;

	if ((e = lookup(name, strlen(name))) == NULL) {
		str_printf(err, "unknown setting \"%s\"", name);
		return -1;
	}
	saved = save_values();
	set_value(e, xstrdup(value));
	if (check_all(err) < 0) {
		restore_values(saved);
		return -1;
	}
	free_values(saved);
	return 0;
}

/* trim - strip white space at both ends in place */
static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* apply - take one logical "name = value" line */
static int
apply(const char *path, int lineno, char *line, struct str *err)
{
	char *eq, *name, *value;
	struct conf_ent *e;
	struct str why = STR_INIT;

	if ((eq = strchr(line, '=')) == NULL) {
		str_printf(err, "%s:%d: expected \"name = value\"", path, lineno);
		return -1;
	}
	*eq = '\0';
	name = trim(line);
	value = trim(eq + 1);
	if ((e = lookup(name, strlen(name))) == NULL) {
		str_printf(err, "%s:%d: unknown setting \"%s\"", path, lineno, name);
		return -1;
	}
	/* a value without references can be checked here, with its line */
	if (strchr(value, '$') == NULL && check_type(e, value, &why) < 0) {
		str_printf(err, "%s:%d: %s", path, lineno, str_c(&why));
		str_free(&why);
		return -1;
	}
	set_value(e, xstrdup(value));
	return 0;
}

/*
 * read_line - one line without its LF, as *len bytes (which may hold a
 * NUL, unlike fgets' result). A longer line than fits is consumed and
 * reported as *len == size. Returns -1 at the end of the file.
 */
static int
read_line(FILE *fp, char *buf, size_t size, size_t *len)
{
	size_t n = 0;
	int c;

	while ((c = getc(fp)) != EOF && c != '\n') {
		if (n + 1 < size)
			buf[n] = (char)c;
		if (n < size)
			n++;
	}
	if (c == EOF && n == 0)
		return -1;
	buf[n < size ? n : size - 1] = '\0';
	*len = n;
	return 0;
}

/*
 * conf_load - read the file. A missing file is an error only when the
 * caller says it must exist (it was named with -C or POSTHORN_CONF).
 * Every value is checked before it returns 0 (check_all); a file that
 * fails leaves the configuration as it was before.
 */
int
conf_load(const char *path, int must_exist, struct str *err)
{
	FILE *fp;
	char buf[CONF_MAX_LINE + 2];
	struct str logical = STR_INIT, tmp = STR_INIT;
	struct str why = STR_INIT;
	char **saved;
	int lineno = 0, start = 0, rc = 0;
	size_t i, n;

	free(loaded_path);
	loaded_path = xstrdup(path);
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && !must_exist)
			goto check;
		str_printf(err, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	saved = save_values();
	for (;;) {
		int eof = read_line(fp, buf, sizeof(buf), &n) < 0;

		if (!eof) {
			lineno++;
			if (n < sizeof(buf) && memchr(buf, '\0', n) != NULL) {
				str_printf(err, "%s:%d: NUL byte in line", path, lineno);
				rc = -1;
				break;
			}
			if (n > 0 && n < sizeof(buf) && buf[n - 1] == '\r')
				buf[--n] = '\0';
			if (n > CONF_MAX_LINE) {
				str_printf(err, "%s:%d: line too long", path, lineno);
				rc = -1;
				break;
			}
			for (i = 0; buf[i] && isspace((unsigned char)buf[i]); i++)
				;
			if (buf[i] == '#' || buf[i] == '\0')
				continue;
			if (i > 0 && logical.len > 0) {
				/* continuation of the previous setting */
				str_appendc(&logical, ' ');
				str_appends(&logical, buf + i);
				continue;
			}
			if (i > 0) {
				str_printf(err, "%s:%d: continuation line without a setting", path, lineno);
				rc = -1;
				break;
			}
		}
		if (logical.len > 0) {
			str_set(&tmp, logical.s);
			if (apply(path, start, tmp.s, err) < 0) {
				rc = -1;
				break;
			}
			str_reset(&logical);
		}
		if (eof)
			break;
		str_set(&logical, buf);
		start = lineno;
	}
	if (rc == 0 && ferror(fp)) {
		str_printf(err, "error reading %s", path);
		rc = -1;
	}
	fclose(fp);
	str_free(&logical);
	str_free(&tmp);
	if (rc == 0 && check_all(&why) < 0) {
		str_printf(err, "%s: %s", path, str_c(&why));
		rc = -1;
	}
	str_free(&why);
	if (rc < 0)
		restore_values(saved);
	else
		free_values(saved);
	return rc;
check:
	/* no file: the defaults and what was set before */
	if (check_all(&why) < 0) {
		str_printf(err, "%s: %s", path, str_c(&why));
		rc = -1;
	}
	str_free(&why);
	return rc;
}

/* conf_path - the file conf_load read */
const char *
conf_path(void)
{
	return loaded_path ? loaded_path : PATH_CONF_FILE;
}

/* conf_default_path - the configured location of the file */
const char *
conf_default_path(void)
{
	return PATH_CONF_FILE;
}

/*
 * conf_str - the expanded value. Expanded strings are cached in a small
 * per-entry slot so callers may keep the pointer for the program's life.
 */
const char *
conf_str(const char *name)
{
	static char *cache[ARRAY_LEN(table)];
	static char **retired;
	static size_t nretired;
	struct conf_ent *e;
	struct str v = STR_INIT, err = STR_INIT;
	const char *raw;
	size_t idx;

	if ((e = lookup(name, strlen(name))) == NULL)
		panic("conf_str: unknown setting %s", name);
	idx = (size_t)(e - table);
	/* conf_load and conf_set checked every value: this is a bug */
	if ((raw = raw_value(e, 0, &err)) == NULL || expand(raw, &v, 0, &err) < 0)
		panic("conf_str: %s: %s", name, str_c(&err));
	str_free(&err);
	if (cache[idx] != NULL && strcmp(cache[idx], str_c(&v)) == 0) {
		str_free(&v);
		return cache[idx];
	}
	if (cache[idx] != NULL) {
		/* changed by conf_set: earlier callers still hold the old value */
		retired = xreallocarray(retired, nretired + 1, sizeof(*retired));
		retired[nretired++] = cache[idx];
	}
	cache[idx] = str_steal(&v);
	return cache[idx];
}

/* conf_time - a duration in seconds */
long
conf_time(const char *name)
{
	long v = 0;

	if (util_parse_time(conf_str(name), 's', &v) < 0)
		panic("conf_time: %s: bad time value passed the checks", name);
	return v;
}

/* conf_size - a byte count */
long long
conf_size(const char *name)
{
	long long v = 0;

	if (util_parse_size(conf_str(name), &v) < 0)
		panic("conf_size: %s: bad size passed the checks", name);
	return v;
}

/* conf_int - a plain number */
long
conf_int(const char *name)
{
	long v = 0;

	if (util_parse_long(conf_str(name), 0, 1000000000L, &v) < 0)
		panic("conf_int: %s: bad number passed the checks", name);
	return v;
}

/* conf_bool - yes or no */
int
conf_bool(const char *name)
{
	return strcmp(conf_str(name), "yes") == 0;
}

/* conf_list - split on commas and white space; free with conf_list_free */
char **
conf_list(const char *name)
{
	char *copy, *tok, *save = NULL;
	char **list;
	size_t n = 0;

	copy = xstrdup(conf_str(name));
	list = xcalloc(strlen(copy) / 2 + 2, sizeof(*list));
	for (tok = strtok_r(copy, ", \t", &save); tok;
	    tok = strtok_r(NULL, ", \t", &save))
		list[n++] = xstrdup(tok);
	list[n] = NULL;
	free(copy);
	return list;
}

/* conf_list_free - release what conf_list returned */
void
conf_list_free(char **list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; list[i]; i++)
		free(list[i]);
	free(list);
}

/* conf_list_has - is word (case-insensitively) in the list setting? */
int
conf_list_has(const char *name, const char *word)
{
	char **list = conf_list(name);
	size_t i;
	int found = 0;

	for (i = 0; list[i] && !found; i++)
		found = strcasecmp(list[i], word) == 0;
	conf_list_free(list);
	return found;
}

/* raw_print - the unexpanded value; it was checked, so it exists */
static const char *
raw_print(struct conf_ent *e)
{
	struct str err = STR_INIT;
	const char *raw;

	if ((raw = raw_value(e, 0, &err)) == NULL)
		panic("conf_print: %s: %s", e->name, str_c(&err));
	str_free(&err);
	return raw;
}

/*
 * conf_print - "name = value" for one setting or all (sendmail -bP).
 * Returns -1 for an unknown name. With raw, values are not expanded.
 */
int
conf_print(FILE *fp, const char *name, int raw)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(table); i++) {
		if (name && strcmp(name, table[i].name) != 0)
			continue;
		fprintf(fp, "%s = %s\n", table[i].name,
		    raw ? raw_print(&table[i]) : conf_str(table[i].name));
		if (name)
			return 0;
	}
	return name ? -1 : 0;
}
