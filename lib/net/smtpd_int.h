/*
 * smtpd_int - what smtpd.c and smtpd_data.c share: the session
 */
#ifndef PH_SMTPD_INT_H
#define PH_SMTPD_INT_H

#include "netio.h"
#include "smtpd.h"
#include "spool.h"
#include "str.h"

#define SMTPD_CMD_MAX	2048	/* longest command line (Postfix: line_length_limit) */
#define SMTPD_HELO_MAX	255

/* the commands, in the order of the session summary */
enum smtpd_cmd {
	C_HELO, C_EHLO, C_STARTTLS, C_AUTH, C_MAIL, C_RCPT, C_DATA, C_RSET,
	C_NOOP, C_VRFY, C_HELP, C_QUIT, C_UNKNOWN, C_COUNT
};

struct smtpd_session {
	struct netio		*nio;
	const struct smtpd_conf	*c;
	const struct smtpd_client *cl;
	char			 peer[400];	/* "name[addr]" for logs */
	struct str		 line;		/* the command being served */
	char			 helo[SMTPD_HELO_MAX + 1];
	int			 esmtp;
	int			 authed;
	char			 auth_user[256];
	const char		*auth_mech;
	int			 in_mail;	/* MAIL was accepted */
	struct envelope		 env;		/* sender, recipients so far */
	long			 rcpt_tried;
	long			 errors;
	int			 done;		/* end the session */
	enum smtpd_cmd		 cur;
	int			 cur_ok;	/* the reply to cur was positive */
	char			 last[512];	/* the last reply, for logs */
	int			 ok[C_COUNT], total[C_COUNT];
	long			 queued;	/* messages accepted */
	int			 dnsbl_done;	/* the DNSBL answer is known */
	struct str		 dnsbl_reply;	/* the 554 when listed, else empty */
	int			 sender_done;	/* the sender domain is checked */
	struct str		 sender_reply;	/* its refusal, else empty */
};

void	 smtpd_reply(struct smtpd_session *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 smtpd_data(struct smtpd_session *);
void	 smtpd_reset(struct smtpd_session *);
const char *smtpd_proto(const struct smtpd_session *);

#endif
