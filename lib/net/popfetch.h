/*
 * popfetch - download POP3 mailboxes into posthorn's queue
 *
 * popconf.c reads the accounts file (~/.popfetchrc, popfetch.conf, -f):
 * mpop's and msmtp's format, "defaults" and "account NAME [: BASE]"
 * blocks of "key value" lines, '#' comments; the keys are in popconf.c
 * and popfetch.conf(5).
 *
 * popfetch.c fetches one account: lock, state, session, the messages
 * into the queue, DELE, QUIT (see the comment at its top for the order
 * of the commits that makes every message arrive exactly once).
 *
 * Error contract: popf_conf_load returns 0, or -1 with "file:line:
 * reason" in err (POPF_EPERM: the file holds a password and others may
 * read it). popf_fetch returns 0 or one of the POP_E* (pop3.h) or
 * POPF_E* codes, with the reason in why; the main maps them to
 * sysexits.
 */
#ifndef PH_POPFETCH_H
#define PH_POPFETCH_H

#include <sys/types.h>

#include "pop3.h"
#include "str.h"

#define POPF_EPERM	(-10)	/* the accounts file is readable by others */
#define POPF_EBUSY	(-11)	/* another popfetch holds the account's lock */
#define POPF_ESPOOL	(-12)	/* the queue or the state cannot be written */
#define POPF_ECONF	(-13)	/* passwordeval failed, no UIDL for keep, ... */

struct popf_account {
	char		*name;
	char		*host;
	unsigned	 port;
	enum pop_tls	 tls;
	char		*trust_file;
	char		*user;
	char		*password;
	char		*passwordeval;
	enum pop_auth	 auth;
	char		*deliver_to;
	int		 keep;
	long long	 size_limit;	/* 0: none */
	int		 only_new;
	long		 timeout;	/* seconds */
	int		 line;		/* where the account starts */
};

struct popf_conf {
	char		*path;
	struct popf_account *acct;
	size_t		 n;
};

int	 popf_conf_load(const char *path, const char *login, struct popf_conf *,
	    struct str *err);
void	 popf_conf_free(struct popf_conf *);
struct popf_account *popf_conf_find(struct popf_conf *, const char *name);

/* how popfetch injects: into the queue itself, or through sendmail */
enum popf_inject {
	POPF_QUEUE,		/* root, or the spool's owner */
	POPF_SENDMAIL		/* an ordinary user: the maildrop, via sendmail */
};

struct popf_opts {
	int		 verbose;
	int		 progress;	/* progress lines on stderr */
	enum popf_inject inject;
	const char	*statedir;	/* ~/.popfetch */
	const char	*sendmail;	/* for POPF_SENDMAIL */
	const char	*conf;		/* posthorn.conf given with -C, or NULL */
	const char	*myhostname;
	const char	*myorigin;	/* qualifies deliver_to */
	long long	 msg_limit;	/* message_size_limit; 0: none */
	size_t		 header_limit;
};

struct popf_stats {
	long		 fetched;	/* messages queued */
	long		 deleted;	/* DELE sent and QUIT accepted */
	long		 skipped;	/* over size_limit or message_size_limit */
	long long	 bytes;
};

int	 popf_fetch(const struct popf_opts *, const struct popf_account *,
	    struct popf_stats *, struct str *why);
int	 popf_password_now(struct popf_account *, struct str *why);

#endif
