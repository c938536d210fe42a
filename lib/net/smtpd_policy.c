/*
 * smtpd_policy - what smtpd accepts: settings, mynetworks, relaying,
 * local recipients, AUTH
 *
 * DESCRIPTION
 *	smtpd_conf_load reads the smtpd settings of posthorn.conf into a
 *	struct smtpd_conf once per session. mynetworks is a list of
 *	networks in CIDR notation, IPv4 and IPv6 ("192.0.2.0/24",
 *	"[2001:db8::]/32", a bare address is one host). The password file
 *	for AUTH holds "name:hash" lines, hash as crypt(3) makes it
 *	("$y$...", "$6$..."), '#' comments; it is read whole into memory
 *	(bounded) by smtpd_load_users before smtpd gives up root.
 *
 *	Client checks, all with the resolver the main opened: the client's
 *	name (a PTR name whose addresses include the client's: Postfix's
 *	forward-confirmed name), DNSBL listings (reject_rbl_client), the
 *	HELO syntax (reject_invalid_helo_hostname) and the sender's domain
 *	(reject_unknown_sender_domain). smtpd.c applies them at RCPT, as
 *	Postfix does with smtpd_delay_reject.
 *
 *	The relay decision itself is in smtpd.c (rcpt_policy): local
 *	domains take local users and aliases (local_rcpt_known, the
 *	look-ups local delivery makes), relay_domains anything, other
 *	domains only from mynetworks, an authenticated client or a local
 *	caller.
 *
 * SECURITY
 *	Everything here runs as the spool owner, except smtpd_load_users,
 *	which the main calls as root before dropping privileges when the
 *	file is root's. A password never reaches a log line.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "aliases.h"
#include "conf.h"
#include "dns.h"
#include "log.h"
#include "smtpd.h"
#include "util.h"

#define USERS_FILE_MAX	(1024 * 1024)

/*
 * smtpd_net_parse - one mynetworks entry: "addr", "addr/len",
 * "[v6addr]/len". 0 or -1 when malformed.
 */
int
smtpd_net_parse(const char *text, struct smtpd_net *net)
{
	char buf[128], *slash, *a = buf;
	long len;
	size_t n;

	if (util_strlcpy(buf, text, sizeof(buf)) < 0)
		return -1;
	memset(net, 0, sizeof(*net));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	n = strlen(a);
	if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {
		a[n - 1] = '\0';
		a++;
	}
	if (inet_pton(AF_INET, a, net->addr) == 1) {
		net->family = AF_INET;
		net->prefix = 32;
	} else if (inet_pton(AF_INET6, a, net->addr) == 1) {
		net->family = AF_INET6;
		net->prefix = 128;
	} else
		return -1;
	if (slash != NULL) {
		if (util_parse_long(slash, 0, net->prefix, &len) < 0)
			return -1;
		net->prefix = (int)len;
	}
	return 0;
}

/* prefix_match - do the first bits of a and b agree? */
static int
prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

/*
 * smtpd_net_match - is the client address in mynetworks? An IPv4
 * address mapped into IPv6 (::ffff:192.0.2.1) is matched as IPv4.
 */
int
smtpd_net_match(const struct smtpd_conf *c, const char *addr)
{
	unsigned char a[16];
	size_t i;
	int family;

	if (inet_pton(AF_INET, addr, a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, addr, a) == 1) {
		family = AF_INET6;
		if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
			memmove(a, a + 12, 4);
			family = AF_INET;
		}
	} else
		return 0;
	for (i = 0; i < c->nnets; i++)
		if (c->nets[i].family == family &&
		    prefix_match(a, c->nets[i].addr, c->nets[i].prefix))
			return 1;
	return 0;
}

/*
 * smtpd_load_users - read the password file: "name:hash" lines. 0, or
 * -1 with the reason in err. The file must not be readable by others.
 */
int
smtpd_load_users(struct smtpd_conf *c, const char *path, struct str *err)
{
	struct str data = STR_INIT;
	struct stat st;
	char *line, *next, *colon;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		str_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		str_printf(err, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & S_IROTH) {
		str_printf(err, "%s: readable by others: refusing to use it", path);
		goto out;
	}
	if (util_read_until(fd, &data, USERS_FILE_MAX, util_now_ms() + 10000) != 1 ||
	    data.len >= USERS_FILE_MAX) {
		str_printf(err, "%s: unreadable or larger than %d bytes", path,
		    USERS_FILE_MAX);
		goto out;
	}
	for (line = data.s; line && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		if ((colon = strchr(line, ':')) == NULL || colon == line)
			continue;
		*colon = '\0';
		/* "name:hash[:anything]", as /etc/shadow and htpasswd */
		if (strchr(colon + 1, ':'))
			*strchr(colon + 1, ':') = '\0';
		c->users = xreallocarray(c->users, c->nusers + 1, sizeof(*c->users));
		c->users[c->nusers].name = xstrdup(line);
		c->users[c->nusers].hash = xstrdup(colon + 1);
		c->nusers++;
	}
	rc = 0;
out:
	if (data.s)
		explicit_bzero(data.s, data.len);
	str_free(&data);
	close(fd);
	return rc;
}

/* same - compare two strings in time that depends on their lengths only */
static int
same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/*
 * smtpd_auth_check - does the password match the user's hash? 1 yes,
 * 0 no (unknown user, wrong password, a hash crypt cannot take).
 */
int
smtpd_auth_check(const struct smtpd_conf *c, const char *user, const char *pass)
{
	struct crypt_data *cd;
	const char *h;
	size_t i;
	int ok = 0;

	for (i = 0; i < c->nusers; i++)
		if (strcmp(c->users[i].name, user) == 0)
			break;
	if (i == c->nusers || c->users[i].hash[0] == '\0')
		return 0;
	cd = xcalloc(1, sizeof(*cd));
	h = crypt_r(pass, c->users[i].hash, cd);
	if (h != NULL && h[0] != '*')
		ok = same(h, c->users[i].hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

/*
 * smtpd_conf_load - the settings of one session. local: sendmail -bs.
 * The TLS server and the users are the caller's to add. 0, or -1 with
 * the reason in err.
 */
int
smtpd_conf_load(struct smtpd_conf *c, int local, struct str *err)
{
	struct str path = STR_INIT;
	char **nets;
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	c->local = local;
	c->myhostname = conf_str("myhostname");
	c->myorigin = conf_str("myorigin");
	c->mydest = conf_list("mydestination");
	c->relay_domains = conf_list("relay_domains");
	nets = conf_list("mynetworks");
	for (i = 0; nets[i]; i++) {
		c->nets = xreallocarray(c->nets, c->nnets + 1, sizeof(*c->nets));
		if (smtpd_net_parse(nets[i], &c->nets[c->nnets]) < 0)
			log_warning("mynetworks: ignoring \"%s\": not an address or network",
			    nets[i]);
		else
			c->nnets++;
	}
	conf_list_free(nets);
	if ((r = aliases_map_path(conf_str("alias_maps"), &path, err)) < 0) {
		str_free(&path);
		return -1;
	}
	c->alias_db = r > 0 ? xasprintf("%s.cdb", path.s) : NULL;
	str_free(&path);
	c->size_limit = conf_size("message_size_limit");
	c->rcpt_limit = conf_int("smtpd_recipient_limit");
	c->error_limit = conf_int("smtpd_hard_error_limit");
	c->timeout_ms = conf_time("smtpd_timeout") * 1000L;
	c->session_ms = conf_time("smtpd_session_time_limit") * 1000L;
	c->greet_pause_ms = local ? 0 : conf_time("smtpd_greet_pause") * 1000L;
	c->helo_required = conf_bool("smtpd_helo_required");
	c->bare_newline = strcmp(conf_str("smtpd_forbid_bare_newline"),
	    "normalize") == 0 ? SMTPD_BARE_NORMALIZE : SMTPD_BARE_REJECT;
	c->auth = !local && conf_bool("smtpd_sasl_auth_enable");
	c->peername_lookup = conf_bool("smtpd_peername_lookup");
	c->dnsbl = conf_list("smtpd_dnsbl_sites");
	c->reject_bad_helo = conf_bool("smtpd_reject_invalid_helo_hostname");
	c->reject_unknown_sender = conf_bool("smtpd_reject_unknown_sender_domain");
	c->unknown_code = conf_int("unknown_address_reject_code") == 550 ? 550 : 450;
	c->hopcount_limit = conf_int("hopcount_limit");
	return 0;
}

/* smtpd_conf_free - release what smtpd_conf_load and the main added */
void
smtpd_conf_free(struct smtpd_conf *c)
{
	size_t i;

	conf_list_free(c->mydest);
	conf_list_free(c->relay_domains);
	conf_list_free(c->dnsbl);
	c->mydest = c->relay_domains = c->dnsbl = NULL;
	free(c->nets);
	c->nets = NULL;
	c->nnets = 0;
	free(c->alias_db);
	c->alias_db = NULL;
	for (i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		explicit_bzero(c->users[i].hash, strlen(c->users[i].hash));
		free(c->users[i].hash);
	}
	free(c->users);
	c->users = NULL;
	c->nusers = 0;
}

/* to_sockaddr - an address in text as a sockaddr (IPv4-mapped as IPv4); 0 or -1 */
static int
to_sockaddr(const char *text, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		struct in_addr a;

		memcpy(&a, &sin6->sin6_addr.s6_addr[12], 4);
		memset(ss, 0, sizeof(*ss));
		sin->sin_family = AF_INET;
		sin->sin_addr = a;
		return 0;
	}
	sin6->sin6_family = AF_INET6;
	return 0;
}

/* same_addr - is the looked-up address the client's? */
static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

#define NAME_TRIES	2	/* PTR names forward-checked, at most */

/*
 * smtpd_client_name - the forward-confirmed name of cl->addr into
 * cl->name, or "unknown": no PTR record, no PTR name whose addresses
 * include the client's, or a DNS failure (logged). At most one PTR and
 * NAME_TRIES address lookups, and none after a temporary failure: the
 * greeting waits for no more than the resolver's timeout twice.
 */
void
smtpd_client_name(struct dns_ctx *dns, struct smtpd_client *cl)
{
	struct sockaddr_storage ss;
	struct dns_addr *addrs;
	struct str err = STR_INIT;
	char **names = NULL, buf[LOG_CLEAN_MAX + 1];
	size_t n = 0, na, i, j;
	int r;

	util_strlcpy(cl->name, "unknown", sizeof(cl->name));
	if (dns == NULL || to_sockaddr(cl->addr, &ss) < 0)
		return;
	r = dns_ptr(dns, (struct sockaddr *)&ss, &names, &n, &err);
	if (r == DNS_TEMPFAIL || r == DNS_PERMFAIL)
		log_info("%s: hostname lookup failed: %s", cl->addr,
		    log_clean(buf, sizeof(buf), str_c(&err), err.len));
	for (i = 0; r == DNS_FOUND && i < n && i < NAME_TRIES; i++) {
		addrs = NULL;
		na = 0;
		str_reset(&err);
		r = dns_addrs(dns, names[i], AF_UNSPEC, &addrs, &na, NULL, &err);
		if (r == DNS_TEMPFAIL || r == DNS_PERMFAIL)
			log_info("%s: address lookup of %s failed: %s", cl->addr,
			    names[i], log_clean(buf, sizeof(buf), str_c(&err), err.len));
		for (j = 0; r == DNS_FOUND && j < na; j++)
			if (same_addr(&addrs[j].sa, &ss))
				break;
		if (r == DNS_FOUND && j < na) {
			util_strlcpy(cl->name, names[i], sizeof(cl->name));
			util_lowercase(cl->name);
			free(addrs);
			break;
		}
		if (r == DNS_FOUND || r == DNS_NODATA || r == DNS_NXDOMAIN) {
			log_info("%s: hostname %s does not resolve to address %s",
			    cl->addr, names[i], cl->addr);
			r = DNS_FOUND;	/* try the next name */
		}
		free(addrs);
	}
	if (names != NULL)
		dns_free_strings(names, n);
	str_free(&err);
}

/* label_ok - letters, digits, '-' and '_' inside, no '-' at either end */
static int
label_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)p[i]) || p[i] == '-' || p[i] == '_'))
			return 0;
	return 1;
}

/*
 * smtpd_valid_helo - a host name (labels as label_ok, one trailing dot
 * allowed, not all digits: "1.2.3.4" is no name), an address literal
 * "[192.0.2.1]" / "[IPv6:2001:db8::1]", or a bare address, as
 * Postfix's reject_invalid_helo_hostname accepts. 1 valid, 0 not.
 */
int
smtpd_valid_helo(const char *h)
{
	unsigned char a[16];
	char buf[300];
	const char *p, *dot;
	size_t n = strlen(h);
	int alpha = 0;

	if (n == 0 || n > 255)
		return 0;
	if (h[0] == '[') {
		if (n < 3 || h[n - 1] != ']' || n - 2 >= sizeof(buf))
			return 0;
		memcpy(buf, h + 1, n - 2);
		buf[n - 2] = '\0';
		if (strncasecmp(buf, "IPv6:", 5) == 0)
			return inet_pton(AF_INET6, buf + 5, a) == 1;
		return inet_pton(AF_INET, buf, a) == 1;
	}
	if (inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1)
		return 1;
	if (h[n - 1] == '.')
		n--;
	if (n == 0 || h[n - 1] == '.')
		return 0;
	for (p = h; p < h + n; p = dot + 1) {
		if ((dot = memchr(p, '.', (size_t)(h + n - p))) == NULL)
			dot = h + n;
		if (!label_ok(p, (size_t)(dot - p)))
			return 0;
		for (; p < dot; p++)
			if (!isdigit((unsigned char)*p))
				alpha = 1;
		if (dot == h + n)
			break;
	}
	return alpha;
}

/*
 * smtpd_dnsbl_name - the DNSBL query name of addr in zone: the octets
 * reversed for IPv4 ("2.0.0.127.zone"), the 32 nibbles reversed for
 * IPv6. 0, or -1 when addr is no address.
 */
int
smtpd_dnsbl_name(const char *addr, const char *zone, struct str *out)
{
	static const char hex[] = "0123456789abcdef";
	struct sockaddr_storage ss;
	const unsigned char *b;
	int i;

	str_reset(out);
	if (to_sockaddr(addr, &ss) < 0)
		return -1;
	if (ss.ss_family == AF_INET) {
		b = (const unsigned char *)&((struct sockaddr_in *)&ss)->sin_addr;
		str_printf(out, "%u.%u.%u.%u.%s", b[3], b[2], b[1], b[0], zone);
		return 0;
	}
	b = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
	for (i = 15; i >= 0; i--)
		str_printf(out, "%c.%c.", hex[b[i] & 15], hex[b[i] >> 4]);
	str_appends(out, zone);
	return 0;
}

/* listing - is an A record of a DNSBL a listing? 127.0.0.0/8 but 127.255.255.0/24 */
static int
listing(const struct dns_addr *a)
{
	const unsigned char *b;

	if (a->sa.ss_family != AF_INET)
		return 0;
	b = (const unsigned char *)&((const struct sockaddr_in *)&a->sa)->sin_addr;
	return b[0] == 127 && !(b[1] == 255 && b[2] == 255);
}

/*
 * smtpd_dnsbl - look the client up in each zone of smtpd_dnsbl_sites
 * (reject_rbl_client): 1 listed, reply set to Postfix's "554 5.7.1
 * Service unavailable; Client host [addr] blocked using zone; TXT";
 * 0 not listed, not an address, or the lookups failed (logged).
 */
int
smtpd_dnsbl(const struct smtpd_conf *c, const char *addr, struct str *reply)
{
	struct str name = STR_INIT, err = STR_INIT;
	struct dns_addr *as;
	char **txt, buf[LOG_CLEAN_MAX + 1];
	size_t i, j, n, nt;
	int r, hit = 0;

	str_reset(reply);
	for (i = 0; c->dns != NULL && c->dnsbl != NULL && c->dnsbl[i] && !hit; i++) {
		if (smtpd_dnsbl_name(addr, c->dnsbl[i], &name) < 0)
			break;
		as = NULL;
		n = 0;
		str_reset(&err);
		r = dns_addrs(c->dns, name.s, AF_INET, &as, &n, NULL, &err);
		if (r == DNS_TEMPFAIL || r == DNS_PERMFAIL)
			log_warning("%s: DNSBL lookup of %s failed: %s (not a listing)",
			    addr, name.s, log_clean(buf, sizeof(buf), str_c(&err), err.len));
		for (j = 0; r == DNS_FOUND && j < n; j++)
			if (listing(&as[j]))
				hit = 1;
		free(as);
		if (!hit)
			continue;
		str_printf(reply, "554 5.7.1 Service unavailable; Client host [%s] "
		    "blocked using %s", addr, c->dnsbl[i]);
		txt = NULL;
		nt = 0;
		if (dns_txt(c->dns, name.s, &txt, &nt, &err) == DNS_FOUND && nt > 0) {
			str_appends(reply, "; ");
			for (j = 0; txt[0][j] && j < 200; j++)
				str_appendc(reply, (unsigned char)txt[0][j] < 32 ||
				    (unsigned char)txt[0][j] > 126 ? '?' : txt[0][j]);
		}
		if (txt != NULL)
			dns_free_strings(txt, nt);
	}
	str_free(&name);
	str_free(&err);
	return hit;
}

/*
 * smtpd_sender_domain - reject_unknown_sender_domain: the domain of a
 * sender has an MX record or an address record. The null sender,
 * mydestination, address literals and a NULL resolver pass. A domain
 * without either (NXDOMAIN, or NODATA for all) is refused with
 * unknown_address_reject_code, a null MX with 550 5.7.27, a DNS failure
 * with 450 4.1.8. 0, or -1 with the reply.
 */
int
smtpd_sender_domain(const struct smtpd_conf *c, const char *sender, struct str *reply)
{
	struct str err = STR_INIT;
	struct dns_mx *mx = NULL;
	struct dns_addr *as = NULL;
	char buf[LOG_CLEAN_MAX + 1];
	const char *dom;
	size_t n = 0, na = 0;
	int r, code;

	str_reset(reply);
	if (c->dns == NULL || *sender == '\0' || (dom = addr_domain(sender)) == NULL ||
	    *dom == '\0' || *dom == '[' || addr_domain_in(dom, c->mydest))
		return 0;
	r = dns_mx(c->dns, dom, &mx, &n, NULL, &err);
	if (r == DNS_FOUND && n == 1 && mx[0].host[0] == '\0') {
		str_printf(reply, "550 5.7.27 <%s>: Sender address rejected: "
		    "Domain %s does not accept mail (nullMX)", sender, dom);
		goto out;
	}
	if (r == DNS_NODATA) {
		str_reset(&err);
		r = dns_addrs(c->dns, dom, AF_UNSPEC, &as, &na, NULL, &err);
		free(as);
	}
	if (r == DNS_FOUND)
		goto out;
	if (r == DNS_TEMPFAIL || r == DNS_PERMFAIL) {
		log_info("sender domain %s: lookup failed: %s", dom,
		    log_clean(buf, sizeof(buf), str_c(&err), err.len));
		code = 450;
	} else
		code = c->unknown_code;
	str_printf(reply, "%d %d.1.8 <%s>: Sender address rejected: Domain not found",
	    code, code / 100, sender);
out:
	if (mx != NULL)
		dns_free_mx(mx, n);
	str_free(&err);
	return reply->len > 0 ? -1 : 0;
}
