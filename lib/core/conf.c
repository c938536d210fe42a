/*
 * conf - posthorn.conf, the one configuration file
 *
 * See conf.h. The table below is the list of every setting; man/posthorn.conf.5
 * documents the same list and must be kept in step with it. The form of
 * each value is checked in conf_check.c; what a file held that was wrong
 * is kept in conf_diag.c.
 */
#include "config.h"

#include <sys/param.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_int.h"
#include "log.h"
#include "dirs.h"
#include "util.h"

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
	{ "max_use", T_INT, "100", NULL },
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

/* the file's line of each value (0: none), and values the file had refused */
static int val_line[ARRAY_LEN(table)];
static unsigned char val_bad[ARRAY_LEN(table)];


static char *loaded_path;
static char hostname_buf[256];
static char domain_buf[256];
static const char *mailname_path = PATH_MAILNAME;
static char mailname_buf[256];
static int mailname_read;
static char mydest_buf[sizeof(mailname_buf) + 64];


/*
 * conf_suggest - the known setting nearest to an unknown name, for a
 * "did you mean": within two edits, or one in four letters of a long
 * name; NULL when none is that near.
 */
const char *
conf_suggest(const char *name)
{
	const char *best = NULL;
	size_t i;
	int d, bestd = 99, limit;

	limit = MAX(2, (int)(strlen(name) / 4));
	for (i = 0; i < ARRAY_LEN(table); i++) {
		d = conf_distance(name, table[i].name);
		if (d < bestd) {
			bestd = d;
			best = table[i].name;
		}
	}
	return bestd <= limit ? best : NULL;
}

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
		    conf_check_value(table[i].name, table[i].type, str_c(&v), err) < 0)
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
		if (conf_suggest(name) != NULL)
			str_printf(err, " (did you mean \"%s\"?)", conf_suggest(name));
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

/*
 * apply - take one logical "name = value" line. An unknown name is a
 * warning (a typo must not stop mail); a value of the wrong form is an
 * error, and the setting keeps its default.
 */
static void
apply(const char *path, int lineno, char *line)
{
	char *eq, *name, *value;
	const char *near;
	struct conf_ent *e;
	struct str why = STR_INIT;
	size_t idx;

	if ((eq = strchr(line, '=')) == NULL) {
		conf_diag_add(1, "%s:%d: expected \"name = value\": line ignored", path, lineno);
		return;
	}
	*eq = '\0';
	name = trim(line);
	value = trim(eq + 1);
	if ((e = lookup(name, strlen(name))) == NULL) {
		if ((near = conf_suggest(name)) != NULL)
			conf_diag_add(0, "%s:%d: unknown setting \"%.100s\" (did you mean \"%s\"?): ignored",
			    path, lineno, name, near);
		else
			conf_diag_add(0, "%s:%d: unknown setting \"%.100s\": ignored", path, lineno, name);
		return;
	}
	idx = (size_t)(e - table);
	/* a value without references can be checked here, with its line */
	if (strchr(value, '$') == NULL && conf_check_value(e->name, e->type, value, &why) < 0) {
		conf_diag_add(1, "%s:%d: %s: ignored, the default is used", path, lineno, str_c(&why));
		str_free(&why);
		set_value(e, NULL);
		val_bad[idx] = 1;
		return;
	}
	set_value(e, xstrdup(value));
	val_line[idx] = lineno;
	val_bad[idx] = 0;
}

/*
 * settle - values with references are judged once the whole file is in:
 * one that does not expand (an unknown $name, a loop) or has the wrong
 * form once expanded is dropped for its default, until all are good.
 * The defaults are good, so this ends with a configuration that
 * check_all accepts.
 */
static void
settle(const char *path)
{
	struct str v = STR_INIT, why = STR_INIT;
	size_t i;
	int changed;

	do {
		changed = 0;
		for (i = 0; i < ARRAY_LEN(table); i++) {
			if (table[i].val == NULL)
				continue;
			str_reset(&v);
			str_reset(&why);
			if (expand(table[i].val, &v, 0, &why) == 0 &&
			    conf_check_value(table[i].name, table[i].type, str_c(&v), &why) == 0)
				continue;
			if (strncmp(str_c(&why), table[i].name, strlen(table[i].name)) == 0)
				conf_diag_add(1, "%s:%d: %s: ignored, the default is used",
				    path, val_line[i], str_c(&why));
			else
				conf_diag_add(1, "%s:%d: %s: %s: ignored, the default is used",
				    path, val_line[i], table[i].name, str_c(&why));
			set_value(&table[i], NULL);
			val_bad[i] = 1;
			changed = 1;
		}
	} while (changed);
	str_reset(&why);
	if (check_all(&why) < 0) {
		/* cannot happen: the defaults are good */
		conf_diag_add(1, "%s: %s: every setting has its default", path, str_c(&why));
		for (i = 0; i < ARRAY_LEN(table); i++)
			set_value(&table[i], NULL);
	}
	str_free(&v);
	str_free(&why);
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
 * Returns -1 with err when the file cannot be read (the configuration
 * stays as it was); otherwise the file's good lines are in force and
 * every value has been checked (check_all): 0 when no line was bad
 * (there may be warnings: unknown names), 1 when lines or values were
 * bad; those were ignored (their settings keep their defaults,
 * conf_is_bad) and err holds the first such error. conf_report and
 * conf_diag give all of them.
 */
int
conf_load(const char *path, int must_exist, struct str *err)
{
	FILE *fp;
	char buf[CONF_MAX_LINE + 2];
	struct str logical = STR_INIT;
	struct str why = STR_INIT;
	const char *bad, *first;
	char **saved;
	int lineno = 0, start = 0, rc = 0, eof;
	size_t i, n;

	conf_diag_clear();
	memset(val_bad, 0, sizeof(val_bad));
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
		bad = NULL;
		if (!(eof = read_line(fp, buf, sizeof(buf), &n) < 0)) {
			lineno++;
			if (n < sizeof(buf) && memchr(buf, '\0', n) != NULL)
				bad = "NUL byte in line";
			if (n > 0 && n < sizeof(buf) && buf[n - 1] == '\r')
				buf[--n] = '\0';
			if (bad == NULL && n > CONF_MAX_LINE)
				bad = "line too long";
			for (i = 0; bad == NULL && buf[i] && isspace((unsigned char)buf[i]); i++)
				;
			if (bad == NULL && (buf[i] == '#' || buf[i] == '\0'))
				continue;
			if (bad == NULL && i > 0 && logical.len > 0) {
				/* continuation of the previous setting */
				str_appendc(&logical, ' ');
				str_appends(&logical, buf + i);
				continue;
			}
			if (bad == NULL && i > 0)
				bad = "continuation line without a setting";
		}
		if (logical.len > 0) {
			apply(path, start, logical.s);
			str_reset(&logical);
		}
		if (eof)
			break;
		if (bad != NULL) {
			conf_diag_add(1, "%s:%d: %s: line ignored", path, lineno, bad);
			continue;
		}
		str_set(&logical, buf);
		start = lineno;
	}
	str_free(&logical);
	if (ferror(fp)) {
		fclose(fp);
		str_printf(err, "error reading %s", path);
		restore_values(saved);
		conf_diag_clear();
		return -1;
	}
	fclose(fp);
	free_values(saved);
	settle(path);
	if ((first = conf_diag_first_error()) != NULL) {
		str_set(err, first);
		rc = 1;
	}
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

/*
 * conf_start - what every program does first: conf_load (same results),
 * then log to maillog_file when one is set, and report what the file
 * held that was wrong (conf_report).
 */
int
conf_start(const char *path, int must_exist, struct str *err)
{
	int rc;

	if ((rc = conf_load(path, must_exist, err)) < 0)
		return rc;
	log_set_file(conf_str("maillog_file"));
	conf_report();
	return rc;
}

/* conf_is_bad - did the last conf_load refuse this setting's value? */
int
conf_is_bad(const char *name)
{
	struct conf_ent *e;

	if ((e = lookup(name, strlen(name))) == NULL)
		panic("conf_is_bad: unknown setting %s", name);
	return val_bad[e - table];
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
