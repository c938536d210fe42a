/*
 * mailbox - the final step of local delivery: mbox file, Maildir, command
 *
 * Each function runs in a process that already has the identity the
 * delivery must have (see local.c, which forks and switches users) and
 * writes the message from msg_fd (the queued message file) with the
 * delivery headers given in prefix (Return-Path:, Delivered-To: ...).
 *
 * Result contract: every function returns MBOX_OK, MBOX_DEFER (try again
 * later: locked, full, I/O error, command exit 75) or MBOX_BOUNCE, and
 * puts an enhanced status code in dsn (at least 8 bytes) and a
 * human-readable text in why.
 */
#ifndef PH_MAILBOX_H
#define PH_MAILBOX_H

#include <sys/types.h>

#include "str.h"

#define MBOX_OK		0
#define MBOX_DEFER	1
#define MBOX_BOUNCE	2

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

int	 mbox_create(const char *, uid_t, gid_t, char *, struct str *);
int	 mbox_deliver(const char *, uid_t, int, const struct mbox_msg *, char *, struct str *);
int	 maildir_deliver(const char *, const struct mbox_msg *, const char *, char *, struct str *);
int	 command_deliver(const char *, const struct cmd_env *, const struct mbox_msg *, char *, struct str *);

#endif
