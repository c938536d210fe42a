/*
 * dest - what one queue run knows about remote destinations
 *
 * A pass (runq.c) creates the table in shared memory before it starts
 * its queue workers; every worker of the pass sees the same table. Before
 * a worker sends a job to a next hop (a domain, or relayhost) it asks
 * dest_acquire():
 *
 *   DEST_OK    go ahead; call dest_release() when the job is done
 *   DEST_DEAD  an earlier job of this pass found the destination
 *              unreachable: defer at once, with that reason ("delivery
 *              temporarily suspended: ..."), as Postfix does
 *   DEST_BUSY  the destination already has as many jobs in flight as it
 *              may: one while nothing is known of it yet, then
 *              smtp_destination_concurrency_limit once a job got through.
 *              The entry is postponed (runq.c hands it out again when a
 *              job for that destination ends)
 *
 * So a destination whose hosts hang holds one worker for its timeouts,
 * and every other entry for it waits without holding one: a dead site
 * costs the others nothing.
 *
 * The table is bounded (DEST_SLOTS); when it is full, a destination is
 * simply not limited. Its lock is a robust process-shared mutex, so a
 * worker killed while it holds the lock does not stop the others. A
 * worker killed during a job leaves the destination's count one too high
 * for the rest of the pass, which at worst postpones its mail to the
 * next run.
 */
#ifndef PH_DEST_H
#define PH_DEST_H

#include <stddef.h>

#define DEST_KEY_MAX	256
#define DEST_REASON_MAX	400
#define DEST_SLOTS	1024

enum dest_state {
	DEST_OK,
	DEST_DEAD,
	DEST_BUSY
};

/* what a job learned of its destination, for dest_release */
enum dest_outcome {
	DEST_UNKNOWN,	/* nothing (the worker was killed, a DNS failure) */
	DEST_ALIVE,	/* a host took a session as far as MAIL FROM */
	DEST_UNREACHABLE /* no host could be reached */
};

int	 dest_table_create(void);	/* 0 or -1 (then nothing is limited) */
void	 dest_table_destroy(void);
/* force: never DEST_BUSY (for entries a pass creates and cannot postpone) */
enum dest_state dest_acquire(const char *key, long limit, int force, char *reason, size_t);
void	 dest_release(const char *key, enum dest_outcome, const char *reason);
int	 dest_busy(const char *key, long limit);

#endif
