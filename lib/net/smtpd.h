/*
 * smtpd - the ESMTP server engine: one session over a struct netio
 *
 * smtpd_session() speaks RFC 5321 with one client on a netio (stdin and
 * stdout under inetd, a socketpair in the fuzzer) and writes each
 * accepted message into the spool: a queue entry (queue/H/ID.msg and
 * ID.env) when it runs as the spool owner, or a maildrop entry in local
 * mode (sendmail -bs), where runq's pickup checks it like any other
 * submission. Each message is durable (fsync) before the 250 that
 * accepts it; a spool failure answers 451 4.3.0 and leaves no file.
 *
 * The session is a state machine with a command table (smtpd.c); the
 * DATA reader streams lines into the spool writer through a fixed
 * buffer; the policy (who may relay, which local recipients exist,
 * AUTH against a file of crypt(3) hashes) is in smtpd_policy.c.
 *
 * Error contract: smtpd_session returns when the session is over (QUIT,
 * the client went away, a timeout, too many errors) and never exits;
 * it logs the session's summary line and returns the number of
 * messages accepted. smtpd_conf_load fills a struct
 * smtpd_conf from posthorn.conf and returns 0, or -1 with the reason in
 * err; smtpd_conf_free releases it (safe to call twice).
 *
 * Client checks (smtpd_policy.c), each with DNS through c->dns, which
 * the main opens (NULL: every check that needs DNS is skipped):
 * smtpd_client_name fills cl->name with the forward-confirmed name of
 * cl->addr, "unknown" otherwise; smtpd_valid_helo is 1 when a HELO
 * argument is a host name or an address literal; smtpd_dnsbl_name
 * makes the DNSBL query name of an address (0, or -1 for no address);
 * smtpd_dnsbl is 1 when the client is listed in one of
 * smtpd_dnsbl_sites, with the 554 reply in reply, else 0 (a DNS failure
 * is logged and is no listing); smtpd_sender_domain is 0 when the
 * sender's domain may be used, else -1 with the 4xx/5xx reply in reply.
 */
#ifndef PH_SMTPD_H
#define PH_SMTPD_H

#include <stddef.h>

#include "str.h"

struct dns_ctx;
struct netio;
struct tls_server;

#define SMTPD_BARE_REJECT	0	/* smtpd_forbid_bare_newline = yes */
#define SMTPD_BARE_NORMALIZE	1	/* = normalize: store as LF */

/* one mynetworks entry: an address family, the network and its prefix */
struct smtpd_net {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];
	int		 prefix;
};

/* one user of the SASL password file: name and crypt(3) hash */
struct smtpd_user {
	char	*name;
	char	*hash;
};

struct smtpd_conf {
	const char	*myhostname;
	const char	*myorigin;
	char		**mydest;	/* mydestination */
	char		**relay_domains;
	struct smtpd_net *nets;		/* mynetworks */
	size_t		 nnets;
	char		*alias_db;	/* the .cdb, or NULL */
	long long	 size_limit;	/* message_size_limit; 0 none */
	long		 rcpt_limit;	/* smtpd_recipient_limit */
	long		 error_limit;	/* smtpd_hard_error_limit */
	long		 timeout_ms;	/* smtpd_timeout */
	long		 session_ms;	/* smtpd_session_time_limit; 0 none */
	long		 greet_pause_ms; /* smtpd_greet_pause */
	int		 helo_required;
	int		 bare_newline;	/* SMTPD_BARE_* */
	int		 local;		/* sendmail -bs: a local caller */
	struct tls_server *tls;		/* STARTTLS offered when not NULL */
	struct smtpd_user *users;	/* AUTH offered (after TLS) when any */
	size_t		 nusers;
	int		 auth;		/* smtpd_sasl_auth_enable */
	struct dns_ctx	*dns;		/* the main's resolver; NULL: no DNS checks */
	int		 peername_lookup; /* smtpd_peername_lookup */
	char		**dnsbl;	/* smtpd_dnsbl_sites */
	int		 reject_bad_helo; /* smtpd_reject_invalid_helo_hostname */
	int		 reject_unknown_sender; /* smtpd_reject_unknown_sender_domain */
	int		 unknown_code;	/* unknown_address_reject_code */
	long		 hopcount_limit;
};

/* who is at the other end */
struct smtpd_client {
	int	 rfd;			/* polled for early talkers, or -1 */
	char	 addr[64];		/* "192.0.2.1", "2001:db8::1", "unknown" */
	char	 name[256];		/* "unknown" (no reverse lookup yet) */
	long	 uid;			/* local mode: the caller's uid */
};

int	 smtpd_conf_load(struct smtpd_conf *, int, struct str *);
int	 smtpd_load_users(struct smtpd_conf *, const char *, struct str *);
void	 smtpd_conf_free(struct smtpd_conf *);
long	 smtpd_session(struct netio *, const struct smtpd_conf *,
	    const struct smtpd_client *);

/* smtpd_policy.c: also used by the tests */
int	 smtpd_net_parse(const char *, struct smtpd_net *);
int	 smtpd_net_match(const struct smtpd_conf *, const char *);
int	 smtpd_auth_check(const struct smtpd_conf *, const char *, const char *);
void	 smtpd_client_name(struct dns_ctx *, struct smtpd_client *);
int	 smtpd_valid_helo(const char *);
int	 smtpd_dnsbl_name(const char *, const char *, struct str *);
int	 smtpd_dnsbl(const struct smtpd_conf *, const char *, struct str *);
int	 smtpd_sender_domain(const struct smtpd_conf *, const char *, struct str *);

#endif
