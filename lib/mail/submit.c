/*
 * submit - turn what a program hands to sendmail into an envelope and a
 * message ready for the maildrop
 *
 * See submit.h. Input is filtered by filter.c; the header section is
 * collected and fixed up here, and the body streamed to the maildrop by
 * submit_store (submit_store.c). The outcome of each kind of bad input is
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
#include "filter.h"
#include "header.h"
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

/*
 * envelope_addr - one address for the envelope: qualified with myorigin,
 * its domain converted to A-labels, checked for control characters.
 */
static int
envelope_addr(struct submit *s, const char *addr, struct str *out, struct str *err)
{
	struct str q = STR_INIT;
	int rc = -1;

	if (*addr == '\0') {
		str_printf(err, "empty address");
		goto out;
	}
	addr_qualify(addr, s->myorigin, &q);
	if (addr_to_ascii(q.s, out, err) < 0)
		goto out;
	if (env_check_addr(out->s, err) < 0) {
		str_printf(err, " in <%.100s>", addr);
		goto out;
	}
	rc = 0;
out:
	str_free(&q);
	return rc;
}

/*
 * submit_sender - the envelope sender: -f as given ("<>" or "" is the null
 * sender), else login@myorigin; masqueraded as Postfix does.
 */
int
submit_sender(struct submit *s, const char *arg, struct str *out, struct str *err)
{
	struct addr_list l = { NULL, 0, 0 };
	struct str tmp = STR_INIT;
	int rc = -1;

	str_reset(out);
	if (arg == NULL) {
		if (envelope_addr(s, s->login, &tmp, err) < 0)
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
		if (envelope_addr(s, l.v[0].addr, &tmp, err) < 0)
			goto out;
	}
	addr_masquerade(tmp.s, s->masq_domains, s->masq_except, out);
	rc = 0;
out:
	addr_list_free(&l);
	str_free(&tmp);
	return rc;
}

/* add_rcpt - add a recipient unless it is already there */
static int
add_rcpt(struct submit *s, const char *addr, struct str *err)
{
	struct str a = STR_INIT;
	size_t i;
	int rc = -1;

	if (envelope_addr(s, addr, &a, err) < 0)
		goto out;
	for (i = 0; i < s->env.nrcpt; i++)
		if (strcasecmp(s->env.rcpt[i].addr, a.s) == 0) {
			rc = 0;
			goto out;
		}
	if (s->env.nrcpt >= SPOOL_RCPT_MAX) {
		str_printf(err, "too many recipients (at most %d)", SPOOL_RCPT_MAX);
		goto out;
	}
	env_add_rcpt(&s->env, a.s, NULL, s->notify);
	rc = 0;
out:
	str_free(&a);
	return rc;
}

/* add_rcpt_list - add every address of an address list */
static int
add_rcpt_list(struct submit *s, const char *text, size_t len, struct str *err)
{
	struct addr_list l = { NULL, 0, 0 };
	size_t i;
	int rc = 0;

	addr_scan(text, len, &l);
	for (i = 0; i < l.n && rc == 0; i++)
		rc = add_rcpt(s, l.v[i].addr, err);
	addr_list_free(&l);
	return rc;
}

static const char *const addr_headers[] = {
	"From", "Sender", "Reply-To", "To", "Cc", "Errors-To",
	"Resent-From", "Resent-Sender", "Resent-Reply-To", "Resent-To",
	"Resent-Cc", "Disposition-Notification-To", "Return-Receipt-To",
};

/* is_addr_header - do addresses in this field get qualified? */
static int
is_addr_header(const char *msg, const struct hfield *f)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(addr_headers); i++)
		if (hdr_is(msg, f, addr_headers[i]))
			return 1;
	return 0;
}

/*
 * rewrite_field - copy a field, qualifying unqualified addresses and
 * masquerading domains; everything else (names, comments, folding) stays
 * as it was.
 */
static void
rewrite_field(struct submit *s, const char *msg, const struct hfield *f,
    struct str *out)
{
	struct addr_list l = { NULL, 0, 0 };
	struct str m = STR_INIT, q = STR_INIT;
	const char *v;
	size_t vlen, pos = 0, i;

	hdr_value(msg, f, &v, &vlen);
	str_append(out, msg + f->start, f->value - f->start);
	addr_scan(v, vlen, &l);
	for (i = 0; i < l.n; i++) {
		const struct addr_span *a = &l.v[i];

		if (addr_domain(a->addr) == NULL) {
			/* qualified, then masqueraded like the envelope sender */
			addr_qualify(a->addr, s->myorigin, &q);
			addr_masquerade(q.s, s->masq_domains, s->masq_except, &m);
			str_append(out, v + pos, a->end - pos);
			str_appendc(out, '@');
			/* an unclosed quote hides the added domain from addr_domain */
			str_appends(out, addr_domain(m.s) ? addr_domain(m.s) : s->myorigin);
			pos = a->end;
			continue;
		}
		str_set(&q, a->addr);
		if (addr_masquerade(q.s, s->masq_domains, s->masq_except, &m) &&
		    a->dom_start < a->end && a->dom_start >= pos) {
			str_append(out, v + pos, a->dom_start - pos);
			str_appends(out, addr_domain(m.s));
			pos = a->end;
		}
	}
	str_append(out, v + pos, vlen - pos);
	str_appendc(out, '\n');
	addr_list_free(&l);
	str_free(&m);
	str_free(&q);
}

/* add_from - the From: line Postfix would add: "Full Name <sender>" */
static void
add_from(struct submit *s, const char *prefix, struct str *out)
{
	const char *name = s->fullname;
	struct str gecos = STR_INIT, addr = STR_INIT, err = STR_INIT;
	const char *p;

	if (name == NULL && s->gecos && *s->gecos) {
		/* first comma field; '&' stands for the capitalised login */
		for (p = s->gecos; *p && *p != ','; p++) {
			if (*p == '&' && s->login[0]) {
				str_appendc(&gecos, (char)toupper((unsigned char)s->login[0]));
				str_appends(&gecos, s->login + 1);
			} else
				str_appendc(&gecos, *p);
		}
		name = str_c(&gecos);
	}
	if (s->env.sender && *s->env.sender)
		str_set(&addr, s->env.sender);
	else if (submit_sender(s, NULL, &addr, &err) < 0)
		str_set(&addr, s->login);
	str_printf(out, "%sFrom: ", prefix);
	if (name && *name && !util_has_ctl(name, strlen(name))) {
		addr_quote_phrase(name, out);
		str_printf(out, " <%s>\n", addr.s);
	} else
		str_printf(out, "%s\n", addr.s);
	str_free(&gecos);
	str_free(&addr);
	str_free(&err);
}

/* submit_prepare - build envelope and message; see submit.h */
int
submit_prepare(struct submit *s, const char *raw, size_t len, struct str *err)
{
	struct headers h;
	struct str sender = STR_INIT, added = STR_INIT;
	char date[64];
	size_t i;
	int resent = 0, rc;
	const char *pfx;

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
	if ((rc = submit_sender(s, s->sender, &sender, err)) < 0)
		return EX_DATAERR;
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

	if (hdr_parse(raw, len, s->header_limit, &h, err) < 0)
		return EX_DATAERR;
	for (i = 0; i < h.n; i++)
		if (hdr_is_prefix(raw, &h.v[i], "Resent-"))
			resent = 1;

	/* Recipients: the arguments, then (-t) the headers. */
	for (i = 0; i < s->nargs; i++) {
		if (add_rcpt_list(s, s->args[i], strlen(s->args[i]), err) < 0) {
			rc = EX_DATAERR;
			goto out;
		}
	}
	for (i = 0; s->extract && i < h.n; i++) {
		const struct hfield *f = &h.v[i];
		const char *v;
		size_t vlen;

		if (resent ? (hdr_is(raw, f, "Resent-To") || hdr_is(raw, f, "Resent-Cc") ||
		    hdr_is(raw, f, "Resent-Bcc")) :
		    (hdr_is(raw, f, "To") || hdr_is(raw, f, "Cc") || hdr_is(raw, f, "Bcc"))) {
			hdr_value(raw, f, &v, &vlen);
			if (add_rcpt_list(s, v, vlen, err) < 0) {
				rc = EX_DATAERR;
				goto out;
			}
		}
	}
	if (s->env.nrcpt == 0) {
		str_printf(err, s->extract ? "no recipient addresses found in message header" :
		    "no recipients specified");
		rc = EX_USAGE;
		goto out;
	}

	/* The message: kept fields (rewritten where they hold addresses), added fields, body. */
	str_reset(&s->msg);
	str_reserve(&s->msg, len + 512);
	for (i = 0; i < h.n; i++) {
		struct hfield *f = &h.v[i];

		if (hdr_is(raw, f, "Bcc") || hdr_is(raw, f, "Resent-Bcc") ||
		    hdr_is(raw, f, "Return-Path") || hdr_is(raw, f, "Content-Length")) {
			f->drop = 1;
			continue;
		}
		if (is_addr_header(raw, f))
			rewrite_field(s, raw, f, &s->msg);
		else {
			str_append(&s->msg, raw + f->start, f->len);
			/* the input's last line may lack its LF */
			if (raw[f->start + f->len - 1] != '\n')
				str_appendc(&s->msg, '\n');
		}
	}
	util_rfc5322_date(date, sizeof(date), s->env.arrival);
	pfx = "";
	for (;;) {
		struct str name = STR_INIT;

		str_printf(&name, "%sFrom", pfx);
		if (hdr_find(raw, &h, name.s) == NULL)
			add_from(s, pfx, &added);
		str_set(&name, pfx);
		str_appends(&name, "Date");
		if (hdr_find(raw, &h, name.s) == NULL)
			str_printf(&added, "%sDate: %s\n", pfx, date);
		str_set(&name, pfx);
		str_appends(&name, "Message-ID");
		if (hdr_find(raw, &h, name.s) == NULL)
			str_printf(&added, "%sMessage-ID: <%s@%s>\n", pfx, s->env.id, s->myhostname);
		str_free(&name);
		if (!resent || *pfx)
			break;
		pfx = "Resent-";
	}
	str_append(&s->msg, added.s, added.len);
	str_appendc(&s->msg, '\n');
	if (h.body < len) {
		/* an empty line already ends the header section unless need_blank */
		size_t body = h.body;

		str_append(&s->msg, raw + body, len - body);
	}
	s->env.size = (long long)s->msg.len;
	rc = 0;
out:
	hdr_free(&h);
	str_free(&added);
	return rc;
}
