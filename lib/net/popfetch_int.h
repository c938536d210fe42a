/*
 * popfetch_int - what popfetch.c and popstate.c share: the state of one
 * account's run, and the functions of its state file (popstate.c)
 *
 * Error contract: popf_state_load, popf_state_save and popf_recover
 * return 0, or -1 with the reason in f->why.
 */
#ifndef PH_POPFETCH_INT_H
#define PH_POPFETCH_INT_H

#include <sys/types.h>

#include "pop3.h"
#include "popfetch.h"
#include "spool.h"
#include "str.h"

/* a message of the current batch, or a "P" line of the state */
struct pend {
	char		*uid;		/* NULL without UIDL */
	unsigned long	 num;
	struct envelope	 env;
};

struct fetch {
	const struct popf_opts *o;
	const struct popf_account *a;
	struct popf_stats *st;
	struct pop_session s;
	struct str	*why;
	char		*rcpt;		/* deliver_to, qualified */
	struct str	 statepath;
	/* fetched UIDs: sorted (seen) and this run's (fresh) */
	char		**seen;
	size_t		 nseen;
	char		**fresh;
	size_t		 nfresh;
	struct pend	*pend;
	size_t		 npend;
	unsigned long	*dele;
	size_t		 ndele;
	/* the message being received */
	struct str	 hdr;		/* the header section, while it lasts */
	int		 started;	/* output opened, header written */
	int		 toobig;	/* over a size limit: left on the server */
	struct spool_writer w;
	struct envelope	 env;
	pid_t		 child;
	int		 pipefd;
	struct str	 out;
	long long	 got, size;
	long		 index, total;
	long long	 shown;
	struct str	 err;
};

int	 popf_seen(struct fetch *, const char *uid);
void	 popf_add_fresh(struct fetch *, const char *uid);
struct pend *popf_pend_add(struct fetch *, const char *uid, unsigned long num);
void	 popf_pend_clear(struct fetch *);
int	 popf_state_load(struct fetch *);
int	 popf_state_save(struct fetch *, struct pop_msg *, size_t);
int	 popf_recover(struct fetch *);

#endif
