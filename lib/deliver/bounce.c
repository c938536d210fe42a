/*
 * NAME
 *	bounce - delivery status notifications
 * SUMMARY
 *	RFC 3464 multipart/report notices for failed, delayed and
 *	delivered mail, in the shape of Postfix's bounce(8) output
 * DESCRIPTION
 *	bounce_count() selects the recipients that need a notice of a kind
 *	under RFC 3461's NOTIFY rules; bounce_make() writes the notice:
 *
 *	  header section      From: MAILER-DAEMON, To: the original sender,
 *	                      Subject: per kind, Auto-Submitted: auto-replied
 *	  text/plain          Postfix's built-in template text and one
 *	                      "<rcpt>: reason" paragraph per recipient
 *	  message/delivery-status
 *	                      per-message fields, then per-recipient groups
 *	  message/rfc822      the whole returned message (FAILED, RET not
 *	                      HDRS, at most BOUNCE_SIZE_LIMIT bytes), or
 *	  text/rfc822-headers its header section only (everything else)
 *
 *	The notice itself has the null sender and NOTIFY NEVER, so it never
 *	causes a notice in turn; mail from the null sender gets none.
 * SECURITY
 *	Reasons, addresses and the returned message come from outside
 *	(remote SMTP replies, local commands, the submitter). Every field
 *	we write is cleaned: control characters become blanks, which
 *	makes header injection through CR or LF impossible; non-ASCII bytes
 *	become '?' (the report parts are us-ascii); lengths are capped and
 *	long lines folded so that no line exceeds 998 bytes. The MIME
 *	boundary is checked against every line of every part and altered
 *	until no line starts with it. The message file is read with pread
 *	up to its size as fstat reports it, and for a headers-only return
 *	only up to the end of its header section.
 * DIAGNOSTICS
 *	bounce_make returns -1 with the reason in err; see bounce.h.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "conf.h"
#include "header.h"
#include "spool.h"
#include "str.h"
#include "util.h"

#define WRAP_COLS	79	/* Postfix's bounce_print_wrap() line length */
#define WRAP_INDENT	4	/* and its continuation indent */
#define WRAP_HARD	(BOUNCE_LINE_MAX - WRAP_INDENT)	/* cut longer words */
#define TEXT_MAX	SPOOL_FIELD_MAX	/* longest reason or address we copy */
#define HOST_MAX	253	/* longest myhostname */
#define BOUNDARY_MAX	70	/* RFC 2046 5.1.1 */
#define BOUNDARY_SUFFIX	9	/* "." and 8 hex digits */
#define READ_CHUNK	16384

/* wanted - does this recipient need a notice of this kind now? */
static int
wanted(const struct envelope *env, const struct rcpt *r, enum bounce_kind kind)
{
	int n = r->notify;

	/* RFC 3461 4.1: NEVER stands alone; if it is mixed in, it wins */
	if (n & NOTIFY_NEVER)
		return 0;
	switch (kind) {
	case BOUNCE_FAILED:
		return r->state == RCPT_FAILED && !r->reported &&
		    (n == 0 || (n & NOTIFY_FAILURE));
	case BOUNCE_DELAYED:
		return r->state == RCPT_PENDING && !env->warned &&
		    (n == 0 || (n & NOTIFY_DELAY));
	case BOUNCE_DELIVERED:
		return r->state == RCPT_SENT && !r->reported &&
		    (n & NOTIFY_SUCCESS);
	}
	return 0;
}

/* bounce_count - how many recipients need a notice of this kind */
size_t
bounce_count(const struct envelope *env, enum bounce_kind kind)
{
	size_t i, n = 0;

	/* never a notice for a notice (RFC 5321 4.5.5, RFC 3461 6.2) */
	if (env->sender == NULL || env->sender[0] == '\0')
		return 0;
	for (i = 0; i < env->nrcpt; i++)
		if (wanted(env, &env->rcpt[i], kind))
			n++;
	return n;
}

/*
 * clean - a copy of untrusted text fit for a report field: at most max
 * bytes, controls (CR and LF among them) turned into blanks, runs of
 * blanks made one, non-ASCII bytes turned into '?', no blank at either
 * end. Postfix's bounce_log_read() masks text in the same spirit before
 * it reaches a notice.
 */
static char *
clean(const char *s, size_t max)
{
	size_t n = strnlen(s, max), i, o = 0;
	char *out = xmalloc(n + 1);

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 32 || c == 127)
			c = ' ';
		else if (c >= 128)
			c = '?';
		if (c == ' ' && (o == 0 || out[o - 1] == ' '))
			continue;
		out[o++] = (char)c;
	}
	if (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return out;
}

/*
 * put_wrapped - one logical line, folded like Postfix's line_wrap() with
 * bounce_print_wrap()'s settings: broken at a blank before column 79 and
 * continued on lines indented by 4 blanks, so a header field stays one
 * field and the text part stays readable. A word that fits no line is
 * cut after WRAP_HARD bytes, so no line ever exceeds BOUNCE_LINE_MAX.
 * No line that is empty or starts with "--" is ever produced when text
 * itself does not start so.
 */
static void
put_wrapped(struct str *out, const char *text)
{
	size_t len = strlen(text), pos = 0, indent = 0, avail, brk, end, i;
	const char *sp;

	while (pos < len) {
		avail = WRAP_COLS - indent;
		if (len - pos <= avail) {
			brk = len;
		} else {
			/* len - pos > avail, so text[pos + avail] exists */
			for (brk = 0, i = pos + avail; i > pos; i--) {
				if (text[i] == ' ') {
					brk = i;
					break;
				}
			}
			if (brk == 0) {
				sp = memchr(text + pos + avail, ' ', len - pos - avail);
				brk = sp ? (size_t)(sp - text) : len;
			}
			if (brk - pos > WRAP_HARD)
				brk = pos + WRAP_HARD;
		}
		for (end = brk; end > pos && text[end - 1] == ' '; end--)
			;
		if (end > pos) {
			for (i = 0; i < indent; i++)
				str_appendc(out, ' ');
			str_append(out, text + pos, end - pos);
			str_appendc(out, '\n');
		}
		for (pos = brk; pos < len && text[pos] == ' '; pos++)
			;
		indent = WRAP_INDENT;
	}
}

/* put_field - "name: prefix value" with value cleaned, wrapped */
static void
put_field(struct str *out, const char *name, const char *prefix,
    const char *value)
{
	struct str line = STR_INIT;
	char *v = clean(value, TEXT_MAX);

	str_printf(&line, "%s: %s%s", name, prefix, v);
	put_wrapped(out, str_c(&line));
	str_free(&line);
	free(v);
}

/*
 * put_folded - copy returned content, each line ending in LF (one is
 * added after a last line without it). RFC 5322 allows at most 998
 * bytes per line, and the part we put the message in is 7bit or 8bit,
 * not binary. Postfix builds its notice from queue records as they are
 * and leaves long lines to its SMTP client, which breaks a line longer
 * than smtp_line_length_limit (998) by inserting CR LF SPACE "to
 * minimize the damage to MIME formatted mail". We do the same here,
 * once, when the notice is built: folding keeps every byte where
 * truncation would lose text; the inserted blank makes a long header
 * line a continuation of the same field; and a continuation line can
 * be neither empty nor a MIME boundary line, so the structure of the
 * returned message and of the notice cannot change. The cost, also
 * Postfix's, is one extra blank in the folded body lines.
 */
static void
put_folded(struct str *out, const char *p, size_t len)
{
	size_t pos = 0, eol, limit;
	const char *nl;

	while (pos < len) {
		nl = memchr(p + pos, '\n', len - pos);
		eol = nl ? (size_t)(nl - p) : len;
		limit = BOUNCE_LINE_MAX;
		while (eol - pos > limit) {
			str_append(out, p + pos, limit);
			str_append(out, "\n ", 2);
			pos += limit;
			limit = BOUNCE_LINE_MAX - 1;
		}
		str_append(out, p + pos, eol - pos);
		str_appendc(out, '\n');
		pos = nl ? eol + 1 : len;
	}
}

/* where the scan of a header section stands */
struct hscan {
	size_t	 scan;		/* start of the first undecided line */
	size_t	 looked;	/* no LF in [scan, looked) */
	int	 seen;		/* a field was seen: continuations count */
};

/*
 * header_end - the offset where the header section of msg ends (not
 * counting the empty line), or (size_t)-1 when more input may still
 * extend it. Called again as input grows; never looks at a byte twice.
 */
static size_t
header_end(const char *msg, size_t len, struct hscan *h, int eof)
{
	const char *nl, *p;
	size_t eol, from;

	for (;;) {
		if (h->scan >= len)
			return eof ? len : (size_t)-1;
		from = h->looked > h->scan ? h->looked : h->scan;
		nl = memchr(msg + from, '\n', len - from);
		if (nl == NULL && !eof) {
			h->looked = len;
			return (size_t)-1;	/* decide on whole lines only */
		}
		eol = nl ? (size_t)(nl - msg) + 1 : len;
		p = msg + h->scan;
		if (p[0] == '\n')
			return h->scan;		/* the empty line */
		if ((p[0] == ' ' || p[0] == '\t') && h->seen)
			;			/* continuation */
		else if (hdr_line_is_field(p, eol - h->scan))
			h->seen = 1;
		else
			return h->scan;		/* body without an empty line */
		h->scan = eol;
	}
}

/*
 * read_message - the returned content: the whole file, or only its
 * header section (when *headers_only is set, or set here because the
 * file is larger than BOUNCE_SIZE_LIMIT). Reads with pread, never past
 * the size fstat gave; a read error or a file shorter than that size is
 * an error. A header section is read up to header_size_limit (default
 * 102400, as Postfix) and cut at the last line end before it when it
 * goes on longer: memory stays bounded whatever the message.
 */
static int
read_message(int fd, int *headers_only, struct str *out, struct str *err)
{
	long long cap = conf_size("header_size_limit");
	const char *nl;
	char buf[READ_CHUNK];
	struct stat st;
	struct hscan h = { 0, 0, 0 }, cut = { 0, 0, 0 };
	size_t want, end = (size_t)-1;
	ssize_t n;

	if (cap <= 0)
		cap = 102400;
	if (fstat(fd, &st) < 0) {
		str_printf(err, "message file: fstat: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 0) {
		str_printf(err, "message file is not a regular file");
		return -1;
	}
	if (st.st_size > BOUNCE_SIZE_LIMIT)
		*headers_only = 1;
	while ((off_t)out->len < st.st_size) {
		want = sizeof(buf);
		if ((off_t)want > st.st_size - (off_t)out->len)
			want = (size_t)(st.st_size - (off_t)out->len);
		n = pread(fd, buf, want, (off_t)out->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			str_printf(err, "message file: read: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			str_printf(err, "message file: ends after %zu of %lld bytes",
			    out->len, (long long)st.st_size);
			return -1;
		}
		str_append(out, buf, (size_t)n);
		if (*headers_only && (end = header_end(out->s, out->len, &h,
		    (off_t)out->len == st.st_size)) != (size_t)-1)
			break;
		if (*headers_only && (long long)out->len >= cap) {
			str_truncate(out, (size_t)cap);
			nl = memrchr(out->s, '\n', out->len);
			end = header_end(out->s, nl ? (size_t)(nl - out->s) + 1 : out->len,
			    &cut, 1);
			break;
		}
	}
	if (*headers_only) {
		if (end == (size_t)-1)
			end = header_end(str_c(out), out->len, &h, 1);
		str_truncate(out, end);
	}
	return 0;
}

/* starts_line - does some line of p start with "--" and b? */
static int
starts_line(const struct str *p, const char *b, size_t blen)
{
	size_t pos = 0;
	const char *nl;

	while (pos < p->len) {
		if (p->len - pos >= blen + 2 && p->s[pos] == '-' &&
		    p->s[pos + 1] == '-' && memcmp(p->s + pos + 2, b, blen) == 0)
			return 1;
		nl = memchr(p->s + pos, '\n', p->len - pos);
		if (nl == NULL)
			break;
		pos = (size_t)(nl - p->s) + 1;
	}
	return 0;
}

/* cmp_ulong - qsort order */
static int
cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/*
 * pick_boundary - make b (Postfix's "queueid.time/myhostname") safe for
 * the parts: RFC 2046 5.1.1 forbids any line of the content to start
 * with "--" and the boundary. When one does, append ".%08lx" with the
 * smallest number that no line spells out after "--" b "."; each line
 * can block one number only, so one pass finds a free one.
 */
static int
pick_boundary(struct str *b, struct str *parts[], size_t nparts)
{
	unsigned long *blocked = NULL, v, n = 0;
	size_t nb = 0, cap = 0, i, pos, k, blen = b->len;
	const char *nl, *q;
	char suffix[BOUNDARY_SUFFIX + 1];
	int used = 0, rc = -1;

	for (i = 0; i < nparts; i++)
		used |= starts_line(parts[i], b->s, blen);
	if (!used)
		return 0;
	for (i = 0; i < nparts; i++) {
		for (pos = 0; pos < parts[i]->len; ) {
			q = parts[i]->s + pos;
			if (parts[i]->len - pos >= blen + 3 + 8 && q[0] == '-' &&
			    q[1] == '-' && memcmp(q + 2, b->s, blen) == 0 &&
			    q[2 + blen] == '.') {
				for (v = 0, k = 0; k < 8; k++) {
					char c = q[3 + blen + k];

					if (c >= '0' && c <= '9')
						v = v * 16 + (unsigned long)(c - '0');
					else if (c >= 'a' && c <= 'f')
						v = v * 16 + (unsigned long)(c - 'a' + 10);
					else
						break;
				}
				if (k == 8) {
					if (nb == cap) {
						cap = cap ? cap * 2 : 16;
						blocked = xreallocarray(blocked, cap,
						    sizeof(*blocked));
					}
					blocked[nb++] = v;
				}
			}
			nl = memchr(q, '\n', parts[i]->len - pos);
			if (nl == NULL)
				break;
			pos = (size_t)(nl - parts[i]->s) + 1;
		}
	}
	if (nb)
		qsort(blocked, nb, sizeof(*blocked), cmp_ulong);
	for (k = 0; k < nb && blocked[k] <= n; k++)
		if (blocked[k] == n)
			n++;
	if (util_snprintf(suffix, sizeof(suffix), ".%08lx", n) < 0)
		goto out;
	str_appends(b, suffix);
	/* belt and braces: the reasoning above says this cannot fail */
	for (i = 0; i < nparts; i++)
		if (starts_line(parts[i], b->s, b->len))
			goto out;
	rc = 0;
out:
	free(blocked);
	return rc;
}

/* base_boundary - "queueid.time/host" in RFC 2046 bchars, short enough */
static void
base_boundary(struct str *b, const char *id, time_t now, const char *host)
{
	static const char ok[] = "'()+_,-./:=?";
	size_t i;

	str_printf(b, "%s.%lld/%s", id[0] ? id : "posthorn", (long long)now, host);
	for (i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c != '\0' && strchr(ok, c))))
			b->s[i] = '_';
	}
	str_truncate(b, BOUNDARY_MAX - BOUNDARY_SUFFIX);
}

/* check_host - myhostname must be a plain host name */
static int
check_host(const char *h, struct str *err)
{
	size_t i, n = strnlen(h, HOST_MAX + 1);

	if (n == 0 || n > HOST_MAX) {
		str_printf(err, "bounce: myhostname is empty or too long");
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
			str_printf(err, "bounce: myhostname has a character that a host name may not have");
			return -1;
		}
	}
	return 0;
}

/*
 * status - the Status: value: the recipient's code when it is a
 * well-formed RFC 3463 code of a class this kind allows, else the
 * kind's default. A failed recipient may carry a 4.x.x code: mail that
 * expired after temporary failures fails with the last one, as in
 * Postfix's notices.
 */
static const char *
status(const struct rcpt *r, enum bounce_kind kind)
{
	const char *s = r->dsn, *dflt, *classes;
	size_t i, n;
	int part;

	switch (kind) {
	case BOUNCE_FAILED:
		dflt = "5.0.0", classes = "54";
		break;
	case BOUNCE_DELAYED:
		dflt = "4.0.0", classes = "4";
		break;
	default:
		dflt = "2.0.0", classes = "2";
		break;
	}
	if (s[0] == '\0' || strchr(classes, s[0]) == NULL || s[1] != '.')
		return dflt;
	for (i = 2, part = 0; part < 2; part++) {
		for (n = 0; s[i] >= '0' && s[i] <= '9'; i++)
			n++;
		if (n < 1 || n > 3)
			return dflt;
		if (part == 0 && s[i++] != '.')
			return dflt;
	}
	return s[i] == '\0' ? s : dflt;
}

/* put_text - the text/plain part: Postfix's template and the recipients */
static void
put_text(struct str *t, const struct envelope *env, enum bounce_kind kind,
    const char *host, const char *postmaster, time_t now)
{
	static const char *const fail[] = {
		"I'm sorry to have to inform you that your message could not",
		"be delivered to one or more recipients. It's attached below.",
		NULL
	}, *const delay[] = {
		"####################################################################",
		"# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #",
		"####################################################################",
		NULL
	}, *const success[] = {
		"Your message was successfully delivered to the destination(s)",
		"listed below. If the message was delivered to mailbox you will",
		"receive no further notifications. Otherwise you may still receive",
		"notifications of mail delivery errors from other systems.",
		NULL
	};
	const char *const *body = kind == BOUNCE_FAILED ? fail :
	    kind == BOUNCE_DELAYED ? delay : success;
	const char *dflt = kind == BOUNCE_FAILED ? "delivery failed" :
	    kind == BOUNCE_DELAYED ? "delivery temporarily deferred" : "delivered";
	struct str line = STR_INIT;
	long warn, life;
	size_t i;
	char *addr, *why;

	str_printf(t, "This is the mail system at host %s.\n\n", host);
	for (i = 0; body[i]; i++)
		str_printf(t, "%s\n", body[i]);
	if (kind == BOUNCE_DELAYED) {
		/* delay_warning_time 0 turns warnings off; say the real age */
		warn = conf_time("delay_warning_time");
		if (warn <= 0)
			warn = now > env->arrival ? (long)(now - env->arrival) : 0;
		life = conf_time("maximal_queue_lifetime");
		str_printf(t, "\nYour message could not be delivered for more than "
		    "%ld hour(s).\nIt will be retried until it is %ld day(s) old.\n",
		    warn / 3600, life / 86400);
	}
	if (kind != BOUNCE_DELIVERED)
		str_printf(t, "\nFor further assistance, please send mail to <%s>\n\n"
		    "If you do so, please include this problem report. You can\n"
		    "delete your own text from the attached returned message.\n",
		    postmaster);
	str_appends(t, "\n                   The mail system\n");
	for (i = 0; i < env->nrcpt; i++) {
		if (!wanted(env, &env->rcpt[i], kind))
			continue;
		addr = clean(env->rcpt[i].addr, TEXT_MAX);
		why = clean(env->rcpt[i].reason ? env->rcpt[i].reason : "", TEXT_MAX);
		str_reset(&line);
		str_printf(&line, "<%s>: %s", addr, why[0] ? why : dflt);
		str_appendc(t, '\n');
		put_wrapped(t, str_c(&line));
		free(addr);
		free(why);
	}
	str_free(&line);
}

/* put_orcpt - Original-Recipient: "type; address", rfc822 by default */
static void
put_orcpt(struct str *ds, const char *orcpt)
{
	char *c = clean(orcpt, TEXT_MAX), *semi = strchr(c, ';'), *p;
	const char *type = "rfc822", *addr = c;

	if (semi && semi > c) {
		for (p = c; p < semi; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-'))
				break;
		if (p == semi) {
			*semi = '\0';
			type = c;
			for (addr = semi + 1; *addr == ' '; addr++)
				;
		}
	}
	if (*addr) {
		struct str pre = STR_INIT;

		str_printf(&pre, "%s; ", type);
		put_field(ds, "Original-Recipient", str_c(&pre), addr);
		str_free(&pre);
	}
	free(c);
}

/* put_dsn - the message/delivery-status part */
static int
put_dsn(struct str *ds, const struct envelope *env, enum bounce_kind kind,
    const char *host, struct str *err)
{
	static const char *const action[] = { "failed", "delayed", "delivered" };
	char date[64];
	long life = 0;
	size_t i;

	put_field(ds, "Reporting-MTA", "dns; ", host);
	if (env->envid && env->envid[0])
		put_field(ds, "Original-Envelope-Id", "", env->envid);
	put_field(ds, "X-Posthorn-Queue-ID", "", env->id);
	put_field(ds, "X-Posthorn-Sender", "rfc822; ", env->sender);
	if (env->arrival > 0) {
		if (util_rfc5322_date(date, sizeof(date), env->arrival) < 0) {
			str_printf(err, "bounce: cannot format the arrival date");
			return -1;
		}
		str_printf(ds, "Arrival-Date: %s\n", date);
	}
	if (kind == BOUNCE_DELAYED)
		life = conf_time("maximal_queue_lifetime");
	for (i = 0; i < env->nrcpt; i++) {
		const struct rcpt *r = &env->rcpt[i];

		if (!wanted(env, r, kind))
			continue;
		str_appendc(ds, '\n');
		put_field(ds, "Final-Recipient", "rfc822; ", r->addr);
		if (r->orcpt && r->orcpt[0])
			put_orcpt(ds, r->orcpt);
		str_printf(ds, "Action: %s\nStatus: %s\n", kind == BOUNCE_DELIVERED &&
		    r->reason && strncmp(r->reason, BOUNCE_RELAYED_MARK,
		    strlen(BOUNCE_RELAYED_MARK)) == 0 ? "relayed" : action[kind],
		    status(r, kind));
		if (r->reason) {
			char *why = clean(r->reason, TEXT_MAX);

			if (why[0])
				put_field(ds, "Diagnostic-Code", "X-Posthorn; ", why);
			free(why);
		}
		if (kind == BOUNCE_DELAYED) {
			if (util_rfc5322_date(date, sizeof(date),
			    env->arrival + (time_t)life) < 0) {
				str_printf(err, "bounce: cannot format the retry date");
				return -1;
			}
			str_printf(ds, "Will-Retry-Until: %s\n", date);
		}
	}
	return 0;
}

/* has_8bit - any byte outside US-ASCII? */
static int
has_8bit(const struct str *s)
{
	size_t i;

	for (i = 0; i < s->len; i++)
		if ((unsigned char)s->s[i] >= 128)
			return 1;
	return 0;
}

/* bounce_make - build the notice; see bounce.h */
int
bounce_make(const struct envelope *env, int msg_fd, enum bounce_kind kind,
    const char *myhostname, const char *postmaster, struct envelope *out_env,
    struct str *out_msg, struct str *err)
{
	static const char *const subject[] = {
		"Undelivered Mail Returned to Sender",
		"Delayed Mail (still being retried)",
		"Successful Mail Delivery Report"
	};
	struct str text = STR_INIT, ds = STR_INIT, raw = STR_INIT,
	    ret = STR_INIT, b = STR_INIT;
	struct str *parts[3] = { &text, &ds, &ret };
	const char *cte;
	char date[64];
	int headers_only, rc = -1;

	env_init(out_env);
	str_reset(out_msg);
	if (kind != BOUNCE_FAILED && kind != BOUNCE_DELAYED &&
	    kind != BOUNCE_DELIVERED) {
		str_printf(err, "bounce: unknown notice kind %d", (int)kind);
		return -1;
	}
	if (env->sender == NULL || env->sender[0] == '\0') {
		str_printf(err, "bounce: %s: the sender is the null sender <>: "
		    "no notice is sent about a notice", env->id);
		return -1;
	}
	if (env_check_addr(env->sender, &b) < 0) {
		str_printf(err, "bounce: %s: sender: %s", env->id, str_c(&b));
		goto out;
	}
	if (check_host(myhostname, err) < 0)
		return -1;
	if (postmaster == NULL || postmaster[0] == '\0')
		postmaster = "postmaster";
	else if (env_check_addr(postmaster, &b) < 0) {
		str_printf(err, "bounce: postmaster address: %s", str_c(&b));
		goto out;
	}
	if (bounce_count(env, kind) == 0) {
		str_printf(err, "bounce: %s: no recipient needs this notice", env->id);
		return -1;
	}
	if (spool_id_new(out_env->id, sizeof(out_env->id), &out_env->arrival,
	    &out_env->arrival_usec) < 0) {
		str_printf(err, "bounce: cannot make a queue ID");
		return -1;
	}

	/*
	 * The returned content. Postfix returns only the header section when
	 * the sender asked for it (RET=HDRS), when the message is larger than
	 * bounce_size_limit, and in delay and success notices.
	 */
	headers_only = kind != BOUNCE_FAILED || env->ret == RET_HDRS;
	if (read_message(msg_fd, &headers_only, &raw, err) < 0)
		goto out;
	put_folded(&ret, str_c(&raw), raw.len);
	str_free(&raw);

	put_text(&text, env, kind, myhostname, postmaster, out_env->arrival);
	if (put_dsn(&ds, env, kind, myhostname, err) < 0)
		goto out;

	base_boundary(&b, env->id, out_env->arrival, myhostname);
	if (pick_boundary(&b, parts, 3) < 0) {
		str_printf(err, "bounce: no MIME boundary fits the message");
		goto out;
	}
	if (util_rfc5322_date(date, sizeof(date), out_env->arrival) < 0) {
		str_printf(err, "bounce: cannot format the date");
		goto out;
	}
	cte = has_8bit(&ret) ? "8bit" : "7bit";

	str_printf(out_msg, "From: MAILER-DAEMON@%s (Mail Delivery System)\n",
	    myhostname);
	str_printf(out_msg, "To: <%s>\n", env->sender);
	str_printf(out_msg, "Subject: %s\n", subject[kind]);
	str_printf(out_msg, "Date: %s\n", date);
	str_printf(out_msg, "Message-Id: <%s@%s>\n", out_env->id, myhostname);
	str_appends(out_msg, "Auto-Submitted: auto-replied\n");
	str_appends(out_msg, "MIME-Version: 1.0\n");
	str_printf(out_msg, "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"%s\"\n", b.s);
	str_printf(out_msg, "Content-Transfer-Encoding: %s\n", cte);
	str_appends(out_msg, "\nThis is a MIME-encapsulated message.\n");

	str_printf(out_msg, "\n--%s\nContent-Description: Notification\n"
	    "Content-Type: text/plain; charset=us-ascii\n\n", b.s);
	str_append(out_msg, text.s, text.len);

	str_printf(out_msg, "\n--%s\nContent-Description: Delivery report\n"
	    "Content-Type: message/delivery-status\n\n", b.s);
	str_append(out_msg, ds.s, ds.len);

	str_printf(out_msg, "\n--%s\nContent-Description: %s%s\n"
	    "Content-Type: %s\nContent-Transfer-Encoding: %s\n\n", b.s,
	    kind == BOUNCE_DELIVERED ? "" : "Undelivered ",
	    headers_only ? "Message Headers" : "Message",
	    headers_only ? "text/rfc822-headers" : "message/rfc822", cte);
	str_append(out_msg, str_c(&ret), ret.len);
	str_printf(out_msg, "\n--%s--\n", b.s);

	/* the notice itself: null sender, never a notice about it */
	out_env->sender = xstrdup("");
	out_env->uid = (long)getuid();
	out_env->ret = RET_DEFAULT;
	out_env->size = (long long)out_msg->len;
	out_env->body8bit = has_8bit(&ret);
	out_env->smtputf8 = !util_is_ascii(env->sender);
	env_add_rcpt(out_env, env->sender, NULL, NOTIFY_NEVER);
	rc = 0;
out:
	if (rc < 0) {
		env_free(out_env);
		str_reset(out_msg);
	}
	str_free(&text);
	str_free(&ds);
	str_free(&raw);
	str_free(&ret);
	str_free(&b);
	return rc;
}
