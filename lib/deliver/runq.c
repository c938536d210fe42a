/*
 * runq - the queue runner: one pass over the spool
 *
 * DESCRIPTION
 *	See runq.h. A pass reads its settings once, moves maildrop entries
 *	into the queue (pickup), removes what crashes left behind, selects
 *	the queue entries to attempt and hands them to a pool of delivery
 *	processes; each entry's attempt is qmgr.c's. Entries the pass
 *	creates (forwarded copies, notices) are attempted before it ends.
 *
 * SECURITY
 *	runq runs as root or as the owner of a private instance's spool.
 *	Maildrop files are untrusted input from any local user: on a system
 *	spool they are parsed in a child that has become the spool owner
 *	(pickup), who owns the maildrop and the queue and needs nothing more.
 *	Debris is removed only when it is a regular file older than an hour,
 *	found with lstat (no link followed), in the spool's own directories.
 *	Delivery workers die with a killed runq (PR_SET_PDEATHSIG), so none
 *	is left holding entry locks. Queue IDs from the work pipe are
 *	checked with spool_id_valid before they become paths.
 *
 * DIAGNOSTICS
 *	Trouble with one entry is logged and does not end the pass; what
 *	ends it is returned as runq.h says.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "aliases.h"
#include "conf.h"
#include "local.h"
#include "log.h"
#include "privs.h"
#include "runq_int.h"
#include "spool.h"
#include "transport.h"
#include "util.h"

#define DEBRIS_GRACE	3600	/* seconds before crash debris is removed */
#define PICKUP_BATCH	256	/* maildrop entries made durable by one syncfs */

/* pass_free - release what load_settings and the pass collected */
static void
pass_free(struct runq_pass *p)
{
	conf_list_free(p->set.mydest);
	free(p->set.alias_db);
	spool_list_free(p->created, p->ncreated);
	p->set.mydest = NULL;
	p->set.alias_db = NULL;
	p->created = NULL;
	p->ncreated = 0;
}

/* load_settings - read what a pass needs once: 0, or -1 with err */
static int
load_settings(struct runq_pass *p, struct str *err)
{
	struct str path = STR_INIT, why = STR_INIT;
	int r;

	memset(p, 0, sizeof(*p));
	p->set.mydest = conf_list("mydestination");
	p->set.hostname = conf_str("myhostname");
	p->set.origin = conf_str("myorigin");
	r = aliases_map_path(conf_str("alias_maps"), &path, &why);
	if (r < 0) {
		str_printf(err, "alias_maps: %s", str_c(&why));
		str_free(&path);
		str_free(&why);
		return -1;
	}
	p->set.alias_db = r > 0 ? xasprintf("%s.cdb", path.s) : xstrdup("");
	str_free(&path);
	str_free(&why);
	p->set.min_backoff = conf_time("minimal_backoff_time");
	p->set.max_backoff = conf_time("maximal_backoff_time");
	p->set.lifetime = conf_time("maximal_queue_lifetime");
	p->set.warn_after = conf_time("delay_warning_time");
	p->set.size_limit = conf_size("message_size_limit");
	p->set.header_limit = conf_size("header_size_limit");
	if (p->set.min_backoff < 1)
		p->set.min_backoff = 1;
	if (p->set.max_backoff < p->set.min_backoff)
		p->set.max_backoff = p->set.min_backoff;
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

/* pickup_all - move every maildrop entry into the queue */
static void
pickup_all(const struct runq_pass *p)
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
		rc = spool_pickup_one(ids[i], p->set.size_limit, p->set.hostname, &batch,
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
			rc = spool_pickup_one(ids[i], p->set.size_limit, p->set.hostname,
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
pickup(const struct runq_pass *p)
{
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int status;

	spool_get_owner(&uid, &gid);
	if (geteuid() != 0 || uid == 0 || uid == (uid_t)-1) {
		pickup_all(p);
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
		pickup_all(p);
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

/*
 * deliver_created - new entries (bounces, forwards) go out in the same
 * pass; a bounded number of rounds, since a notice may in principle cause
 * another.
 */
static void
deliver_created(struct runq_pass *p, const struct runq_opts *o, time_t now)
{
	struct runq_opts all = *o;
	size_t i;
	int round;

	all.only_id = NULL;
	all.rcpt_match = NULL;
	all.sender_match = NULL;
	for (round = 0; round < 4 && p->ncreated > 0; round++) {
		char **todo = p->created;
		size_t ntodo = p->ncreated;

		p->created = NULL;
		p->ncreated = 0;
		for (i = 0; i < ntodo; i++)
			(void)runq_deliver_one(p, todo[i], &all, now);
		spool_list_free(todo, ntodo);
	}
}

/* selected - does a queue ID match -I? */
static int
selected(const struct runq_opts *o, const char *id)
{
	if (o->only_id == NULL)
		return 1;
	return spool_id_valid(o->only_id) ? strcmp(id, o->only_id) == 0 :
	    runq_contains(id, o->only_id);
}

/*
 * What a worker tells the dispatcher after each entry (one packet on the
 * back pipe, smaller than PIPE_BUF so that writes never interleave):
 * 'D' the entry is done; 'P' it was postponed because its next hop key
 * was busy; and in both cases, when a remote job ended, the next hop it
 * ended for (freed), so that entries waiting for it go out again.
 */
struct backmsg {
	char	 type;				/* 'D' or 'P' */
	char	 id[SPOOL_ID_LEN + 1];
	char	 key[DEST_KEY_MAX];		/* 'P': the busy next hop */
	char	 freed[DEST_KEY_MAX];		/* a next hop with a job ended, or "" */
};

/*
 * worker - deliver the queue IDs that come through the work pipe, one at
 * a time, until it is empty and closed; then what they created.
 */
static void
worker(struct runq_pass *p, int work, int back, const struct runq_opts *o, time_t now)
{
	char id[SPOOL_ID_LEN + 2];
	struct backmsg m;
	ssize_t n;

	for (;;) {
		n = read(work, id, sizeof(id));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(id))
			break;		/* end of the work, or a broken pipe */
		id[SPOOL_ID_LEN] = '\0';
		p->postponed[0] = '\0';
		p->released = 0;
		if (spool_id_valid(id))
			(void)runq_deliver_one(p, id, o, now);
		memset(&m, 0, sizeof(m));
		m.type = p->postponed[0] ? 'P' : 'D';
		memcpy(m.id, id, SPOOL_ID_LEN);
		util_strlcpy(m.key, p->postponed, sizeof(m.key));
		if (p->released)
			util_strlcpy(m.freed, p->released_key, sizeof(m.freed));
		(void)util_write_all(back, &m, sizeof(m));
	}
	close(back);
	deliver_created(p, o, now);
	transport_finish();
}

/* a postponed entry and the next hop it waits for */
struct waiting {
	char	 id[SPOOL_ID_LEN + 1];
	char	 key[DEST_KEY_MAX];
};

struct dispatch {
	char		**ids;		/* the pass's entries, in order */
	size_t		  n, next;
	struct waiting	 *wait;		/* postponed */
	size_t		  nwait;
	char		**ready;	/* postponed ones whose next hop freed up */
	size_t		  nready;
	size_t		  inflight;
	int		  rounds;	/* times everything waiting was retried */
};

/* next_id - the next entry to hand out, or NULL */
static const char *
next_id(struct dispatch *d, const struct runq_opts *o)
{
	if (d->nready > 0)
		return d->ready[d->nready - 1];
	while (d->next < d->n && !selected(o, d->ids[d->next]))
		d->next++;
	return d->next < d->n ? d->ids[d->next] : NULL;
}

/* taken - the entry next_id returned went out */
static void
taken(struct dispatch *d)
{
	if (d->nready > 0)
		free(d->ready[--d->nready]);
	else
		d->next++;
	d->inflight++;
}

/* wake - entries waiting for key (or all, with NULL) are ready again */
static void
wake(struct dispatch *d, const char *key)
{
	size_t i, kept = 0;

	for (i = 0; i < d->nwait; i++) {
		if (key == NULL || strcasecmp(d->wait[i].key, key) == 0) {
			d->ready = xreallocarray(d->ready, d->nready + 1, sizeof(*d->ready));
			d->ready[d->nready++] = xstrdup(d->wait[i].id);
		} else
			d->wait[kept++] = d->wait[i];
	}
	d->nwait = kept;
}

/* take_back - one worker's report */
static void
take_back(struct dispatch *d, const struct backmsg *m)
{
	struct backmsg c = *m;

	c.id[SPOOL_ID_LEN] = '\0';
	c.key[sizeof(c.key) - 1] = '\0';
	c.freed[sizeof(c.freed) - 1] = '\0';
	if (d->inflight > 0)
		d->inflight--;
	if (c.type == 'P' && spool_id_valid(c.id)) {
		d->wait = xreallocarray(d->wait, d->nwait + 1, sizeof(*d->wait));
		memcpy(d->wait[d->nwait].id, c.id, sizeof(c.id));
		util_strlcpy(d->wait[d->nwait].key, c.key, sizeof(d->wait[d->nwait].key));
		d->nwait++;
	}
	if (c.freed[0])
		wake(d, c.freed);
}

/*
 * dispatch - hand the entries to the workers (work pipe, one ID a
 * packet) and take their reports (back pipe) until everything is done.
 * Postponed entries go out again when a job for their next hop ends;
 * when nothing is in flight any more, whatever still waits is retried, a
 * few rounds at most, and then left for the next run.
 */
static void
dispatch(struct dispatch *d, const struct runq_opts *o, int work, int back)
{
	char line[SPOOL_ID_LEN + 2];
	struct backmsg m;
	struct pollfd pfd[2];
	const char *id;
	ssize_t n;

	for (;;) {
		id = next_id(d, o);
		if (id == NULL && d->inflight == 0) {
			if (d->nwait == 0 || ++d->rounds > 3)
				break;
			wake(d, NULL);
			continue;
		}
		pfd[0].fd = id ? work : -1;
		pfd[0].events = POLLOUT;
		pfd[1].fd = back;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			n = read(back, &m, sizeof(m));
			if (n == (ssize_t)sizeof(m))
				take_back(d, &m);
			else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				break;	/* every worker is gone */
			continue;
		}
		if (id && (pfd[0].revents & POLLOUT)) {
			memcpy(line, id, SPOOL_ID_LEN);
			line[SPOOL_ID_LEN] = '\n';
			line[SPOOL_ID_LEN + 1] = '\0';
			if (write(work, line, sizeof(line)) == (ssize_t)sizeof(line))
				taken(d);
			else if (errno != EAGAIN && errno != EINTR)
				break;
		} else if (pfd[0].revents & (POLLERR | POLLHUP))
			break;
	}
	if (d->nwait > 0)
		log_info("%zu entries wait for busy destinations: left for the next run",
		    d->nwait);
}

/*
 * runq_run - one pass over the queue.
 *
 * Entries are handed to up to default_process_limit delivery processes
 * (each with its own transport worker for remote jobs) through a
 * pipe in packet mode (one queue ID a read): each worker takes the next
 * entry when it is done with one, so an entry that waits (a locked
 * mailbox, a slow command, up to their time limits) holds one worker
 * and the others deliver everything else. The per-entry locks keep two
 * workers, or two runq processes, from delivering one message.
 */
int
runq_run(const struct runq_opts *o, enum runq_outcome *out, struct str *err)
{
	char **ids, line[SPOOL_ID_LEN + 2];
	size_t n, i, todo = 0;
	time_t now = time(NULL);
	enum runq_outcome one;
	int rc = 0, workers, w, status, work[2], back[2];
	struct dispatch d;
	pid_t *pids = NULL;
	long max_workers = conf_int("default_process_limit");
	struct runq_pass pass, *p = &pass;

	*out = RUNQ_DONE;
	if (load_settings(p, err) < 0) {
		pass_free(p);
		*out = RUNQ_FAIL_CONFIG;
		return -1;
	}
	check_mail_spool();
	pickup(p);
	log_set_service("qmgr");
	clean_debris(now);
	if (spool_scan_queue(&ids, &n, err) < 0) {
		pass_free(p);
		*out = RUNQ_FAIL_SPOOL;
		return -1;
	}
	for (i = 0; i < n; i++)
		if (selected(o, ids[i]))
			todo++;

	/* One entry (sendmail's own, -I): here, and its outcome is the result. */
	if (todo < 2 || pipe2(work, O_DIRECT | O_CLOEXEC) < 0) {
		for (i = 0; i < n; i++) {
			if (!selected(o, ids[i]))
				continue;
			one = runq_deliver_one(p, ids[i], o, now);
			if (o->only_id && spool_id_valid(o->only_id))
				*out = one;
		}
		deliver_created(p, o, now);
		transport_finish();
		goto out;
	}
	workers = todo < (size_t)max_workers ? (int)todo : (int)max_workers;
	pids = xreallocarray(NULL, (size_t)workers, sizeof(*pids));
	if (pipe2(back, O_DIRECT | O_CLOEXEC) < 0) {
		close(work[0]);
		close(work[1]);
		str_printf(err, "cannot make a pipe: %s", strerror(errno));
		*out = RUNQ_FAIL_SPOOL;
		rc = -1;
		goto out;
	}
	(void)dest_table_create();
	for (w = 0; w < workers; w++) {
		if ((pids[w] = fork()) == 0) {
			/* a runq that is killed takes its workers with it */
			(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			close(work[1]);
			close(back[0]);
			worker(p, work[0], back[1], o, now);
			_exit(0);
		}
		if (pids[w] < 0) {
			log_warning("cannot fork a queue worker: %s", strerror(errno));
			break;
		}
	}
	workers = w;
	close(work[0]);
	close(back[1]);
	if (workers == 0) {
		close(work[1]);
		close(back[0]);
		str_printf(err, "cannot start a queue worker");
		*out = RUNQ_FAIL_SPOOL;
		rc = -1;
		goto out;
	}
	/* workers that die leave the pipe without readers: stop handing out */
	signal(SIGPIPE, SIG_IGN);
	(void)fcntl(work[1], F_SETFL, O_NONBLOCK);
	memset(&d, 0, sizeof(d));
	d.ids = ids;
	d.n = n;
	dispatch(&d, o, work[1], back[0]);
	close(work[1]);
	/* the workers' reports about what they created: drain to the end */
	while (read(back[0], &line, sizeof(line)) > 0)
		;
	close(back[0]);
	for (w = 0; w < workers; w++)
		while (waitpid(pids[w], &status, 0) < 0 && errno == EINTR)
			;
	while (d.nready > 0)
		free(d.ready[--d.nready]);
	free(d.ready);
	free(d.wait);
	dest_table_destroy();
out:
	free(pids);
	spool_list_free(ids, n);
	pass_free(p);
	return rc;
}

/* runq_verify - sendmail -bv: where would each recipient's mail go? */
int
runq_verify(char **addrs, size_t n, FILE *out, enum runq_outcome *res,
    struct str *err)
{
	struct envelope env;
	struct local_ctx ctx;
	struct str q = STR_INIT, a = STR_INIT, report = STR_INIT, why = STR_INIT;
	struct addr_list l = { NULL, 0, 0 };
	struct runq_pass pass, *p = &pass;
	size_t i, j;

	*res = RUNQ_DONE;
	if (load_settings(p, err) < 0) {
		pass_free(p);
		*res = RUNQ_FAIL_CONFIG;
		return -1;
	}
	env_init(&env);
	env.sender = xstrdup("");
	runq_ctx_init(p, &ctx, &env, -1);
	for (i = 0; i < n; i++) {
		addr_scan(addrs[i], strlen(addrs[i]), &l);
		for (j = 0; j < l.n; j++) {
			addr_qualify(l.v[j].addr, p->set.origin, &q);
			str_reset(&why);
			if (addr_to_ascii(q.s, &a, &why) < 0) {
				fprintf(out, "%s... undeliverable: %s\n", l.v[j].addr, why.s);
				*res = RUNQ_UNDELIVERABLE;
				continue;
			}
			if (!local_is_local(&ctx, a.s)) {
				const char *relay = conf_str("relayhost");

				if (transport_remote == &transport_none)
					fprintf(out, "%s... deliverable: remote, held in the queue "
					    "(remote delivery not configured)\n", a.s);
				else
					fprintf(out, "%s... deliverable: remote, via smtp to %s\n",
					    a.s, *relay ? relay : addr_domain(a.s) ? addr_domain(a.s) : "?");
				continue;
			}
			local_verify(&ctx, a.s, &report);
			fprintf(out, "%s... %s%s\n", a.s,
			    strncmp(str_c(&report), "undeliverable", 13) == 0 ? "" : "deliverable: ",
			    str_c(&report));
			if (strncmp(str_c(&report), "undeliverable", 13) == 0)
				*res = RUNQ_UNDELIVERABLE;
			local_ctx_free(&ctx);
			str_init(&ctx.done);
		}
		addr_list_free(&l);
	}
	local_ctx_free(&ctx);
	env_free(&env);
	pass_free(p);
	str_free(&q);
	str_free(&a);
	str_free(&report);
	str_free(&why);
	return 0;
}
