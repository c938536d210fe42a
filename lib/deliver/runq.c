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
	/* /etc/aliases edited without newaliases: the old database is used */
	if (r > 0 && aliases_check_age(path.s, &why))
		log_warning("%s", why.s);
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
	/* for mailq, run by users who cannot list the maildrop */
	str_reset(&err);
	if (spool_maildrop_mark_empty(&err) < 0)
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
	struct str dir = STR_INIT, path = STR_INIT, env = STR_INIT, id = STR_INIT;
	struct str err = STR_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int h, rc;

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
				if (lstat(env.s, &st) == 0 || errno != ENOENT)
					continue;
				/* a move to or from hold/ that a crash cut short */
				str_reset(&id);
				str_append(&id, de->d_name, SPOOL_ID_LEN);
				str_reset(&err);
				rc = spool_hold_repair(id.s, &err);
				if (rc == 0)
					log_info("%s: message file moved to hold/ after its envelope", id.s);
				if (rc != SPOOL_DONE) {
					/* busy: a hold or release is at work on it */
					if (rc < 0 && rc != SPOOL_BUSY)
						log_warning("%s: %s", id.s, err.s);
					continue;
				}
				/* a release may have completed the entry meanwhile */
				if (lstat(env.s, &st) == 0 || errno != ENOENT)
					continue;
				if (old_enough(path.s, now) && unlink(path.s) == 0)
					log_info("%.*s: removed message file without envelope",
					    SPOOL_ID_LEN, de->d_name);
			}
		}
		closedir(d);
	}
	str_free(&dir);
	str_free(&path);
	str_free(&env);
	str_free(&id);
	str_free(&err);
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

	all.only_id.n = 0;
	all.failures = NULL;
	all.rcpt_match.n = 0;
	all.sender_match.n = 0;
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
	return runq_selects(&o->only_id, id);
}

/* one_message - does -I name exactly one message (sendmail -odi)? */
static int
one_message(const struct runq_opts *o)
{
	return o->only_id.n == 1 && spool_id_valid(o->only_id.v[0]);
}

/*
 * held_named - an entry named whole with -I that is on hold is not in
 * the queue: say why it is not delivered
 */
static void
held_named(const struct runq_opts *o)
{
	struct str path = STR_INIT;
	struct stat st;
	size_t i;

	for (i = 0; i < o->only_id.n; i++) {
		if (!spool_id_valid(o->only_id.v[i]))
			continue;
		spool_path(&path, "hold", o->only_id.v[i], ".env");
		if (lstat(path.s, &st) == 0)
			log_warning("%s: on hold, not delivered: release it first "
			    "(posthorn release %s)", o->only_id.v[i], o->only_id.v[i]);
	}
	str_free(&path);
}

/*
 * What a worker tells the dispatcher (one packet on the back pipe,
 * smaller than PIPE_BUF so that writes never interleave), each with the
 * worker's pid: 'T' it took an entry; 'F' a job for the next hop key
 * ended ('*': several did), so entries waiting for it may go out again;
 * 'D' the entry is done; 'P' it was postponed untouched because its next
 * hop key was busy.
 */
struct backmsg {
	char	 type;
	pid_t	 pid;
	char	 id[SPOOL_ID_LEN + 1];
	char	 key[DEST_KEY_MAX];
};

/* report - one packet to the dispatcher */
static void
report(int back, char type, const char *id, const char *key)
{
	struct backmsg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.pid = getpid();
	if (id)
		memcpy(m.id, id, SPOOL_ID_LEN);
	if (key)
		util_strlcpy(m.key, key, sizeof(m.key));
	(void)util_write_all(back, &m, sizeof(m));
}

/*
 * worker - deliver the queue IDs that come through the work pipe, one at
 * a time, until it is empty and closed; then what they created (which is
 * never postponed: p->no_postpone).
 */
static void
worker(struct runq_pass *p, int work, int back, const struct runq_opts *o, time_t now)
{
	char id[SPOOL_ID_LEN + 2];
	pid_t parent = getppid();
	ssize_t n;
	size_t i;

	for (;;) {
		/* a switch of identity (reading a .forward) clears it: again */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		n = read(work, id, sizeof(id));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(id))
			break;		/* end of the work, or a broken pipe */
		id[SPOOL_ID_LEN] = '\0';
		report(back, 'T', id, NULL);
		p->postponed[0] = '\0';
		p->nreleased = 0;
		p->released_more = 0;
		if (spool_id_valid(id))
			(void)runq_deliver_one(p, id, o, now);
		for (i = 0; i < p->nreleased; i++)
			report(back, 'F', NULL, p->released[i]);
		if (p->released_more)
			report(back, 'F', NULL, "*");
		report(back, p->postponed[0] ? 'P' : 'D', id, p->postponed);
	}
	close(back);
	p->no_postpone = 1;
	deliver_created(p, o, now);
	transport_finish();
}

/* a postponed entry and the next hop it waits for */
struct waiting {
	char	 id[SPOOL_ID_LEN + 1];
	char	 key[DEST_KEY_MAX];
};

struct dispatch {
	/* the workers */
	struct runq_pass *p;
	const struct runq_opts *o;
	time_t		  now;
	int		  work[2], back[2];
	pid_t		 *pid;		/* 0: a free place */
	char		 *holds;	/* that worker took an entry, no report yet */
	size_t		  nworkers;
	/* the entries */
	char		**ids;		/* the pass's entries, in order */
	size_t		  n, next;
	struct waiting	 *wait;		/* postponed */
	size_t		  nwait;
	char		**ready;	/* postponed ones whose next hop freed up */
	size_t		  nready;
	size_t		  inflight;	/* handed out, no D or P report yet */
	int		  rounds;	/* times everything waiting was retried */
};

/* spawn - a queue worker in place w; 0 or -1 */
static int
spawn(struct dispatch *d, size_t w)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* a runq that is killed takes its workers with it */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(0);
		close(d->work[1]);
		close(d->back[0]);
		worker(d->p, d->work[0], d->back[1], d->o, d->now);
		_exit(0);
	}
	if (pid < 0) {
		log_warning("cannot fork a queue worker: %s", strerror(errno));
		d->pid[w] = 0;
		return -1;
	}
	d->pid[w] = pid;
	d->holds[w] = 0;
	return 0;
}

/* next_id - the next entry to hand out, or NULL */
static const char *
next_id(struct dispatch *d)
{
	if (d->nready > 0)
		return d->ready[d->nready - 1];
	while (d->next < d->n && !selected(d->o, d->ids[d->next]))
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

/* wake - entries waiting for key (or all, with NULL or "*") are ready again */
static void
wake(struct dispatch *d, const char *key)
{
	size_t i, kept = 0;

	for (i = 0; i < d->nwait; i++) {
		if (key == NULL || strcmp(key, "*") == 0 ||
		    strcasecmp(d->wait[i].key, key) == 0) {
			d->ready = xreallocarray(d->ready, d->nready + 1, sizeof(*d->ready));
			d->ready[d->nready++] = xstrdup(d->wait[i].id);
		} else
			d->wait[kept++] = d->wait[i];
	}
	d->nwait = kept;
}

/* slot_of - the place of a worker */
static ssize_t
slot_of(struct dispatch *d, pid_t pid)
{
	size_t w;

	for (w = 0; w < d->nworkers; w++)
		if (d->pid[w] == pid)
			return (ssize_t)w;
	return -1;
}

/* take_back - one worker's report */
static void
take_back(struct dispatch *d, const struct backmsg *m)
{
	struct backmsg c = *m;
	ssize_t w = slot_of(d, c.pid);

	c.id[SPOOL_ID_LEN] = '\0';
	c.key[sizeof(c.key) - 1] = '\0';
	switch (c.type) {
	case 'T':
		if (w >= 0)
			d->holds[w] = 1;
		break;
	case 'F':
		wake(d, c.key);
		break;
	case 'P':
	case 'D':
		if (w >= 0)
			d->holds[w] = 0;
		if (d->inflight > 0)
			d->inflight--;
		if (c.type == 'D' || !spool_id_valid(c.id))
			break;
		/* its next hop may have freed up before this report came */
		if (!dest_busy(c.key, conf_int("smtp_destination_concurrency_limit"))) {
			d->ready = xreallocarray(d->ready, d->nready + 1, sizeof(*d->ready));
			d->ready[d->nready++] = xstrdup(c.id);
			break;
		}
		d->wait = xreallocarray(d->wait, d->nwait + 1, sizeof(*d->wait));
		memcpy(d->wait[d->nwait].id, c.id, sizeof(c.id));
		util_strlcpy(d->wait[d->nwait].key, c.key, sizeof(d->wait[d->nwait].key));
		d->nwait++;
		break;
	}
}

/*
 * reap - workers that died (a crash, the OOM killer) before they said
 * they were done: the entry one held stays in the queue for the next run;
 * a new worker takes the place while there is work
 */
static void
reap(struct dispatch *d, int more)
{
	size_t w;
	int status;

	for (w = 0; w < d->nworkers; w++) {
		if (d->pid[w] <= 0 || waitpid(d->pid[w], &status, WNOHANG) != d->pid[w])
			continue;
		log_warning("queue worker %ld ended unexpectedly (%s %d)", (long)d->pid[w],
		    WIFSIGNALED(status) ? "signal" : "exit",
		    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		if (d->holds[w] && d->inflight > 0)
			d->inflight--;
		d->pid[w] = 0;
		if (more)
			(void)spawn(d, w);
	}
}

/* alive - how many workers are running */
static size_t
alive(const struct dispatch *d)
{
	size_t w, k = 0;

	for (w = 0; w < d->nworkers; w++)
		k += d->pid[w] > 0;
	return k;
}

/*
 * dispatch - hand the entries to the workers (work pipe, one ID a
 * packet) and take their reports (back pipe) until everything is done.
 * Postponed entries go out again when a job for their next hop ends;
 * when nothing is in flight any more, whatever still waits is retried, a
 * few rounds at most, and then left for the next run. Every second the
 * workers are checked: one that died is replaced, and what it held no
 * longer counts as in flight.
 */
static void
dispatch(struct dispatch *d)
{
	char line[SPOOL_ID_LEN + 2];
	struct backmsg m;
	struct pollfd pfd[2];
	const char *id;
	ssize_t n;
	int r;

	for (;;) {
		id = next_id(d);
		if (id == NULL && d->inflight == 0) {
			if (d->nwait == 0 || ++d->rounds > 3)
				break;
			wake(d, NULL);
			continue;
		}
		if (alive(d) == 0) {
			log_warning("no queue worker left: the rest waits for the next run");
			break;
		}
		pfd[0].fd = id ? d->work[1] : -1;
		pfd[0].events = POLLOUT;
		pfd[1].fd = d->back[0];
		pfd[1].events = POLLIN;
		if ((r = poll(pfd, 2, 1000)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (r == 0) {
			reap(d, id != NULL || d->inflight > 0);
			continue;
		}
		if (pfd[1].revents & POLLIN) {
			n = read(d->back[0], &m, sizeof(m));
			if (n == (ssize_t)sizeof(m))
				take_back(d, &m);
			continue;
		}
		if (id && (pfd[0].revents & POLLOUT)) {
			memcpy(line, id, SPOOL_ID_LEN);
			line[SPOOL_ID_LEN] = '\n';
			line[SPOOL_ID_LEN + 1] = '\0';
			if (write(d->work[1], line, sizeof(line)) == (ssize_t)sizeof(line))
				taken(d);
			else if (errno != EAGAIN && errno != EINTR)
				break;
		}
		reap(d, 1);
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
	int rc = 0, status, work[2];
	struct dispatch d;
	size_t w;
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
	held_named(o);

	/* One entry (sendmail's own, -I): here, and its outcome is the result. */
	if (todo < 2 || pipe2(work, O_DIRECT | O_CLOEXEC) < 0) {
		for (i = 0; i < n; i++) {
			if (!selected(o, ids[i]))
				continue;
			one = runq_deliver_one(p, ids[i], o, now);
			if (one_message(o))
				*out = one;
		}
		deliver_created(p, o, now);
		transport_finish();
		goto out;
	}
	memset(&d, 0, sizeof(d));
	d.p = p;
	d.o = o;
	d.now = now;
	d.work[0] = work[0];
	d.work[1] = work[1];
	if (pipe2(d.back, O_DIRECT | O_CLOEXEC) < 0) {
		close(work[0]);
		close(work[1]);
		str_printf(err, "cannot make a pipe: %s", strerror(errno));
		*out = RUNQ_FAIL_SPOOL;
		rc = -1;
		goto out;
	}
	d.nworkers = todo < (size_t)max_workers ? todo : (size_t)max_workers;
	d.pid = xcalloc(d.nworkers, sizeof(*d.pid));
	d.holds = xcalloc(d.nworkers, 1);
	d.ids = ids;
	d.n = n;
	(void)dest_table_create();
	for (w = 0; w < d.nworkers; w++)
		if (spawn(&d, w) < 0)
			break;
	/* the workers' pipe ends stay open here, for workers that replace
	   one that died; SIGPIPE cannot happen, but is ignored all the same */
	signal(SIGPIPE, SIG_IGN);
	(void)fcntl(work[1], F_SETFL, O_NONBLOCK);
	if (w > 0)
		dispatch(&d);
	else {
		str_printf(err, "cannot start a queue worker");
		*out = RUNQ_FAIL_SPOOL;
		rc = -1;
	}
	close(work[1]);
	close(work[0]);
	close(d.back[1]);
	/* reports from what the workers created: drain to the end */
	while (read(d.back[0], &line, sizeof(line)) > 0)
		;
	close(d.back[0]);
	for (w = 0; w < d.nworkers; w++)
		while (d.pid[w] > 0 && waitpid(d.pid[w], &status, 0) < 0 && errno == EINTR)
			;
	while (d.nready > 0)
		free(d.ready[--d.nready]);
	free(d.ready);
	free(d.wait);
	free(d.pid);
	free(d.holds);
	dest_table_destroy();
out:
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
