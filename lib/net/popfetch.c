/*
 * popfetch - one POP3 account into the queue, each message exactly once
 *
 * DESCRIPTION
 *	popf_fetch() takes the account's lock, reads its state, logs in,
 *	lists the mailbox and downloads the messages it has not fetched
 *	before, in batches. Each message streams through a fixed buffer:
 *	only its header section (up to header_size_limit) is held, to find
 *	the Return-Path: that becomes the envelope sender (none: the null
 *	sender). The message is stored as the server sent it, with LF line
 *	ends, after a Received: line that names the server and the account.
 *
 *	The order of the commits, in queue mode (root or the spool owner):
 *
 *	  1. every message of the batch is written to queue/H/ID.msg and
 *	     renamed into place; an ID.msg without ID.env is not yet mail
 *	     (runq removes such debris after an hour);
 *	  2. one syncfs: the message files are durable;
 *	  3. the state file is rewritten (temporary, fsync, rename) with a
 *	     "P uid ID sender" line for each: the messages are ours now;
 *	  4. ID.env is written for each (the queue entries' commit points),
 *	     and one more syncfs makes them durable;
 *	  5. DELE for each, when keep is off. QUIT at the end commits the
 *	     deletions on the server; without it the mailbox stays whole.
 *
 *	A kill or a lost connection before 3 leaves no mail and nothing
 *	recorded: the next run fetches the batch again. After 3 the next
 *	run finishes what the state records: a "P" whose ID.env exists is
 *	fetched, one with only ID.msg gets its ID.env, one with neither was
 *	delivered already. The final state ("U uid" for every fetched
 *	message still on the server) is written after QUIT, and after each
 *	batch; so a message whose DELE was lost with the connection is
 *	deleted, not fetched again, on the next run.
 *
 *	In sendmail mode (an ordinary user and the system spool) each
 *	message is piped to sendmail, whose exit status 0 means the
 *	maildrop entry is durable; the state is written after each one.
 *	There a kill in the instant between sendmail's exit and the state's
 *	rename can repeat that one message on the next run.
 *
 * SECURITY
 *	popfetch runs as its caller, never set-id. Whose rights open what:
 *	  accounts file                      the caller
 *	  passwordeval command               runs as the caller
 *	  state and lock                     the caller, in ~/.popfetch; for
 *	  (NAME.state, NAME.lock)            root and a spool of another
 *	                                     user: that spool owner, in
 *	                                     SPOOL/popfetch (root only makes
 *	                                     the directory, cmd/popfetch)
 *	  queue files (queue mode)           the spool owner: the owner of a
 *	                                     private instance, or the child
 *	                                     root's popfetch runs as it;
 *	                                     root only in root's own spool
 *	  maildrop entry (sendmail mode)     sendmail, set-gid phdrop
 *	  tls_trust_file, the network        whoever writes the queue files
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "popfetch.h"
#include "popfetch_int.h"
#include "spool.h"
#include "util.h"

#define BATCH_MSGS	64		/* messages per commit batch */
#define BATCH_BYTES	(32LL << 20)	/* or this many bytes */
#define WINDOW		8		/* RETRs in flight with PIPELINING */
#define OUTBUF		65536
#define MIN_RATE	8192		/* bytes/s below which a download fails */
#define LIST_TIME	600		/* seconds the listing may take beyond timeout */

/* clean - text from the configuration or a server, safe in a header field */
static void
clean(struct str *out, const char *s)
{
	for (; *s && out->len < 2000; s++)
		str_appendc(out, (unsigned char)*s <= ' ' || (unsigned char)*s > 126 ||
		    *s == '(' || *s == ')' || *s == '\\' ? '_' : *s);
}

/* received - the Received: line of the current message */
static void
received(struct fetch *f, struct str *out)
{
	char date[64];

	util_rfc5322_date(date, sizeof(date), time(NULL));
	str_appends(out, "Received: from ");
	clean(out, f->a->host);
	str_appends(out, " (");
	clean(out, f->a->host);
	str_appends(out, " [");
	clean(out, f->s.addr);
	str_printf(out, "])\n\tby %s (posthorn popfetch) with %s", f->o->myhostname,
	    f->a->tls == POP_TLS_POP3S ? "POP3S" : f->s.tls ? "POP3 (STLS)" : "POP3");
	if (f->o->inject == POPF_QUEUE)
		str_printf(out, " id %s", f->env.id);
	str_printf(out, "\n\tfor <%s> (account ", f->rcpt);
	clean(out, f->a->name);
	str_appends(out, ", user ");
	clean(out, f->a->user);
	str_printf(out, "); %s\n", date);
}

/*
 * return_path - the address of the Return-Path: that the provider's
 * delivery put first in the header (RFC 5321 4.4), or "": one further
 * down may be the author's own
 */
static char *
return_path(const char *h, size_t n)
{
	const char *p = h, *end = h + n, *lt, *gt;
	struct str e = STR_INIT;
	char *addr;

	if (p < end) {
		if ((size_t)(end - p) > 12 && strncasecmp(p, "Return-Path:", 12) == 0) {
			const char *eol = memchr(p, '\n', (size_t)(end - p));

			if (eol && (lt = memchr(p, '<', (size_t)(eol - p))) != NULL &&
			    (gt = memchr(lt, '>', (size_t)(eol - lt))) != NULL) {
				addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
				if (env_check_addr(addr, &e) == 0 && !strchr(addr, ' ')) {
					str_free(&e);
					return addr;
				}
				free(addr);
			}
		}
	}
	str_free(&e);
	return xstrdup("");
}

/* put - bytes to the output (the queue file or sendmail's pipe) */
static int
put(struct fetch *f, const char *p, size_t n, int force)
{
	str_append(&f->out, p, n);
	if (f->out.len < OUTBUF && !force)
		return 0;
	if (f->o->inject == POPF_QUEUE) {
		if (spool_writer_write(&f->w, f->out.s, f->out.len, &f->err) < 0)
			return -1;
	} else if (util_write_all(f->pipefd, f->out.s, f->out.len) < 0) {
		str_printf(&f->err, "sendmail: %s", strerror(errno));
		return -1;
	}
	str_reset(&f->out);
	return 0;
}

/* start_sendmail - sendmail -oi -f sender -- rcpt, reading a pipe */
static int
start_sendmail(struct fetch *f)
{
	int p[2];
	const char *argv[10];
	int n = 0;

	argv[n++] = "sendmail";
	if (f->o->conf) {
		argv[n++] = "-C";
		argv[n++] = f->o->conf;
	}
	argv[n++] = "-oi";
	argv[n++] = "-f";
	argv[n++] = f->env.sender[0] ? f->env.sender : "<>";
	argv[n++] = "--";
	argv[n++] = f->rcpt;
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC) < 0 || (f->child = fork()) < 0) {
		str_printf(&f->err, "cannot start sendmail: %s", strerror(errno));
		return -1;
	}
	if (f->child == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(p[0], 0) < 0)
			_exit(127);
		execv(f->o->sendmail, (char *const *)argv);
		_exit(127);
	}
	close(p[0]);
	f->pipefd = p[1];
	return 0;
}

/* begin - the output for the current message, once its sender is known */
static int
begin(struct fetch *f)
{
	struct str rcvd = STR_INIT;
	int r;

	f->started = 1;
	f->env.sender = return_path(f->hdr.s, f->hdr.len);
	if (f->o->inject == POPF_QUEUE) {
		if (spool_id_new(f->env.id, sizeof(f->env.id), &f->env.arrival,
		    &f->env.arrival_usec) < 0) {
			str_printf(&f->err, "cannot make a queue ID");
			return -1;
		}
		if ((r = spool_queue_begin(f->env.id, &f->w, &f->err)) != 0) {
			if (r == SPOOL_DONE)
				str_printf(&f->err, "queue ID %s is taken", f->env.id);
			return -1;
		}
	} else if (start_sendmail(f) < 0)
		return -1;
	received(f, &rcvd);
	r = put(f, rcvd.s, rcvd.len, 0) < 0 || put(f, f->hdr.s, f->hdr.len, 0) < 0 ? -1 : 0;
	str_free(&rcvd);
	str_reset(&f->hdr);
	return r;
}

/* progress - a line now and then for a long download */
static void
progress(struct fetch *f, int last)
{
	if (!f->o->progress || f->size < (1LL << 20))
		return;
	if (!last && f->got - f->shown < (1LL << 20))
		return;
	f->shown = f->got;
	fprintf(stderr, "popfetch: %s: message %ld of %ld: %lld of %lld kB%s",
	    f->a->name, f->index, f->total, f->got >> 10, f->size >> 10,
	    last ? "\n" : isatty(2) ? "\r" : "\n");
}

/* sink - body bytes from pop_read_body */
static int
sink(void *arg, const char *p, size_t n)
{
	struct fetch *f = arg;
	const char *e;
	size_t from, hn;

	f->got += (long long)n;
	/* the sizes LIST gave may lie: the limits hold for what arrives */
	if (f->a->size_limit > 0 && f->got > f->a->size_limit) {
		str_printf(&f->err, "larger than size_limit (%lld bytes; listed as %lld)",
		    f->a->size_limit, f->size);
		f->toobig = 1;
		return -1;
	}
	if (f->o->msg_limit > 0 && f->got > f->o->msg_limit) {
		str_printf(&f->err, "larger than message_size_limit (%lld bytes; listed as "
		    "%lld)", f->o->msg_limit, f->size);
		f->toobig = 1;
		return -1;
	}
	progress(f, 0);
	if (!f->started) {
		from = f->hdr.len > 0 ? f->hdr.len - 1 : 0;
		str_append(&f->hdr, p, n);
		/* the end of the header section: an empty line */
		if (f->hdr.s[0] == '\n')
			e = f->hdr.s;
		else
			e = memmem(f->hdr.s + from, f->hdr.len - from, "\n\n", 2);
		if (e == NULL && f->hdr.len < f->o->header_limit)
			return 0;
		hn = e ? (size_t)(e - f->hdr.s) + (f->hdr.s[0] == '\n' ? 1 : 2) : f->hdr.len;
		{
			struct str rest = STR_INIT;

			str_append(&rest, f->hdr.s + hn, f->hdr.len - hn);
			str_truncate(&f->hdr, hn);
			if (begin(f) < 0 || put(f, rest.s, rest.len, 0) < 0) {
				str_free(&rest);
				return -1;
			}
			str_free(&rest);
		}
		return 0;
	}
	return put(f, p, n, 0);
}

/* msg_abort - drop what was written of the current message */
static void
msg_abort(struct fetch *f)
{
	int status;

	if (f->o->inject == POPF_QUEUE)
		spool_writer_abort(&f->w);
	if (f->child > 0) {
		/* sendmail must not queue a partial message: kill it first */
		kill(f->child, SIGKILL);
		close(f->pipefd);
		while (waitpid(f->child, &status, 0) < 0 && errno == EINTR)
			;
	}
	f->child = -1;
	f->pipefd = -1;
	str_reset(&f->out);
	str_reset(&f->hdr);
	env_free(&f->env);
	env_init(&f->env);
	f->started = 0;
}

/* msg_commit - the current message is whole: commit (queue: the .msg only) */
static int
msg_commit(struct fetch *f, const char *uid, unsigned long num)
{
	struct pend *p;
	int status;

	if (!f->started && begin(f) < 0)
		return -1;
	if (put(f, "", 0, 1) < 0)
		return -1;
	if (f->o->inject == POPF_QUEUE) {
		f->env.size = f->w.size;
		if (spool_writer_commit(&f->w, SPOOL_NOSYNC, NULL, &f->err) < 0)
			return -1;
	} else {
		close(f->pipefd);
		f->pipefd = -1;
		while (waitpid(f->child, &status, 0) < 0)
			if (errno != EINTR) {
				str_printf(&f->err, "sendmail: %s", strerror(errno));
				return -1;
			}
		f->child = -1;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			str_printf(&f->err, "sendmail failed (%s %d)",
			    WIFEXITED(status) ? "exit status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			return -1;
		}
	}
	p = popf_pend_add(f, uid, num);
	p->env = f->env;	/* the envelope moves */
	env_init(&f->env);
	f->started = 0;
	str_reset(&f->hdr);
	return 0;
}

/* relax - the limit for commands after a download: the listing's */
static void
relax(struct fetch *f)
{
	pop_set_deadline(&f->s, util_now_ms() + 1000LL * (f->a->timeout + LIST_TIME));
}

/*
 * batch_end - make the batch's messages mail (steps 2 to 5 at the top):
 * 0, or -1 (why) when they could not all be committed
 */
static int
batch_end(struct fetch *f, struct pop_msg *m, size_t n, int alive)
{
	struct str err = STR_INIT;
	size_t i, ndele = 0;
	int rc = 0;

	if (f->npend == 0)
		return 0;
	if (f->o->inject == POPF_QUEUE) {
		if (spool_sync(&err) < 0 || popf_state_save(f, m, n) < 0) {
			if (err.len)
				str_printf(f->why, "%s", err.s);
			rc = -1;
		}
		for (i = 0; i < f->npend && rc == 0; i++) {
			f->pend[i].env.uid = (long)getuid();
			env_add_rcpt(&f->pend[i].env, f->rcpt, NULL, 0);
			if (spool_queue_env(&f->pend[i].env, SPOOL_NOSYNC, &err) < 0) {
				str_printf(f->why, "%s", err.s);
				rc = -1;
			}
		}
		if (rc == 0 && spool_sync(&err) < 0) {
			str_printf(f->why, "%s", err.s);
			rc = -1;
		}
		if (rc < 0) {
			/* the state's P lines finish them on the next run */
			str_free(&err);
			return -1;
		}
	}
	f->dele = xreallocarray(f->dele, f->npend, sizeof(*f->dele));
	for (i = 0; i < f->npend; i++) {
		struct envelope *e = &f->pend[i].env;

		if (f->o->inject == POPF_QUEUE)
			log_info("%s: from=<%s>, size=%lld, nrcpt=1 (queued by popfetch, "
			    "account %s, message %lu)", e->id, e->sender, e->size,
			    f->a->name, f->pend[i].num);
		popf_add_fresh(f, f->pend[i].uid);
		f->dele[ndele++] = f->pend[i].num;
		f->st->fetched++;
		f->st->bytes += e->size;
	}
	popf_pend_clear(f);
	if (popf_state_save(f, m, n) < 0)
		rc = -1;
	if (rc == 0 && alive && !f->a->keep && ndele > 0) {
		int r;

		relax(f);
		r = pop_dele(&f->s, f->dele, ndele);

		if (r < 0 && r != POP_EERR) {
			str_printf(f->why, "%s", f->s.why.s);
			rc = r;
		} else
			f->ndele += ndele;
	}
	str_free(&err);
	return rc;
}

/* header_sink - TOP n 0 into f->hdr, bounded */
static int
header_sink(void *arg, const char *p, size_t n)
{
	struct fetch *f = arg;

	if (f->hdr.len + n > 8192)
		n = 8192 - f->hdr.len;
	str_append(&f->hdr, p, n);
	return 0;
}

/* field - the value of one header field, for a log line */
static void
field(const struct str *h, const char *name, char *out, size_t outsz)
{
	const char *p = h->s, *end = h->s + h->len, *eol;
	size_t n = strlen(name);

	util_strlcpy(out, "", outsz);
	while (p && p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if ((size_t)(end - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (p < end && *p == ' ')
				p++;
			(void)log_clean(out, outsz, p, (size_t)((eol ? eol : end) - p));
			return;
		}
		p = eol ? eol + 1 : NULL;
	}
}

/*
 * oversized - a message over size_limit (or message_size_limit) stays
 * on the server; its From: and Subject: (TOP n 0) are reported
 */
static int
oversized(struct fetch *f, const struct pop_msg *m, long long limit, const char *what)
{
	char from[LOG_CLEAN_MAX + 1] = "", subj[LOG_CLEAN_MAX + 1] = "";
	int r;

	f->st->skipped++;
	if ((f->s.capa & POP_CAPA_TOP) || !(f->s.capa & POP_CAPA_SEEN)) {
		relax(f);
		str_reset(&f->hdr);
		if ((r = pop_send_retr(&f->s, m->num, 0)) < 0 ||
		    ((r = pop_read_body(&f->s, "TOP", header_sink, f)) < 0 && r != POP_EERR))
			return r;
		field(&f->hdr, "From", from, sizeof(from));
		field(&f->hdr, "Subject", subj, sizeof(subj));
		str_reset(&f->hdr);
	}
	log_warning("%s: message %lu (%lld bytes) is larger than %s (%lld): left on "
	    "the server%s%s%s%s", f->a->name, m->num, m->size, what, limit,
	    *from ? "; From: " : "", from, *subj ? "; Subject: " : "", subj);
	return 0;
}

/* fetch_one - read the answer to a RETR: 0, or a POP_E or POPF_E code */
static int
fetch_one(struct fetch *f, const struct pop_msg *m)
{
	int r;

	f->got = f->shown = 0;
	f->toobig = 0;
	/* at least MIN_RATE bytes a second, whatever the size LIST gave */
	pop_set_deadline(&f->s, util_now_ms() + 1000LL * f->a->timeout +
	    1000LL * (m->size > 0 ? m->size : 0) / MIN_RATE);
	f->size = m->size;
	str_reset(&f->err);
	r = pop_read_body(&f->s, "RETR", sink, f);
	if (r == 0) {
		progress(f, 1);
		if (msg_commit(f, m->uid, m->num) == 0)
			return 0;
		r = POPF_ESPOOL;
	}
	if (r == POP_EERR) {
		log_warning("%s: message %lu: %s", f->a->name, m->num, f->s.why.s);
		msg_abort(f);
		return 0;	/* it went away; the session goes on */
	}
	if (r == 1 && f->toobig) {
		msg_abort(f);
		f->st->skipped++;
		log_warning("%s: message %lu is %s: left on the server", f->a->name,
		    m->num, f->err.s);
		return 0;
	}
	msg_abort(f);
	if (r == 1)
		r = POPF_ESPOOL;
	str_reset(f->why);
	if (r == POPF_ESPOOL)
		str_printf(f->why, "message %lu: cannot queue it: %s", m->num, f->err.s);
	else
		str_printf(f->why, "%s", f->s.why.s);
	return r;
}

/* transfer - every message to fetch, in batches */
static int
transfer(struct fetch *f, struct pop_msg *m, size_t n)
{
	size_t *todo, ntodo = 0, i, sent, done, batch_start;
	long long batch_bytes;
	long window = (f->s.capa & POP_CAPA_PIPELINING) ? WINDOW : 1;
	long long lim = f->a->size_limit;
	int r = 0, rb;

	todo = xreallocarray(NULL, n ? n : 1, sizeof(*todo));
	for (i = 0; i < n && r == 0; i++) {
		if (f->a->only_new && popf_seen(f, m[i].uid)) {
			if (!f->a->keep) {	/* fetched, but its DELE was lost */
				f->dele = xreallocarray(f->dele, f->ndele + 1, sizeof(*f->dele));
				f->dele[f->ndele++] = m[i].num;
			}
			continue;
		}
		if (lim > 0 && m[i].size > lim)
			r = oversized(f, &m[i], lim, "size_limit");
		else if (f->o->msg_limit > 0 && m[i].size > f->o->msg_limit)
			r = oversized(f, &m[i], f->o->msg_limit, "message_size_limit");
		else
			todo[ntodo++] = i;
	}
	if (r == 0 && f->ndele > 0 && (r = pop_dele(&f->s, f->dele, f->ndele)) == POP_EERR)
		r = 0;
	if (r < 0)
		str_printf(f->why, "%s", f->s.why.s);
	f->total = (long)ntodo;
	for (done = 0; done < ntodo && r == 0; ) {
		batch_start = done;
		batch_bytes = 0;
		sent = done;
		while (done < ntodo && done - batch_start < BATCH_MSGS &&
		    batch_bytes < BATCH_BYTES) {
			while (sent < ntodo && (long)(sent - done) < window &&
			    sent - batch_start < BATCH_MSGS)
				if ((r = pop_send_retr(&f->s, m[todo[sent++]].num, -1)) < 0)
					break;
			if (r < 0) {
				str_printf(f->why, "%s", f->s.why.s);
				break;
			}
			f->index = (long)done + 1;
			if ((r = fetch_one(f, &m[todo[done]])) < 0)
				break;
			batch_bytes += m[todo[done]].size;
			done++;
		}
		/* answers still in flight belong to this batch: read them out */
		while (r == 0 && done < sent) {
			f->index = (long)done + 1;
			if ((r = fetch_one(f, &m[todo[done]])) < 0)
				break;
			done++;
		}
		rb = batch_end(f, m, n, r == 0);
		if (r == 0 && rb < 0)
			r = rb == -1 ? POPF_ESPOOL : rb;
	}
	free(todo);
	return r;
}

/* password - the account's, or the first line passwordeval prints */
static char *
password(const struct popf_account *a, struct str *why)
{
	struct str out = STR_INIT;
	int p[2], status;
	pid_t pid;
	char *nl;

	if (a->password)
		return xstrdup(a->password);
	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		str_printf(why, "passwordeval: %s", strerror(errno));
		return NULL;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(p[1], 1) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", a->passwordeval, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (util_read_until(p[0], &out, 4096, util_now_ms() + 1000LL * a->timeout) != 1) {
		kill(pid, SIGKILL);	/* a command that hangs is a failure */
		str_reset(&out);
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out.len == 0) {
		str_printf(why, "account %s: passwordeval failed (%s)", a->name,
		    out.len == 0 ? "no output" : "exit status");
		str_free(&out);
		return NULL;
	}
	str_append(&out, "", 0);
	if ((nl = strpbrk(out.s, "\r\n")) != NULL)
		*nl = '\0';
	if (util_has_ctl(out.s, strlen(out.s)) || out.s[0] == '\0') {
		str_printf(why, "account %s: passwordeval printed %s", a->name,
		    out.s[0] == '\0' ? "an empty line" : "a control character");
		str_free(&out);
		return NULL;
	}
	return str_steal(&out);
}

/*
 * popf_password_now - run the account's passwordeval now, as the caller,
 * and keep its output as the password (popfetch run by root does this
 * before it becomes the spool owner): 0, or POPF_ECONF with the reason
 */
int
popf_password_now(struct popf_account *a, struct str *why)
{
	char *pw;

	if (a->password != NULL)
		return 0;
	if ((pw = password(a, why)) == NULL)
		return POPF_ECONF;
	a->password = pw;
	return 0;
}

/* popf_fetch - one account (see the top) */
int
popf_fetch(const struct popf_opts *o, const struct popf_account *a,
    struct popf_stats *st, struct str *why)
{
	struct fetch f;
	struct pop_account pa;
	struct pop_msg *m = NULL;
	struct str lock = STR_INIT, e = STR_INIT;
	size_t n = 0, i;
	char *pass = NULL;
	int lockfd = -1, r;

	memset(&f, 0, sizeof(f));
	memset(st, 0, sizeof(*st));
	f.o = o;
	f.a = a;
	f.st = st;
	f.why = why;
	f.child = -1;
	f.pipefd = -1;
	f.w.fd = -1;
	env_init(&f.env);
	pop_init(&f.s);
	f.s.verbose = o->verbose;
	f.rcpt = strchr(a->deliver_to, '@') ? xstrdup(a->deliver_to) :
	    xasprintf("%s@%s", a->deliver_to, o->myorigin);
	if (env_check_addr(f.rcpt, &e) < 0) {
		str_printf(why, "account %s: deliver_to %s: %s", a->name, a->deliver_to, e.s);
		r = POPF_ECONF;
		goto out;
	}
	/* one run per account at a time */
	str_printf(&lock, "%s/%s.lock", o->statedir, a->name);
	str_printf(&f.statepath, "%s/%s.state", o->statedir, a->name);
	if ((lockfd = open(lock.s, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		str_printf(why, "%s: %s", lock.s, strerror(errno));
		r = POPF_ESPOOL;
		goto out;
	}
	if (flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		str_printf(why, "account %s is being fetched by another popfetch", a->name);
		r = errno == EWOULDBLOCK ? POPF_EBUSY : POPF_ESPOOL;
		goto out;
	}
	if (popf_state_load(&f) < 0) {
		r = POPF_ESPOOL;
		goto out;
	}
	if (f.npend > 0 && (popf_recover(&f) < 0 || popf_state_save(&f, NULL, 0) < 0)) {
		r = POPF_ESPOOL;
		goto out;
	}
	if ((pass = password(a, why)) == NULL) {
		r = POPF_ECONF;
		goto out;
	}
	memset(&pa, 0, sizeof(pa));
	pa.name = a->name;
	pa.host = a->host;
	pa.port = a->port;
	pa.tls = a->tls;
	pa.trust_file = a->trust_file;
	pa.user = a->user;
	pa.pass = pass;
	pa.auth = a->auth;
	pa.timeout = a->timeout;
	if ((r = pop_open(&f.s, &pa)) == 0)
		relax(&f);
	if (r < 0 || (r = pop_list(&f.s, 1, &m, &n)) < 0) {
		str_printf(why, "account %s: %s", a->name, f.s.why.s);
		goto out;
	}
	if (!(f.s.capa & POP_CAPA_UIDL) && a->keep && a->only_new) {
		str_printf(why, "account %s: the server has no UIDL, so keep on cannot "
		    "tell new messages from old (set only_new off to fetch all each time)",
		    a->name);
		r = POPF_ECONF;
		goto out;
	}
	if ((r = transfer(&f, m, n)) < 0) {
		struct str w = STR_INIT;

		str_printf(&w, "account %s: %s", a->name, why->s);
		str_reset(why);
		str_append(why, w.s, w.len);
		str_free(&w);
		goto out;
	}
	relax(&f);
	if ((r = pop_quit(&f.s)) < 0) {
		str_printf(why, "account %s: %s (messages stay on the server)", a->name,
		    f.s.why.s);
		goto out;
	}
	st->deleted = (long)f.ndele;
	/* what QUIT deleted is gone: it need not be remembered */
	if (!a->keep)
		for (i = 0; i < n; i++) {
			free(m[i].uid);
			m[i].uid = NULL;
		}
	r = (f.s.capa & POP_CAPA_UIDL) && popf_state_save(&f, m, n) < 0 ? POPF_ESPOOL : 0;
out:
	if (f.started || f.child > 0)
		msg_abort(&f);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		free(pass);
	}
	pop_close(&f.s);
	str_free(&f.s.why);
	pop_list_free(m, n);
	popf_pend_clear(&f);
	free(f.pend);
	for (i = 0; i < f.nseen; i++)
		free(f.seen[i]);
	free(f.seen);
	for (i = 0; i < f.nfresh; i++)
		free(f.fresh[i]);
	free(f.fresh);
	free(f.dele);
	free(f.rcpt);
	env_free(&f.env);
	str_free(&f.hdr);
	str_free(&f.out);
	str_free(&f.err);
	str_free(&f.statepath);
	str_free(&lock);
	str_free(&e);
	if (lockfd >= 0)
		close(lockfd);
	return r;
}
