/*
 * NAME
 *	cleanup - header fix-ups shared by every way into the queue
 * SUMMARY
 *	cleanup_header() turns a header section held in memory and an
 *	envelope into the header section that is queued, adding recipients
 *	to the envelope on the way; see cleanup.h for the fix-ups.
 *	cleanup_addr() and cleanup_sender() bring one envelope address into
 *	its queued form.
 * DESCRIPTION
 *	The header section is indexed by hdr_parse() (header.c); fields are
 *	copied byte for byte unless they are dropped or hold addresses to
 *	qualify or masquerade, and the added fields follow the kept ones.
 * SECURITY
 *	The header section is untrusted: it is bounded by header_limit,
 *	NUL bytes are refused, and an address that would put a control
 *	character into an envelope record is refused (env_check_addr).
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "cleanup.h"
#include "header.h"
#include "util.h"

/*
 * cleanup_addr - one address for the envelope: qualified with myorigin,
 * its domain converted to A-labels, checked for control characters.
 */
int
cleanup_addr(const struct cleanup *c, const char *addr, struct str *out,
    struct str *err)
{
	struct str q = STR_INIT;
	int rc = -1;

	if (*addr == '\0') {
		str_printf(err, "empty address");
		goto out;
	}
	addr_qualify(addr, c->myorigin, &q);
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
 * cleanup_sender - an envelope sender: as cleanup_addr, then masqueraded
 * as Postfix does. The result replaces what out held.
 */
int
cleanup_sender(const struct cleanup *c, const char *addr, struct str *out,
    struct str *err)
{
	struct str tmp = STR_INIT;
	int rc = -1;

	str_reset(out);
	if (cleanup_addr(c, addr, &tmp, err) < 0)
		goto out;
	addr_masquerade(tmp.s, c->masq_domains, c->masq_except, out);
	rc = 0;
out:
	str_free(&tmp);
	return rc;
}

/* add_rcpt - add a recipient unless it is already there */
static int
add_rcpt(const struct cleanup *c, struct envelope *env, const char *addr,
    struct str *err)
{
	struct str a = STR_INIT;
	size_t i;
	int rc = -1;

	if (cleanup_addr(c, addr, &a, err) < 0)
		goto out;
	for (i = 0; i < env->nrcpt; i++)
		if (strcasecmp(env->rcpt[i].addr, a.s) == 0) {
			rc = 0;
			goto out;
		}
	if (env->nrcpt >= SPOOL_RCPT_MAX) {
		str_printf(err, "too many recipients (at most %d)",
		    SPOOL_RCPT_MAX);
		goto out;
	}
	env_add_rcpt(env, a.s, NULL, c->notify);
	rc = 0;
out:
	str_free(&a);
	return rc;
}

/* add_rcpt_list - add every address of an address list */
static int
add_rcpt_list(const struct cleanup *c, struct envelope *env,
    const char *text, size_t len, struct str *err)
{
	struct addr_list l = { NULL, 0, 0 };
	size_t i;
	int rc = 0;

	addr_scan(text, len, &l);
	for (i = 0; i < l.n && rc == 0; i++)
		rc = add_rcpt(c, env, l.v[i].addr, err);
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
rewrite_field(const struct cleanup *c, const char *msg,
    const struct hfield *f, struct str *out)
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
			addr_qualify(a->addr, c->myorigin, &q);
			addr_masquerade(q.s, c->masq_domains, c->masq_except,
			    &m);
			str_append(out, v + pos, a->end - pos);
			str_appendc(out, '@');
			/* an unclosed quote hides the added domain from addr_domain */
			str_appends(out, addr_domain(m.s) ? addr_domain(m.s) :
			    c->myorigin);
			pos = a->end;
			continue;
		}
		str_set(&q, a->addr);
		if (addr_masquerade(q.s, c->masq_domains, c->masq_except, &m) &&
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
add_from(const struct cleanup *c, const struct envelope *env,
    const char *prefix, struct str *out)
{
	const char *name = c->fullname;
	const char *login = c->login ? c->login : "MAILER-DAEMON";
	struct str gecos = STR_INIT, addr = STR_INIT, err = STR_INIT;
	const char *p;

	if (name == NULL && c->gecos && *c->gecos) {
		/* first comma field; '&' stands for the capitalised login */
		for (p = c->gecos; *p && *p != ','; p++) {
			if (*p == '&' && login[0]) {
				str_appendc(&gecos,
				    (char)toupper((unsigned char)login[0]));
				str_appends(&gecos, login + 1);
			} else
				str_appendc(&gecos, *p);
		}
		name = str_c(&gecos);
	}
	if (env->sender && *env->sender)
		str_set(&addr, env->sender);
	else if (cleanup_sender(c, login, &addr, &err) < 0)
		str_set(&addr, login);
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

/* is_rcpt_field - does -t take recipients from this field? */
static int
is_rcpt_field(const char *raw, const struct hfield *f, int resent)
{
	if (resent)
		return hdr_is(raw, f, "Resent-To") ||
		    hdr_is(raw, f, "Resent-Cc") || hdr_is(raw, f, "Resent-Bcc");
	return hdr_is(raw, f, "To") || hdr_is(raw, f, "Cc") ||
	    hdr_is(raw, f, "Bcc");
}

/* add_missing - From:, Date:, Message-ID: (with prefix) when absent */
static void
add_missing(const struct cleanup *c, const struct envelope *env,
    const char *raw, struct headers *h, const char *pfx, const char *date,
    struct str *added)
{
	struct str name = STR_INIT;

	str_printf(&name, "%sFrom", pfx);
	if (hdr_find(raw, h, name.s) == NULL)
		add_from(c, env, pfx, added);
	str_set(&name, pfx);
	str_appends(&name, "Date");
	if (hdr_find(raw, h, name.s) == NULL)
		str_printf(added, "%sDate: %s\n", pfx, date);
	str_set(&name, pfx);
	str_appends(&name, "Message-ID");
	if (hdr_find(raw, h, name.s) == NULL)
		str_printf(added, "%sMessage-ID: <%s@%s>\n", pfx, env->id,
		    c->myhostname);
	str_free(&name);
}

/*
 * cleanup_header - fix up the header section at raw (len bytes, perhaps
 * followed by the body): recipients into env, the fixed header section,
 * its empty line included, appended to out; *body is the offset in raw
 * where the body starts (len when there is none).
 */
int
cleanup_header(const struct cleanup *c, const char *raw, size_t len,
    struct envelope *env, struct str *out, size_t *body,
    enum cleanup_fail *why, struct str *err)
{
	struct headers h;
	struct str added = STR_INIT;
	char date[64];
	size_t i;
	int resent = 0, rc = -1;

	*why = CLEANUP_OK;
	*body = len;
	if (memchr(raw, '\0', len) != NULL) {
		str_printf(err, "message contains a NUL byte (binary data "
		    "must be MIME-encoded)");
		*why = CLEANUP_HEADER;
		return -1;
	}
	if (hdr_parse(raw, len, c->header_limit, &h, err) < 0) {
		*why = CLEANUP_HEADER;
		return -1;
	}
	for (i = 0; i < h.n; i++)
		if (hdr_is_prefix(raw, &h.v[i], "Resent-"))
			resent = 1;

	/* Recipients: those given with the message, then (-t) the header's. */
	*why = CLEANUP_RCPT;
	for (i = 0; i < c->nrcpts; i++)
		if (add_rcpt_list(c, env, c->rcpts[i], strlen(c->rcpts[i]),
		    err) < 0)
			goto out;
	for (i = 0; c->extract && i < h.n; i++) {
		const char *v;
		size_t vlen;

		if (is_rcpt_field(raw, &h.v[i], resent)) {
			hdr_value(raw, &h.v[i], &v, &vlen);
			if (add_rcpt_list(c, env, v, vlen, err) < 0)
				goto out;
		}
	}
	*why = CLEANUP_OK;

	/* Kept fields (rewritten where they hold addresses), added fields. */
	str_reserve(out, len + 512);
	for (i = 0; i < h.n; i++) {
		struct hfield *f = &h.v[i];

		if (hdr_is(raw, f, "Bcc") || hdr_is(raw, f, "Resent-Bcc") ||
		    hdr_is(raw, f, "Return-Path") ||
		    hdr_is(raw, f, "Content-Length")) {
			f->drop = 1;
			continue;
		}
		if (is_addr_header(raw, f))
			rewrite_field(c, raw, f, out);
		else {
			str_append(out, raw + f->start, f->len);
			/* the input's last line may lack its LF */
			if (raw[f->start + f->len - 1] != '\n')
				str_appendc(out, '\n');
		}
	}
	util_rfc5322_date(date, sizeof(date), env->arrival);
	add_missing(c, env, raw, &h, "", date, &added);
	if (resent)
		add_missing(c, env, raw, &h, "Resent-", date, &added);
	str_append(out, added.s, added.len);
	str_appendc(out, '\n');
	/* an empty line already ends the header section unless need_blank */
	if (h.body < len)
		*body = h.body;
	rc = 0;
out:
	hdr_free(&h);
	str_free(&added);
	return rc;
}
