/*
 * submit - turn what a program hands to sendmail into an envelope and a
 * message ready for the maildrop
 *
 * See submit.h. Input is filtered by filter.c; the header section is
 * collected by submit_store (submit_store.c), checked against what the
 * command line said and fixed up by cleanup.c, and the body streamed to
 * the maildrop. The outcome of each kind of bad input is
 * part of the interface and documented in sendmail(8):
 *   NUL byte                 EX_DATAERR, nothing queued
 *   over message_size_limit  EX_DATAERR, nothing queued
 *   header section over header_size_limit (never ends)  EX_DATAERR
 *   a line that is not a header before the empty line   repaired: the
 *                            body starts there, an empty line is inserted
 *   CRLF, LF                 both accepted; stored as LF
 *   lone CR                  kept as it is
 *   lines over 998 octets    kept intact
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "cleanup.h"
#include "filter.h"
#include "submit.h"
#include "util.h"

/* submit_init - empty submission */
void
submit_init(struct submit *s)
{
	memset(s, 0, sizeof(*s));
	env_init(&s->env);
	str_init(&s->msg);
}

/* submit_free - release results */
void
submit_free(struct submit *s)
{
	env_free(&s->env);
	str_free(&s->msg);
}

/* submit_parse_notify - the -N argument: never, or success,failure,delay */
int
submit_parse_notify(const char *arg, int *out)
{
	char *copy = xstrdup(arg), *tok, *save = NULL;
	int bits = 0, rc = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		if (strcasecmp(tok, "never") == 0)
			bits |= NOTIFY_NEVER;
		else if (strcasecmp(tok, "success") == 0)
			bits |= NOTIFY_SUCCESS;
		else if (strcasecmp(tok, "failure") == 0)
			bits |= NOTIFY_FAILURE;
		else if (strcasecmp(tok, "delay") == 0)
			bits |= NOTIFY_DELAY;
		else
			rc = -1;
	}
	if ((bits & NOTIFY_NEVER) && bits != NOTIFY_NEVER)
		rc = -1;
	if (bits == 0)
		rc = -1;
	free(copy);
	if (rc == 0)
		*out = bits;
	return rc;
}

/* submit_cleanup - what the header fix-ups need, from the submission */
static void
submit_cleanup(const struct submit *s, struct cleanup *c)
{
	memset(c, 0, sizeof(*c));
	c->myorigin = s->myorigin;
	c->myhostname = s->myhostname;
	c->masq_domains = s->masq_domains;
	c->masq_except = s->masq_except;
	c->header_limit = s->header_limit;
	c->extract = s->extract;
	c->notify = s->notify;
	c->rcpts = s->args;
	c->nrcpts = s->nargs;
	c->fullname = s->fullname;
	c->gecos = s->gecos;
	c->login = s->login;
}

/*
 * submit_sender - the envelope sender: -f as given ("<>" or "" is the null
 * sender), else login@myorigin; masqueraded as Postfix does.
 */
int
submit_sender(struct submit *s, const char *arg, struct str *out, struct str *err)
{
	struct addr_list l = { NULL, 0, 0 };
	struct cleanup c;
	int rc = -1;

	submit_cleanup(s, &c);
	str_reset(out);
	if (arg == NULL) {
		rc = cleanup_sender(&c, s->login, out, err);
		goto out;
	} else {
		size_t len = strlen(arg);

		if (strcmp(arg, "<>") == 0 || len == 0) {
			rc = 0;
			goto out;
		}
		addr_scan(arg, len, &l);
		if (l.n != 1) {
			str_printf(err, "bad sender address \"%.100s\"", arg);
			goto out;
		}
		rc = cleanup_sender(&c, l.v[0].addr, out, err);
	}
out:
	addr_list_free(&l);
	return rc;
}

/* submit_prepare - build envelope and message; see submit.h */
int
submit_prepare(struct submit *s, const char *raw, size_t len, struct str *err)
{
	struct cleanup c;
	struct str sender = STR_INIT, fixed = STR_INIT;
	enum cleanup_fail why;
	size_t i, body;

	/* submit_read refuses NUL bytes; so must callers that skip it */
	if (memchr(raw, '\0', len) != NULL) {
		str_printf(err, "message contains a NUL byte (binary data must be MIME-encoded)");
		return EX_DATAERR;
	}

	/* Command-line addresses: no folding, no controls, no NUL. */
	for (i = 0; i <= s->nargs; i++) {
		const char *a = i < s->nargs ? s->args[i] : s->sender;

		if (a && util_has_ctl(a, strlen(a))) {
			str_printf(err, "control character in address argument");
			return EX_DATAERR;
		}
	}
	/* The envelope sender first: a missing From: is made from it. */
	if (submit_sender(s, s->sender, &sender, err) < 0) {
		str_free(&sender);
		return EX_DATAERR;
	}
	s->env.sender = str_steal(&sender);
	/* Nothing with CR, LF or NUL may reach an envelope record. */
	if (s->fullname && (util_has_ctl(s->fullname, strlen(s->fullname)) ||
	    strlen(s->fullname) > SPOOL_FIELD_MAX)) {
		str_printf(err, "full name (-F) contains control characters or is too long");
		return EX_USAGE;
	}
	if (s->envid) {
		const unsigned char *p;

		for (p = (const unsigned char *)s->envid; *p; p++)
			if (*p < 33 || *p > 126)
				break;
		if (*p || strlen(s->envid) > 100 || *s->envid == '\0') {
			str_printf(err, "envelope ID (-V) must be 1 to 100 printable ASCII characters");
			return EX_USAGE;
		}
	}
	s->env.ret = s->ret;
	s->env.uid = (long)s->uid;
	if (s->fullname)
		s->env.fullname = xstrdup(s->fullname);
	if (s->envid)
		s->env.envid = xstrdup(s->envid);

	/*
	 * Recipients (arguments, then -t the header's) and the fixed header
	 * section; then the body as it came.
	 */
	submit_cleanup(s, &c);
	if (cleanup_header(&c, raw, len, &s->env, &fixed, &body, &why,
	    err) < 0) {
		/* a bad header section or a bad recipient: bad input either way */
		str_free(&fixed);
		return EX_DATAERR;
	}
	if (s->env.nrcpt == 0) {
		str_printf(err, s->extract ? "no recipient addresses found in message header" :
		    "no recipients specified");
		str_free(&fixed);
		return EX_USAGE;
	}
	str_reset(&s->msg);
	str_append(&s->msg, fixed.s, fixed.len);
	str_free(&fixed);
	if (body < len)
		str_append(&s->msg, raw + body, len - body);
	s->env.size = (long long)s->msg.len;
	return 0;
}
