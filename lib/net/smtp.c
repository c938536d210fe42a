/*
 * smtp - the SMTP client: the transport runq uses for remote recipients
 *
 * One job is one message for the recipients of one next hop (their
 * domain, or relayhost). deliver() finds the hosts to try (relayhost
 * "[host]:port" as it stands, "host" and domains by MX: dns.h, mx_route),
 * connects to their addresses in turn (at most SMTP_ADDR_LIMIT addresses,
 * SMTP_SESSION_LIMIT sessions that reach the greeting) and runs one
 * transaction for all recipients:
 *
 *	greeting, EHLO (HELO when EHLO is refused), STARTTLS by
 *	smtp_tls_security_level and EHLO again, AUTH for a smarthost,
 *	MAIL FROM (SIZE, BODY=8BITMIME, SMTPUTF8, RET, ENVID), RCPT TO
 *	(NOTIFY, ORCPT) for each recipient, DATA, the message (bodyenc.h:
 *	CRLF, dot-stuffing, long lines, 8-bit to 7-bit conversion), ".".
 *
 * With PIPELINING the MAIL, RCPT and DATA commands go out in one write.
 * Each recipient's fate comes from its own reply: 2xx sent, 4xx
 * deferred, 5xx bounced; the reply to the end of data decides for all
 * that were accepted. A connection that fails, a 4xx or 5xx greeting, a
 * refused EHLO and HELO, a TLS requirement the host does not meet, and a
 * session lost before the end of data move on to the next address or
 * host; when none is left, every recipient is deferred with the last
 * reason (mailq shows it). A session lost after the end of data was sent
 * defers: the message may arrive twice, never not at all.
 *
 * Sessions are kept after a transaction (at most SMTP_CACHE_MAX, for
 * smtp_connection_cache_time_limit idle and smtp_connection_reuse_time_limit
 * in all) and the next job for the same next hop reuses one after an
 * RSET, so one connection carries many messages. The worker that runs
 * this is a child of a queue worker that has switched to the spool owner
 * (transport.c): this code never runs as root, except init().
 *
 * Whose rights open what:
 *	smtp_sasl_password_maps   read in init(), with the rights of runq
 *	                          (root, or the owner of a private
 *	                          instance), before the worker drops them;
 *	                          refused when others may read it
 *	smtp_tls_CAfile/CApath    the spool owner (OpenSSL, at first use)
 *	smtp_sasl_oauth_command   run as the spool owner, by /bin/sh
 *	the message               the descriptor runq passed, read with pread
 *	dnssec_trust_anchors      the spool owner (getdns, at first lookup)
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bodyenc.h"
#include "conf.h"
#include "dns.h"
#include "log.h"
#include "netio.h"
#include "smtp.h"
#include "smtpproto.h"
#include "spool.h"
#include "tls.h"
#include "transport.h"
#include "util.h"

#define SMTP_ADDR_LIMIT		5	/* addresses tried for one job */
#define SMTP_SESSION_LIMIT	2	/* sessions that reached the greeting */
#define SMTP_CACHE_MAX		8	/* idle sessions kept by one worker */
#define SASL_MAP_MAX		(1024 * 1024)

/* where a job goes */
struct dest {
	char		 name[256];	/* domain, host or address literal */
	unsigned	 port;
	int		 mx;		/* look up MX records of name */
	int		 literal;	/* name is an IP address */
	char		 key[300];	/* the session cache's key */
};

struct sess {
	int		 fd;
	struct netio	*io;
	char		 host[256];	/* the host name we connected to */
	char		 relay[256];	/* host[ip]:port */
	char		 key[300];
	struct smtp_ehlo ehlo;
	int		 tls;
	struct tls_info	 ti;
	int		 authed;
	int		 ntrans;
	long long	 born;
	long long	 idle_since;
};

/* the outcome of one try */
enum tx {
	TX_DONE,	/* every recipient has its result; session usable */
	TX_DONE_CLOSE,	/* every recipient has its result; close the session */
	TX_NEXT		/* no result: try the next address (reason in why) */
};

struct sasl_ent {
	char	*key;		/* "[host]:port" or "host" */
	char	*user;
	char	*pass;
};

static struct sess *cache[SMTP_CACHE_MAX];
static struct dns_ctx *dns;
static struct sasl_ent *sasl;
static size_t nsasl;
static int sasl_broken;		/* the map exists but could not be used */
static struct str sasl_why = STR_INIT;

/* ---- small helpers ---------------------------------------------------- */

/* rcpt_set - one recipient's result, and the host that gave it */
static void
rcpt_set(struct xrcpt *r, enum dstatus st, const char *dsn, const char *relay,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dresult_vset(&r->res, st, dsn, fmt, ap);
	va_end(ap);
	util_strlcpy(r->relay, relay && *relay ? relay : "none", sizeof(r->relay));
}

/* all_set - every recipient of the job gets the same result */
static void
all_set(struct xjob *job, enum dstatus st, const char *dsn, const char *relay,
    const char *text)
{
	size_t i;

	for (i = 0; i < job->nrcpt; i++)
		rcpt_set(&job->rcpt[i], st, dsn, relay, "%s", text);
}

/* reply_dsn - the enhanced code of a reply, or one made from its class */
static const char *
reply_dsn(const struct smtp_reply *r, const char *dflt4, const char *dflt5)
{
	if (r->esc[0] && r->esc[0] == '0' + r->code / 100)
		return r->esc;
	if (r->code >= 500)
		return dflt5;
	if (r->code >= 400)
		return dflt4;
	return r->code / 100 == 2 ? "2.0.0" : "4.5.0";
}

/* host_said - "host X said: 550 5.1.1 ... (in reply to RCPT TO command)" */
static void
host_said(struct str *out, const struct sess *s, const struct smtp_reply *r,
    const char *cmd)
{
	struct str one = STR_INIT;

	smtp_reply_format(r, &one);
	str_printf(out, "host %s said: %s (in reply to %s)", s->relay, one.s ? one.s : "", cmd);
	str_free(&one);
}

static int
non_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* ---- the destination ---------------------------------------------------- */

/*
 * dest_parse - the job's next hop: relayhost ("[host]:port" takes the
 * host's address, "host[:port]" its MX records) or a domain (MX), or an
 * address literal "[192.0.2.1]" / "[IPv6:2001:db8::1]" from a recipient
 */
static int
dest_parse(const char *nexthop, struct dest *d, struct str *why)
{
	const char *relay = conf_str("relayhost");
	const char *p = *relay ? relay : nexthop, *close;
	unsigned char a[16];
	long port;

	memset(d, 0, sizeof(*d));
	d->port = (unsigned)conf_int("smtp_port");
	d->mx = 1;
	if (*p == '[') {
		if ((close = strchr(p, ']')) == NULL || (size_t)(close - p - 1) >= sizeof(d->name)) {
			str_printf(why, "bad next hop \"%s\"", p);
			return -1;
		}
		memcpy(d->name, p + 1, (size_t)(close - p - 1));
		d->mx = 0;
		if (*relay == '\0' && strncasecmp(d->name, "IPv6:", 5) == 0)
			memmove(d->name, d->name + 5, strlen(d->name + 5) + 1);
		p = close + 1;
	} else {
		size_t n = strcspn(p, ":");

		if (n == 0 || n >= sizeof(d->name)) {
			str_printf(why, "bad next hop \"%s\"", p);
			return -1;
		}
		memcpy(d->name, p, n);
		p += n;
	}
	if (*p == ':' && *relay) {
		if (util_parse_long(p + 1, 1, 65535, &port) < 0) {
			str_printf(why, "bad port in next hop \"%s\"", relay);
			return -1;
		}
		d->port = (unsigned)port;
	} else if (*p != '\0') {
		str_printf(why, "bad next hop \"%s\"", nexthop);
		return -1;
	}
	d->literal = inet_pton(AF_INET, d->name, a) == 1 || inet_pton(AF_INET6, d->name, a) == 1;
	if (!d->mx && !*relay && !d->literal) {
		str_printf(why, "bad address literal \"%s\"", nexthop);
		return -1;
	}
	if (d->literal)
		d->mx = 0;
	util_lowercase(d->name);
	util_snprintf(d->key, sizeof(d->key), "%s%s%s:%u", d->mx ? "" : "[", d->name,
	    d->mx ? "" : "]", d->port);
	return 0;
}

/* ---- SASL passwords ----------------------------------------------------- */

/*
 * sasl_load - smtp_sasl_password_maps: "[host]:port user:password" or
 * "host user:password" lines, '#' comments. Runs before the worker drops
 * root: the file must be a regular file owned by root or the runner,
 * readable by no one else.
 */
static int
sasl_load(void)
{
	const char *path = conf_str("smtp_sasl_password_maps");
	struct str buf = STR_INIT;
	struct stat st;
	char *l, *nl, *sp, *colon;
	int fd, rc;

	if (!conf_bool("smtp_sasl_auth_enable") || *path == '\0')
		return 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		str_printf(&sasl_why, "cannot open smtp_sasl_password_maps %s: %s", path,
		    strerror(errno));
		goto broken;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid())) {
		str_printf(&sasl_why, "smtp_sasl_password_maps %s: not a regular file of root", path);
		close(fd);
		goto broken;
	}
	if (st.st_mode & 077) {
		str_printf(&sasl_why, "smtp_sasl_password_maps %s is readable or writable by others "
		    "(chmod 600 it)", path);
		close(fd);
		goto broken;
	}
	rc = util_read_until(fd, &buf, SASL_MAP_MAX, util_now_ms() + 10000);
	close(fd);
	if (rc != 1 || buf.len >= SASL_MAP_MAX) {
		str_printf(&sasl_why, "cannot read smtp_sasl_password_maps %s (or too big)", path);
		goto broken;
	}
	for (l = buf.s; l && l < buf.s + buf.len; l = nl + 1) {
		if ((nl = memchr(l, '\n', buf.len - (size_t)(l - buf.s))) == NULL)
			nl = buf.s + buf.len;
		*nl = '\0';
		l += strspn(l, " \t");
		if (*l == '#' || *l == '\0')
			continue;
		if ((sp = strpbrk(l, " \t")) == NULL)
			continue;
		*sp++ = '\0';
		sp += strspn(sp, " \t");
		if ((colon = strchr(sp, ':')) == NULL)
			continue;
		*colon++ = '\0';
		colon[strcspn(colon, "\r")] = '\0';
		sasl = xreallocarray(sasl, nsasl + 1, sizeof(*sasl));
		sasl[nsasl].key = util_lowercase(xstrdup(l));
		sasl[nsasl].user = xstrdup(sp);
		sasl[nsasl].pass = xstrdup(colon);
		nsasl++;
	}
	explicit_bzero(buf.s, buf.cap);
	str_free(&buf);
	return 0;
broken:
	log_error("%s", sasl_why.s);
	sasl_broken = 1;
	return 0;
}

/* sasl_find - credentials for the next hop: "[host]:port", "[host]", "host" */
static const struct sasl_ent *
sasl_find(const struct dest *d)
{
	char k[300];
	size_t i, j;

	for (j = 0; j < 3; j++) {
		if (j == 0)
			util_snprintf(k, sizeof(k), "[%s]:%u", d->name, d->port);
		else if (j == 1)
			util_snprintf(k, sizeof(k), "[%s]", d->name);
		else
			util_snprintf(k, sizeof(k), "%s", d->name);
		for (i = 0; i < nsasl; i++)
			if (strcmp(sasl[i].key, k) == 0)
				return &sasl[i];
	}
	return NULL;
}

/*
 * oauth_token - run smtp_sasl_oauth_command (as the spool owner) with
 * the user and host in SASL_USERNAME and SMTP_SERVER (and as $1, $2 of
 * the command line); its first output line is the token
 */
static int
oauth_token(const char *user, const char *host, struct str *tok, struct str *why)
{
	const char *cmd = conf_str("smtp_sasl_oauth_command");
	int p[2], status, rc;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		str_printf(why, "cannot run smtp_sasl_oauth_command: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		str_printf(why, "cannot run smtp_sasl_oauth_command: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int dn = open("/dev/null", O_RDWR);

		dup2(dn, 0);
		dup2(p[1], 1);
		if (setenv("SASL_USERNAME", user, 1) < 0 || setenv("SMTP_SERVER", host, 1) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, "sh", user, host, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	rc = util_read_until(p[0], tok, 16384, util_now_ms() + 30000);
	close(p[0]);
	if (rc != 1)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc != 1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		str_printf(why, "smtp_sasl_oauth_command failed (exit %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	str_truncate(tok, strcspn(str_c(tok), "\r\n"));
	if (tok->len == 0 || util_has_ctl(tok->s, tok->len)) {
		str_printf(why, "smtp_sasl_oauth_command printed no usable token");
		return -1;
	}
	return 0;
}

/* ---- the dialogue ------------------------------------------------------- */

/*
 * get_reply - one whole reply within timeout seconds: 0, or -1 with the
 * reason in why (lost connection, timeout, garbage)
 */
static int
get_reply(struct sess *s, struct smtp_reply *r, long timeout, const char *cmd,
    struct str *why)
{
	struct str line = STR_INIT;
	const char *e = NULL;
	int rc, flags, done = 0;

	smtp_reply_reset(r);
	/* the whole reply within the timeout, however slowly it trickles */
	netio_set_timeout(s->io, timeout * 1000);
	netio_set_deadline(s->io, util_now_ms() + timeout * 1000);
	if (netio_flush(s->io) != NETIO_OK) {
		str_printf(why, "lost connection with %s while sending %s: %s", s->relay, cmd,
		    netio_strerror(s->io));
		netio_set_deadline(s->io, 0);
		str_free(&line);
		return -1;
	}
	while (!done) {
		rc = netio_getline(s->io, &line, SMTP_LINE_MAX, &flags);
		if (rc == NETIO_TOOLONG) {
			str_printf(why, "host %s sent a reply line that is too long (in reply to %s)",
			    s->relay, cmd);
			break;
		}
		if (rc == NETIO_TIMEOUT) {
			str_printf(why, "conversation with %s timed out while receiving the reply to %s",
			    s->relay, cmd);
			break;
		}
		if (rc != NETIO_OK) {
			str_printf(why, "lost connection with %s while receiving the reply to %s%s%s",
			    s->relay, cmd, rc == NETIO_EOF ? "" : ": ",
			    rc == NETIO_EOF ? "" : netio_strerror(s->io));
			break;
		}
		if ((done = smtp_reply_add(r, line.s ? line.s : "", line.len, &e)) < 0) {
			str_printf(why, "host %s sent a malformed reply (%s) in reply to %s",
			    s->relay, e ? e : "?", cmd);
			break;
		}
	}
	netio_set_deadline(s->io, 0);
	str_free(&line);
	return done == 1 ? 0 : -1;
}

/* sess_free - close a session without a word */
static void
sess_free(struct sess *s)
{
	if (s == NULL)
		return;
	if (s->io)
		netio_free(s->io);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

/* sess_quit - QUIT, then close */
static void
sess_quit(struct sess *s)
{
	struct smtp_reply r;
	struct str why = STR_INIT;

	smtp_reply_init(&r);
	if (netio_puts(s->io, "QUIT\r\n") == NETIO_OK)
		(void)get_reply(s, &r, conf_time("smtp_quit_timeout") < 30 ?
		    conf_time("smtp_quit_timeout") : 30, "QUIT", &why);
	(void)netio_shutdown(s->io);
	smtp_reply_free(&r);
	str_free(&why);
	sess_free(s);
}

/* tcp_connect - a connection to a within smtp_connect_timeout: netio_connect */
static int
tcp_connect(const struct dns_addr *a, unsigned port, const char *relay, struct str *why)
{
	return netio_connect(&a->sa, a->len, port, relay,
	    util_now_ms() + 1000LL * conf_time("smtp_connect_timeout"), why);
}

/* ehlo - EHLO, HELO when EHLO is refused; 0, or -1 with why */
static int
ehlo(struct sess *s, struct smtp_reply *r, struct str *why)
{
	const char *name = conf_str("smtp_helo_name");
	long t = conf_time("smtp_helo_timeout");

	netio_printf(s->io, "EHLO %s\r\n", name);
	if (get_reply(s, r, t, "EHLO", why) < 0)
		return -1;
	if (r->code / 100 == 2) {
		smtp_ehlo_parse(&s->ehlo, r);
		return 0;
	}
	memset(&s->ehlo, 0, sizeof(s->ehlo));
	netio_printf(s->io, "HELO %s\r\n", name);
	if (get_reply(s, r, t, "HELO", why) < 0)
		return -1;
	if (r->code / 100 != 2) {
		host_said(why, s, r, "HELO");
		return -1;
	}
	return 0;
}

/* the TLS policy for one host */
struct tlspol {
	int		 level;		/* 0 none, 1 may, 2 encrypt, 3 verify/secure/dane-match */
	struct tls_client_conf c;
	const char	*names[3];
	char		 dotname[258];
	struct tlsa_rr	*tlsa;
	size_t		 ntlsa;
};

/*
 * policy - what smtp_tls_security_level asks of this host; -1 with why
 * when the host cannot be tried (a DANE lookup that failed)
 */
static int
policy(struct tlspol *p, const struct dest *d, const char *host, int dnssec_ok,
    struct str *why)
{
	const char *lvl = conf_str("smtp_tls_security_level");
	const char *ca = conf_str("smtp_tls_CAfile"), *cp = conf_str("smtp_tls_CApath");
	char q[300];
	enum dns_sec sec = DNS_SEC_UNKNOWN;
	int rc;

	memset(p, 0, sizeof(*p));
	p->c.cafile = *ca ? ca : NULL;
	p->c.capath = *cp ? cp : NULL;
	p->c.sni = d->literal ? NULL : host;
	if (strcmp(lvl, "none") == 0)
		return 0;
	p->level = 1;
	if (strcmp(lvl, "may") == 0)
		return 0;
	p->level = 2;
	if (strcmp(lvl, "encrypt") == 0)
		return 0;
	if (strcmp(lvl, "dane") == 0) {
		p->level = 1;	/* without secure TLSA records: may */
		if (!dnssec_ok || d->literal)
			return 0;
		util_snprintf(q, sizeof(q), "_%u._tcp.%s", d->port, host);
		rc = dns_tlsa(dns, q, &p->tlsa, &p->ntlsa, &sec, why);
		/* RFC 7672 2.1.1, 2.2: only a denial or an insecure answer
		   allows "may"; a failed lookup defers this host */
		if (rc == DNS_NODATA || rc == DNS_NXDOMAIN ||
		    (rc == DNS_FOUND && sec == DNS_INSECURE))
			return 0;
		if (rc != DNS_FOUND || sec != DNS_SECURE) {
			str_reset(why);
			str_printf(why, "TLSA lookup error for %s (%s)", q,
			    sec == DNS_BOGUS ? "DNSSEC validation failed" : dns_status_str(rc));
			return -1;
		}
		{
			size_t i, usable = 0;

			for (i = 0; i < p->ntlsa; i++)
				usable += p->tlsa[i].usage == 2 || p->tlsa[i].usage == 3;
			if (usable == 0) {
				/* secure, but nothing we may match: encrypt (RFC 7672 2.2) */
				p->level = 2;
				return 0;
			}
		}
		p->level = 3;
		p->c.verify = TLS_VERIFY_DANE;
		p->c.tlsa = p->tlsa;
		p->c.ntlsa = p->ntlsa;
		p->c.tlsa_base = host;
		p->names[0] = host;
		p->c.names = p->names;
		p->c.nnames = 1;
		return 0;
	}
	/* verify, secure: the CA store, and a name */
	p->level = 3;
	p->c.verify = TLS_VERIFY_CA;
	if (strcmp(lvl, "secure") == 0 && d->mx) {
		/* nexthop, dot-nexthop: the domain, not an MX name from DNS */
		util_snprintf(p->dotname, sizeof(p->dotname), ".%s", d->name);
		p->names[0] = d->name;
		p->names[1] = p->dotname;
		p->c.nnames = 2;
	} else {
		p->names[0] = host;
		p->c.nnames = 1;
	}
	p->c.names = p->names;
	return 0;
}

/*
 * starttls - STARTTLS and the handshake, then EHLO again. 0: TLS is on;
 * 1: not offered or refused and the policy allows plain text; -1: this
 * host fails (why)
 */
static int
starttls(struct sess *s, struct tlspol *p, struct smtp_reply *r, struct str *why)
{
	if (!(s->ehlo.flags & EHLO_STARTTLS)) {
		if (p->level >= 2) {
			str_printf(why, "TLS is required, but was not offered by host %s", s->relay);
			return -1;
		}
		return 1;
	}
	netio_puts(s->io, "STARTTLS\r\n");
	if (get_reply(s, r, conf_time("smtp_starttls_timeout"), "STARTTLS", why) < 0)
		return -1;
	if (r->code != 220) {
		if (p->level >= 2) {
			host_said(why, s, r, "STARTTLS");
			return -1;
		}
		return 1;
	}
	/* what came before the handshake is dropped by netio_tls_client */
	netio_set_timeout(s->io, 1000 * conf_time("smtp_starttls_timeout"));
	if (netio_tls_client(s->io, &p->c) != NETIO_OK) {
		str_printf(why, "TLS handshake with %s failed: %s", s->relay,
		    netio_strerror(s->io));
		return -2;
	}
	s->tls = 1;
	netio_tls_info(s->io, &s->ti);
	log_info("%s TLS connection established to %s: %s with cipher %s (%d bits)",
	    tls_info_verified_str(&s->ti), s->relay, s->ti.version, s->ti.cipher, s->ti.bits);
	return ehlo(s, r, why) < 0 ? -1 : 0;
}

/*
 * auth - AUTH with the smarthost's credentials: XOAUTH2/OAUTHBEARER when
 * a token command is set, else PLAIN or LOGIN. 0 (done or not needed);
 * -1 with why: refused, or not possible here (never an unencrypted
 * password unless smtp_sasl_allow_cleartext): the job is deferred; -2
 * with why: the session was lost during AUTH, another address may do
 */
static int
auth(struct sess *s, const struct dest *d, struct smtp_reply *r, struct str *why)
{
	const struct sasl_ent *e;
	struct str resp = STR_INIT, tok = STR_INIT;
	unsigned mech = 0;
	int rc = -1;

	if (!conf_bool("smtp_sasl_auth_enable"))
		return 0;
	if (sasl_broken) {
		str_printf(why, "%s", sasl_why.s);
		return -1;
	}
	if ((e = sasl_find(d)) == NULL)
		return 0;
	if (!(s->ehlo.flags & EHLO_AUTH) || s->ehlo.auth == 0) {
		str_printf(why, "SASL authentication is configured for %s, but host %s offers no AUTH",
		    d->key, s->relay);
		return -1;
	}
	if (!s->tls && !conf_bool("smtp_sasl_allow_cleartext")) {
		str_printf(why, "SASL authentication to %s refused: the connection is not "
		    "encrypted (STARTTLS not offered or not used)", s->relay);
		return -1;
	}
	if (*conf_str("smtp_sasl_oauth_command"))
		mech = s->ehlo.auth & SASL_OAUTHBEARER ? SASL_OAUTHBEARER :
		    s->ehlo.auth & SASL_XOAUTH2 ? SASL_XOAUTH2 : 0;
	else
		mech = s->ehlo.auth & SASL_PLAIN ? SASL_PLAIN :
		    s->ehlo.auth & SASL_LOGIN ? SASL_LOGIN : 0;
	if (mech == 0) {
		str_printf(why, "host %s offers no SASL mechanism we can use", s->relay);
		return -1;
	}
	if (mech == SASL_XOAUTH2 || mech == SASL_OAUTHBEARER) {
		if (oauth_token(e->user, s->host, &tok, why) < 0)
			goto out;
		if (mech == SASL_XOAUTH2)
			sasl_xoauth2(&resp, e->user, tok.s);
		else
			sasl_oauthbearer(&resp, e->user, s->host, d->port, tok.s);
	} else if (mech == SASL_PLAIN)
		sasl_plain(&resp, "", e->user, e->pass);
	if (mech == SASL_LOGIN) {
		netio_puts(s->io, "AUTH LOGIN\r\n");
		if (get_reply(s, r, conf_time("smtp_helo_timeout"), "AUTH", why) < 0) {
			rc = -2;	/* lost: another host may do */
			goto out;
		}
		if (r->code == 334) {
			base64_encode(&resp, e->user, strlen(e->user));
			netio_printf(s->io, "%s\r\n", resp.s);
			str_reset(&resp);
			if (get_reply(s, r, conf_time("smtp_helo_timeout"), "AUTH", why) < 0) {
				rc = -2;	/* lost: another host may do */
				goto out;
			}
			if (r->code == 334) {
				base64_encode(&resp, e->pass, strlen(e->pass));
				netio_printf(s->io, "%s\r\n", resp.s);
				if (get_reply(s, r, conf_time("smtp_helo_timeout"), "AUTH", why) < 0) {
					rc = -2;	/* lost: another host may do */
					goto out;
				}
			}
		}
	} else {
		netio_printf(s->io, "AUTH %s %s\r\n", sasl_mech_name(mech), resp.s);
		if (get_reply(s, r, conf_time("smtp_helo_timeout"), "AUTH", why) < 0) {
			rc = -2;	/* lost: another host may do */
			goto out;
		}
		if (r->code == 334) {	/* an error challenge (RFC 7628 3.2.2) */
			netio_puts(s->io, "AQ==\r\n");
			if (get_reply(s, r, conf_time("smtp_helo_timeout"), "AUTH", why) < 0) {
				rc = -2;	/* lost: another host may do */
				goto out;
			}
		}
	}
	if (r->code / 100 != 2) {
		str_printf(why, "SASL authentication failed; server %s said: ", s->relay);
		{
			struct str one = STR_INIT;

			smtp_reply_format(r, &one);
			str_appends(why, str_c(&one));
			str_free(&one);
		}
		goto out;
	}
	s->authed = 1;
	rc = 0;
out:
	if (resp.s)
		explicit_bzero(resp.s, resp.cap);
	if (tok.s)
		explicit_bzero(tok.s, tok.cap);
	str_free(&resp);
	str_free(&tok);
	return rc;
}

/*
 * sess_open - connect to one address of a host and get as far as the
 * point where MAIL FROM can be sent. NULL with why when the host cannot
 * be used; *plain_retry is set when a "may" TLS handshake failed and the
 * same address should be tried again without TLS.
 */
static struct sess *
sess_open(const struct dest *d, const char *host, const struct dns_addr *a,
    int dnssec_ok, int no_tls, int *plain_retry, int *greeted, int *auth_failed,
    struct str *why)
{
	char ip[INET6_ADDRSTRLEN];
	struct smtp_reply r;
	struct tlspol pol;
	struct sess *s;
	int rc;

	*plain_retry = 0;
	*auth_failed = 0;
	if (a->sa.ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->sa)->sin_addr, ip, sizeof(ip));
	else
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->sa)->sin6_addr, ip, sizeof(ip));
	s = xcalloc(1, sizeof(*s));
	s->fd = -1;
	util_strlcpy(s->host, host, sizeof(s->host));
	util_snprintf(s->relay, sizeof(s->relay), "%s[%s]:%u", host, ip, d->port);
	util_strlcpy(s->key, d->key, sizeof(s->key));
	if (policy(&pol, d, host, dnssec_ok, why) < 0) {
		free(s);
		return NULL;
	}
	if (no_tls)
		pol.level = 0;
	if ((s->fd = tcp_connect(a, d->port, s->relay, why)) < 0)
		goto fail;
	s->io = netio_new(s->fd, s->fd);
	s->born = util_now_ms();
	smtp_reply_init(&r);
	if (conf_bool("smtp_tls_wrappermode")) {
		netio_set_timeout(s->io, 1000 * conf_time("smtp_starttls_timeout"));
		if (netio_tls_client(s->io, &pol.c) != NETIO_OK) {
			str_printf(why, "TLS handshake with %s failed: %s", s->relay,
			    netio_strerror(s->io));
			goto fail_r;
		}
		s->tls = 1;
		netio_tls_info(s->io, &s->ti);
		log_info("%s TLS connection established to %s: %s with cipher %s (%d bits)",
		    tls_info_verified_str(&s->ti), s->relay, s->ti.version, s->ti.cipher,
		    s->ti.bits);
	}
	if (get_reply(s, &r, conf_time("smtp_helo_timeout"), "the greeting", why) < 0)
		goto fail_r;
	*greeted = 1;
	if (r.code != 220) {
		struct str one = STR_INIT;

		smtp_reply_format(&r, &one);
		str_printf(why, "host %s refused to talk to me: %s", s->relay, str_c(&one));
		str_free(&one);
		goto fail_r;
	}
	if (ehlo(s, &r, why) < 0)
		goto fail_r;
	if (!s->tls && pol.level > 0) {
		rc = starttls(s, &pol, &r, why);
		if (rc == -2 && pol.level == 1) {
			log_info("%s; trying again without TLS", why->s);
			str_reset(why);
			*plain_retry = 1;
			goto fail_r;
		}
		if (rc < 0)
			goto fail_r;
	}
	if (s->tls && pol.level == 3 && !s->ti.verified) {
		str_printf(why, "server certificate of %s not verified", s->relay);
		goto fail_r;
	}
	if ((rc = auth(s, d, &r, why)) < 0) {
		*auth_failed = rc == -1;
		goto fail_r;
	}
	smtp_reply_free(&r);
	dns_free_tlsa(pol.tlsa, pol.ntlsa);
	return s;
fail_r:
	smtp_reply_free(&r);
fail:
	dns_free_tlsa(pol.tlsa, pol.ntlsa);
	sess_free(s);
	return NULL;
}

/* ---- the transaction ---------------------------------------------------- */

struct emit_ctx {
	struct netio	*io;
};

static int
emit(void *arg, const char *p, size_t n)
{
	struct emit_ctx *e = arg;

	return netio_write(e->io, p, n) == NETIO_OK ? 0 : -1;
}

/*
 * send_body - the message (with the Received: line pickup gave it),
 * through the encoder.
 * 0; -1 lost connection (why); -2 cannot be converted to 7 bit (why)
 */
static int
send_body(struct sess *s, struct xjob *job, int to7bit, struct str *why)
{
	struct emit_ctx e = { s->io };
	struct bodyenc *be = bodyenc_new(to7bit ? BODYENC_7BIT : 0, emit, &e);
	char buf[65536];
	off_t off = 0;
	ssize_t n;
	int rc = 0;

	netio_set_timeout(s->io, 1000 * conf_time("smtp_data_xfer_timeout"));
	bodyenc_set_line_max(be, (size_t)conf_int("smtp_line_length_limit"));
	while (rc == 0) {
		n = pread(job->msgfd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			str_printf(why, "cannot read the queued message: %s", strerror(errno));
			rc = -3;
			break;
		}
		if (n == 0)
			break;
		off += n;
		if (bodyenc_push(be, buf, (size_t)n) < 0)
			rc = -1;
	}
	if (rc == 0 && bodyenc_end(be) < 0)
		rc = -1;
	if (rc == -1 && bodyenc_failed(be)) {
		str_printf(why, "cannot convert the 8-bit message to 7 bit for %s, which lacks "
		    "8BITMIME: %s", s->relay, bodyenc_error(be));
		rc = -2;
	} else if (rc == -1)
		str_printf(why, "lost connection with %s while sending the message body: %s",
		    s->relay, netio_strerror(s->io));
	bodyenc_free(be);
	return rc;
}

/* mail_cmd - MAIL FROM with its parameters */
static void
mail_cmd(struct sess *s, const struct xjob *job, int to7bit, struct str *out)
{
	str_printf(out, "MAIL FROM:<%s>", job->sender);
	if (s->ehlo.flags & EHLO_SIZE)
		str_printf(out, " SIZE=%lld", job->size);
	if (job->body8bit && !to7bit && (s->ehlo.flags & EHLO_8BITMIME))
		str_appends(out, " BODY=8BITMIME");
	if (job->smtputf8 && (s->ehlo.flags & EHLO_SMTPUTF8))
		str_appends(out, " SMTPUTF8");
	if (s->ehlo.flags & EHLO_DSN) {
		if (job->ret == RET_FULL)
			str_appends(out, " RET=FULL");
		else if (job->ret == RET_HDRS)
			str_appends(out, " RET=HDRS");
		if (job->envid && *job->envid) {
			str_appends(out, " ENVID=");
			xtext_encode(out, job->envid);
		}
	}
	str_appends(out, "\r\n");
}

/* rcpt_cmd - RCPT TO with NOTIFY and ORCPT */
static void
rcpt_cmd(struct sess *s, const struct xrcpt *r, struct str *out)
{
	const char *semi;

	str_printf(out, "RCPT TO:<%s>", r->addr);
	if (s->ehlo.flags & EHLO_DSN) {
		if (r->notify & NOTIFY_NEVER)
			str_appends(out, " NOTIFY=NEVER");
		else if (r->notify) {
			const char *sep = " NOTIFY=";

			if (r->notify & NOTIFY_SUCCESS) {
				str_printf(out, "%sSUCCESS", sep);
				sep = ",";
			}
			if (r->notify & NOTIFY_FAILURE) {
				str_printf(out, "%sFAILURE", sep);
				sep = ",";
			}
			if (r->notify & NOTIFY_DELAY)
				str_printf(out, "%sDELAY", sep);
		}
		/* the original recipient: as given to us, else this address */
		/* (forwarded copies keep the bare original address; an address
		   that is not ASCII would need RFC 6533's utf-8 type: left out) */
		const char *o = r->orcpt && *r->orcpt ? r->orcpt : r->addr;

		if ((semi = strchr(o, ';')) != NULL && !non_ascii(semi + 1)) {
			str_printf(out, " ORCPT=%.*s;", (int)(semi - o), o);
			xtext_encode(out, semi + 1);
		} else if (semi == NULL && !non_ascii(o)) {
			str_appends(out, " ORCPT=rfc822;");
			xtext_encode(out, o);
		}
	}
	str_appends(out, "\r\n");
}

/* set_some - the recipients marked in sel get the same result */
static void
set_some(struct xjob *job, const char *sel, enum dstatus st, const char *dsn,
    const char *relay, const char *text)
{
	size_t i;

	for (i = 0; i < job->nrcpt; i++)
		if (sel[i])
			rcpt_set(&job->rcpt[i], st, dsn, relay, "%s", text);
}

/* too_many - a 452 that means "no more recipients in this transaction" */
static int
too_many(const struct smtp_reply *r)
{
	return r->code == 452 && (strcmp(r->esc, "4.5.3") == 0 || r->esc[0] == '\0' ||
	    strcasestr(str_c(&r->text), "too many recipients") != NULL);
}

/* rcpt_reply - a recipient's RCPT reply: accepted, later, or its result */
static void
rcpt_reply(struct sess *s, struct xrcpt *x, const struct smtp_reply *r, char *acc,
    char *again, size_t *naccepted)
{
	struct str text = STR_INIT;

	if (r->code / 100 == 2) {
		*acc = 1;
		(*naccepted)++;
		return;
	}
	if (too_many(r)) {
		*again = 1;	/* another transaction takes it */
		return;
	}
	host_said(&text, s, r, "RCPT TO command");
	if (r->code / 100 == 4 || r->code / 100 == 5)
		rcpt_set(x, r->code >= 500 ? DS_BOUNCE : DS_DEFER,
		    reply_dsn(r, "4.0.0", "5.0.0"), s->relay, "%s", text.s);
	else
		rcpt_set(x, DS_DEFER, "4.5.0", s->relay, "unexpected reply: %s", text.s);
	str_free(&text);
}

/*
 * accepted_set - the recipients the host accepted get the reply r to the
 * end of data; 0, or -1 when r is no proper reply (then they are deferred)
 */
static int
accepted_set(struct sess *s, struct xjob *job, const char *acc,
    const struct smtp_reply *r, const char *cmd, char flag)
{
	struct str text = STR_INIT;
	int cls = r->code / 100;

	if (cls == 2)
		smtp_reply_format(r, &text);
	else
		host_said(&text, s, r, cmd);
	if (cls == 2 || cls == 4 || cls == 5) {
		size_t i;

		set_some(job, acc, cls == 2 ? DS_OK : cls == 5 ? DS_BOUNCE : DS_DEFER,
		    reply_dsn(r, "4.0.0", "5.0.0"), s->relay, str_c(&text));
		for (i = 0; cls == 2 && i < job->nrcpt; i++)
			if (acc[i])
				job->rcpt[i].dsnflag = flag;
	} else {
		struct str t = STR_INIT;

		str_printf(&t, "unexpected reply: %s", str_c(&text));
		set_some(job, acc, DS_DEFER, "4.5.0", s->relay, t.s);
		str_free(&t);
	}
	str_free(&text);
	return cls == 2 || cls == 4 || cls == 5 ? 0 : -1;
}

/*
 * transact - one message over an open session, for the recipients marked
 * in sel. They get their results, except:
 *  - TX_NEXT: nothing was delivered and why says what went wrong; the
 *    next address may be tried (*mail_sent says whether the host got as
 *    far as MAIL FROM);
 *  - those the host refused with "452 too many recipients" are marked
 *    in again, for another transaction.
 * A reply of a class the command cannot have (a 2xx to DATA, a 3xx to
 * RCPT) is a protocol error: deferred, and the session closed.
 */
static enum tx
transact(struct sess *s, struct xjob *job, const char *sel, char *again,
    int *mail_sent, struct str *why)
{
	struct smtp_reply r;
	struct str cmd = STR_INIT, text = STR_INIT;
	int pipelining = (s->ehlo.flags & EHLO_PIPELINING) != 0;
	int to7bit = job->body8bit && !(s->ehlo.flags & EHLO_8BITMIME);
	char *acc = xcalloc(job->nrcpt ? job->nrcpt : 1, 1);
	size_t i, naccepted = 0;
	enum tx tx = TX_DONE;
	int rc, need;

	smtp_reply_init(&r);
	memset(again, 0, job->nrcpt);
	/* what this host cannot take goes back at once */
	if ((s->ehlo.flags & EHLO_SIZE) && s->ehlo.size > 0 && job->size > s->ehlo.size) {
		str_printf(&text, "message size %lld exceeds size limit %lld of server %s",
		    job->size, s->ehlo.size, s->relay);
		set_some(job, sel, DS_BOUNCE, "5.3.4", s->relay, text.s);
		goto out;
	}
	if (job->smtputf8 && !(s->ehlo.flags & EHLO_SMTPUTF8)) {
		need = non_ascii(job->sender);
		for (i = 0; i < job->nrcpt && !need; i++)
			need = sel[i] && non_ascii(job->rcpt[i].addr);
		if (need) {
			str_printf(&text, "SMTPUTF8 is required, but was not offered by host %s",
			    s->relay);
			set_some(job, sel, DS_BOUNCE, "5.6.7", s->relay, text.s);
			goto out;
		}
	}

	/* MAIL FROM; with PIPELINING, the RCPTs and DATA go in the same write */
	*mail_sent = 1;
	mail_cmd(s, job, to7bit, &cmd);
	if (pipelining) {
		for (i = 0; i < job->nrcpt; i++)
			if (sel[i])
				rcpt_cmd(s, &job->rcpt[i], &cmd);
		str_appends(&cmd, "DATA\r\n");
	}
	netio_write(s->io, cmd.s, cmd.len);
	if (get_reply(s, &r, conf_time("smtp_mail_timeout"), "MAIL FROM", why) < 0) {
		tx = TX_NEXT;
		goto out;
	}
	if (r.code / 100 != 2) {
		host_said(&text, s, &r, "MAIL FROM command");
		if (r.code == 421) {
			/* the host is going away: as a refused greeting, next one */
			str_appends(why, text.s);
			tx = TX_NEXT;
			goto out;
		}
		if (r.code / 100 == 4 || r.code / 100 == 5)
			set_some(job, sel, r.code >= 500 ? DS_BOUNCE : DS_DEFER,
			    reply_dsn(&r, "4.0.0", "5.0.0"), s->relay, text.s);
		else {
			set_some(job, sel, DS_DEFER, "4.5.0", s->relay, text.s);
			tx = TX_DONE_CLOSE;
			goto out;
		}
		if (pipelining) {
			/* read and forget the RCPT and DATA replies */
			for (i = 0; i < job->nrcpt + 1; i++) {
				if (i < job->nrcpt && !sel[i])
					continue;
				if (get_reply(s, &r, conf_time("smtp_rcpt_timeout"), "RCPT TO",
				    &text) < 0) {
					tx = TX_DONE_CLOSE;
					goto out;
				}
			}
			if (r.code == 354) {
				tx = TX_DONE_CLOSE;	/* a broken server: start afresh */
				goto out;
			}
		}
		goto rset;
	}
	for (i = 0; i < job->nrcpt; i++) {
		if (!sel[i])
			continue;
		if (!pipelining) {
			str_reset(&cmd);
			rcpt_cmd(s, &job->rcpt[i], &cmd);
			netio_write(s->io, cmd.s, cmd.len);
		}
		if (get_reply(s, &r, conf_time("smtp_rcpt_timeout"), "RCPT TO", why) < 0) {
			tx = TX_NEXT;
			goto out;
		}
		rcpt_reply(s, &job->rcpt[i], &r, &acc[i], &again[i], &naccepted);
		if (r.code == 421)
			tx = TX_DONE_CLOSE;
	}
	if (!pipelining) {
		if (naccepted == 0)
			goto rset;
		netio_puts(s->io, "DATA\r\n");
	}
	if (get_reply(s, &r, conf_time("smtp_data_init_timeout"), "DATA", why) < 0) {
		tx = TX_NEXT;
		goto out;
	}
	if (r.code != 354) {
		if (naccepted > 0) {
			if (r.code / 100 == 2) {
				/* "250" to DATA: the body would go nowhere */
				struct smtp_reply fake = r;

				fake.code = 0;
				(void)accepted_set(s, job, acc, &fake, "DATA command", XDSN_NONE);
				tx = TX_DONE_CLOSE;
				goto out;
			}
			if (accepted_set(s, job, acc, &r, "DATA command", XDSN_NONE) < 0) {
				tx = TX_DONE_CLOSE;
				goto out;
			}
		}
		if (r.code == 421)
			tx = TX_DONE_CLOSE;
		goto rset;
	}
	if (naccepted == 0) {
		/* a server that said 354 to no recipients: end it empty */
		netio_puts(s->io, ".\r\n");
		if (get_reply(s, &r, conf_time("smtp_data_done_timeout"), "end of DATA",
		    &text) < 0)
			tx = TX_DONE_CLOSE;
		goto rset;
	}
	rc = send_body(s, job, to7bit, why);
	if (rc == -1) {
		tx = TX_NEXT;
		goto out;
	}
	if (rc < 0) {
		/* -2: not convertible, -3: unreadable. Nothing may arrive:
		   drop the connection before the end of data */
		set_some(job, acc, rc == -2 ? DS_BOUNCE : DS_DEFER, rc == -2 ? "5.6.3" : "4.3.0",
		    s->relay, why->s);
		str_reset(why);
		tx = TX_DONE_CLOSE;
		goto out;
	}
	netio_puts(s->io, ".\r\n");
	if (get_reply(s, &r, conf_time("smtp_data_done_timeout"), "end of DATA", why) < 0) {
		/* the end was sent: it may have arrived; never try elsewhere now */
		str_appends(why, " (the message may be delivered more than once)");
		set_some(job, acc, DS_DEFER, "4.4.2", s->relay, why->s);
		str_reset(why);
		tx = TX_DONE_CLOSE;
		goto out;
	}
	if (accepted_set(s, job, acc, &r, "end of DATA command",
	    (s->ehlo.flags & EHLO_DSN) ? XDSN_PASSED : XDSN_RELAYED) < 0 || r.code == 421)
		tx = TX_DONE_CLOSE;
	s->ntrans++;
	goto out;
rset:
	/* leave the session clean for the next message, or close it */
	if (tx == TX_DONE_CLOSE)
		goto out;
	netio_puts(s->io, "RSET\r\n");
	if (get_reply(s, &r, conf_time("smtp_rcpt_timeout"), "RSET", &text) < 0 ||
	    r.code / 100 != 2)
		tx = TX_DONE_CLOSE;
out:
	free(acc);
	smtp_reply_free(&r);
	str_free(&cmd);
	str_free(&text);
	return tx;
}

/* ---- the session cache -------------------------------------------------- */

/* cache_take - an idle session to this next hop that still answers RSET */
static struct sess *
cache_take(const struct dest *d)
{
	struct smtp_reply r;
	struct str why = STR_INIT;
	struct sess *s;
	size_t i;

	for (i = 0; i < SMTP_CACHE_MAX; i++) {
		if ((s = cache[i]) == NULL || strcmp(s->key, d->key) != 0)
			continue;
		cache[i] = NULL;
		smtp_reply_init(&r);
		netio_puts(s->io, "RSET\r\n");
		if (get_reply(s, &r, 30, "RSET", &why) == 0 && r.code / 100 == 2) {
			smtp_reply_free(&r);
			str_free(&why);
			return s;
		}
		smtp_reply_free(&r);
		str_reset(&why);
		sess_free(s);
	}
	str_free(&why);
	return NULL;
}

/* cache_put - keep a session that may carry another message */
static void
cache_put(struct sess *s)
{
	long long now = util_now_ms();
	size_t i, oldest = 0;

	if (now - s->born >= 1000LL * conf_time("smtp_connection_reuse_time_limit") ||
	    conf_time("smtp_connection_cache_time_limit") == 0) {
		sess_quit(s);
		return;
	}
	s->idle_since = now;
	for (i = 0; i < SMTP_CACHE_MAX; i++) {
		if (cache[i] == NULL) {
			cache[i] = s;
			return;
		}
		if (cache[i]->idle_since < cache[oldest]->idle_since)
			oldest = i;
	}
	sess_quit(cache[oldest]);
	cache[oldest] = s;
}

/* smtp_idle - close sessions idle too long; ms until the next is due */
static long
smtp_idle(void)
{
	long long now = util_now_ms(), limit = 1000LL * conf_time("smtp_connection_cache_time_limit");
	long next = -1;
	size_t i;

	for (i = 0; i < SMTP_CACHE_MAX; i++) {
		long long left;

		if (cache[i] == NULL)
			continue;
		left = cache[i]->idle_since + limit - now;
		if (left <= 0) {
			sess_quit(cache[i]);
			cache[i] = NULL;
			continue;
		}
		if (next < 0 || left < next)
			next = (long)left;
	}
	return next;
}

/* smtp_finish - QUIT every session */
static void
smtp_finish(void)
{
	size_t i;

	for (i = 0; i < SMTP_CACHE_MAX; i++)
		if (cache[i] != NULL) {
			sess_quit(cache[i]);
			cache[i] = NULL;
		}
	if (dns)
		dns_close(dns);
	dns = NULL;
}

/* ---- the job ------------------------------------------------------------ */

/* family_ok - does inet_protocols allow this address family? */
static int
family_ok(int fam)
{
	const char *p = conf_str("inet_protocols");

	return strcmp(p, "all") == 0 || (fam == AF_INET && strcmp(p, "ipv4") == 0) ||
	    (fam == AF_INET6 && strcmp(p, "ipv6") == 0);
}

/* prefer - smtp_address_preference: the preferred family first, stable */
static void
prefer(struct dns_addr *a, size_t n)
{
	const char *p = conf_str("smtp_address_preference");
	int fam = strcmp(p, "ipv4") == 0 ? AF_INET : strcmp(p, "ipv6") == 0 ? AF_INET6 : 0;
	struct dns_addr *tmp;
	size_t i, o = 0;

	if (fam == 0 || n < 2)
		return;
	tmp = xreallocarray(NULL, n, sizeof(*tmp));
	for (i = 0; i < n; i++)
		if (a[i].sa.ss_family == fam)
			tmp[o++] = a[i];
	for (i = 0; i < n; i++)
		if (a[i].sa.ss_family != fam)
			tmp[o++] = a[i];
	memcpy(a, tmp, n * sizeof(*a));
	free(tmp);
}

/* defer_todo - what is left for this session goes back deferred */
static void
defer_todo(struct xjob *job, const char *todo, const char *dsn, const char *relay,
    const char *text)
{
	set_some(job, todo, DS_DEFER, dsn, relay, text);
}

/*
 * run_session - the job over s: transactions of at most
 * smtp_destination_recipient_limit recipients, and another for those a
 * host refused with "452 too many recipients" while it took others. With
 * TX_NEXT nothing was delivered (why; *mail_sent as transact); else every
 * recipient has its result. The session is kept or closed here.
 */
static enum tx
run_session(struct sess *s, struct xjob *job, int *mail_sent, struct str *why)
{
	long limit = conf_int("smtp_destination_recipient_limit");
	size_t n = job->nrcpt ? job->nrcpt : 1, i, k, done;
	char *sel = xcalloc(n, 1), *again = xcalloc(n, 1), *todo = xcalloc(n, 1);
	struct str t = STR_INIT;
	enum tx tx = TX_DONE;
	int first = 1;

	memset(todo, 1, job->nrcpt);
	*mail_sent = 0;
	str_printf(&t, "host %s refused more recipients in one message", s->relay);
	for (;;) {
		/* the next chunk of what is still to do */
		memset(sel, 0, n);
		for (i = 0, k = 0; i < job->nrcpt && (limit <= 0 || (long)k < limit); i++)
			if (todo[i]) {
				sel[i] = 1;
				k++;
			}
		if (k == 0)
			break;
		tx = transact(s, job, sel, again, mail_sent, why);
		if (tx == TX_NEXT && first)
			break;		/* nothing delivered: the caller moves on */
		if (tx == TX_NEXT) {
			/* the session died after earlier chunks: the rest waits */
			defer_todo(job, todo, "4.4.2", s->relay, why->s);
			tx = TX_DONE_CLOSE;
			break;
		}
		first = 0;
		for (i = 0, done = 0; i < job->nrcpt; i++) {
			if (!sel[i])
				continue;
			todo[i] = again[i];
			done += !again[i];
		}
		if (tx != TX_DONE || done == 0) {
			/* no session left, or no progress: the rest waits */
			defer_todo(job, todo, "4.5.3", s->relay, t.s);
			break;
		}
	}
	free(sel);
	free(again);
	free(todo);
	str_free(&t);
	if (tx == TX_DONE)
		cache_put(s);
	else
		sess_free(s);
	return tx;
}

/* deliver - one job: see the top of this file */
static void
smtp_deliver(struct xjob *job)
{
	struct dest d;
	struct route rt;
	struct str why = STR_INIT, best = STR_INIT;
	struct dns_addr *addrs = NULL;
	const char *self[2];
	enum dns_sec asec = DNS_SEC_UNKNOWN;
	size_t h, k, naddrs = 0, tried = 0;
	int sessions = 0, rc, plain_retry, greeted, bounce_all = 0, auth_failed = 0, dane;
	int mail_sent = 0, reached_mail = 0;
	struct sess *s;
	enum tx tx;

	memset(&rt, 0, sizeof(rt));
	signal(SIGPIPE, SIG_IGN);
	dane = strcmp(conf_str("smtp_tls_security_level"), "dane") == 0;
	if (dest_parse(job->nexthop, &d, &why) < 0) {
		all_set(job, DS_BOUNCE, "5.1.2", "none", why.s);
		goto out;
	}
	/* a kept session first */
	if ((s = cache_take(&d)) != NULL) {
		job->dest_alive = 1;
		if (run_session(s, job, &mail_sent, &why) != TX_NEXT)
			goto out;
		str_reset(&why);
	}
	if (dns == NULL && (dns = dns_open(&why)) == NULL) {
		all_set(job, DS_DEFER, "4.3.5", "none", why.s);
		goto out;
	}
	if (d.literal) {
		rt.hosts = xcalloc(1, sizeof(*rt.hosts));
		rt.hosts[0].name = xstrdup(d.name);
		rt.n = 1;
	} else if (d.mx) {
		self[0] = conf_str("myhostname");
		self[1] = NULL;
		switch (mx_route(dns, d.name, self, &rt, &why)) {
		case ROUTE_OK:
			break;
		case ROUTE_NULLMX:
			all_set(job, DS_BOUNCE, "5.1.10", "none", why.s);
			goto out;
		case ROUTE_LOOP:
			all_set(job, DS_BOUNCE, "5.4.6", "none", why.s);
			goto out;
		case ROUTE_NOHOST:
			all_set(job, DS_BOUNCE, "5.4.4", "none", why.s);
			goto out;
		default:
			all_set(job, DS_DEFER, "4.4.3", "none", why.s);
			job->dest_dead = 1;
			goto out;
		}
	} else {
		rt.hosts = xcalloc(1, sizeof(*rt.hosts));
		rt.hosts[0].name = xstrdup(d.name);
		rt.n = 1;
		rt.mx_sec = DNS_SECURE;	/* no MX step: the address decides */
	}

	str_reset(&why);
	for (h = 0; h < rt.n && tried < SMTP_ADDR_LIMIT && sessions < SMTP_SESSION_LIMIT; h++) {
		const char *host = rt.hosts[h].name;

		if (d.literal) {
			struct dns_addr one;

			memset(&one, 0, sizeof(one));
			if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&one.sa)->sin_addr) == 1) {
				one.sa.ss_family = AF_INET;
				one.len = sizeof(struct sockaddr_in);
			} else {
				inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&one.sa)->sin6_addr);
				one.sa.ss_family = AF_INET6;
				one.len = sizeof(struct sockaddr_in6);
			}
			addrs = xmalloc(sizeof(*addrs));
			addrs[0] = one;
			naddrs = 1;
			asec = DNS_INSECURE;
		} else {
			struct str e = STR_INIT;

			asec = DNS_SEC_UNKNOWN;
			rc = dns_addrs(dns, host, AF_UNSPEC, &addrs, &naddrs, dane ? &asec : NULL,
			    &e);
			if (rc != DNS_FOUND) {
				str_reset(&why);
				if (rc == DNS_NODATA || rc == DNS_NXDOMAIN)
					str_printf(&why, "Host or domain name not found. Name service "
					    "error for name=%s type=A: Host not found", host);
				else
					str_printf(&why, "%s", e.len ? e.s : "DNS lookup failed");
				/* the one host of a relayhost: it does not exist */
				if (rt.n == 1 && !d.mx && (rc == DNS_NODATA || rc == DNS_NXDOMAIN))
					bounce_all = 1;
				str_free(&e);
				continue;
			}
			str_free(&e);
			prefer(addrs, naddrs);
		}
		for (k = 0; k < naddrs && tried < SMTP_ADDR_LIMIT && sessions < SMTP_SESSION_LIMIT; k++) {
			if (!family_ok(addrs[k].sa.ss_family))
				continue;
			tried++;
			greeted = 0;
			str_reset(&why);
			s = sess_open(&d, host, &addrs[k],
			    rt.mx_sec == DNS_SECURE && asec == DNS_SECURE, 0, &plain_retry,
			    &greeted, &auth_failed, &why);
			if (s == NULL && plain_retry)
				s = sess_open(&d, host, &addrs[k], 0, 1, &plain_retry, &greeted,
				    &auth_failed, &why);
			sessions += greeted;
			if (s == NULL && greeted) {
				/* a host that talked says more than one that did not answer */
				str_reset(&best);
				str_appends(&best, str_c(&why));
			}
			if (s == NULL && auth_failed) {
				/* the credentials are wrong or cannot be sent: defer, say why */
				all_set(job, DS_DEFER, "4.7.0", "none", why.s);
				goto out;
			}
			if (s == NULL)
				continue;
			job->dest_alive = 1;	/* it got as far as MAIL FROM */
			if ((tx = run_session(s, job, &mail_sent, &why)) != TX_NEXT)
				goto out;
			/* lost after MAIL FROM: this message's trouble, not the site's */
			reached_mail |= mail_sent;
		}
		free(addrs);
		addrs = NULL;
		naddrs = 0;
	}
	if (best.len > 0) {
		str_reset(&why);
		str_appends(&why, best.s);
	}
	if (why.len == 0)
		str_printf(&why, "no usable address for %s", d.name);
	all_set(job, bounce_all ? DS_BOUNCE : DS_DEFER, bounce_all ? "5.4.4" : "4.4.1", "none",
	    why.s);
	/* the other messages of this pass for it need not wait the same
	   timeouts; unless a host got as far as MAIL FROM (then it was this
	   message's trouble) */
	job->dest_dead = !bounce_all && !reached_mail;
out:
	free(addrs);
	route_free(&rt);
	str_free(&why);
	str_free(&best);
}

/* smtp_init - before the worker drops root: the password map */
static int
smtp_init(void)
{
	struct str err = STR_INIT;
	int rc = 0;

	if (tls_init(&err) < 0) {
		log_error("TLS: %s", err.s);
		rc = -1;
	}
	str_free(&err);
	if (sasl_load() < 0)
		rc = -1;
	return rc;
}

const struct transport transport_smtp = {
	"smtp", smtp_deliver, smtp_init, smtp_idle, smtp_finish
};
