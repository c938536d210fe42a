/*
 * transport - the worker process of a delivery agent
 *
 * See transport.h. The worker's results come back as lines
 *
 *	<index> SP <status digit> SP <enhanced code> SP <text> LF
 *
 * (text without CR, LF or NUL, at most RESULT_TEXT_MAX bytes), after
 * which the worker exits. The parent trusts nothing in them beyond what
 * it checks: the index must be one of the job's, the status 0-2, the
 * code short; anything else is ignored and that recipient deferred.
 *
 * SECURITY: when the runner is root the worker switches to the spool
 * owner (privs_become: groups, gid, uid, verified) before the transport
 * runs; the result pipe is close-on-exec; the parent kills a worker that
 * outlives the deadline.
 */
#include "config.h"

#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

const struct transport transport_none = { "qmgr", none_deliver };

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

/* worker - the child: switch identity, deliver, report, exit */
static void __attribute__((noreturn))
worker(const struct transport *t, struct xjob *job, uid_t uid, gid_t gid,
    int out)
{
	struct str line = STR_INIT;
	char clean[RESULT_TEXT_MAX + 1];
	size_t i;

	if (geteuid() == 0 && uid != 0 && uid != (uid_t)-1 && privs_become(uid, gid) < 0) {
		log_error("%s: cannot switch to uid %ld for delivery: %s", job->id,
		    (long)uid, strerror(errno));
		_exit(1);
	}
	log_set_service(t->name);
	t->deliver(job);
	for (i = 0; i < job->nrcpt; i++) {
		const struct dresult *r = &job->rcpt[i].res;

		log_clean(clean, sizeof(clean), str_c(&r->text), r->text.len);
		str_printf(&line, "%zu %d %s %s\n", i, (int)r->status,
		    r->dsn[0] ? r->dsn : "4.0.0", clean);
	}
	(void)util_write_all(out, line.s, line.len);
	_exit(0);
}

/* take_line - one result line from the worker, checked */
static int
take_line(struct xjob *job, char *l)
{
	char *sp1, *end;
	unsigned long idx;
	int st;

	if ((sp1 = strchr(l, ' ')) == NULL)
		return -1;
	*sp1 = '\0';
	errno = 0;
	idx = strtoul(l, &end, 10);
	if (errno || *end || end == l || idx >= job->nrcpt)
		return -1;
	if (sp1[1] < '0' || sp1[1] > '2' || sp1[2] != ' ')
		return -1;
	st = sp1[1] - '0';
	end = strchr(sp1 + 3, ' ');
	if (end == NULL || (size_t)(end - (sp1 + 3)) >= DSN_MAX)
		return -1;
	*end = '\0';
	dresult_set(&job->rcpt[idx].res, (enum dstatus)st, sp1 + 3, "%s", end + 1);
	return 0;
}

/* transport_run - run the job in a worker; see transport.h */
int
transport_run(const struct transport *t, struct xjob *job, uid_t uid,
    gid_t gid, long timeout)
{
	struct str buf = STR_INIT;
	long long deadline = util_now_ms() + 1000LL * (timeout > 0 ? timeout : 3600);
	char *l, *nl;
	int p[2], eof = 0, status, got = 0;
	pid_t pid;
	size_t i;

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		for (i = 0; i < job->nrcpt; i++)
			dresult_set(&job->rcpt[i].res, DS_DEFER, "4.3.0",
			    "cannot start a delivery agent: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		worker(t, job, uid, gid, p[1]);
	}
	close(p[1]);
	eof = util_read_until(p[0], &buf, RESULTS_MAX, deadline) != 0;
	close(p[0]);
	if (!eof)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	for (l = buf.s; eof && l && l < buf.s + buf.len; l = nl + 1) {
		if ((nl = memchr(l, '\n', buf.len - (size_t)(l - buf.s))) == NULL)
			break;
		*nl = '\0';
		if (take_line(job, l) == 0)
			got++;
	}
	if (!eof)
		log_warning("%s: delivery agent for %s did not finish in time",
		    job->id, job->nexthop ? job->nexthop : "?");
	str_free(&buf);
	return got;
}
