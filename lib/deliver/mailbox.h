/*
 * mailbox - the final step of local delivery: mbox file, Maildir, command
 *
 * Each function runs in a process that already has the identity the
 * delivery must have (see local.c, which forks and switches users) and
 * writes the message from msg_fd (the queued message file) with the
 * delivery headers given in prefix (Return-Path:, Delivered-To: ...).
 *
 * Result contract: every function returns DS_OK, DS_DEFER (try again
 * later: locked, full, I/O error, command exit 75) or DS_BOUNCE, and
 * fills in the struct dresult (result.h) it is given.
 */
#ifndef PH_MAILBOX_H
#define PH_MAILBOX_H

#include <sys/types.h>

#include "result.h"
#include "str.h"


struct mbox_msg {
	int		 fd;		/* the queued message, read with pread */
	const char	*sender;	/* envelope sender, "" for <> */
	const char	*prefix;	/* delivery header lines */
	time_t		 arrival;
};

struct cmd_env {
	const char	*sender;
	const char	*recipient;
	const char	*user;
	const char	*home;
	const char	*shell;
	const char	*extension;
	long		 time_limit;
};

int	 mbox_create(const char *, uid_t, gid_t, struct dresult *);
int	 mbox_deliver(const char *, uid_t, int, const struct mbox_msg *, struct dresult *);
int	 maildir_deliver(const char *, const struct mbox_msg *, const char *, struct dresult *);
int	 command_deliver(const char *, const struct cmd_env *, const struct mbox_msg *, struct dresult *);

#endif
