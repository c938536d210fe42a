/*
 * transport - the worker process of a delivery agent
 *
 * See transport.h. A job goes to the worker over a socket pair (below,
 * job_encode); the results of each job come back as lines
 *
 *	<index> SP <status digit> SP <enhanced code> SP <dsn flag> SP <relay> SP <text> LF
 *
 * (text without CR, LF or NUL, at most RESULT_TEXT_MAX bytes), ended by
 * a line ".". The parent trusts nothing in them beyond what it checks:
 * the index must be one of the job's, the status 0-2, the code short,
 * the flag one of XDSN_*; anything else is ignored and that recipient
 * deferred.
 *
 * SECURITY: when the runner is root the worker runs the transport's
 * init() (reading root-only files such as the SASL password map), then
 * switches to the spool owner (privs_become: groups, gid, uid, verified)
 * before it reads a job or talks to the network; the socket is
 * close-on-exec; the parent kills a worker that outlives a job's
 * deadline, and the worker dies with its queue worker (PDEATHSIG).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "privs.h"
#include "transport.h"
#include "util.h"

#define RESULT_TEXT_MAX	1000	/* bytes of one recipient's text */
#define RESULTS_MAX	(4 * 1024 * 1024)	/* bytes of all results */

/* none - the transport of a system without remote delivery */
static void
none_deliver(struct xjob *job)
{
	size_t i;

	for (i = 0; i < job->nrcpt; i++)
		dresult_set(&job->rcpt[i].res, DS_DEFER, "4.3.5",
		    "delivery temporarily suspended: remote delivery not configured");
}

const struct transport transport_none = { "qmgr", none_deliver, NULL, NULL, NULL };
const struct transport *transport_remote = &transport_none;

/* transport_job_init - an empty job */
void
transport_job_init(struct xjob *job)
{
	memset(job, 0, sizeof(*job));
	job->msgfd = -1;
}

/* transport_job_add - a recipient for the job */
void
transport_job_add(struct xjob *job, size_t idx, const char *addr,
    const char *orcpt, int notify)
{
	struct xrcpt *r;

	job->rcpt = xreallocarray(job->rcpt, job->nrcpt + 1, sizeof(*job->rcpt));
	r = &job->rcpt[job->nrcpt++];
	r->idx = idx;
	r->addr = addr;
	r->orcpt = orcpt;
	r->notify = notify;
	dresult_init(&r->res);
	r->dsnflag = XDSN_NONE;
	util_strlcpy(r->relay, "none", sizeof(r->relay));
	/* until someone says otherwise */
	dresult_set(&r->res, DS_DEFER, "4.3.0", "no result from the delivery agent");
}

/* transport_job_free - release the job's recipients; safe to call again */
void
transport_job_free(struct xjob *job)
{
	size_t i;

	for (i = 0; i < job->nrcpt; i++)
		dresult_free(&job->rcpt[i].res);
	free(job->rcpt);
	job->rcpt = NULL;
	job->nrcpt = 0;
}

/*
 * The job as it goes to the worker: one field a line, the message's
 * descriptor passed with the first bytes (SCM_RIGHTS). Addresses and the
 * other fields come from a checked envelope and hold no LF.
 *
 *	i<id>  s<sender>  e<envid>  r<ret>  z<size>  8<0|1>  u<0|1>  h<nexthop>
 *	R<idx> <notify>  a<addr>  [o<orcpt>]   (one group per recipient)
 *	.
 */
#define JOB_MAX		(16 * 1024 * 1024)

/* job_encode - the job's lines */
static void
job_encode(const struct xjob *job, struct str *out)
{
	size_t i;

	str_printf(out, "i%s\ns%s\n", job->id, job->sender);
	if (job->envid)
		str_printf(out, "e%s\n", job->envid);
	str_printf(out, "r%d\nz%lld\n8%d\nu%d\nh%s\n", job->ret, job->size,
	    job->body8bit, job->smtputf8, job->nexthop ? job->nexthop : "");
	for (i = 0; i < job->nrcpt; i++) {
		str_printf(out, "R%zu %d\na%s\n", job->rcpt[i].idx,
		    job->rcpt[i].notify, job->rcpt[i].addr);
		if (job->rcpt[i].orcpt)
			str_printf(out, "o%s\n", job->rcpt[i].orcpt);
	}
	str_appends(out, ".\n");
}

/* job_decode - the worker's side: lines in buf (modified) into job */
static int
job_decode(char *buf, struct xjob *job)
{
	char *l, *nl, *sp;
	struct xrcpt *r = NULL;

	for (l = buf; (nl = strchr(l, '\n')) != NULL; l = nl + 1) {
		*nl = '\0';
		switch (l[0]) {
		case 'i': job->id = l + 1; break;
		case 's': job->sender = l + 1; break;
		case 'e': job->envid = l + 1; break;
		case 'r': job->ret = atoi(l + 1); break;
		case 'z': job->size = strtoll(l + 1, NULL, 10); break;
		case '8': job->body8bit = l[1] == '1'; break;
		case 'u': job->smtputf8 = l[1] == '1'; break;
		case 'h': job->nexthop = l + 1; break;
		case 'R':
			if ((sp = strchr(l, ' ')) == NULL)
				return -1;
			transport_job_add(job, strtoul(l + 1, NULL, 10), "", NULL,
			    atoi(sp + 1));
			r = &job->rcpt[job->nrcpt - 1];
			break;
		case 'a':
			if (r == NULL)
				return -1;
			r->addr = l + 1;
			break;
		case 'o':
			if (r == NULL)
				return -1;
			r->orcpt = l + 1;
			break;
		case '.':
			return job->id && job->sender && job->nexthop ? 0 : -1;
		default:
			return -1;
		}
	}
	return -1;
}

/* ends_job - does buf end with the terminator line? */
static int
ends_job(const struct str *buf)
{
	return buf->len >= 2 && buf->s[buf->len - 2] == '.' &&
	    buf->s[buf->len - 1] == '\n' &&
	    (buf->len == 2 || buf->s[buf->len - 3] == '\n');
}

/*
 * worker_read_job - the next job from the queue worker: 1 with the job
 * in buf and its message descriptor in *fd, 0 at the end (EOF), -1 on a
 * broken job. Waits with the transport's idle timer in between.
 */
static int
worker_read_job(const struct transport *t, int sock, struct str *buf, int *fd)
{
	char chunk[8192], cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *cm;
	struct pollfd pfd;
	long wait = -1;
	ssize_t n;

	*fd = -1;
	str_reset(buf);
	for (;;) {
		pfd.fd = sock;
		pfd.events = POLLIN;
		if (buf->len == 0 && t->idle != NULL)
			wait = t->idle();
		if (poll(&pfd, 1, buf->len == 0 ? (int)wait : -1) == 0)
			continue;	/* the idle timer: ask again */
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = chunk;
		iov.iov_len = sizeof(chunk);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return buf->len == 0 && n == 0 ? 0 : -1;
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
			    cm->cmsg_len == CMSG_LEN(sizeof(int))) {
				if (*fd >= 0)
					close(*fd);
				memcpy(fd, CMSG_DATA(cm), sizeof(int));
			}
		if (buf->len + (size_t)n > JOB_MAX)
			return -1;
		str_append(buf, chunk, (size_t)n);
		if (ends_job(buf))
			return 1;
	}
}

/*
 * close_others - the worker keeps stdio, its socket and the log file:
 * above all no entry's locked envelope (an OFD lock lives as long as any
 * descriptor of it) and no message of another entry
 */
static void
close_others(int sock)
{
	int keep[2], lo = 3, i, t;

	keep[0] = sock;
	keep[1] = log_prepare_close();
	if (keep[1] >= 0 && keep[1] < keep[0]) {
		t = keep[0];
		keep[0] = keep[1];
		keep[1] = t;
	}
	for (i = 0; i < 2; i++) {
		if (keep[i] < lo)
			continue;
		if (keep[i] > lo)
			(void)close_range((unsigned)lo, (unsigned)keep[i] - 1, 0);
		lo = keep[i] + 1;
	}
	(void)close_range((unsigned)lo, ~0U, 0);
}

/* worker - the child: switch identity, then serve jobs until EOF */
static void __attribute__((noreturn))
worker(const struct transport *t, int sock, uid_t uid, gid_t gid, pid_t parent)
{
	struct str buf = STR_INIT, line = STR_INIT;
	char clean[RESULT_TEXT_MAX + 1];
	struct xjob job;
	int fd, rc, ok = 1;
	size_t i;

	log_set_service(t->name);
	close_others(sock);
	if (t->init != NULL && t->init() < 0)
		ok = 0;
	if (geteuid() == 0 && (uid == 0 || uid == (uid_t)-1)) {
		/* a spool that root owns (a private instance of root's): the
		   network code still does not run as root, but as default_privs
		   (or nobody) */
		struct passwd *pw = getpwnam(conf_str("default_privs"));

		if (pw == NULL || pw->pw_uid == 0)
			pw = getpwnam("nobody");
		if (pw == NULL || pw->pw_uid == 0) {
			log_error("neither default_privs (%s) nor nobody is a user other than "
			    "root: remote delivery will not run as root", conf_str("default_privs"));
			_exit(1);
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (geteuid() == 0 && privs_become(uid, gid) < 0) {
		log_error("cannot switch to uid %ld for delivery: %s",
		    (long)uid, strerror(errno));
		_exit(1);
	}
	/* the switch cleared the parent-death signal: set it again */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	signal(SIGPIPE, SIG_IGN);
	while ((rc = worker_read_job(t, sock, &buf, &fd)) == 1) {
		transport_job_init(&job);
		if (fd < 0 || job_decode(buf.s, &job) < 0) {
			log_error("broken job from the queue runner");
			_exit(1);
		}
		job.msgfd = fd;
		if (ok)
			t->deliver(&job);
		close(fd);
		str_reset(&line);
		for (i = 0; i < job.nrcpt; i++) {
			const struct xrcpt *x = &job.rcpt[i];
			const struct dresult *r = &x->res;

			log_clean(clean, sizeof(clean), str_c(&r->text), r->text.len);
			str_printf(&line, "%zu %d %s %c %s %s\n", i, (int)r->status,
			    r->dsn[0] ? r->dsn : "4.0.0", x->dsnflag ? x->dsnflag : XDSN_NONE,
			    x->relay[0] && !strpbrk(x->relay, " \n") ? x->relay : "none", clean);
		}
		if (job.dest_dead)
			str_appends(&line, "D\n");
		else if (job.dest_alive)
			str_appends(&line, "A\n");
		str_appends(&line, ".\n");
		transport_job_free(&job);
		if (util_write_all(sock, line.s, line.len) < 0)
			break;
	}
	if (t->finish != NULL)
		t->finish();
	_exit(rc < 0);
}

/* take_line - one result line from the worker, checked */
static int
take_line(struct xjob *job, char *l)
{
	char *f[5], *end;
	unsigned long idx;
	int st, i;

	for (i = 0; i < 5; i++) {
		f[i] = l;
		if ((l = strchr(l, ' ')) == NULL)
			return -1;
		*l++ = '\0';
	}
	errno = 0;
	idx = strtoul(f[0], &end, 10);
	if (errno || *end || end == f[0] || idx >= job->nrcpt)
		return -1;
	if (f[1][0] < '0' || f[1][0] > '2' || f[1][1] != '\0')
		return -1;
	st = f[1][0] - '0';
	if (strlen(f[2]) >= DSN_MAX || strlen(f[3]) != 1 ||
	    strchr("-PR", f[3][0]) == NULL || strlen(f[4]) >= sizeof(job->rcpt[idx].relay))
		return -1;
	dresult_set(&job->rcpt[idx].res, (enum dstatus)st, f[2], "%s", l);
	job->rcpt[idx].dsnflag = f[3][0];
	util_strlcpy(job->rcpt[idx].relay, f[4], sizeof(job->rcpt[idx].relay));
	return 0;
}

/* the worker of this process */
static struct {
	pid_t			 pid;
	int			 sock;
	const struct transport	*t;
} w = { 0, -1, NULL };

/* stop_worker - end the worker: gently (EOF, wait up to grace ms), then kill */
static void
stop_worker(long grace)
{
	long long until = util_now_ms() + grace;
	int status;
	pid_t r;

	if (w.pid <= 0)
		return;
	close(w.sock);
	w.sock = -1;
	for (;;) {
		r = waitpid(w.pid, &status, WNOHANG);
		if (r == w.pid || (r < 0 && errno != EINTR))
			break;
		if (util_now_ms() >= until) {
			kill(w.pid, SIGKILL);
			while (waitpid(w.pid, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		usleep(10000);
	}
	w.pid = 0;
	w.t = NULL;
}

/* start_worker - a new worker for t; 0 or -1 */
static int
start_worker(const struct transport *t, uid_t uid, gid_t gid)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		/* a queue worker that is killed takes its transport with it */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		worker(t, sv[1], uid, gid, getppid());
	}
	close(sv[1]);
	w.pid = pid;
	w.sock = sv[0];
	w.t = t;
	return 0;
}

/* send_job - the job's lines, the message descriptor with the first bytes */
static int
send_job(int sock, const struct str *buf, int msgfd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	memset(cbuf, 0, sizeof(cbuf));
	iov.iov_base = buf->s;
	iov.iov_len = buf->len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &msgfd, sizeof(int));
	while ((n = sendmsg(sock, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -1;
	return util_write_all(sock, buf->s + n, buf->len - (size_t)n);
}

/* read_results - up to the terminator line, by the deadline; 0 or -1 */
static int
read_results(int sock, struct str *buf, long long deadline)
{
	char chunk[8192];
	struct pollfd pfd;
	long long left;
	ssize_t n;

	for (;;) {
		if ((left = deadline - util_now_ms()) <= 0)
			return -1;
		pfd.fd = sock;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left) <= 0) {
			if (errno == EINTR)
				continue;
			continue;	/* the deadline check above ends it */
		}
		n = read(sock, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || buf->len + (size_t)n > RESULTS_MAX)
			return -1;
		str_append(buf, chunk, (size_t)n);
		if (ends_job(buf))
			return 0;
	}
}

/* transport_run - run the job in this process's worker; see transport.h */
int
transport_run(const struct transport *t, struct xjob *job, uid_t uid,
    gid_t gid, long timeout)
{
	struct str buf = STR_INIT;
	long long deadline = util_now_ms() + 1000LL * (timeout > 0 ? timeout : 3600);
	char *l, *nl;
	int got = 0, ok;
	size_t i;

	if (w.pid > 0 && w.t != t)
		stop_worker(10000);
	if (w.pid <= 0 && start_worker(t, uid, gid) < 0) {
		for (i = 0; i < job->nrcpt; i++)
			dresult_set(&job->rcpt[i].res, DS_DEFER, "4.3.0",
			    "cannot start a delivery agent: %s", strerror(errno));
		return -1;
	}
	job_encode(job, &buf);
	ok = send_job(w.sock, &buf, job->msgfd) == 0;
	str_reset(&buf);
	if (ok)
		ok = read_results(w.sock, &buf, deadline) == 0;
	if (!ok) {
		log_warning("%s: delivery agent for %s did not finish in time or died",
		    job->id, job->nexthop ? job->nexthop : "?");
		stop_worker(0);
	}
	for (l = buf.s; ok && l && l < buf.s + buf.len; l = nl + 1) {
		if ((nl = memchr(l, '\n', buf.len - (size_t)(l - buf.s))) == NULL)
			break;
		*nl = '\0';
		if (l[0] == '.' && l[1] == '\0')
			break;
		if (l[0] == 'D' && l[1] == '\0') {
			job->dest_dead = 1;
			continue;
		}
		if (l[0] == 'A' && l[1] == '\0') {
			job->dest_alive = 1;
			continue;
		}
		if (take_line(job, l) == 0)
			got++;
	}
	str_free(&buf);
	return got;
}

/*
 * transport_finish - the queue worker is done: let the transport worker
 * end its sessions (QUIT), for at most 30 seconds
 */
void
transport_finish(void)
{
	stop_worker(30000);
}
