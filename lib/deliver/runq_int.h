/*
 * runq_int - what the two parts of the queue runner share
 *
 * runq.c runs a pass (pickup, debris, selection, the worker pool);
 * qmgr.c carries one queue entry through its attempt. A pass keeps its
 * settings and the entries it created in a struct runq_pass that the
 * pass owns and hands to each entry's attempt: there is no state at file
 * scope. Internal to lib/deliver; not installed, not for programs.
 *
 * Error contract: as runq.h. runq_deliver_one() never fails as a whole:
 * what goes wrong with one entry is logged with its queue ID, and its
 * result is that entry's outcome.
 */
#ifndef PH_RUNQ_INT_H
#define PH_RUNQ_INT_H

#include <time.h>

#include "dest.h"
#include "local.h"
#include "runq.h"
#include "spool.h"

#define RUNQ_RELEASED_MAX	8	/* next hops reported after one entry */

/* what a pass reads from the configuration once */
struct runq_settings {
	char		**mydest;
	const char	*hostname;
	const char	*origin;
	char		*alias_db;	/* the .cdb path, or "" for none */
	long		 min_backoff;
	long		 max_backoff;
	long		 lifetime;
	long		 warn_after;
	long long	 size_limit;
	long long	 header_limit;
};

struct runq_pass {
	struct runq_settings set;
	char		**created;	/* entries this pass queued (forwards,
					   notices): delivered before it ends */
	size_t		 ncreated;
	/* set by runq_deliver_one for the pass's dispatcher (dest.h) */
	char		 postponed[DEST_KEY_MAX];	/* a busy next hop */
	char		 released[RUNQ_RELEASED_MAX][DEST_KEY_MAX];
	size_t		 nreleased;	/* next hops whose jobs ended */
	int		 released_more;	/* ... and more than fit */
	int		 no_postpone;	/* entries the pass created: never */
};

enum runq_outcome runq_deliver_one(struct runq_pass *, const char *,
	    const struct runq_opts *, time_t);
void	 runq_ctx_init(const struct runq_pass *, struct local_ctx *,
	    struct envelope *, int);
int	 runq_selects(const struct runq_select *, const char *);

#endif
