/*
 * transport - how the queue runner hands recipients to a delivery agent
 * that is not local delivery (SMTP, by MX or relayhost)
 *
 * The queue runner routes each pending recipient (route.c): local ones
 * it delivers itself; the others are grouped by next hop into jobs, and
 * each job goes to a transport worker: a child process that runs as the
 * spool owner (user posthorn on a system spool, never root), gets the
 * job (queue ID, the open message file, sender, DSN parameters, size,
 * 8BITMIME / SMTPUTF8 needs, the recipients) and returns one struct
 * dresult per recipient through a pipe. The pipe is read with a deadline
 * and bounded; a recipient the worker says nothing about is deferred.
 * So the network code never runs with root's rights and never sees more
 * than the job in hand, and the runner records results the same way for
 * every transport.
 *
 * The worker is started by the first transport_run() of a process and
 * kept for the jobs that follow (one connection can then carry several
 * messages); transport_finish() tells it to end and waits for it, a
 * bounded time. A worker that misses a job's deadline or dies is killed
 * and the next job starts a new one.
 *
 * Error contract: transport_run() always fills in every recipient's
 * result (deferring those it could not get a result for) and returns
 * the number of recipients with a result from the worker, or -1 when no
 * worker could be started (all deferred, reason in each result).
 */
#ifndef PH_TRANSPORT_H
#define PH_TRANSPORT_H

#include <sys/types.h>

#include "result.h"

/* xrcpt.dsnflag: what a sent recipient means for DSN SUCCESS notices */
#define XDSN_NONE	'-'	/* delivered here: notify as usual */
#define XDSN_PASSED	'P'	/* the next hop took NOTIFY on: no notice of ours */
#define XDSN_RELAYED	'R'	/* relayed to a host without DSN: "relayed" notice */

struct xrcpt {
	size_t		 idx;		/* index in the envelope */
	const char	*addr;
	const char	*orcpt;		/* DSN ORCPT or NULL */
	int		 notify;	/* NOTIFY_* bits */
	struct dresult	 res;
	char		 dsnflag;	/* XDSN_* */
	char		 relay[256];	/* "host[ip]:port" that answered, or "none" */
};

struct xjob {
	const char	*id;		/* queue ID, for log lines */
	int		 msgfd;		/* the message, read with pread */
	const char	*sender;	/* "" for the null sender */
	const char	*envid;		/* DSN ENVID or NULL */
	int		 ret;		/* DSN RET */
	long long	 size;
	int		 body8bit;	/* needs 8BITMIME */
	int		 smtputf8;	/* needs SMTPUTF8 */
	const char	*nexthop;	/* relayhost, or the recipients' domain */
	struct xrcpt	*rcpt;
	size_t		 nrcpt;
	int		 dest_dead;	/* set by the transport: no host of the
					   next hop could be reached (dest.h) */
	int		 dest_alive;	/* set by the transport: a host of the
					   next hop took a session this far */
};

/*
 * A transport fills in job->rcpt[i].res (and relay, dsnflag) for the
 * recipients it handled; deliver runs in the worker process, already
 * switched to its identity. The worker lives as long as the process that
 * started it (a queue worker) and serves one job after another, so a
 * transport may keep state between jobs (open SMTP sessions):
 *   init()     runs once in the worker BEFORE the identity switch, with
 *              the rights of the queue runner: the place to open files
 *              that only root may read (smtp_sasl_password_maps); may be
 *              NULL; returns 0 or -1 (the worker then defers every job);
 *   idle()     runs when no job came for the time it last returned
 *              (milliseconds, -1 = no timer): closing idle sessions;
 *   finish()   runs when the queue worker is done: QUIT open sessions.
 */
struct transport {
	const char	*name;		/* log service: "smtp" */
	void		(*deliver)(struct xjob *);
	int		(*init)(void);
	long		(*idle)(void);
	void		(*finish)(void);
};

/*
 * How long the runner waits for one job's results before it kills the
 * worker: the transport's own timeouts bound every step, this only
 * catches a worker that is stuck for good (Postfix's daemon_timeout).
 */
#define TRANSPORT_JOB_LIMIT	18000	/* seconds */

extern const struct transport transport_none;
/* the transport for remote recipients: transport_none unless a program
   that links the network layer (runq) sets it before the first pass */
extern const struct transport *transport_remote;

void	 transport_job_init(struct xjob *);
void	 transport_job_add(struct xjob *, size_t, const char *, const char *, int);
void	 transport_job_free(struct xjob *);
int	 transport_run(const struct transport *, struct xjob *, uid_t, gid_t,
	    long);
void	 transport_finish(void);

#endif
