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
 * Error contract: transport_run() always fills in every recipient's
 * result (deferring those it could not get a result for) and returns
 * the number of recipients with a result from the worker, or -1 when no
 * worker could be started (all deferred, reason in each result).
 */
#ifndef PH_TRANSPORT_H
#define PH_TRANSPORT_H

#include <sys/types.h>

#include "result.h"

struct xrcpt {
	size_t		 idx;		/* index in the envelope */
	const char	*addr;
	const char	*orcpt;		/* DSN ORCPT or NULL */
	int		 notify;	/* NOTIFY_* bits */
	struct dresult	 res;
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
};

/*
 * A transport fills in job->rcpt[i].res for the recipients it handled;
 * it runs in the worker process, already switched to its identity.
 */
struct transport {
	const char	*name;		/* log service: "smtp" */
	void		(*deliver)(struct xjob *);
};

extern const struct transport transport_none;

void	 transport_job_init(struct xjob *);
void	 transport_job_add(struct xjob *, size_t, const char *, const char *, int);
void	 transport_job_free(struct xjob *);
int	 transport_run(const struct transport *, struct xjob *, uid_t, gid_t,
	    long);

#endif
