/*
 * local - local delivery: aliases, ~/.forward, mailbox
 *
 * local_deliver() takes one envelope recipient in a local domain and does
 * everything sendmail's and Postfix's local delivery do for it: alias
 * expansion (the cdb made by newaliases; :include:, |command, /file,
 * \user, owner- lists), then the user's ~/.forward, then the mailbox (mbox
 * in mail_spool_directory, or Maildir when home_mailbox ends in "/").
 * Every write happens in a child process that has switched to the right
 * user when runq runs as root: the recipient for mailboxes and .forward
 * targets, default_privs for alias commands and files.
 *
 * Addresses that expand to other domains are collected in ctx->fwd for the
 * caller to queue as a new message. The result is a struct dresult
 * (result.h): DS_OK, DS_DEFER or DS_BOUNCE, an enhanced status code and
 * a text.
 */
#ifndef PH_LOCAL_H
#define PH_LOCAL_H

#include <sys/types.h>

#include "result.h"
#include "spool.h"
#include "str.h"


struct local_ctx {
	struct envelope	*env;		/* members of expansions are recorded here */
	int		 msgfd;
	int		 privileged;	/* running as root: switch users */
	char		**mydest;
	const char	*alias_db;	/* the .cdb path */
	const char	*myhostname;
	const char	*myorigin;
	char		**delivered_to;	/* Delivered-To: values in the message */
	size_t		 ndt;
	struct str	 done;		/* targets delivered for this message */
	char		**fwd;		/* remote addresses to forward to */
	size_t		 nfwd;
	char		*fwd_sender;	/* owner- address for them, or NULL */
};


void	 local_ctx_init(struct local_ctx *, struct envelope *, int);
void	 local_ctx_free(struct local_ctx *);
void	 local_forget_forwards(struct local_ctx *);
int	 local_is_local(const struct local_ctx *, const char *);
void	 local_deliver(struct local_ctx *, const char *, struct dresult *);
void	 local_verify(struct local_ctx *, const char *, struct str *);
int	 local_rcpt_known(const char *, const char *, struct str *);

#endif
