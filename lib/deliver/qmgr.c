/*
 * qmgr - one queue entry's attempt: deliver, record, notify, remove
 *
 * DESCRIPTION
 *	runq_deliver_one() takes one queue entry through one attempt: it
 *	locks and reads the envelope, routes each pending recipient (local
 *	delivery here, remote ones in a transport worker per next hop),
 *	queues forwarded copies, records the results, expires the entry or
 *	sets its next attempt, queues the notices the results call for, and
 *	removes the entry when nothing is left to do. Each recipient's result
 *	is logged in Postfix's shape (log_delivery) for pflogsumm.
 *
 *	The order of steps is what makes it crash safe: deliver, record the
 *	results (envelope rewrite), then queue the notices the results call
 *	for, then record that they were sent (or remove the entry). A crash
 *	between two steps repeats at most the step that was under way: one
 *	delivery or one notice. A forwarded copy is recorded as a member of
 *	its recipient once queued, so a retry does not queue it again.
 *
 * SECURITY
 *	Runs in runq, as root or as the spool owner. The entry's files are
 *	opened by spool_env_open and spool_msg_open (no link followed, the
 *	lock held for the whole attempt); nothing from the envelope or the
 *	message becomes a path or a command here. Local delivery decides
 *	whose rights apply (local.c); remote jobs run in a transport worker
 *	that has become the spool owner, never root (transport.c). The
 *	Delivered-To: lines read from the message are bounded by
 *	header_size_limit.
 *
 * DIAGNOSTICS
 *	Problems with one entry are logged with its queue ID and never stop
 *	the pass; see runq_int.h for the result.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "bounce.h"
#include "dest.h"
#include "conf.h"
#include "header.h"
#include "local.h"
#include "log.h"
#include "runq_int.h"
#include "spool.h"
#include "transport.h"
#include "util.h"

#define STUCK_GRACE	3600	/* seconds beyond command_time_limit before
				   a held entry is reported */

/* now_f - the time as a double, for delays in log lines */
static double
now_f(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/*
 * runq_selects - does hay match the selection: no value given, or one
 * of them as a case-insensitive substring (a whole queue ID: exactly)?
 */
int
runq_selects(const struct runq_select *sel, const char *hay)
{
	size_t i;

	if (sel->n == 0)
		return 1;
	for (i = 0; i < sel->n; i++)
		if (spool_id_valid(sel->v[i]) ? strcmp(hay, sel->v[i]) == 0 :
		    strcasestr(hay, sel->v[i]) != NULL)
			return 1;
	return 0;
}

/* runq_select_add - one more value for a selection: 0, or -1 when full */
int
runq_select_add(struct runq_select *sel, const char *value)
{
	if (sel->n >= RUNQ_SELECT_MAX)
		return -1;
	sel->v[sel->n++] = value;
	return 0;
}

/* runq_ctx_init - local delivery's context for one message of this pass */
void
runq_ctx_init(const struct runq_pass *p, struct local_ctx *ctx,
    struct envelope *env, int msgfd)
{
	local_ctx_init(ctx, env, msgfd);
	ctx->mydest = p->set.mydest;
	ctx->alias_db = p->set.alias_db;
	ctx->myhostname = p->set.hostname;
	ctx->myorigin = p->set.origin;
}

/* remember_created - note a new entry for the end of the pass */
static void
remember_created(struct runq_pass *p, const char *id)
{
	p->created = xreallocarray(p->created, p->ncreated + 1, sizeof(char *));
	p->created[p->ncreated++] = xstrdup(id);
}

/* delivered_to - collect the Delivered-To: values of the message */
static void
delivered_to(const struct runq_pass *p, int fd, struct local_ctx *ctx)
{
	struct str head = STR_INIT, err = STR_INIT;
	struct headers h;
	ssize_t n;
	size_t i, want = p->set.header_limit > 0 ? (size_t)p->set.header_limit : 102400;

	str_reserve(&head, want);
	n = pread(fd, head.s, want, 0);
	if (n <= 0)
		goto out;
	head.len = (size_t)n;
	head.s[head.len] = '\0';
	if (hdr_parse(head.s, head.len, 0, &h, &err) < 0)
		goto out;
	for (i = 0; i < h.n; i++) {
		const char *v;
		size_t vl;

		if (!hdr_is(head.s, &h.v[i], "Delivered-To"))
			continue;
		hdr_value(head.s, &h.v[i], &v, &vl);
		while (vl > 0 && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t' || v[vl - 1] == '\r'))
			vl--;
		ctx->delivered_to = xreallocarray(ctx->delivered_to, ctx->ndt + 1, sizeof(char *));
		ctx->delivered_to[ctx->ndt++] = xstrndup(v, vl);
	}
	hdr_free(&h);
out:
	str_free(&head);
	str_free(&err);
}

/*
 * drop_forwarded - leave out of a recipient's forwarded addresses those
 * an earlier attempt queued already (members recorded as sent).
 */
static void
drop_forwarded(struct local_ctx *ctx, const struct envelope *env)
{
	size_t i, n = 0;

	for (i = 0; i < ctx->nfwd; i++) {
		struct member *m = env_find_member(env,
		    env_member_key("forward", ctx->fwd[i], 0));

		if (m != NULL && m->state == RCPT_SENT)
			free(ctx->fwd[i]);
		else
			ctx->fwd[n++] = ctx->fwd[i];
	}
	ctx->nfwd = n;
}

/* fmt_delay - seconds as Postfix writes them: 0, 0.25, 12.5, 143 */
static const char *
fmt_delay(char *buf, size_t size, double d)
{
	if (d < 0.005)
		snprintf(buf, size, "0");
	else
		snprintf(buf, size, "%.*f", d < 10 ? 2 : d < 100 ? 1 : 0, d);
	return buf;
}

/*
 * log_delivery - the Postfix-shaped line for one recipient. delays= is
 * a/b/c/d as in Postfix: before this attempt (a), in the queue manager
 * before this recipient (b), connection set-up (c, none for local
 * delivery) and the delivery itself (d). pflogsumm reads delay= and
 * status=; the dsn= field must not be empty for it.
 */
static void
log_delivery(const struct envelope *env, const char *addr, const char *relay,
    double t_attempt, double t_rcpt, const char *dsn, const char *status,
    const char *text)
{
	char total[32], a[32], b[32], d[32];
	double now = now_f(), arrival;

	arrival = (double)env->arrival + env->arrival_usec / 1e6;
	if (t_attempt < arrival)
		t_attempt = arrival;
	if (t_rcpt < t_attempt)
		t_rcpt = t_attempt;
	if (now < t_rcpt)
		now = t_rcpt;
	if (dsn == NULL || *dsn == '\0')
		dsn = *status == 's' ? "2.0.0" : *status == 'd' ? "4.0.0" : "5.0.0";
	log_info("%s: to=<%s>, relay=%s, delay=%s, delays=%s/%s/0/%s, dsn=%s, status=%s (%s)",
	    env->id, addr, relay, fmt_delay(total, sizeof(total), now - arrival),
	    fmt_delay(a, sizeof(a), t_attempt - arrival),
	    fmt_delay(b, sizeof(b), t_rcpt - t_attempt),
	    fmt_delay(d, sizeof(d), now - t_rcpt), dsn, status, text ? text : "");
}

/* log_result - log_delivery with the recipient's own status and reason */
static void
log_result(const struct envelope *env, const struct rcpt *r, const char *relay,
    double t_attempt, double t_rcpt, const char *status)
{
	log_delivery(env, r->addr, relay, t_attempt, t_rcpt, r->dsn, status, r->reason);
}

/*
 * forward - queue a new message to the remote addresses an alias or
 * .forward expanded to. Delivered-To: goes on top so that a loop back to
 * this host is caught. The message is copied from the queued one through
 * a fixed buffer.
 */
static int
forward(struct runq_pass *p, struct local_ctx *ctx, const struct envelope *env,
    const char *rcpt, double t_attempt, double t_rcpt, struct str *err)
{
	struct envelope fe;
	struct spool_writer w;
	struct str pre = STR_INIT, text = STR_INIT;
	size_t i;
	int rc = -1, begun;

	env_init(&fe);
	if (spool_id_new(fe.id, sizeof(fe.id), &fe.arrival, &fe.arrival_usec) < 0) {
		str_printf(err, "cannot make a queue ID");
		goto out;
	}
	fe.sender = xstrdup(ctx->fwd_sender ? ctx->fwd_sender : env->sender);
	fe.uid = env->uid;
	fe.ret = env->ret;
	fe.body8bit = env->body8bit;
	fe.smtputf8 = env->smtputf8;
	if (env->envid)
		fe.envid = xstrdup(env->envid);
	for (i = 0; i < ctx->nfwd; i++) {
		env_add_rcpt(&fe, ctx->fwd[i], rcpt, 0);
		if (!util_is_ascii(ctx->fwd[i]))
			fe.smtputf8 = 1;
	}
	str_printf(&pre, "Delivered-To: %s\n", rcpt);
	if (!util_is_ascii(rcpt) || !util_is_ascii(fe.sender))
		fe.smtputf8 = 1;
	/*
	 * SPOOL_DONE says an entry with this ID exists whole. The ID was
	 * made just now, so that entry is another message (the clock went
	 * back, or a pid was reused within a microsecond), never this copy
	 * queued before a crash: a crash after the copy was queued is caught
	 * by the forward members instead (drop_forwarded). Counting it as
	 * queued would lose the copy; the recipient waits for the next try,
	 * which makes a new ID.
	 */
	begun = spool_queue_begin(fe.id, &w, err);
	if (begun == SPOOL_DONE)
		str_printf(err, "queue ID %s is taken by another entry", fe.id);
	if (begun != SPOOL_OK)
		goto out;
	if (spool_writer_write(&w, pre.s, pre.len, err) < 0 ||
	    spool_writer_copy_fd(&w, ctx->msgfd, 0, -1, err) < 0)
		goto out;
	fe.size = w.size;
	if (spool_queue_finish(&w, &fe, NULL, err) < 0)
		goto out;
	log_set_service("qmgr");
	log_info("%s: from=<%s>, size=%lld, nrcpt=%zu (queue active)",
	    fe.id, fe.sender, fe.size, fe.nrcpt);
	log_set_service("local");
	str_printf(&text, "forwarded as %s", fe.id);
	log_delivery(env, rcpt, "local", t_attempt, t_rcpt, "2.0.0", "sent", text.s);
	remember_created(p, fe.id);
	rc = 0;
out:
	env_free(&fe);
	str_free(&pre);
	str_free(&text);
	return rc;
}

/* notify - queue one kind of notice if the envelope calls for it */
static int
notify(struct runq_pass *p, struct envelope *env, int msgfd, enum bounce_kind kind, int *changed)
{
	struct envelope be;
	struct str msg = STR_INIT, err = STR_INIT;
	size_t i;
	int rc = 0;
	static const char *const what[] = {
		"sender non-delivery notification",
		"sender delay notification",
		"sender delivery status notification",
	};

	log_set_service("bounce");
	if (*env->sender == '\0') {
		/* never a notice about a notice: log and forget */
		int found = 0;

		for (i = 0; i < env->nrcpt; i++) {
			struct rcpt *r = &env->rcpt[i];

			if (!r->reported && ((kind == BOUNCE_FAILED && r->state == RCPT_FAILED) ||
			    (kind == BOUNCE_DELIVERED && r->state == RCPT_SENT))) {
				r->reported = 1;
				found = 1;
			}
		}
		if (found && kind == BOUNCE_FAILED)
			log_info("%s: undeliverable mail from the null sender discarded", env->id);
		if (found)
			*changed = 1;
		return 0;
	}
	if (bounce_count(env, kind) == 0)
		return 0;
	env_init(&be);
	if (bounce_make(env, msgfd, kind, p->set.hostname, NULL, &be, &msg, &err) < 0 ||
	    spool_queue_commit(&be, NULL, 0, msg.s, msg.len, &err) < 0) {
		log_warning("%s: cannot queue %s: %s", env->id, what[kind], err.s);
		rc = -1;
	} else {
		log_info("%s: %s: %s", env->id, what[kind], be.id);
		log_set_service("qmgr");
		log_info("%s: from=<>, size=%lld, nrcpt=%zu (queue active)",
		    be.id, be.size, be.nrcpt);
		remember_created(p, be.id);
	}
	env_free(&be);
	if (rc == 0) {
		for (i = 0; i < env->nrcpt; i++) {
			struct rcpt *r = &env->rcpt[i];

			if ((kind == BOUNCE_FAILED && r->state == RCPT_FAILED) ||
			    (kind == BOUNCE_DELIVERED && r->state == RCPT_SENT))
				r->reported = 1;
		}
		if (kind == BOUNCE_DELAYED)
			env->warned = 1;
		*changed = 1;
	}
	str_free(&msg);
	str_free(&err);
	return rc;
}

/* backoff - the wait before the next attempt, doubling from the minimum */
static long
backoff(const struct runq_pass *p, int attempts)
{
	long d = p->set.min_backoff;
	int i;

	for (i = 1; i < attempts && d < p->set.max_backoff; i++)
		d *= 2;
	return d > p->set.max_backoff ? p->set.max_backoff : d;
}

/*
 * outcome - the summary of one message, for sendmail -odi: RUNQ_DONE when
 * delivered or queued for a retry, RUNQ_BOUNCED_UNKNOWN_USER or
 * RUNQ_BOUNCED when a recipient failed for good (the sender gets a notice
 * as well).
 */
static enum runq_outcome
outcome(const struct envelope *env)
{
	size_t i;
	int bounced = 0, unknown = 0;

	/* Deferred is not failed: the message is safe in the queue. */
	for (i = 0; i < env->nrcpt; i++) {
		if (env->rcpt[i].state == RCPT_FAILED) {
			bounced = 1;
			if (strcmp(env->rcpt[i].dsn, "5.1.1") == 0)
				unknown = 1;
		}
	}
	return unknown ? RUNQ_BOUNCED_UNKNOWN_USER : bounced ? RUNQ_BOUNCED :
	    RUNQ_DONE;
}

/*
 * print_failures - sendmail -odi's report, as sendmail 8 gives it: one
 * line for each recipient that failed for good in this attempt, "User
 * unknown" for an unknown user, else the status and the reason. The
 * sender gets the notice as well; deferred recipients wait quietly.
 */
static void
print_failures(FILE *out, const struct envelope *env, const char *was_pending)
{
	const struct rcpt *r;
	struct str plain = STR_INIT;
	const char *at;
	size_t i;

	for (i = 0; i < env->nrcpt; i++) {
		r = &env->rcpt[i];
		if (!was_pending[i] || r->state != RCPT_FAILED)
			continue;
		at = strrchr(r->addr, '@');
		str_reset(&plain);
		str_printf(&plain, "unknown user: \"%.*s\"",
		    (int)(at ? (size_t)(at - r->addr) : strlen(r->addr)), r->addr);
		if (strcmp(r->dsn, "5.1.1") == 0 && r->reason != NULL &&
		    strcasecmp(r->reason, plain.s) == 0)
			fprintf(out, "%s... User unknown\n", r->addr);
		else
			fprintf(out, "%s... failed: %s %s\n", r->addr, r->dsn,
			    r->reason ? r->reason : "");
	}
	fflush(out);
	str_free(&plain);
}

/*
 * busy - an entry another process is delivering. The lock holder marks
 * the time it took the lock (spool_env_open touches ID.env), so an entry
 * held for longer than any delivery may take is reported: only root's or
 * the spool owner's processes can hold these locks, and one that holds
 * it that long is stuck.
 */
static void
busy(const char *id, time_t now)
{
	struct str path = STR_INIT;
	struct stat st;
	long limit = conf_time("command_time_limit") + STUCK_GRACE;

	spool_path(&path, "queue", id, ".env");
	if (stat(path.s, &st) == 0 && now - st.st_mtime > limit)
		log_warning("%s: locked by another process for %ld seconds, longer "
		    "than a delivery may take: is a queue runner stuck?", id,
		    (long)(now - st.st_mtime));
	else
		log_info("%s: skipped: being delivered by another process", id);
	str_free(&path);
}

/* nexthop_of - where a remote address goes: relayhost, else its domain */
static const char *
nexthop_of(const char *addr)
{
	const char *dom = conf_str("relayhost");

	if (*dom == '\0' && (dom = addr_domain(addr)) == NULL)
		dom = "";
	return dom;
}

/* the state of one next hop in this attempt (acquire_all) */
struct hop {
	const char	*key;
	enum dest_state	 st;
	char		 why[DEST_REASON_MAX];
};

/*
 * acquire_all - before anything of the entry is delivered, a slot for
 * each next hop of its remote recipients (dest.h). When one is busy the
 * others are given back and the entry is postponed untouched (returns
 * -1, the busy next hop in p->postponed), so that nothing of it is
 * delivered twice when the pass hands it out again.
 */
static int
acquire_all(struct runq_pass *p, struct envelope *env, struct local_ctx *ctx,
    struct hop **hops, size_t *nhops)
{
	long limit = conf_int("smtp_destination_concurrency_limit");
	size_t i, j;

	*hops = NULL;
	*nhops = 0;
	for (i = 0; i < env->nrcpt; i++) {
		const char *key;

		if (env->rcpt[i].state != RCPT_PENDING || local_is_local(ctx, env->rcpt[i].addr))
			continue;
		key = nexthop_of(env->rcpt[i].addr);
		for (j = 0; j < *nhops; j++)
			if (strcasecmp((*hops)[j].key, key) == 0)
				break;
		if (j < *nhops)
			continue;
		*hops = xreallocarray(*hops, *nhops + 1, sizeof(**hops));
		(*hops)[j].key = key;
		(*hops)[j].why[0] = '\0';
		(*hops)[j].st = dest_acquire(key, limit, p->no_postpone, (*hops)[j].why,
		    sizeof((*hops)[j].why));
		(*nhops)++;
		if ((*hops)[j].st == DEST_BUSY) {
			util_strlcpy(p->postponed, key, sizeof(p->postponed));
			for (j = 0; j + 1 < *nhops; j++)
				if ((*hops)[j].st == DEST_OK)
					dest_release((*hops)[j].key, DEST_UNKNOWN, NULL);
			free(*hops);
			*hops = NULL;
			*nhops = 0;
			return -1;
		}
	}
	return 0;
}

/* released - tell the dispatcher that a job for key ended */
static void
released(struct runq_pass *p, const char *key)
{
	if (p->nreleased < RUNQ_RELEASED_MAX)
		util_strlcpy(p->released[p->nreleased++], key, DEST_KEY_MAX);
	else
		p->released_more = 1;
}

/*
 * route_remote - a recipient that is not local joins the job of its next
 * hop: relayhost when it is set, else its domain; so one transaction
 * carries all recipients of one destination.
 */
static void
route_remote(struct xjob **jobs, size_t *njobs, const struct envelope *env,
    size_t idx)
{
	const struct rcpt *r = &env->rcpt[idx];
	const char *dom = nexthop_of(r->addr);
	size_t i;

	for (i = 0; i < *njobs; i++)
		if (strcasecmp((*jobs)[i].nexthop, dom) == 0)
			break;
	if (i == *njobs) {
		*jobs = xreallocarray(*jobs, *njobs + 1, sizeof(**jobs));
		transport_job_init(&(*jobs)[i]);
		(*jobs)[i].id = env->id;
		(*jobs)[i].sender = env->sender;
		(*jobs)[i].envid = env->envid;
		(*jobs)[i].ret = env->ret;
		(*jobs)[i].size = env->size;
		(*jobs)[i].body8bit = env->body8bit;
		(*jobs)[i].smtputf8 = env->smtputf8;
		(*jobs)[i].nexthop = dom;
		(*njobs)++;
	}
	transport_job_add(&(*jobs)[i], idx, r->addr, r->orcpt, r->notify);
}

/*
 * attempt_remote - run one job in a transport worker (as the spool
 * owner, never root) and record each recipient's result. A recipient the
 * next hop took with its DSN request passed on needs no success notice
 * from us (reported); one relayed to a host without DSN gets a notice
 * whose action is "relayed" (bounce.c reads the reason's "relayed" mark).
 * The next hop's slot was taken by acquire_all: a destination found dead
 * in this pass defers at once.
 */
static void
attempt_remote(struct runq_pass *p, struct envelope *env, struct xjob *job,
    int msgfd, double t_attempt, const struct hop *hop)
{
	const struct transport *t = transport_remote;
	double t_job = now_f();
	uid_t uid;
	gid_t gid;
	size_t i;

	if (hop == NULL || hop->st == DEST_DEAD) {
		for (i = 0; i < job->nrcpt; i++)
			dresult_set(&job->rcpt[i].res, DS_DEFER, "4.4.1",
			    "delivery temporarily suspended: %s", hop ? hop->why : "no slot");
	} else {
		spool_get_owner(&uid, &gid);
		job->msgfd = msgfd;
		(void)transport_run(t, job, uid, gid, TRANSPORT_JOB_LIMIT);
		dest_release(job->nexthop, job->dest_dead ? DEST_UNREACHABLE :
		    job->dest_alive ? DEST_ALIVE : DEST_UNKNOWN,
		    job->nrcpt ? str_c(&job->rcpt[0].res.text) : "");
		released(p, job->nexthop);
	}
	log_set_service(t->name);
	for (i = 0; i < job->nrcpt; i++) {
		struct rcpt *r = &env->rcpt[job->rcpt[i].idx];
		const struct xrcpt *x = &job->rcpt[i];
		const struct dresult *res = &x->res;

		if (res->status == DS_OK && x->dsnflag == XDSN_RELAYED &&
		    (r->notify & NOTIFY_SUCCESS)) {
			struct str rel = STR_INIT;

			str_printf(&rel, "%s%s", BOUNCE_RELAYED_MARK, str_c(&res->text));
			env_set_reason(r, res->dsn, rel.s);
			str_free(&rel);
		} else
			env_set_reason(r, res->dsn, str_c(&res->text));
		if (res->status == DS_OK) {
			r->state = RCPT_SENT;
			if (x->dsnflag == XDSN_PASSED)
				r->reported = 1;
		} else if (res->status == DS_BOUNCE)
			r->state = RCPT_FAILED;
		log_result(env, r, x->relay, t_attempt, t_job, res->status == DS_OK ?
		    "sent" : res->status == DS_BOUNCE ? "bounced" : "deferred");
	}
}

/* runq_deliver_one - one queue entry: see the top of this file */
enum runq_outcome
runq_deliver_one(struct runq_pass *p, const char *id, const struct runq_opts *o, time_t now)
{
	struct envelope env;
	struct local_ctx ctx;
	struct dresult res;
	struct str err = STR_INIT;
	size_t i;
	enum runq_outcome result = RUNQ_DONE;
	int fd = -1, msgfd = -1, rc, changed = 0, pending;
	int notices_failed = 0, forwarded, only_forwarded;
	struct hop *hops = NULL;
	size_t nhops = 0;
	struct xjob *jobs = NULL;
	char *was_pending = NULL;
	size_t j, njobs = 0;
	double t_attempt = now_f(), t_rcpt;

	log_set_service("qmgr");
	rc = spool_env_open(id, 1, &fd, &env, &err);
	if (rc == SPOOL_BUSY) {
		busy(id, now);
		str_free(&err);
		return RUNQ_DONE;	/* another runner has it */
	}
	if (rc == SPOOL_GONE) {
		str_free(&err);
		return RUNQ_DONE;	/* delivered by another runner meanwhile */
	}
	if (rc == SPOOL_BAD) {
		log_warning("%s: malformed queue entry moved to corrupt/: %s", id, err.s);
		str_reset(&err);
		if (spool_move_corrupt("queue", id, &err) < 0)
			log_warning("%s: %s", id, err.s);
		str_free(&err);
		return RUNQ_MALFORMED;
	}
	if (rc == SPOOL_SYSERR) {
		log_warning("%s: %s", id, err.s);
		str_free(&err);
		return RUNQ_UNREADABLE;
	}
	if (rc != SPOOL_OK)
		panic("%s: spool_env_open returned %d", id, rc);
	if (!runq_selects(&o->sender_match, env.sender))
		goto skip;
	if (o->rcpt_match.n > 0) {
		for (i = 0; i < env.nrcpt; i++)
			if (env.rcpt[i].state == RCPT_PENDING &&
			    runq_selects(&o->rcpt_match, env.rcpt[i].addr))
				break;
		if (i == env.nrcpt)
			goto skip;
	}
	if (!o->flush && o->only_id.n == 0 && env.next_attempt > now)
		goto skip;
	if ((msgfd = spool_msg_open(id, &err)) < 0) {
		log_warning("%s: message file missing, entry moved to corrupt/: %s", id, err.s);
		close(fd);
		fd = -1;
		str_reset(&err);
		(void)spool_move_corrupt("queue", id, &err);
		result = RUNQ_MALFORMED;
		goto out;
	}
	runq_ctx_init(p, &ctx, &env, msgfd);
	if (acquire_all(p, &env, &ctx, &hops, &nhops) < 0) {
		/* postponed: untouched, still due; the pass hands it out again */
		local_ctx_free(&ctx);
		goto skip;
	}
	if (o->failures != NULL && o->only_id.n > 0) {
		was_pending = xcalloc(env.nrcpt + 1, 1);
		for (i = 0; i < env.nrcpt; i++)
			was_pending[i] = env.rcpt[i].state == RCPT_PENDING;
	}
	if (env.attempts > 0)	/* a retry: Postfix logs this at each one */
		log_info("%s: from=<%s>, size=%lld, nrcpt=%zu (queue active)",
		    env.id, env.sender, env.size, env.nrcpt);
	delivered_to(p, msgfd, &ctx);
	str_init(&res.text);
	for (i = 0; i < env.nrcpt; i++) {
		struct rcpt *r = &env.rcpt[i];

		if (r->state != RCPT_PENDING)
			continue;
		t_rcpt = now_f();
		if (!local_is_local(&ctx, r->addr)) {
			route_remote(&jobs, &njobs, &env, i);
			continue;
		}
		log_set_service("local");
		local_deliver(&ctx, r->addr, &res);
		forwarded = 0;
		only_forwarded = res.status == DS_OK && res.text.len == 0;
		drop_forwarded(&ctx, &env);
		if (ctx.nfwd > 0) {
			/* forwarded addresses are members too: queued once */
			str_reset(&err);
			forwarded = 1;
			if (forward(p, &ctx, &env, r->addr, t_attempt, t_rcpt, &err) < 0) {
				res.status = DS_DEFER;
				memcpy(res.dsn, "4.3.0", 6);
				str_reset(&res.text);
				str_printf(&res.text, "cannot queue forwarded copy: %s", err.s);
			} else {
				for (j = 0; j < ctx.nfwd; j++)
					env_set_member(&env, env_member_key("forward",
					    ctx.fwd[j], 0), RCPT_SENT, "2.0.0", "forwarded");
			}
		}
		local_forget_forwards(&ctx);
		if (res.status == DS_OK && res.dsn[0] == '\0') {
			memcpy(res.dsn, "2.0.0", 6);
			str_set(&res.text, "forwarded");
		}
		env_set_reason(r, res.dsn, str_c(&res.text));
		switch (res.status) {
		case DS_OK:
			r->state = RCPT_SENT;
			/* only forwarded: its "forwarded as" line says it all */
			if (!forwarded || !only_forwarded)
				log_result(&env, r, "local", t_attempt, t_rcpt, "sent");
			break;
		case DS_BOUNCE:
			r->state = RCPT_FAILED;
			log_result(&env, r, "local", t_attempt, t_rcpt, "bounced");
			break;
		default:
			log_result(&env, r, "local", t_attempt, t_rcpt, "deferred");
			break;
		}
	}
	str_free(&res.text);
	for (i = 0; i < ctx.ndt; i++)
		free(ctx.delivered_to[i]);
	free(ctx.delivered_to);
	local_ctx_free(&ctx);

	/* the other recipients: one job per next hop, each in a worker */
	for (i = 0; i < njobs; i++) {
		struct hop *hop = NULL;

		for (j = 0; j < nhops; j++)
			if (strcasecmp(hops[j].key, jobs[i].nexthop) == 0)
				hop = &hops[j];
		attempt_remote(p, &env, &jobs[i], msgfd, t_attempt, hop);
		if (hop != NULL)
			hop->st = DEST_DEAD;	/* released: not again below */
		transport_job_free(&jobs[i]);
	}
	free(jobs);
	/* slots taken for next hops that ended up with no job (none, normally) */
	for (j = 0; j < nhops; j++)
		if (hops[j].st == DEST_OK)
			dest_release(hops[j].key, DEST_UNKNOWN, NULL);
	free(hops);
	hops = NULL;
	log_set_service("qmgr");

	env.attempts++;
	env.last_attempt = now;
	pending = env_pending(&env);
	if (pending > 0 && now - env.arrival >= p->set.lifetime) {
		for (i = 0; i < env.nrcpt; i++) {
			struct rcpt *r = &env.rcpt[i];
			struct str why = STR_INIT;

			if (r->state != RCPT_PENDING)
				continue;
			str_printf(&why, "message expired after %ld days in the queue: %s",
			    (long)((now - env.arrival) / 86400), r->reason ? r->reason : "not delivered");
			r->state = RCPT_FAILED;
			env_set_reason(r, r->dsn[0] ? r->dsn : "4.4.7", why.s);
			log_result(&env, r, "none", t_attempt, t_attempt, "expired");
			str_free(&why);
		}
		log_info("%s: from=<%s>, status=expired, returned to sender", env.id, env.sender);
		pending = 0;
	}
	if (pending > 0)
		env.next_attempt = now + backoff(p, env.attempts);

	/* Record the results before any notice goes out. A message that is
	 * done and needs no notice is simply removed below: a crash before
	 * that repeats one delivery, as the crash rules allow. */
	str_reset(&err);
	if ((pending > 0 || bounce_count(&env, BOUNCE_FAILED) > 0 ||
	    bounce_count(&env, BOUNCE_DELIVERED) > 0) &&
	    spool_env_update(&fd, &env, &err) < 0)
		log_warning("%s: cannot record delivery results: %s", id, err.s);

	/* A notice that cannot be queued keeps the entry: the next run tries again. */
	if (notify(p, &env, msgfd, BOUNCE_FAILED, &changed) < 0 ||
	    notify(p, &env, msgfd, BOUNCE_DELIVERED, &changed) < 0)
		notices_failed = 1;
	if (pending > 0 && p->set.warn_after > 0 && !env.warned &&
	    now - env.arrival >= p->set.warn_after)
		(void)notify(p, &env, msgfd, BOUNCE_DELAYED, &changed);
	log_set_service("qmgr");

	result = outcome(&env);
	if (was_pending != NULL)
		print_failures(o->failures, &env, was_pending);
	str_reset(&err);
	if (notices_failed && pending == 0) {
		env.next_attempt = now + p->set.min_backoff;
		if (spool_env_update(&fd, &env, &err) < 0)
			log_warning("%s: cannot record notices: %s", id, err.s);
	} else if (pending == 0) {
		if (spool_remove(id, &err) == 0)
			log_info("%s: removed", id);
		else {
			/* at least record that it is done, so it is not delivered again */
			log_warning("%s: %s", id, err.s);
			str_reset(&err);
			if (spool_env_update(&fd, &env, &err) < 0)
				log_warning("%s: cannot record delivery results: %s", id, err.s);
		}
	} else if (changed && spool_env_update(&fd, &env, &err) < 0)
		log_warning("%s: cannot record notices: %s", id, err.s);
	goto out;
skip:
	result = RUNQ_DONE;
out:
	free(was_pending);
	if (msgfd >= 0)
		close(msgfd);
	if (fd >= 0)
		close(fd);
	env_free(&env);
	str_free(&err);
	return result;
}

