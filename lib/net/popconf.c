/*
 * popconf - the accounts file of popfetch
 *
 * DESCRIPTION
 *	The format of mpop and msmtp: a "defaults" line starts the settings
 *	every later account inherits; "account NAME" starts an account, and
 *	"account NAME : BASE" one that starts as a copy of BASE. Inside a
 *	block each line is "key value" (the value may be in double quotes,
 *	with \" and \\ inside); '#' starts a comment line. Keys:
 *
 *	  host port tls tls_trust_file user password passwordeval auth
 *	  deliver_to keep size_limit only_new timeout
 *
 *	Values are checked here, with file:line in each message: tls is
 *	pop3s, stls or none (spelled out: plain text is never a default);
 *	auth is auto, user, apop or plain; keep and only_new are on or off;
 *	size_limit is a size (10k, 5M); timeout is seconds. An account needs
 *	host, user, and password or passwordeval.
 *
 * SECURITY
 *	A file that holds a password (not passwordeval) must belong to the
 *	caller (or root) and must not be readable or writable by anyone
 *	else; it is refused otherwise (POPF_EPERM), as msmtp refuses it.
 *	The file is opened with the caller's rights (popfetch is not set-id).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "popfetch.h"
#include "spool.h"
#include "util.h"

#define RC_MAX	(1024 * 1024)	/* bytes of an accounts file */

/* acct_copy - a new account starting as a copy of base */
static void
acct_copy(struct popf_account *a, const struct popf_account *base)
{
	*a = *base;
#define DUP(f) a->f = base->f ? xstrdup(base->f) : NULL
	DUP(name); DUP(host); DUP(trust_file); DUP(user); DUP(password);
	DUP(passwordeval); DUP(deliver_to);
#undef DUP
}

static void
acct_free(struct popf_account *a)
{
	free(a->name); free(a->host); free(a->trust_file); free(a->user);
	free(a->password); free(a->passwordeval); free(a->deliver_to);
	memset(a, 0, sizeof(*a));
}

/* unquote - the value: quotes removed, escapes resolved; -1 if unbalanced */
static int
unquote(char *v)
{
	char *r = v + 1, *w = v;
	size_t n = strlen(v);

	if (n == 0 || v[0] != '"')
		return 0;
	while (*r && *r != '"') {
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r++;
	}
	if (*r != '"' || r[1] != '\0')
		return -1;
	*w = '\0';
	return 0;
}

static int
onoff(const char *v, int *out)
{
	if (strcmp(v, "on") == 0)
		*out = 1;
	else if (strcmp(v, "off") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* setkey - one key: NULL, or what is wrong */
static const char *
setkey(struct popf_account *a, const char *k, const char *v)
{
	long n;
	char **sp = NULL;

	if (strcmp(k, "host") == 0)
		sp = &a->host;
	else if (strcmp(k, "tls_trust_file") == 0)
		sp = &a->trust_file;
	else if (strcmp(k, "user") == 0)
		sp = &a->user;
	else if (strcmp(k, "password") == 0)
		sp = &a->password;
	else if (strcmp(k, "passwordeval") == 0)
		sp = &a->passwordeval;
	else if (strcmp(k, "deliver_to") == 0)
		sp = &a->deliver_to;
	if (sp != NULL) {
		if (*v == '\0' || util_has_ctl(v, strlen(v)))
			return "needs a value without control characters";
		free(*sp);
		*sp = xstrdup(v);
		return NULL;
	}
	if (strcmp(k, "port") == 0) {
		if (util_parse_long(v, 1, 65535, &n) < 0)
			return "must be a port number (1-65535)";
		a->port = (unsigned)n;
	} else if (strcmp(k, "tls") == 0) {
		if (strcmp(v, "pop3s") == 0)
			a->tls = POP_TLS_POP3S;
		else if (strcmp(v, "stls") == 0)
			a->tls = POP_TLS_STLS;
		else if (strcmp(v, "none") == 0)
			a->tls = POP_TLS_NONE;
		else
			return "must be pop3s, stls or none";
	} else if (strcmp(k, "auth") == 0) {
		if (strcmp(v, "auto") == 0)
			a->auth = POP_AUTH_AUTO;
		else if (strcmp(v, "user") == 0)
			a->auth = POP_AUTH_USER;
		else if (strcmp(v, "apop") == 0)
			a->auth = POP_AUTH_APOP;
		else if (strcmp(v, "plain") == 0)
			a->auth = POP_AUTH_PLAIN;
		else
			return "must be auto, user, apop or plain";
	} else if (strcmp(k, "keep") == 0) {
		if (onoff(v, &a->keep) < 0)
			return "must be on or off";
	} else if (strcmp(k, "only_new") == 0) {
		if (onoff(v, &a->only_new) < 0)
			return "must be on or off";
	} else if (strcmp(k, "size_limit") == 0) {
		if (util_parse_size(v, &a->size_limit) < 0)
			return "must be a size (bytes, or with k, M, G)";
	} else if (strcmp(k, "timeout") == 0) {
		if (util_parse_long(v, 1, 3600, &a->timeout) < 0)
			return "must be seconds (1-3600)";
	} else
		return "is not a popfetch key";
	return NULL;
}

/* name_ok - account names become file names in the state directory */
static int
name_ok(const char *s)
{
	const char *p;

	if (*s == '\0' || *s == '.' || strlen(s) > 64)
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._@+-", *p)))
			return 0;
	return 1;
}

/* check - what a finished account lacks; NULL when complete */
static const char *
check(const struct popf_account *a)
{
	if (a->host == NULL)
		return "has no host";
	if (a->user == NULL)
		return "has no user";
	if (a->password == NULL && a->passwordeval == NULL)
		return "has neither password nor passwordeval";
	if (a->deliver_to == NULL)
		return "has no deliver_to";
	return NULL;
}

/* parse - the text of the file */
static int
parse(struct popf_conf *c, char *text, const char *login, struct str *err)
{
	struct popf_account defaults, *cur = &defaults;
	char *line, *next, *k, *v, *base;
	const char *bad;
	size_t i;
	int ln = 0;

	memset(&defaults, 0, sizeof(defaults));
	defaults.tls = POP_TLS_POP3S;
	defaults.only_new = 1;
	defaults.timeout = 60;
	defaults.deliver_to = login ? xstrdup(login) : NULL;
	for (line = text; line != NULL; line = next) {
		ln++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		v = line + strlen(line);
		while (v > line && (v[-1] == ' ' || v[-1] == '\t' || v[-1] == '\r'))
			*--v = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		k = line;
		v = k + strcspn(k, " \t");
		if (*v)
			*v++ = '\0';
		v += strspn(v, " \t");
		if (strcmp(k, "defaults") == 0) {
			cur = &defaults;
			continue;
		}
		if (strcmp(k, "account") == 0) {
			base = strchr(v, ':');
			if (base) {
				*base++ = '\0';
				base += strspn(base, " \t");
				k = v + strlen(v);
				while (k > v && (k[-1] == ' ' || k[-1] == '\t'))
					*--k = '\0';
			}
			if (!name_ok(v)) {
				str_printf(err, "%s:%d: bad account name \"%s\" (letters, digits, "
				    "._@+- only)", c->path, ln, v);
				goto fail;
			}
			if (popf_conf_find(c, v) != NULL) {
				str_printf(err, "%s:%d: account %s is defined twice", c->path, ln, v);
				goto fail;
			}
			c->acct = xreallocarray(c->acct, c->n + 1, sizeof(*c->acct));
			cur = &c->acct[c->n];
			if (base && (cur = popf_conf_find(c, base)) == NULL) {
				str_printf(err, "%s:%d: account %s: no account %s before it",
				    c->path, ln, v, base);
				goto fail;
			}
			acct_copy(&c->acct[c->n], base ? cur : &defaults);
			cur = &c->acct[c->n++];
			free(cur->name);
			cur->name = xstrdup(v);
			cur->line = ln;
			continue;
		}
		if (unquote(v) < 0) {
			str_printf(err, "%s:%d: %s: unbalanced quotes", c->path, ln, k);
			goto fail;
		}
		if ((bad = setkey(cur, k, v)) != NULL) {
			str_printf(err, "%s:%d: %s %s", c->path, ln, k, bad);
			goto fail;
		}
	}
	for (i = 0; i < c->n; i++)
		if ((bad = check(&c->acct[i])) != NULL) {
			str_printf(err, "%s:%d: account %s %s", c->path, c->acct[i].line,
			    c->acct[i].name, bad);
			goto fail;
		}
	acct_free(&defaults);
	return 0;
fail:
	acct_free(&defaults);
	return -1;
}

/* popf_conf_load - read and check the accounts file */
int
popf_conf_load(const char *path, const char *login, struct popf_conf *c,
    struct str *err)
{
	struct str text = STR_INIT, e = STR_INIT;
	struct stat st;
	size_t i;
	int fd, rc = -1, pw = 0;

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		str_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		str_printf(err, "%s: not a regular file", path);
		goto out;
	}
	if (spool_read_fd(fd, RC_MAX, &text, &e) < 0) {
		str_printf(err, "%s: %s", path, e.s);
		goto out;
	}
	if (memchr(text.s, '\0', text.len) != NULL) {
		str_printf(err, "%s: holds a NUL byte", path);
		goto out;
	}
	if (parse(c, text.s, login, err) < 0)
		goto out;
	for (i = 0; i < c->n; i++)
		pw |= c->acct[i].password != NULL;
	/* passwordeval runs a command from it: nobody else may change it */
	if ((st.st_mode & 022) != 0 || (st.st_uid != getuid() && st.st_uid != 0)) {
		str_printf(err, "%s runs commands and names where mail goes, so it must "
		    "be yours (or root's) and writable by you alone (it is mode %04o, "
		    "owner uid %ld)", path, (unsigned)(st.st_mode & 07777), (long)st.st_uid);
		rc = POPF_EPERM;
		goto out;
	}
	if (pw && ((st.st_mode & 077) != 0 || (st.st_uid != getuid() && st.st_uid != 0))) {
		str_printf(err, "%s holds a password, so it must be yours and not "
		    "accessible to others (it is mode %04o): chmod 600 %s, or use "
		    "passwordeval", path, (unsigned)(st.st_mode & 07777), path);
		rc = POPF_EPERM;
		goto out;
	}
	rc = 0;
out:
	close(fd);
	str_free(&text);
	str_free(&e);
	return rc;
}

void
popf_conf_free(struct popf_conf *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		acct_free(&c->acct[i]);
	free(c->acct);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

struct popf_account *
popf_conf_find(struct popf_conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->acct[i].name, name) == 0)
			return &c->acct[i];
	return NULL;
}
