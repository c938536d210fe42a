/*
 * submit_store - read a submission and store it in the maildrop, in
 * constant memory
 *
 * DESCRIPTION
 *	The input goes through the filter (filter.h) in fixed chunks. Its
 *	output is collected line by line while it is the header section:
 *	up to the empty line, or up to a line that is neither a field nor
 *	a continuation (the body starts there, as hdr_parse decides), and
 *	never beyond header_limit. Then submit_prepare fixes the header
 *	section up (recipients from -t, Bcc dropped, From:, Date: and
 *	Message-ID: added...), the maildrop entry is begun with its
 *	envelope and the fixed header section, and the body streams into
 *	it as it arrives. At the end the size and the B and Y records are
 *	filled in and the entry committed (spool_maildrop_commit).
 *
 *	header_limit counts the bytes of the header lines, as hdr_parse
 *	does: a header line that ends beyond it is refused. A line that is
 *	still undecided when the limit is reached (a long run of field-name
 *	characters without a colon yet) is taken as the start of the body,
 *	and watched: should it turn out to be a field after all, the
 *	message is refused as hdr_parse would have refused it.
 *
 * SECURITY
 *	Runs in setgid sendmail. Memory is bounded by header_limit (the
 *	header section and its fixed-up copy) and the fixed buffers; the
 *	size of the message is bounded by message_size_limit.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "filter.h"
#include "header.h"
#include "spool.h"
#include "submit.h"

#define READ_CHUNK	65536

/* classification of a line while it arrives, as hdr_line_is_field */
enum kind { K_START, K_NAME, K_WSP, K_FIELD, K_OTHER };

struct store {
	struct submit	*s;
	size_t		 limit;		/* header_limit; 0: none */
	struct str	 head;		/* the header section so far */
	size_t		 line;		/* start of its unfinished line */
	int		 seen;		/* a field was seen: continuations count */
	int		 in_body;
	enum kind	 watch;		/* the first body line, if undecided */
	struct spool_writer w;
	int		 open;		/* w is open */
	off_t		 zoff, msgoff;
};

/* step - the kind of a line after one more byte */
static enum kind
step(enum kind k, unsigned char c)
{
	switch (k) {
	case K_START:
		return c == ':' || c <= 32 || c >= 127 ? K_OTHER : K_NAME;
	case K_NAME:
		if (c == ':')
			return K_FIELD;
		if (c == ' ' || c == '\t')
			return K_WSP;
		return c <= 32 || c >= 127 ? K_OTHER : K_NAME;
	case K_WSP:
		if (c == ':')
			return K_FIELD;
		return c == ' ' || c == '\t' ? K_WSP : K_OTHER;
	default:
		return k;
	}
}

/* line_kind - the kind of a line (or the start of one) */
static enum kind
line_kind(const char *p, size_t n, int seen)
{
	enum kind k = K_START;
	size_t i;

	if (n > 0 && (p[0] == ' ' || p[0] == '\t') && seen)
		return K_FIELD;		/* a continuation */
	for (i = 0; i < n && (k == K_START || k == K_NAME || k == K_WSP); i++)
		k = step(k, (unsigned char)p[i]);
	return k;
}

/* not_ascii - any byte over 127? */
static int
not_ascii(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 128)
			return 1;
	return 0;
}

/* body - write body bytes into the entry */
static int
body(struct store *st, const char *p, size_t n, struct str *err)
{
	size_t i;

	/* an LF decides too: step() takes it for K_OTHER */
	for (i = 0; i < n && (st->watch == K_START || st->watch == K_NAME ||
	    st->watch == K_WSP); i++)
		st->watch = step(st->watch, (unsigned char)p[i]);
	if (st->watch == K_FIELD) {
		str_printf(err, "message header section exceeds header_size_limit (%zu bytes)",
		    st->limit);
		return EX_DATAERR;
	}
	if (!st->s->env.body8bit && not_ascii(p, n))
		st->s->env.body8bit = 1;
	if (spool_writer_write(&st->w, p, n, err) < 0) {
		st->open = 0;
		return EX_TEMPFAIL;
	}
	return 0;
}

/*
 * start_body - the header section is head[0..hlen): fix it up, begin the
 * entry, and write the rest of head as the start of the body
 */
static int
start_body(struct store *st, size_t hlen, struct str *err)
{
	struct submit *s = st->s;
	size_t i;
	int rc;

	st->in_body = 1;
	if ((rc = submit_prepare(s, st->head.s ? st->head.s : "", hlen, err)) != 0)
		return rc;
	s->env.smtputf8 = not_ascii(s->msg.s, s->msg.len) ||
	    not_ascii(s->env.sender, strlen(s->env.sender));
	for (i = 0; i < s->env.nrcpt; i++)
		if (not_ascii(s->env.rcpt[i].addr, strlen(s->env.rcpt[i].addr)))
			s->env.smtputf8 = 1;
	if (spool_maildrop_begin(&st->w, &s->env, &st->zoff, &st->msgoff, err) < 0)
		return EX_TEMPFAIL;
	st->open = 1;
	if (spool_writer_write(&st->w, s->msg.s, s->msg.len, err) < 0) {
		st->open = 0;
		return EX_TEMPFAIL;
	}
	if (hlen < st->head.len)
		rc = body(st, st->head.s + hlen, st->head.len - hlen, err);
	str_free(&st->head);
	return rc;
}

/* header - collect header bytes; at the end of the section, start the body */
static int
header(struct store *st, const char *p, size_t n, struct str *err)
{
	const char *nl;
	size_t eol;
	enum kind k;

	str_append(&st->head, p, n);
	for (;;) {
		nl = memchr(st->head.s + st->line, '\n', st->head.len - st->line);
		if (nl == NULL)
			break;
		eol = (size_t)(nl - st->head.s) + 1;
		if (eol - st->line == 1)		/* the empty line */
			return start_body(st, eol, err);
		k = line_kind(st->head.s + st->line, eol - st->line, st->seen);
		if (k != K_FIELD)			/* the body starts here */
			return start_body(st, st->line, err);
		if (st->head.s[st->line] != ' ' && st->head.s[st->line] != '\t')
			st->seen = 1;
		if (st->limit && eol > st->limit) {
			str_printf(err, "message header section exceeds header_size_limit (%zu bytes)",
			    st->limit);
			return EX_DATAERR;
		}
		st->line = eol;
	}
	/* an unfinished line past the limit: a header line would end past it */
	if (st->limit && st->head.len > st->limit) {
		k = line_kind(st->head.s + st->line, st->head.len - st->line, st->seen);
		if (k == K_FIELD) {
			str_printf(err, "message header section exceeds header_size_limit (%zu bytes)",
			    st->limit);
			return EX_DATAERR;
		}
		/* undecided: body() watches the line from its start */
		st->watch = k == K_OTHER ? K_OTHER : K_START;
		return start_body(st, st->line, err);
	}
	return 0;
}

/* sink - where the filter's output goes */
static int
sink(void *arg, const char *p, size_t n, struct str *err)
{
	struct store *st = arg;

	return st->in_body ? body(st, p, n, err) : header(st, p, n, err);
}

/* submit_store - read, fix up and commit a submission; see submit.h */
int
submit_store(struct submit *s, int fd, long long limit, struct str *err)
{
	char buf[READ_CHUNK];
	struct store st;
	struct filter f;
	struct str why = STR_INIT;
	ssize_t n;
	int rc = 0;

	memset(&st, 0, sizeof(st));
	st.s = s;
	st.limit = s->header_limit;
	st.watch = K_OTHER;
	filter_init(&f, s->ignore_dots, limit, sink, &st);
	while (rc == 0) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			str_printf(&why, "error reading the message: %s", strerror(errno));
			rc = EX_IOERR;
			break;
		}
		rc = n == 0 ? filter_finish(&f, &why) : filter_feed(&f, buf, (size_t)n, &why);
		if (n == 0)
			break;
	}
	if (rc == FILTER_DONE)
		rc = 0;
	if (rc == 0 && !st.in_body)
		rc = start_body(&st, st.head.len, &why);
	/* the added header lines count too: pickup checks the same size */
	if (rc == 0 && limit > 0 && st.w.size - (long long)st.msgoff > limit) {
		str_printf(&why, "message exceeds message_size_limit (%lld bytes)", limit);
		rc = EX_DATAERR;
	}
	if (rc == 0 && spool_maildrop_commit(&st.w, &s->env, st.zoff, st.msgoff,
	    &why) < 0) {
		st.open = 0;
		rc = EX_TEMPFAIL;
	}
	if (rc == 0)
		st.open = 0;
	if (st.open)
		spool_writer_abort(&st.w);
	if (rc == EX_TEMPFAIL)
		str_printf(err, "cannot queue the message: %s", str_c(&why));
	else if (rc != 0)
		str_printf(err, "%s", str_c(&why));
	str_free(&why);
	str_free(&st.head);
	return rc;
}
