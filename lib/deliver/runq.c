/*
 * runq - the queue runner: pickup, scan, deliver, retry, bounce, expire
 *
 * See runq.h. The order of steps for one message is what makes it crash
 * safe: deliver, record the results (envelope rewrite), then queue the
 * notices the results call for, then record that they were sent (or
 * remove the entry). A crash between two steps repeats at most the step
 * that was under way: one delivery or one notice.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "aliases.h"
#include "bounce.h"
#include "conf.h"
#include "header.h"
#include "local.h"
#include "log.h"
#include "privs.h"
#include "runq.h"
#include "spool.h"
#include "transport.h"
#include "util.h"

#define DEBRIS_GRACE	3600	/* seconds before crash debris is removed */
#define PICKUP_BATCH	256	/* maildrop entries made durable by one syncfs */
#define MAX_WORKERS	4	/* delivery processes of one pass */
#define STUCK_GRACE	3600	/* seconds beyond command_time_limit before
				   a held entry is reported */

struct settings {
	char		**mydest;
	const char	*hostname;
	const char	*origin;
	char		*alias_db;
	long		 min_backoff;
	long		 max_backoff;
	long		 lifetime;
	long		 warn_after;
	long long	 size_limit;
	long long	 header_limit;
};

static struct settings set;

static void log_delivery(const struct envelope *, const char *, const char *,
    double, double, const char *, const char *, const char *);

/* queue entries this pass created (forwards, notices): delivered before it ends */
static char **created;
static size_t ncreated;

/* remember_created - note a new entry for the end of the pass */
static void
remember_created(const char *id)
{
	created = xreallocarray(created, ncreated + 1, sizeof(char *));
	created[ncreated++] = xstrdup(id);
}

/* load_settings - read what a pass needs once: 0, or -1 with err */
static int
load_settings(struct str *err)
{
	struct str path = STR_INIT, why = STR_INIT;
	int r;

	conf_list_free(set.mydest);
	free(set.alias_db);
	set.alias_db = NULL;
	set.mydest = conf_list("mydestination");
	set.hostname = conf_str("myhostname");
	set.origin = conf_str("myorigin");
	r = aliases_map_path(conf_str("alias_maps"), &path, &why);
	if (r < 0) {
		str_printf(err, "alias_maps: %s", str_c(&why));
		str_free(&path);
		str_free(&why);
		return -1;
	}
	set.alias_db = r > 0 ? xasprintf("%s.cdb", path.s) : xstrdup("");
	str_free(&path);
	str_free(&why);
	set.min_backoff = conf_time("minimal_backoff_time");
	set.max_backoff = conf_time("maximal_backoff_time");
	set.lifetime = conf_time("maximal_queue_lifetime");
	set.warn_after = conf_time("delay_warning_time");
	set.size_limit = conf_size("message_size_limit");
	set.header_limit = conf_size("header_size_limit");
	if (set.min_backoff < 1)
		set.min_backoff = 1;
	if (set.max_backoff < set.min_backoff)
		set.max_backoff = set.min_backoff;
	return 0;
}

/*
 * check_mail_spool - a mailbox directory that anyone may write in lets a
 * user plant a file or lock under another's name and hold that user's
 * mail: say so (Debian's /var/mail is root:mail 2775).
 */
static void
check_mail_spool(void)
{
	struct stat st;
	const char *dir = conf_str("mail_spool_directory");

	if (geteuid() == 0 && stat(dir, &st) == 0 && (st.st_mode & S_IWOTH))
		log_warning("mail_spool_directory %s is writable by everyone: a user "
		    "can block another's mailbox; make it root:mail 2775", dir);
}

/* now_f - the time as a double, for delays in log lines */
static double
now_f(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* pickup_all - move every maildrop entry into the queue */
static void
pickup_all(void)
{
	struct str dir = STR_INIT, err = STR_INIT;
	struct envelope env;
	struct spool_batch batch;
	char **ids;
	size_t n, i;
	int rc;

	spool_batch_init(&batch);
	spool_path(&dir, "maildrop", NULL, NULL);
	if (spool_list_dir(dir.s, &ids, &n, &err) < 0) {
		/* not readable by this user: someone else's job */
		if (errno != EACCES)
			log_warning("pickup: %s", err.s);
		str_free(&dir);
		str_free(&err);
		return;
	}
	for (i = 0; i < n; i++) {
		log_set_service("pickup");
		str_reset(&err);
		if (i > 0 && i % PICKUP_BATCH == 0 && spool_batch_end(&batch, &err) < 0)
			log_warning("pickup: %s", err.s);
		rc = spool_pickup_one(ids[i], set.size_limit, set.hostname, &batch,
		    &env, &err);
		if (rc == SPOOL_SYSERR) {
			/*
			 * Perhaps the file system is full: the batch still holds
			 * the maildrop copies of what it queued. Make it durable
			 * so they go, and try this entry once more.
			 */
			str_reset(&err);
			if (spool_batch_end(&batch, &err) < 0)
				log_warning("pickup: %s", err.s);
			str_reset(&err);
			rc = spool_pickup_one(ids[i], set.size_limit, set.hostname,
			    &batch, &env, &err);
		}
		switch (rc) {
		case 0:
			log_info("%s: uid=%ld from=<%s>", env.id, env.uid, env.sender);
			log_set_service("qmgr");
			log_info("%s: from=<%s>, size=%lld, nrcpt=%zu (queue active)",
			    env.id, env.sender, env.size, env.nrcpt);
			env_free(&env);
			break;
		case SPOOL_BAD:
			log_warning("%s: invalid maildrop entry moved to corrupt/: %s",
			    ids[i], err.s);
			str_reset(&err);
			if (spool_move_corrupt("maildrop", ids[i], &err) < 0)
				log_warning("%s: %s", ids[i], err.s);
			break;
		case SPOOL_GONE:
		case SPOOL_BUSY:
			break;
		default:
			log_warning("%s: pickup failed: %s", ids[i], err.s);
			break;
		}
	}
	/* the batch is made durable before its maildrop files go */
	log_set_service("pickup");
	str_reset(&err);
	if (n > 0 && spool_batch_end(&batch, &err) < 0)
		log_warning("pickup: %s", err.s);
	spool_list_free(ids, n);
	str_free(&dir);
	str_free(&err);
}

/*
 * pickup - run pickup_all with the spool owner's rights. Maildrop files
 * are untrusted input from any local user: on a system spool, runq (root)
 * parses them in a child that has become the spool owner, who owns the
 * maildrop and the queue and needs nothing more.
 */
static void
pickup(void)
{
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int status;

	spool_get_owner(&uid, &gid);
	if (geteuid() != 0 || uid == 0 || uid == (uid_t)-1) {
		pickup_all();
		return;
	}
	if ((pid = fork()) < 0) {
		log_warning("pickup: cannot fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		if (privs_become(uid, gid) < 0) {
			log_error("pickup: cannot switch to uid %ld: %s", (long)uid,
			    strerror(errno));
			_exit(1);
		}
		pickup_all();
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/* old_enough - is the file older than the grace period? */
static int
old_enough(const char *path, time_t now)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    now - st.st_mtime > DEBRIS_GRACE;
}

/*
 * clean_debris - remove what crashes leave: hidden temporaries and message
 * files without an envelope, once they are older than the grace period
 * (so that a writer still at work is never disturbed).
 */
static void
clean_debris(time_t now)
{
	struct str dir = STR_INIT, path = STR_INIT, env = STR_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int h;

	for (h = -1; h < 16; h++) {
		str_reset(&dir);
		if (h < 0)
			spool_path(&dir, "maildrop", NULL, NULL);
		else
			str_printf(&dir, "%s/queue/%X", spool_dir(), h);
		if ((d = opendir(dir.s)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			size_t len = strlen(de->d_name);

			str_reset(&path);
			str_printf(&path, "%s/%s", dir.s, de->d_name);
			if (de->d_name[0] == '.' && strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0) {
				if (old_enough(path.s, now) && unlink(path.s) == 0)
					log_info("removed stale temporary file %s", path.s);
				continue;
			}
			if (h >= 0 && len == SPOOL_ID_LEN + 4 &&
			    strcmp(de->d_name + SPOOL_ID_LEN, ".msg") == 0) {
				str_reset(&env);
				str_append(&env, path.s, path.len - 4);
				str_appends(&env, ".env");
				if (lstat(env.s, &st) < 0 && errno == ENOENT &&
				    old_enough(path.s, now) && unlink(path.s) == 0)
					log_info("%.*s: removed message file without envelope",
					    SPOOL_ID_LEN, de->d_name);
			}
		}
		closedir(d);
	}
	str_free(&dir);
	str_free(&path);
	str_free(&env);
}

/* contains - case-insensitive substring test */
static int
contains(const char *hay, const char *needle)
{
	return needle == NULL || strcasestr(hay, needle) != NULL;
}

/* delivered_to - collect the Delivered-To: values of the message */
static void
delivered_to(int fd, struct local_ctx *ctx)
{
	struct str head = STR_INIT, err = STR_INIT;
	struct headers h;
	ssize_t n;
	size_t i, want = set.header_limit > 0 ? (size_t)set.header_limit : 102400;

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

/*
 * forward - queue a new message to the remote addresses an alias or
 * .forward expanded to. Delivered-To: goes on top so that a loop back to
 * this host is caught. The message is copied from the queued one through
 * a fixed buffer.
 */
static int
forward(struct local_ctx *ctx, const struct envelope *env, const char *rcpt,
    double t_attempt, double t_rcpt, struct str *err)
{
	struct envelope fe;
	struct spool_writer w;
	struct str pre = STR_INIT, text = STR_INIT;
	size_t i;
	int rc = -1;

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
	if (spool_queue_begin(fe.id, &w, err) != 0)
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
	remember_created(fe.id);
	rc = 0;
out:
	env_free(&fe);
	str_free(&pre);
	str_free(&text);
	return rc;
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

/* notify - queue one kind of notice if the envelope calls for it */
static int
notify(struct envelope *env, int msgfd, enum bounce_kind kind, int *changed)
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
	if (bounce_make(env, msgfd, kind, set.hostname, NULL, &be, &msg, &err) < 0 ||
	    spool_queue_commit(&be, NULL, 0, msg.s, msg.len, &err) < 0) {
		log_warning("%s: cannot queue %s: %s", env->id, what[kind], err.s);
		rc = -1;
	} else {
		log_info("%s: %s: %s", env->id, what[kind], be.id);
		log_set_service("qmgr");
		log_info("%s: from=<>, size=%lld, nrcpt=%zu (queue active)",
		    be.id, be.size, be.nrcpt);
		remember_created(be.id);
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
backoff(int attempts)
{
	long d = set.min_backoff;
	int i;

	for (i = 1; i < attempts && d < set.max_backoff; i++)
		d *= 2;
	return d > set.max_backoff ? set.max_backoff : d;
}

/*
 * outcome - the sysexits summary of one message, for sendmail -odi: 0 when
 * delivered or queued for a retry, EX_NOUSER or EX_UNAVAILABLE when a
 * recipient failed for good (the sender gets a notice as well).
 */
static int
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
	return unknown ? EX_NOUSER : bounced ? EX_UNAVAILABLE : 0;
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

/*
 * route_remote - a recipient that is not local joins the job of its next
 * hop (its domain; relayhost will take precedence when remote delivery
 * has one), so that one transaction carries all recipients of one
 * destination.
 */
static void
route_remote(struct xjob **jobs, size_t *njobs, const struct envelope *env,
    size_t idx)
{
	const struct rcpt *r = &env->rcpt[idx];
	const char *dom = addr_domain(r->addr);
	size_t i;

	if (dom == NULL)
		dom = "";
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
 * owner, never root) and record each recipient's result.
 */
static void
attempt_remote(struct envelope *env, struct xjob *job, double t_attempt)
{
	const struct transport *t = &transport_none;
	double t_job = now_f();
	uid_t uid;
	gid_t gid;
	size_t i;

	spool_get_owner(&uid, &gid);
	(void)transport_run(t, job, uid, gid, conf_time("command_time_limit") + 3600);
	log_set_service(t->name);
	for (i = 0; i < job->nrcpt; i++) {
		struct rcpt *r = &env->rcpt[job->rcpt[i].idx];
		const struct dresult *res = &job->rcpt[i].res;

		env_set_reason(r, res->dsn, str_c(&res->text));
		if (res->status == DS_OK)
			r->state = RCPT_SENT;
		else if (res->status == DS_BOUNCE)
			r->state = RCPT_FAILED;
		log_result(env, r, "none", t_attempt, t_job, res->status == DS_OK ?
		    "sent" : res->status == DS_BOUNCE ? "bounced" : "deferred");
	}
}

/* deliver_one - one queue entry: see the top of this file */
static int
deliver_one(const char *id, const struct runq_opts *o, time_t now)
{
	struct envelope env;
	struct local_ctx ctx;
	struct dresult res;
	struct str err = STR_INIT;
	size_t i;
	int fd = -1, msgfd = -1, rc, result = 0, changed = 0, pending;
	int notices_failed = 0, forwarded, only_forwarded;
	struct xjob *jobs = NULL;
	size_t j, njobs = 0;
	double t_attempt = now_f(), t_rcpt;

	log_set_service("qmgr");
	rc = spool_env_open(id, 1, &fd, &env, &err);
	if (rc == SPOOL_BUSY) {
		busy(id, now);
		str_free(&err);
		return 0;	/* another runner has it */
	}
	if (rc == SPOOL_GONE) {
		str_free(&err);
		return 0;	/* delivered by another runner meanwhile */
	}
	if (rc == SPOOL_BAD) {
		log_warning("%s: malformed queue entry moved to corrupt/: %s", id, err.s);
		str_reset(&err);
		if (spool_move_corrupt("queue", id, &err) < 0)
			log_warning("%s: %s", id, err.s);
		str_free(&err);
		return EX_SOFTWARE;
	}
	if (rc < 0) {
		log_warning("%s: %s", id, err.s);
		str_free(&err);
		return EX_TEMPFAIL;
	}
	if (!contains(env.sender, o->sender_match))
		goto skip;
	if (o->rcpt_match) {
		for (i = 0; i < env.nrcpt; i++)
			if (env.rcpt[i].state == RCPT_PENDING && contains(env.rcpt[i].addr, o->rcpt_match))
				break;
		if (i == env.nrcpt)
			goto skip;
	}
	if (!o->flush && !o->only_id && env.next_attempt > now)
		goto skip;
	if ((msgfd = spool_msg_open(id, &err)) < 0) {
		log_warning("%s: message file missing, entry moved to corrupt/: %s", id, err.s);
		close(fd);
		fd = -1;
		str_reset(&err);
		(void)spool_move_corrupt("queue", id, &err);
		result = EX_SOFTWARE;
		goto out;
	}
	if (env.attempts > 0)	/* a retry: Postfix logs this at each one */
		log_info("%s: from=<%s>, size=%lld, nrcpt=%zu (queue active)",
		    env.id, env.sender, env.size, env.nrcpt);

	local_ctx_init(&ctx, &env, msgfd);
	ctx.mydest = set.mydest;
	ctx.alias_db = set.alias_db;
	ctx.myhostname = set.hostname;
	ctx.myorigin = set.origin;
	delivered_to(msgfd, &ctx);
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
			if (forward(&ctx, &env, r->addr, t_attempt, t_rcpt, &err) < 0) {
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
		jobs[i].msgfd = msgfd;
		attempt_remote(&env, &jobs[i], t_attempt);
		transport_job_free(&jobs[i]);
	}
	free(jobs);
	log_set_service("qmgr");

	env.attempts++;
	env.last_attempt = now;
	pending = env_pending(&env);
	if (pending > 0 && now - env.arrival >= set.lifetime) {
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
		env.next_attempt = now + backoff(env.attempts);

	/* Record the results before any notice goes out. A message that is
	 * done and needs no notice is simply removed below: a crash before
	 * that repeats one delivery, as the crash rules allow. */
	str_reset(&err);
	if ((pending > 0 || bounce_count(&env, BOUNCE_FAILED) > 0 ||
	    bounce_count(&env, BOUNCE_DELIVERED) > 0) &&
	    spool_env_update(&fd, &env, &err) < 0)
		log_warning("%s: cannot record delivery results: %s", id, err.s);

	/* A notice that cannot be queued keeps the entry: the next run tries again. */
	if (notify(&env, msgfd, BOUNCE_FAILED, &changed) < 0 ||
	    notify(&env, msgfd, BOUNCE_DELIVERED, &changed) < 0)
		notices_failed = 1;
	if (pending > 0 && set.warn_after > 0 && !env.warned &&
	    now - env.arrival >= set.warn_after)
		(void)notify(&env, msgfd, BOUNCE_DELAYED, &changed);
	log_set_service("qmgr");

	result = outcome(&env);
	str_reset(&err);
	if (notices_failed && pending == 0) {
		env.next_attempt = now + set.min_backoff;
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
	result = 0;
out:
	if (msgfd >= 0)
		close(msgfd);
	if (fd >= 0)
		close(fd);
	env_free(&env);
	str_free(&err);
	return result;
}

/*
 * deliver_created - new entries (bounces, forwards) go out in the same
 * pass; a bounded number of rounds, since a notice may in principle cause
 * another.
 */
static void
deliver_created(const struct runq_opts *o, time_t now)
{
	struct runq_opts all = *o;
	size_t i;
	int round;

	all.only_id = NULL;
	all.rcpt_match = NULL;
	all.sender_match = NULL;
	for (round = 0; round < 4 && ncreated > 0; round++) {
		char **todo = created;
		size_t ntodo = ncreated;

		created = NULL;
		ncreated = 0;
		for (i = 0; i < ntodo; i++)
			(void)deliver_one(todo[i], &all, now);
		spool_list_free(todo, ntodo);
	}
}

/*
 * worker - deliver the queue IDs that come through the work pipe, one at
 * a time, until it is empty and closed; then what they created.
 */
static void
worker(int work, const struct runq_opts *o, time_t now)
{
	char id[SPOOL_ID_LEN + 2];
	ssize_t n;

	for (;;) {
		n = read(work, id, sizeof(id));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(id))
			break;		/* end of the work, or a broken pipe */
		id[SPOOL_ID_LEN] = '\0';
		if (spool_id_valid(id))
			(void)deliver_one(id, o, now);
	}
	deliver_created(o, now);
}

/* selected - does a queue ID match -I? */
static int
selected(const struct runq_opts *o, const char *id)
{
	if (o->only_id == NULL)
		return 1;
	return spool_id_valid(o->only_id) ? strcmp(id, o->only_id) == 0 :
	    contains(id, o->only_id);
}

/*
 * runq_run - one pass over the queue.
 *
 * Entries are handed to up to MAX_WORKERS delivery processes through a
 * pipe in packet mode (one queue ID a read): each worker takes the next
 * entry when it is done with one, so an entry that waits (a locked
 * mailbox, a slow command, up to their time limits) holds one worker
 * and the others deliver everything else. The per-entry locks keep two
 * workers, or two runq processes, from delivering one message.
 */
int
runq_run(const struct runq_opts *o, struct str *err)
{
	char **ids, line[SPOOL_ID_LEN + 2];
	size_t n, i, todo = 0;
	time_t now = time(NULL);
	int rc = 0, workers, w, status, work[2];
	pid_t pids[MAX_WORKERS];

	if (load_settings(err) < 0)
		return EX_CONFIG;
	check_mail_spool();
	pickup();
	log_set_service("qmgr");
	clean_debris(now);
	if (spool_scan_queue(&ids, &n, err) < 0)
		return EX_TEMPFAIL;
	for (i = 0; i < n; i++)
		if (selected(o, ids[i]))
			todo++;

	/* One entry (sendmail's own, -I): here, and its outcome is the result. */
	if (todo < 2 || pipe2(work, O_DIRECT | O_CLOEXEC) < 0) {
		for (i = 0; i < n; i++) {
			if (!selected(o, ids[i]))
				continue;
			w = deliver_one(ids[i], o, now);
			if (o->only_id && spool_id_valid(o->only_id))
				rc = w;
		}
		deliver_created(o, now);
		spool_list_free(ids, n);
		return rc;
	}
	workers = todo < MAX_WORKERS ? (int)todo : MAX_WORKERS;
	for (w = 0; w < workers; w++) {
		if ((pids[w] = fork()) == 0) {
			/* a runq that is killed takes its workers with it */
			(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			close(work[1]);
			worker(work[0], o, now);
			_exit(0);
		}
		if (pids[w] < 0) {
			log_warning("cannot fork a queue worker: %s", strerror(errno));
			break;
		}
	}
	workers = w;
	close(work[0]);
	if (workers == 0) {
		close(work[1]);
		spool_list_free(ids, n);
		str_printf(err, "cannot start a queue worker");
		return EX_TEMPFAIL;
	}
	/* workers that die leave the pipe without readers: stop handing out */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++) {
		if (!selected(o, ids[i]))
			continue;
		memcpy(line, ids[i], SPOOL_ID_LEN);
		line[SPOOL_ID_LEN] = '\n';
		line[SPOOL_ID_LEN + 1] = '\0';
		if (util_write_all(work[1], line, sizeof(line)) < 0)
			break;
	}
	close(work[1]);
	for (w = 0; w < workers; w++)
		while (waitpid(pids[w], &status, 0) < 0 && errno == EINTR)
			;
	spool_list_free(ids, n);
	return rc;
}

/* runq_verify - sendmail -bv: where would each recipient's mail go? */
int
runq_verify(char **addrs, size_t n, FILE *out)
{
	struct envelope env;
	struct local_ctx ctx;
	struct str q = STR_INIT, a = STR_INIT, report = STR_INIT, err = STR_INIT;
	struct addr_list l = { NULL, 0, 0 };
	size_t i, j;
	int rc = 0;

	if (load_settings(&err) < 0) {
		log_error("%s", err.s);
		str_free(&err);
		return EX_CONFIG;
	}
	env_init(&env);
	env.sender = xstrdup("");
	local_ctx_init(&ctx, &env, -1);
	ctx.mydest = set.mydest;
	ctx.alias_db = set.alias_db;
	ctx.myhostname = set.hostname;
	ctx.myorigin = set.origin;
	for (i = 0; i < n; i++) {
		addr_scan(addrs[i], strlen(addrs[i]), &l);
		for (j = 0; j < l.n; j++) {
			addr_qualify(l.v[j].addr, set.origin, &q);
			str_reset(&err);
			if (addr_to_ascii(q.s, &a, &err) < 0) {
				fprintf(out, "%s... undeliverable: %s\n", l.v[j].addr, err.s);
				rc = EX_NOUSER;
				continue;
			}
			if (!local_is_local(&ctx, a.s)) {
				fprintf(out, "%s... deliverable: remote, held in the queue "
				    "(remote delivery not configured)\n", a.s);
				continue;
			}
			local_verify(&ctx, a.s, &report);
			fprintf(out, "%s... %s%s\n", a.s,
			    strncmp(str_c(&report), "undeliverable", 13) == 0 ? "" : "deliverable: ",
			    str_c(&report));
			if (strncmp(str_c(&report), "undeliverable", 13) == 0)
				rc = EX_NOUSER;
			local_ctx_free(&ctx);
			str_init(&ctx.done);
		}
		addr_list_free(&l);
	}
	local_ctx_free(&ctx);
	env_free(&env);
	str_free(&q);
	str_free(&a);
	str_free(&report);
	str_free(&err);
	return rc;
}
