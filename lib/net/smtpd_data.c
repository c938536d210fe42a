/*
 * smtpd_data - the DATA phase: read the message, write the spool entry
 *
 * DESCRIPTION
 *	Lines are read with netio_getline in pieces of at most DATA_PIECE
 *	bytes and written, dot-unstuffed and with LF line ends, through a
 *	fixed buffer into a spool writer: memory use does not depend on
 *	the size of the message or of a line.
 *
 *	The message ends only at a line "." that ends in CR LF and follows
 *	a line that ended in CR LF (RFC 5321 4.1.1.4). A bare LF or a bare
 *	CR anywhere in the data is refused (550 5.5.2, once the end has
 *	been read) with smtpd_forbid_bare_newline = yes; with "normalize"
 *	each one is stored as LF. Either way "<LF>.<LF>", "<CR>.<CR>",
 *	"<CR><LF>.<LF>" and the other SMTP smuggling variants never end a
 *	message early, so what follows them can never become a second
 *	message.
 *
 *	While the header lasts (to the first empty line, or a line that is
 *	neither a field nor a continuation) the Received: fields are
 *	counted: a message that comes with hopcount_limit of them or more
 *	is looping, and is refused after its end (554 5.4.6 Too many hops)
 *	with nothing stored, as Postfix does. In local mode (sendmail -bs)
 *	a header without Date: or Message-ID: gets them at its end.
 *
 *	Network mode writes a queue entry (spool_queue_begin, the message,
 *	spool_queue_finish: fsync, rename, directory fsync), local mode
 *	(sendmail -bs) a maildrop entry that runq's pickup validates. The
 *	250 is sent only after the commit; any failure aborts the writer,
 *	which removes its temporary, and answers 451 4.3.0.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "smtpd_int.h"
#include "tls.h"
#include "util.h"

#define DATA_PIECE	8192	/* bytes of one line read at a time */
#define DATA_FLUSH	65536	/* buffered bytes written at once */

struct sink {
	struct smtpd_session *s;
	struct spool_writer w;
	int		 open;		/* the writer holds a temporary */
	off_t		 zoff, msgoff;	/* maildrop: see spool_maildrop_begin */
	struct str	 buf;
	long long	 bytes;		/* message bytes so far */
	struct str	 err;
};

/* flush - write the buffer out; 0 or -1 (err set, writer closed) */
static int
flush(struct sink *k)
{
	if (k->open && k->buf.len > 0 &&
	    spool_writer_write(&k->w, k->buf.s, k->buf.len, &k->err) < 0)
		k->open = 0;
	str_reset(&k->buf);
	return k->open ? 0 : -1;
}

/* put - add message bytes */
static void
put(struct sink *k, const char *p, size_t n)
{
	size_t i;

	if (!k->s->env.body8bit)
		for (i = 0; i < n; i++)
			if ((unsigned char)p[i] >= 128) {
				k->s->env.body8bit = 1;
				break;
			}
	k->bytes += (long long)n;
	if (!k->open)
		return;
	str_append(&k->buf, p, n);
	if (k->buf.len >= DATA_FLUSH)
		(void)flush(k);
}

/* header_text - client text made safe for a header field */
static void
header_text(struct str *out, const char *text)
{
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p && p - (const unsigned char *)text < 255; p++)
		str_appendc(out, *p < 33 || *p > 126 || *p == '(' || *p == ')' ||
		    *p == '\\' ? '_' : (char)*p);
}

/* received - the Received: line of this message */
static void
received(struct smtpd_session *s, struct str *out)
{
	struct tls_info ti;
	char date[64];

	util_rfc5322_date(date, sizeof(date), s->env.arrival);
	str_appends(out, "Received: from ");
	header_text(out, s->helo[0] ? s->helo : "unknown");
	if (s->c->local)
		str_printf(out, " (uid %ld)", s->cl->uid);
	else {
		str_appends(out, " (");
		header_text(out, s->cl->name);
		str_appends(out, " [");
		header_text(out, s->cl->addr);
		str_appends(out, "])");
	}
	if (netio_tls_active(s->nio)) {
		netio_tls_info(s->nio, &ti);
		str_appends(out, "\n\t(using ");
		header_text(out, ti.version);
		str_appends(out, " with cipher ");
		header_text(out, ti.cipher);
		str_printf(out, " (%d/%d bits))", ti.bits, ti.bits);
	}
	str_printf(out, "\n\tby %s (posthorn) with %s id %s", s->c->myhostname,
	    smtpd_proto(s), s->env.id);
	if (s->env.nrcpt == 1 && util_is_ascii(s->env.rcpt[0].addr))
		str_printf(out, "\n\tfor <%s>", s->env.rcpt[0].addr);
	str_printf(out, "; %s\n", date);
}

/* begin - make the queue ID and open the entry; 0 or -1 (err) */
static int
begin(struct sink *k)
{
	struct smtpd_session *s = k->s;
	struct envelope *env = &s->env;
	struct str rcvd = STR_INIT;
	int r;

	if (spool_id_new(env->id, sizeof(env->id), &env->arrival, &env->arrival_usec) < 0) {
		str_printf(&k->err, "cannot make a queue ID");
		return -1;
	}
	env->uid = s->cl->uid;
	if (s->c->local) {
		if (spool_maildrop_begin(&k->w, env, &k->zoff, &k->msgoff, &k->err) < 0)
			return -1;
	} else {
		r = spool_queue_begin(env->id, &k->w, &k->err);
		if (r == SPOOL_DONE)
			str_printf(&k->err, "queue ID %s is taken", env->id);
		if (r != 0)
			return -1;
	}
	k->open = 1;
	received(s, &rcvd);
	str_append(&k->buf, rcvd.s, rcvd.len);
	str_free(&rcvd);
	return 0;
}

/* commit - make the entry durable; 0 or -1 (err, nothing left behind) */
static int
commit(struct sink *k)
{
	struct envelope *env = &k->s->env;

	if (flush(k) < 0)
		return -1;
	k->open = 0;
	if (k->s->c->local)
		return spool_maildrop_commit(&k->w, env, k->zoff, k->msgoff, &k->err);
	env->size = k->w.size;
	return spool_queue_finish(&k->w, env, NULL, &k->err);
}

/*
 * header_line - the header state after one line that starts at p: 1
 * still in the header, 0 the header is over. *hops counts Received:.
 */
static int
header_line(const char *p, size_t n, long *hops)
{
	size_t i;

	if (n == 0)
		return 0;
	if (p[0] == ' ' || p[0] == '\t')
		return 1;	/* a continuation */
	for (i = 0; i < n && p[i] != ':'; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 127)
			return 0;
	if (i == 0 || i == n)
		return 0;
	if (i == 8 && strncasecmp(p, "Received", 8) == 0)
		(*hops)++;
	return 1;
}

/*
 * local_fields - sendmail -bs: the Date: and Message-ID: a local
 * submission lacks, added at the end of its header as sendmail and
 * Postfix (local_header_rewrite_clients) add them.
 */
static void
local_fields(struct sink *k, int date, int msgid)
{
	struct smtpd_session *s = k->s;
	struct str f = STR_INIT;
	char d[64];

	if (!date) {
		util_rfc5322_date(d, sizeof(d), s->env.arrival);
		str_printf(&f, "Date: %s\n", d);
	}
	if (!msgid)
		str_printf(&f, "Message-ID: <%s@%s>\n", s->env.id, s->c->myhostname);
	if (f.len > 0)
		put(k, f.s, f.len);
	str_free(&f);
}

/* normalize - bare CRs become LFs (smtpd_forbid_bare_newline = normalize) */
static void
normalize(struct str *line)
{
	size_t i;

	for (i = 0; i < line->len; i++)
		if (line->s[i] == '\r')
			line->s[i] = '\n';
}

/*
 * smtpd_data - 354, read the message to its end, answer. The session
 * ends (s->done) when the connection is lost or times out.
 */
void
smtpd_data(struct smtpd_session *s)
{
	struct sink k;
	struct str line = STR_INIT;
	char b1[LOG_CLEAN_MAX + 1];
	const char *bare = NULL;
	int r, flags, bol = 1, prev_crlf = 1, toobig = 0, in_hdr = 1, loops = 0;
	int has_date = 0, has_msgid = 0;
	long hops = 0;
	size_t skip;

	memset(&k, 0, sizeof(k));
	k.s = s;
	str_init(&k.buf);
	str_init(&k.err);
	k.w.fd = -1;
	if (begin(&k) < 0) {
		log_error("%s: cannot queue: %s", s->peer, str_c(&k.err));
		smtpd_reply(s, "451 4.3.0 Error: queue file write error");
		goto out;
	}
	smtpd_reply(s, "354 End data with <CR><LF>.<CR><LF>");
	s->cur_ok = 0;		/* the reply at the end decides */
	if (netio_flush(s->nio) < 0) {
		s->done = 1;
		goto out;
	}
	for (;;) {
		r = netio_getline(s->nio, &line, DATA_PIECE, &flags);
		if (r != NETIO_OK && r != NETIO_TOOLONG) {
			log_info("%s after DATA (%lld bytes) from %s",
			    r == NETIO_TIMEOUT ? "timeout" : "lost connection",
			    k.bytes, s->peer);
			if (r == NETIO_TIMEOUT)
				smtpd_reply(s, "421 4.4.2 %s Error: timeout exceeded",
				    s->c->myhostname);
			s->done = 1;
			goto out;
		}
		/* the end: "." CR LF at the start of a line after CR LF */
		if (r == NETIO_OK && bol && prev_crlf && (flags & NETIO_LINE_CRLF) &&
		    line.len == 1 && line.s[0] == '.') {
			if (in_hdr && s->c->local && !toobig)
				local_fields(&k, has_date, has_msgid);
			break;
		}
		if (r == NETIO_OK && flags == 0) {
			/* the last bytes before the end of input: no line end */
			continue;
		}
		if (flags & (NETIO_LINE_BARELF | NETIO_LINE_BARECR)) {
			if (bare == NULL)
				bare = flags & NETIO_LINE_BARECR ? "CR" : "LF";
			if (s->c->bare_newline == SMTPD_BARE_NORMALIZE)
				normalize(&line);
		}
		skip = bol && line.len > 0 && line.s[0] == '.';
		if (bol && in_hdr) {
			in_hdr = header_line(line.s + skip, line.len - skip, &hops);
			if (in_hdr && strncasecmp(line.s + skip, "Date:", 5) == 0)
				has_date = 1;
			if (in_hdr && strncasecmp(line.s + skip, "Message-ID:", 11) == 0)
				has_msgid = 1;
			if (!in_hdr && s->c->local && !toobig)
				local_fields(&k, has_date, has_msgid);
			if (s->c->hopcount_limit > 0 && hops >= s->c->hopcount_limit &&
			    !loops) {
				loops = 1;
				toobig = 1;	/* store nothing more */
				spool_writer_abort(&k.w);
				k.open = 0;
			}
		}
		if (!toobig)
			put(&k, line.s + skip, line.len - skip);
		if (r == NETIO_OK) {
			if (!toobig)
				put(&k, "\n", 1);
			prev_crlf = (flags & NETIO_LINE_CRLF) != 0;
			bol = 1;
		} else
			bol = 0;
		if (s->c->size_limit > 0 && k.bytes > s->c->size_limit && !toobig) {
			toobig = 1;
			spool_writer_abort(&k.w);
			k.open = 0;
		}
	}
	if (loops) {
		log_info("NOQUEUE: reject: DATA from %s: %ld Received: header lines "
		    "(hopcount_limit %ld); from=<%s>", s->peer, hops, s->c->hopcount_limit,
		    log_clean(b1, sizeof(b1), s->env.sender, strlen(s->env.sender)));
		smtpd_reply(s, "554 5.4.6 Too many hops");
	} else if (toobig) {
		log_info("NOQUEUE: reject: DATA from %s: message of more than %lld bytes",
		    s->peer, s->c->size_limit);
		smtpd_reply(s, "552 5.3.4 Error: message file too big");
	} else if (bare != NULL && s->c->bare_newline == SMTPD_BARE_REJECT) {
		log_info("NOQUEUE: reject: DATA from %s: bare <%s> received", s->peer, bare);
		smtpd_reply(s, "550 5.5.2 Error: bare <%s> received", bare);
	} else if (commit(&k) < 0) {
		log_error("%s: %s: cannot queue: %s", s->peer, s->env.id,
		    log_clean(b1, sizeof(b1), str_c(&k.err), k.err.len));
		smtpd_reply(s, "451 4.3.0 Error: queue file write error");
	} else {
		if (s->authed)
			log_info("%s: client=%s, sasl_method=%s, sasl_username=%s",
			    s->env.id, s->peer, s->auth_mech,
			    log_clean(b1, sizeof(b1), s->auth_user, strlen(s->auth_user)));
		else
			log_info("%s: client=%s", s->env.id, s->peer);
		log_info("%s: from=<%s>, size=%lld, nrcpt=%zu (queued)",
		    s->env.id, log_clean(b1, sizeof(b1), s->env.sender, strlen(s->env.sender)),
		    s->env.size, s->env.nrcpt);
		s->queued++;
		smtpd_reply(s, "250 2.0.0 Ok: queued as %s", s->env.id);
	}
out:
	if (k.open || k.w.open)
		spool_writer_abort(&k.w);
	str_free(&k.buf);
	str_free(&k.err);
	str_free(&line);
	smtpd_reset(s);
}
