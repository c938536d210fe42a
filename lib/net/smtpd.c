/*
 * smtpd - the ESMTP server engine: session, command table, policy calls
 *
 * DESCRIPTION
 *	See smtpd.h. One session is a loop: read a command line (at most
 *	SMTPD_CMD_MAX bytes; a longer one is skipped without being held
 *	and answered 500), find it in the command table, run it. Replies
 *	are buffered and flushed only when no more input is waiting, which
 *	is what PIPELINING needs. The DATA phase is in smtpd_data.c.
 *
 *	Limits: smtpd_timeout for every read and write, the session's own
 *	deadline (smtpd_session_time_limit), smtpd_hard_error_limit
 *	replies of 4xx and 5xx, smtpd_recipient_limit recipients per
 *	message, message_size_limit. A client that talks before the
 *	greeting (within smtpd_greet_pause) gets 554 and nothing but QUIT.
 *
 *	STARTTLS: the reply 220 is flushed, then netio_tls_server drops
 *	whatever the client pipelined after the command (injection), and
 *	the session starts over: no HELO, no transaction, no AUTH.
 *
 * SECURITY
 *	Runs as the spool owner (or, for sendmail -bs, as the local caller
 *	with the maildrop group): everything here is untrusted input.
 *	Addresses are checked by smtp_parse_path and env_check_addr before
 *	they reach an envelope; text from the client is passed through
 *	log_clean before it is logged and made harmless before it goes
 *	into a Received: line.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "conf.h"
#include "local.h"
#include "log.h"
#include "smtpd_int.h"
#include "smtpproto.h"
#include "tls.h"
#include "util.h"

static const char *cmd_names[C_COUNT] = {
	"helo", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "rset",
	"noop", "vrfy", "help", "quit", "unknown"
};

/* smtpd_reply - one reply line; a 4xx or 5xx counts as an error */
void
smtpd_reply(struct smtpd_session *s, const char *fmt, ...)
{
	va_list ap;
	struct str r = STR_INIT;

	va_start(ap, fmt);
	str_vprintf(&r, fmt, ap);
	va_end(ap);
	if (r.len > 0 && (r.s[0] == '4' || r.s[0] == '5'))
		s->errors++;
	else
		s->cur_ok = 1;
	util_strlcpy(s->last, r.s, sizeof(s->last));	/* cut short: a log */
	str_appends(&r, "\r\n");
	(void)netio_write(s->nio, r.s, r.len);
	str_free(&r);
}

/* smtpd_proto - the protocol for Received: and logs */
const char *
smtpd_proto(const struct smtpd_session *s)
{
	static const char *names[] = { "ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA" };

	if (!s->esmtp)
		return "SMTP";
	return names[(netio_tls_active(s->nio) ? 1 : 0) + (s->authed ? 2 : 0)];
}

/* smtpd_reset - forget the transaction (RSET, a new HELO, after DATA) */
void
smtpd_reset(struct smtpd_session *s)
{
	env_free(&s->env);
	env_init(&s->env);
	s->in_mail = 0;
	s->rcpt_tried = 0;
	s->sender_done = 0;
	str_reset(&s->sender_reply);
}

/* clean - client text for a log line */
static const char *
clean(char *buf, size_t size, const char *text)
{
	return log_clean(buf, size, text, strlen(text));
}

/* need_helo - 1 when a transaction may not start yet (replied) */
static int
need_helo(struct smtpd_session *s)
{
	if (s->helo[0] == '\0' && s->c->helo_required) {
		smtpd_reply(s, "503 5.5.1 Error: send HELO/EHLO first");
		return 1;
	}
	return 0;
}

/* helo_arg - check and keep the HELO/EHLO argument; 0 or -1 (replied) */
static int
helo_arg(struct smtpd_session *s, const char *arg, const char *cmd)
{
	const char *p;

	if (*arg == '\0' || strlen(arg) > SMTPD_HELO_MAX) {
		smtpd_reply(s, "501 5.5.4 Syntax: %s hostname", cmd);
		return -1;
	}
	for (p = arg; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 127) {
			smtpd_reply(s, "501 5.5.4 Syntax: %s hostname", cmd);
			return -1;
		}
	util_strlcpy(s->helo, arg, sizeof(s->helo));
	smtpd_reset(s);
	return 0;
}

/* cmd_helo - HELO: plain SMTP, no extensions */
static void
cmd_helo(struct smtpd_session *s, char *arg)
{
	if (helo_arg(s, arg, "HELO") < 0)
		return;
	s->esmtp = 0;
	smtpd_reply(s, "250 %s", s->c->myhostname);
}

/* cmd_ehlo - EHLO: the extensions this session may use */
static void
cmd_ehlo(struct smtpd_session *s, char *arg)
{
	struct netio *nio = s->nio;
	const char *h = s->c->myhostname;

	if (helo_arg(s, arg, "EHLO") < 0)
		return;
	s->esmtp = 1;
	netio_printf(nio, "250-%s\r\n", h);
	netio_printf(nio, "250-PIPELINING\r\n");
	if (s->c->size_limit > 0)
		netio_printf(nio, "250-SIZE %lld\r\n", s->c->size_limit);
	else
		netio_printf(nio, "250-SIZE\r\n");
	if (s->c->tls != NULL && !netio_tls_active(nio))
		netio_printf(nio, "250-STARTTLS\r\n");
	if (s->c->auth && s->c->nusers > 0 && netio_tls_active(nio) && !s->authed)
		netio_printf(nio, "250-AUTH PLAIN LOGIN\r\n");
	netio_printf(nio, "250-ENHANCEDSTATUSCODES\r\n");
	netio_printf(nio, "250-8BITMIME\r\n");
	netio_printf(nio, "250-DSN\r\n");
	smtpd_reply(s, "250 SMTPUTF8");
}

/* cmd_starttls - STARTTLS: the handshake, then a fresh session */
static void
cmd_starttls(struct smtpd_session *s, char *arg)
{
	struct tls_info ti;
	char buf[LOG_CLEAN_MAX + 1];

	if (*arg != '\0') {
		smtpd_reply(s, "501 5.5.4 Syntax: STARTTLS");
		return;
	}
	if (s->c->tls == NULL) {
		smtpd_reply(s, "502 5.5.1 Error: command not implemented");
		return;
	}
	if (netio_tls_active(s->nio)) {
		smtpd_reply(s, "554 5.5.1 Error: TLS already active");
		return;
	}
	smtpd_reply(s, "220 2.0.0 Ready to start TLS");
	if (netio_flush(s->nio) < 0) {
		s->done = 1;
		return;
	}
	if (netio_pending(s->nio) > 0)
		log_warning("%s: discarding %zu bytes sent after STARTTLS",
		    s->peer, netio_pending(s->nio));
	if (netio_tls_server(s->nio, s->c->tls) < 0) {
		log_warning("TLS handshake failed with %s: %s", s->peer,
		    clean(buf, sizeof(buf), netio_strerror(s->nio)));
		s->cur_ok = 0;
		s->done = 1;
		return;
	}
	netio_tls_info(s->nio, &ti);
	log_info("Anonymous TLS connection established from %s: %s with cipher %s "
	    "(%d/%d bits)", s->peer, ti.version, ti.cipher, ti.bits, ti.bits);
	s->helo[0] = '\0';
	s->esmtp = 0;
	smtpd_reset(s);
}

/* sasl_read - one client response during AUTH; 0, or -1 (replied/gone) */
static int
sasl_read(struct smtpd_session *s, const char *challenge, struct str *out)
{
	struct str line = STR_INIT;
	int flags, r;

	netio_printf(s->nio, "334 %s\r\n", challenge);
	if (netio_flush(s->nio) < 0) {
		s->done = 1;
		return -1;
	}
	r = netio_getline(s->nio, &line, SMTPD_CMD_MAX, &flags);
	if (r == NETIO_TOOLONG) {
		(void)netio_skipline(s->nio);
		smtpd_reply(s, "500 5.5.6 Error: authentication line too long");
	} else if (r < 0) {
		s->done = 1;
	} else if (strcmp(line.s, "*") == 0) {
		smtpd_reply(s, "501 5.7.0 Authentication aborted");
		r = -1;
	} else if (base64_decode(out, line.s, line.len) < 0) {
		smtpd_reply(s, "501 5.5.2 Error: malformed base64");
		r = -1;
	}
	explicit_bzero(line.s, line.len);
	str_free(&line);
	return r < 0 ? -1 : 0;
}

/* auth - AUTH PLAIN / LOGIN, after STARTTLS only */
static void
auth(struct smtpd_session *s, char *arg)
{
	struct str resp = STR_INIT, user = STR_INIT, pass = STR_INIT;
	char *mech = arg, *init, *p, buf[LOG_CLEAN_MAX + 1];
	const char *authzid, *u, *pw;
	size_t n;

	if (!s->c->auth || s->c->nusers == 0) {
		smtpd_reply(s, "503 5.5.1 Error: authentication not enabled");
		return;
	}
	if (!netio_tls_active(s->nio)) {
		smtpd_reply(s, "530 5.7.0 Must issue a STARTTLS command first");
		return;
	}
	if (s->helo[0] == '\0' || !s->esmtp) {
		smtpd_reply(s, "503 5.5.1 Error: send EHLO first");
		return;
	}
	if (s->authed) {
		smtpd_reply(s, "503 5.5.1 Error: already authenticated");
		return;
	}
	if (s->in_mail) {
		smtpd_reply(s, "503 5.5.1 Error: MAIL transaction in progress");
		return;
	}
	if ((init = strchr(mech, ' ')) != NULL)
		*init++ = '\0';
	if (strcasecmp(mech, "PLAIN") == 0) {
		if (init != NULL && strcmp(init, "=") == 0)
			init = (char *)"";
		if (init != NULL) {
			if (base64_decode(&resp, init, strlen(init)) < 0) {
				smtpd_reply(s, "501 5.5.2 Error: malformed base64");
				goto out;
			}
		} else if (sasl_read(s, "", &resp) < 0)
			goto out;
		/* authzid NUL user NUL password */
		authzid = resp.s ? resp.s : "";
		n = strlen(authzid);
		if (resp.len < n + 2 || (p = memchr(resp.s + n + 1, '\0',
		    resp.len - n - 1)) == NULL) {
			smtpd_reply(s, "501 5.5.2 Error: malformed PLAIN response");
			goto out;
		}
		u = resp.s + n + 1;
		str_append(&user, u, strlen(u));
		str_append(&pass, p + 1, resp.len - (size_t)(p + 1 - resp.s));
		if (*authzid && strcmp(authzid, u) != 0) {
			smtpd_reply(s, "535 5.7.8 Error: authentication failed");
			goto fail;
		}
		s->auth_mech = "PLAIN";
	} else if (strcasecmp(mech, "LOGIN") == 0) {
		if (init != NULL) {
			if (base64_decode(&user, init, strlen(init)) < 0) {
				smtpd_reply(s, "501 5.5.2 Error: malformed base64");
				goto out;
			}
		} else if (sasl_read(s, "VXNlcm5hbWU6", &user) < 0)
			goto out;
		if (sasl_read(s, "UGFzc3dvcmQ6", &pass) < 0)
			goto out;
		s->auth_mech = "LOGIN";
	} else {
		smtpd_reply(s, "504 5.5.4 Unrecognized authentication type");
		goto out;
	}
	u = user.s ? user.s : "";
	pw = pass.s ? pass.s : "";
	if (memchr(u, '\0', user.len) != NULL || memchr(pw, '\0', pass.len) != NULL ||
	    !smtpd_auth_check(s->c, u, pw)) {
		smtpd_reply(s, "535 5.7.8 Error: authentication failed");
		goto fail;
	}
	s->authed = 1;
	util_strlcpy(s->auth_user, u, sizeof(s->auth_user));
	smtpd_reply(s, "235 2.7.0 Authentication successful");
	goto out;
fail:
	log_warning("%s: SASL %s authentication failed: user=%s", s->peer,
	    s->auth_mech ? s->auth_mech : mech, clean(buf, sizeof(buf), user.s ? user.s : ""));
	s->auth_mech = NULL;
out:
	if (pass.s)
		explicit_bzero(pass.s, pass.len);
	if (resp.s)
		explicit_bzero(resp.s, resp.len);
	str_free(&resp);
	str_free(&user);
	str_free(&pass);
}

/* cmd_auth - AUTH, then the command line (an initial response) wiped */
static void
cmd_auth(struct smtpd_session *s, char *arg)
{
	auth(s, arg);
	if (s->line.s != NULL)
		explicit_bzero(s->line.s, s->line.cap);
}

/* path_arg - the text after "FROM:" / "TO:", or NULL */
static const char *
path_arg(const char *arg, const char *what)
{
	size_t n = strlen(what);

	if (strncasecmp(arg, what, n) != 0)
		return NULL;
	return arg + n;
}

/* cmd_mail - MAIL FROM: with SIZE, BODY, SMTPUTF8, RET, ENVID, AUTH */
static void
cmd_mail(struct smtpd_session *s, char *arg)
{
	struct smtp_path path;
	struct str envid = STR_INIT, why = STR_INIT;
	const char *a, *err, *v;
	long long size;
	size_t i;
	int utf8 = 0, body8 = 0, ret = RET_DEFAULT;

	smtp_path_init(&path);
	if (need_helo(s))
		goto out;
	if (s->in_mail) {
		smtpd_reply(s, "503 5.5.1 Error: nested MAIL command");
		goto out;
	}
	if ((a = path_arg(arg, "FROM:")) == NULL) {
		smtpd_reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		goto out;
	}
	if (smtp_parse_path(a, 1, &path, &err) < 0) {
		smtpd_reply(s, "501 5.1.7 Bad sender address syntax (%s)", err);
		goto out;
	}
	if (path.nparam > 0 && !s->esmtp) {
		smtpd_reply(s, "555 5.5.4 Error: parameters need EHLO");
		goto out;
	}
	for (i = 0; i < path.nparam; i++) {
		const char *k = path.param[i].key;

		v = path.param[i].value;
		if (strcmp(k, "SIZE") == 0) {
			if (v == NULL || util_parse_size(v, &size) < 0) {
				smtpd_reply(s, "501 5.5.4 Bad SIZE parameter");
				goto out;
			}
			if (s->c->size_limit > 0 && size > s->c->size_limit) {
				smtpd_reply(s, "552 5.3.4 Message size exceeds fixed limit");
				goto out;
			}
		} else if (strcmp(k, "BODY") == 0) {
			if (v != NULL && strcasecmp(v, "8BITMIME") == 0)
				body8 = 1;
			else if (v == NULL || strcasecmp(v, "7BIT") != 0) {
				smtpd_reply(s, "501 5.5.4 Bad BODY parameter");
				goto out;
			}
		} else if (strcmp(k, "SMTPUTF8") == 0 && v == NULL) {
			utf8 = 1;
		} else if (strcmp(k, "RET") == 0 && v != NULL &&
		    (strcasecmp(v, "FULL") == 0 || strcasecmp(v, "HDRS") == 0)) {
			ret = strcasecmp(v, "FULL") == 0 ? RET_FULL : RET_HDRS;
		} else if (strcmp(k, "ENVID") == 0 && v != NULL) {
			str_reset(&envid);
			if (xtext_decode(&envid, v) < 0 || envid.len > 100 ||
			    util_has_ctl(envid.s, envid.len)) {
				smtpd_reply(s, "501 5.5.4 Bad ENVID parameter");
				goto out;
			}
		} else if (strcmp(k, "AUTH") == 0 && v != NULL) {
			;	/* RFC 4954 5: may be ignored */
		} else {
			smtpd_reply(s, "555 5.5.4 Unsupported option: %s", k);
			goto out;
		}
	}
	if (!utf8 && !util_is_ascii(path.addr.s)) {
		smtpd_reply(s, "553 5.6.7 Non-ASCII sender address needs SMTPUTF8");
		goto out;
	}
	if (path.addr.len > SPOOL_ADDR_MAX || env_check_addr(path.addr.s, &why) < 0) {
		smtpd_reply(s, "553 5.1.7 Bad sender address");
		goto out;
	}
	smtpd_reset(s);
	s->env.sender = xstrdup(path.addr.s);
	s->env.ret = ret;
	s->env.envid = envid.len ? xstrdup(envid.s) : NULL;
	s->env.smtputf8 = utf8;
	s->env.body8bit = body8;
	s->in_mail = 1;
	smtpd_reply(s, "250 2.1.0 Ok");
out:
	smtp_path_free(&path);
	str_free(&envid);
	str_free(&why);
}

/* notify_arg - the NOTIFY bits of "SUCCESS,DELAY", or -1 */
static int
notify_arg(const char *v)
{
	char buf[64], *w, *save = NULL;
	int bits = 0;

	if (v == NULL || util_strlcpy(buf, v, sizeof(buf)) < 0)
		return -1;
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (strcasecmp(w, "NEVER") == 0)
			bits |= NOTIFY_NEVER;
		else if (strcasecmp(w, "SUCCESS") == 0)
			bits |= NOTIFY_SUCCESS;
		else if (strcasecmp(w, "FAILURE") == 0)
			bits |= NOTIFY_FAILURE;
		else if (strcasecmp(w, "DELAY") == 0)
			bits |= NOTIFY_DELAY;
		else
			return -1;
	}
	if (bits == 0 || ((bits & NOTIFY_NEVER) && bits != NOTIFY_NEVER))
		return -1;
	return bits;
}

/*
 * routed - does a local part carry routing that another host might
 * act on: '%' (the percent hack), '!' (UUCP paths), '@' (inside quotes)?
 */
static int
routed(const char *addr, const char *dom)
{
	const char *end = dom ? dom - 1 : addr + strlen(addr);

	for (; addr < end; addr++)
		if (*addr == '%' || *addr == '!' || *addr == '@')
			return 1;
	return 0;
}

/*
 * rcpt_policy - may mail for this recipient come in from this client?
 * 0 yes; otherwise -1 with the reply sent.
 */
static int
rcpt_policy(struct smtpd_session *s, const char *addr)
{
	const char *dom = addr_domain(addr);
	struct str err = STR_INIT;
	char buf[LOG_CLEAN_MAX + 1];
	int trusted, r;

	trusted = s->c->local || s->authed || smtpd_net_match(s->c, s->cl->addr);
	if (dom != NULL && addr_domain_in(dom, s->c->mydest)) {
		if (routed(addr, dom) && !trusted)
			goto relay;
		r = local_rcpt_known(s->c->alias_db, addr, &err);
		if (r < 0) {
			log_warning("%s: alias database: %s", s->peer,
			    clean(buf, sizeof(buf), str_c(&err)));
			smtpd_reply(s, "451 4.3.0 <%s>: Temporary lookup failure", addr);
		} else if (r == 0)
			smtpd_reply(s, "550 5.1.1 <%s>: Recipient address rejected: "
			    "User unknown in local recipient table", addr);
		str_free(&err);
		return r > 0 ? 0 : -1;
	}
	if (dom != NULL && addr_domain_in(dom, s->c->relay_domains) &&
	    (!routed(addr, dom) || trusted))
		return 0;
	if (trusted)
		return 0;
relay:
	smtpd_reply(s, "554 5.7.1 <%s>: Relay access denied", addr);
	return -1;
}

/*
 * client_checks - the DNSBL listing, the HELO name and the sender's
 * domain, in Postfix's order (client, helo, sender), for a client that
 * is neither local, nor authenticated, nor in mynetworks. Each answer
 * is looked up once: the DNSBL per session, the domain per MAIL. 0
 * pass; -1 with the reply sent.
 */
static int
client_checks(struct smtpd_session *s)
{
	const struct smtpd_conf *c = s->c;

	if (c->local || s->authed || smtpd_net_match(c, s->cl->addr))
		return 0;
	if (c->dnsbl != NULL && c->dnsbl[0] != NULL) {
		if (!s->dnsbl_done)
			(void)smtpd_dnsbl(c, s->cl->addr, &s->dnsbl_reply);
		s->dnsbl_done = 1;
		if (s->dnsbl_reply.len > 0) {
			smtpd_reply(s, "%s", s->dnsbl_reply.s);
			return -1;
		}
	}
	if (c->reject_bad_helo && s->helo[0] != '\0' && !smtpd_valid_helo(s->helo)) {
		smtpd_reply(s, "501 5.5.2 <%s>: Helo command rejected: Invalid name",
		    s->helo);
		return -1;
	}
	if (c->reject_unknown_sender) {
		if (!s->sender_done)
			(void)smtpd_sender_domain(c, s->env.sender, &s->sender_reply);
		s->sender_done = 1;
		if (s->sender_reply.len > 0) {
			smtpd_reply(s, "%s", s->sender_reply.s);
			return -1;
		}
	}
	return 0;
}

/*
 * unqualified - "<postmaster>" (RFC 5321 4.5.1), and in local mode any
 * "<user>", qualified: out gets the argument with "@domain" added. 0, or
 * -1 when the argument is not such a path.
 */
static int
unqualified(struct smtpd_session *s, const char *arg, struct str *out)
{
	const char *lt, *gt;

	while (*arg == ' ')
		arg++;
	lt = arg;
	if (*lt != '<' || (gt = strchr(lt, '>')) == NULL || gt == lt + 1 ||
	    memchr(lt, '@', (size_t)(gt - lt)) != NULL ||
	    memchr(lt, '"', (size_t)(gt - lt)) != NULL)
		return -1;
	if (!s->c->local && (gt - lt - 1 != 10 || strncasecmp(lt + 1, "postmaster", 10) != 0))
		return -1;
	str_reset(out);
	str_append(out, lt, (size_t)(gt - lt));
	str_printf(out, "@%s%s", s->c->local ? s->c->myorigin : s->c->myhostname, gt);
	return 0;
}

/* cmd_rcpt - RCPT TO: with NOTIFY and ORCPT */
static void
cmd_rcpt(struct smtpd_session *s, char *arg)
{
	struct smtp_path path;
	struct str orcpt = STR_INIT, addr = STR_INIT, why = STR_INIT;
	char b1[LOG_CLEAN_MAX + 1], b2[LOG_CLEAN_MAX + 1], b3[LOG_CLEAN_MAX + 1];
	const char *a = NULL, *err, *v, *semi;
	size_t i;
	int notify = 0, errs = (int)s->errors;

	smtp_path_init(&path);
	if (!s->in_mail) {
		smtpd_reply(s, "503 5.5.1 Error: need MAIL command");
		goto out;
	}
	if ((a = path_arg(arg, "TO:")) == NULL) {
		smtpd_reply(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		goto out;
	}
	s->rcpt_tried++;
	if (smtp_parse_path(a, s->env.smtputf8, &path, &err) < 0 &&
	    unqualified(s, a, &addr) == 0) {
		smtp_path_free(&path);
		smtp_path_init(&path);
		(void)smtp_parse_path(addr.s, s->env.smtputf8, &path, &err);
		str_reset(&addr);
	}
	if (path.addr.len == 0) {
		smtpd_reply(s, "501 5.1.3 Bad recipient address syntax");
		goto out;
	}
	if (path.nparam > 0 && !s->esmtp) {
		smtpd_reply(s, "555 5.5.4 Error: parameters need EHLO");
		goto out;
	}
	for (i = 0; i < path.nparam; i++) {
		v = path.param[i].value;
		if (strcmp(path.param[i].key, "NOTIFY") == 0) {
			if ((notify = notify_arg(v)) < 0) {
				smtpd_reply(s, "501 5.5.4 Bad NOTIFY parameter");
				goto out;
			}
		} else if (strcmp(path.param[i].key, "ORCPT") == 0 && v != NULL &&
		    (semi = strchr(v, ';')) != NULL && semi > v && semi - v < 20) {
			str_reset(&orcpt);
			str_append(&orcpt, v, (size_t)(semi - v));
			str_appendc(&orcpt, ';');
			if (xtext_decode(&orcpt, semi + 1) < 0 || orcpt.len > SPOOL_ADDR_MAX ||
			    util_has_ctl(orcpt.s, orcpt.len)) {
				smtpd_reply(s, "501 5.5.4 Bad ORCPT parameter");
				goto out;
			}
		} else {
			smtpd_reply(s, "555 5.5.4 Unsupported option: %s", path.param[i].key);
			goto out;
		}
	}
	str_append(&addr, path.addr.s, path.addr.len);
	if (addr_domain(addr.s) == NULL) {
		if (!s->c->local && strcasecmp(addr.s, "postmaster") != 0) {
			smtpd_reply(s, "504 5.5.2 <%s>: Recipient address rejected: "
			    "need fully-qualified address", addr.s);
			goto out;
		}
		str_printf(&addr, "@%s", s->c->local ? s->c->myorigin : s->c->myhostname);
	}
	if (addr.len > SPOOL_ADDR_MAX || env_check_addr(addr.s, &why) < 0) {
		smtpd_reply(s, "501 5.1.3 Bad recipient address syntax");
		goto out;
	}
	if ((long)s->env.nrcpt >= s->c->rcpt_limit || s->env.nrcpt >= SPOOL_RCPT_MAX) {
		smtpd_reply(s, "452 4.5.3 Error: too many recipients");
		goto out;
	}
	if (client_checks(s) < 0 || rcpt_policy(s, addr.s) < 0)
		goto out;
	env_add_rcpt(&s->env, addr.s, orcpt.len ? orcpt.s : NULL, notify);
	if (!util_is_ascii(addr.s))
		s->env.smtputf8 = 1;
	smtpd_reply(s, "250 2.1.5 Ok");
out:
	if (s->errors > errs)
		log_info("NOQUEUE: reject: RCPT from %s: %s; to=<%s> from=<%s> proto=%s helo=<%s>",
		    s->peer, s->last, clean(b1, sizeof(b1), addr.len ? addr.s : a ? a : arg),
		    clean(b2, sizeof(b2), s->env.sender ? s->env.sender : ""),
		    smtpd_proto(s), clean(b3, sizeof(b3), s->helo));
	smtp_path_free(&path);
	str_free(&orcpt);
	str_free(&addr);
	str_free(&why);
}

/* cmd_data - DATA: see smtpd_data.c */
static void
cmd_data(struct smtpd_session *s, char *arg)
{
	if (*arg != '\0') {
		smtpd_reply(s, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (!s->in_mail) {
		smtpd_reply(s, "503 5.5.1 Error: need RCPT command");
		return;
	}
	if (s->env.nrcpt == 0) {
		smtpd_reply(s, "554 5.5.1 Error: no valid recipients");
		return;
	}
	smtpd_data(s);
}

/* cmd_rset - RSET */
static void
cmd_rset(struct smtpd_session *s, char *arg)
{
	(void)arg;
	smtpd_reset(s);
	smtpd_reply(s, "250 2.0.0 Ok");
}

/* cmd_noop - NOOP */
static void
cmd_noop(struct smtpd_session *s, char *arg)
{
	(void)arg;
	smtpd_reply(s, "250 2.0.0 Ok");
}

/* cmd_vrfy - VRFY: never says who exists (RFC 5321 7.3) */
static void
cmd_vrfy(struct smtpd_session *s, char *arg)
{
	if (*arg == '\0')
		smtpd_reply(s, "501 5.5.4 Syntax: VRFY address");
	else
		smtpd_reply(s, "252 2.5.2 Cannot VRFY user, but will accept message "
		    "and attempt delivery");
}

/* cmd_help - HELP */
static void
cmd_help(struct smtpd_session *s, char *arg)
{
	(void)arg;
	smtpd_reply(s, "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT "
	    "VRFY HELP%s%s", s->c->tls ? " STARTTLS" : "", s->c->auth ? " AUTH" : "");
}

/* cmd_quit - QUIT */
static void
cmd_quit(struct smtpd_session *s, char *arg)
{
	(void)arg;
	smtpd_reply(s, "221 2.0.0 Bye");
	s->done = 1;
}

static const struct {
	const char	*name;
	enum smtpd_cmd	 id;
	void		(*fn)(struct smtpd_session *, char *);
} cmd_tab[] = {
	{ "AUTH", C_AUTH, cmd_auth },
	{ "DATA", C_DATA, cmd_data },
	{ "EHLO", C_EHLO, cmd_ehlo },
	{ "HELO", C_HELO, cmd_helo },
	{ "HELP", C_HELP, cmd_help },
	{ "MAIL", C_MAIL, cmd_mail },
	{ "NOOP", C_NOOP, cmd_noop },
	{ "QUIT", C_QUIT, cmd_quit },
	{ "RCPT", C_RCPT, cmd_rcpt },
	{ "RSET", C_RSET, cmd_rset },
	{ "STARTTLS", C_STARTTLS, cmd_starttls },
	{ "VRFY", C_VRFY, cmd_vrfy },
};

/* greet - the 220, after the pause that tells early talkers; 0 or -1 */
static int
greet(struct smtpd_session *s)
{
	struct pollfd pfd;
	int r;

	if (s->c->greet_pause_ms > 0 && s->cl->rfd >= 0 && netio_pending(s->nio) == 0) {
		pfd.fd = s->cl->rfd;
		pfd.events = POLLIN;
		do
			r = poll(&pfd, 1, (int)s->c->greet_pause_ms);
		while (r < 0 && errno == EINTR);
		if (r > 0) {
			log_info("reject: early talker %s (input before the greeting)", s->peer);
			return -1;
		}
	}
	smtpd_reply(s, "220 %s ESMTP posthorn", s->c->myhostname);
	return 0;
}

/* summary - the session's last log line, as Postfix writes it */
static void
summary(struct smtpd_session *s)
{
	struct str line = STR_INIT;
	int i, ok = 0, total = 0;

	for (i = 0; i < C_COUNT; i++) {
		if (s->total[i] == 0)
			continue;
		ok += s->ok[i];
		total += s->total[i];
		if (s->ok[i] == s->total[i])
			str_printf(&line, " %s=%d", cmd_names[i], s->ok[i]);
		else
			str_printf(&line, " %s=%d/%d", cmd_names[i], s->ok[i], s->total[i]);
	}
	if (ok == total)
		str_printf(&line, " commands=%d", ok);
	else
		str_printf(&line, " commands=%d/%d", ok, total);
	log_info("disconnect from %s%s", s->peer, line.s);
	str_free(&line);
}

/* serve - read and run one command; 0, or -1 when the session ends */
static int
serve(struct smtpd_session *s, int rejected)
{
	char *arg, *sp;
	size_t i;
	int flags, r;

	if (netio_pending(s->nio) == 0 && netio_flush(s->nio) < 0)
		return -1;
	r = netio_getline(s->nio, &s->line, SMTPD_CMD_MAX, &flags);
	if (r == NETIO_TOOLONG) {
		if (netio_skipline(s->nio) < 0)
			return -1;
		s->total[C_UNKNOWN]++;
		smtpd_reply(s, "500 5.5.2 Error: line too long");
		return 0;
	}
	if (r == NETIO_TIMEOUT) {
		log_info("timeout after %s from %s", cmd_names[s->cur], s->peer);
		smtpd_reply(s, "421 4.4.2 %s Error: timeout exceeded", s->c->myhostname);
		return -1;
	}
	if (r < 0) {
		log_info("lost connection after %s from %s", cmd_names[s->cur], s->peer);
		return -1;
	}
	s->cur = C_UNKNOWN;
	s->cur_ok = 0;
	if ((flags & (NETIO_LINE_BARELF | NETIO_LINE_BARECR)) &&
	    s->c->bare_newline == SMTPD_BARE_REJECT) {
		s->total[C_UNKNOWN]++;
		smtpd_reply(s, "500 5.5.2 Error: bare <%s> received",
		    flags & NETIO_LINE_BARECR ? "CR" : "LF");
		return 0;
	}
	if ((flags & (NETIO_LINE_NUL | NETIO_LINE_BARECR)) ||
	    util_has_ctl(s->line.s, s->line.len)) {
		s->total[C_UNKNOWN]++;
		smtpd_reply(s, "500 5.5.2 Error: bad character in command");
		return 0;
	}
	arg = s->line.s;
	if ((sp = strchr(arg, ' ')) != NULL) {
		*sp++ = '\0';
		while (*sp == ' ')
			sp++;
	} else
		sp = arg + strlen(arg);
	for (i = 0; i < ARRAY_LEN(cmd_tab); i++)
		if (strcasecmp(arg, cmd_tab[i].name) == 0)
			break;
	if (i < ARRAY_LEN(cmd_tab))
		s->cur = cmd_tab[i].id;
	s->total[s->cur]++;
	if (rejected && s->cur != C_QUIT)
		smtpd_reply(s, "503 5.5.1 Error: access denied for %s", s->peer);
	else if (i == ARRAY_LEN(cmd_tab))
		smtpd_reply(s, "502 5.5.2 Error: command not recognized");
	else
		cmd_tab[i].fn(s, sp);
	if (s->cur_ok)
		s->ok[s->cur]++;
	return s->done ? -1 : 0;
}

/* smtpd_session - serve one client until it leaves; see smtpd.h */
long
smtpd_session(struct netio *nio, const struct smtpd_conf *c,
    const struct smtpd_client *cl)
{
	struct smtpd_session s;
	char buf[300];
	int rejected = 0;

	memset(&s, 0, sizeof(s));
	s.nio = nio;
	s.c = c;
	s.cl = cl;
	s.cur = C_UNKNOWN;
	env_init(&s.env);
	str_init(&s.line);
	str_init(&s.dnsbl_reply);
	str_init(&s.sender_reply);
	util_snprintf(s.peer, sizeof(s.peer), "%s[%s]", cl->name,
	    clean(buf, sizeof(buf), cl->addr));
	netio_set_timeout(nio, c->timeout_ms);
	if (c->session_ms > 0)
		netio_set_deadline(nio, util_now_ms() + c->session_ms);
	log_info("connect from %s", s.peer);
	if (greet(&s) < 0) {
		smtpd_reply(&s, "554 5.5.1 %s Error: SMTP protocol synchronization",
		    c->myhostname);
		rejected = 1;
	}
	for (;;) {
		if (c->error_limit > 0 && s.errors >= c->error_limit) {
			log_info("too many errors after %s from %s", cmd_names[s.cur], s.peer);
			smtpd_reply(&s, "421 4.7.0 %s Error: too many errors", c->myhostname);
			break;
		}
		if (serve(&s, rejected) < 0)
			break;
	}
	(void)netio_flush(nio);
	summary(&s);
	env_free(&s.env);
	str_free(&s.line);
	str_free(&s.dnsbl_reply);
	str_free(&s.sender_reply);
	return s.queued;
}
