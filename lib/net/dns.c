/*
 * dns - the getdns wrapper: MX, A/AAAA, TLSA, PTR, TXT with DNSSEC status
 *
 * SUMMARY
 *	ctx = dns_open(&err);
 *	rc = dns_mx(ctx, "example.org", &mx, &n, &sec, &err);
 *	dns_close(ctx);
 *
 * DESCRIPTION
 *	getdns in stub mode, synchronous calls (getdns' own internal event
 *	loop, no threads), against the servers of /etc/resolv.conf or of the
 *	dns_servers setting. Search domains are never appended and
 *	/etc/hosts is not read: mail routing asks the DNS only.
 *
 *	DNSSEC: a caller that passes a non-NULL enum dns_sec * asks for the
 *	status; getdns then validates the answer itself (it does not trust
 *	the AD bit) with the dnssec_trust_anchors file, or its own default
 *	(the system's root key). A caller that passes NULL gets no
 *	validation at all, and so no extra queries. A BOGUS answer is never
 *	returned as data: the lookup gives DNS_TEMPFAIL with *sec =
 *	DNS_BOGUS, so that DANE callers defer (RFC 7672 2.1.1). The
 *	extension dnssec_return_all_statuses is always set with
 *	dnssec_return_status: without it getdns drops BOGUS replies and
 *	reports NO_NAME, which would read as NXDOMAIN.
 *
 *	getdns reports NODATA and NXDOMAIN alike as NO_NAME; the rcode of
 *	the first reply tells them apart. SERVFAIL and timeouts are
 *	DNS_TEMPFAIL.
 *
 *	Answers are untrusted: only records of the asked type and class IN
 *	are read, at most DNS_MAX_RR of them (the rest are ignored); names
 *	are parsed from wire format here (labels of 1-63 letters, digits,
 *	'-' or '_', at most 253 characters as text, lowercased, no trailing
 *	dot); TLSA data must have the length of its matching type; TXT text
 *	is capped and its control characters replaced. A record that fails
 *	a check is skipped; an answer left with none is DNS_PERMFAIL.
 *
 * SECURITY
 *	Runs in the process that delivers remote mail (the spool owner's
 *	rights); it opens only the trust anchor file and sockets to the
 *	configured servers. Everything in an answer is treated as hostile,
 *	as above; nothing in it is used as a path or a command.
 *
 * DIAGNOSTICS
 *	Texts in err are single lines meant for logs and DSNs; names in them
 *	have passed the checks above, anything else from the network is
 *	cleaned first.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getdns/getdns.h>
#include <getdns/getdns_extra.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dns.h"
#include "log.h"
#include "str.h"
#include "util.h"

#define DNS_TIMEOUT_MS	5000	/* per lookup, all tries included */
#define DNS_TRIES	3	/* servers tried in turn after a timeout */
#define DNS_NAME_MAX	253	/* as text, without the trailing dot */
#define DNS_TXT_MAX	4096	/* bytes of one TXT record we keep */
#define DNS_TLSA_MAX	8192	/* data of a full-certificate TLSA record */

struct dns_ctx {
	getdns_context	*gd;
	getdns_dict	*ext_sec;	/* dnssec_return_status, all_statuses */
	int		 tries;		/* one per server, at most DNS_TRIES */
};

/* one answer being read; resp owns everything in it */
struct answer {
	getdns_dict	*resp;
	getdns_list	*rrs;		/* answer section of the first reply */
	size_t		 nrr;
	size_t		 seen;		/* records of the asked type */
};

/* type_name - the mnemonic of a record type we ask for */
static const char *
type_name(uint16_t type)
{
	switch (type) {
	case GETDNS_RRTYPE_A:		return "A";
	case GETDNS_RRTYPE_AAAA:	return "AAAA";
	case GETDNS_RRTYPE_MX:		return "MX";
	case GETDNS_RRTYPE_TLSA:	return "TLSA";
	case GETDNS_RRTYPE_PTR:		return "PTR";
	case GETDNS_RRTYPE_TXT:		return "TXT";
	}
	return "?";
}

/* dns_status_str - the name of an enum dns_status, for logs and tests */
const char *
dns_status_str(int st)
{
	switch (st) {
	case DNS_FOUND:		return "FOUND";
	case DNS_NODATA:	return "NODATA";
	case DNS_NXDOMAIN:	return "NXDOMAIN";
	case DNS_TEMPFAIL:	return "TEMPFAIL";
	case DNS_PERMFAIL:	return "PERMFAIL";
	}
	return "?";
}

/* label_char - may c appear in a host name label (or a _service label)? */
static int
label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * check_qname - is name fit to be asked for? ASCII (A-labels), labels of
 * 1-63 label characters, at most 253 characters; one trailing dot allowed
 */
static int
check_qname(const char *name, struct str *err)
{
	char clean[LOG_CLEAN_MAX + 1];
	size_t len = strlen(name), lab = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_MAX)
		goto bad;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (lab == 0)
				goto bad;
			lab = 0;
		} else if (!label_char((unsigned char)name[i]) || ++lab > 63) {
			goto bad;
		}
	}
	if (lab == 0)
		goto bad;
	return 0;
bad:
	str_printf(err, "malformed domain name \"%s\"",
	    log_clean(clean, sizeof(clean), name, strlen(name)));
	return -1;
}

/*
 * wire_name - a name in DNS wire format as checked lowercase text without
 * the trailing dot ("" for the root); NULL when it breaks the rules
 */
static char *
wire_name(const getdns_bindata *bd)
{
	char out[DNS_NAME_MAX + 2];
	size_t i = 0, o = 0, l = 1, k;
	unsigned char c;

	if (bd == NULL || bd->size == 0)
		return NULL;
	while (i < bd->size) {
		l = bd->data[i++];
		if (l == 0)
			break;
		if (l > 63 || i + l > bd->size || o + l + 1 > DNS_NAME_MAX + 1)
			return NULL;
		if (o > 0)
			out[o++] = '.';
		for (k = 0; k < l; k++) {
			c = bd->data[i++];
			if (!label_char(c))
				return NULL;
			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
	}
	if (l != 0 || o > DNS_NAME_MAX)	/* no terminating root label */
		return NULL;
	out[o] = '\0';
	return xstrdup(out);
}

/* set_upstreams - dns_servers entries: IPv4, IPv4:port, IPv6, [IPv6]:port */
static int
set_upstreams(getdns_context *gd, char **servers, struct str *err)
{
	getdns_list *ups = getdns_list_create();
	getdns_dict *up;
	getdns_bindata bd;
	unsigned char a[16];
	char host[128], *p;
	const char *port;
	size_t i;
	long pn;
	int v6, rc = -1;

	for (i = 0; servers[i] != NULL; i++) {
		port = NULL;
		if (util_strlcpy(host, servers[i][0] == '[' ? servers[i] + 1 :
		    servers[i], sizeof(host)) < 0)
			goto bad;
		if (servers[i][0] == '[') {
			if ((p = strchr(host, ']')) == NULL)
				goto bad;
			*p++ = '\0';
			if (*p == ':')
				port = p + 1;
			else if (*p != '\0')
				goto bad;
			v6 = 1;
		} else if (inet_pton(AF_INET6, host, a) == 1) {
			v6 = 1;
		} else {
			if ((p = strchr(host, ':')) != NULL) {
				*p = '\0';
				port = p + 1;
			}
			v6 = 0;
		}
		if (inet_pton(v6 ? AF_INET6 : AF_INET, host, a) != 1)
			goto bad;
		pn = 53;
		if (port != NULL && util_parse_long(port, 1, 65535, &pn) < 0)
			goto bad;
		bd.size = v6 ? 16 : 4;
		bd.data = a;
		up = getdns_dict_create();
		if (getdns_dict_util_set_string(up, "address_type", v6 ? "IPv6" : "IPv4") ||
		    getdns_dict_set_bindata(up, "address_data", &bd) ||
		    getdns_dict_set_int(up, "port", (uint32_t)pn) ||
		    getdns_list_set_dict(ups, i, up)) {
			getdns_dict_destroy(up);
			str_printf(err, "dns_servers: cannot set up %s", host);
			goto out;
		}
		getdns_dict_destroy(up);
	}
	if (getdns_context_set_upstream_recursive_servers(gd, ups) != GETDNS_RETURN_GOOD) {
		str_appends(err, "dns_servers: getdns refused the server list");
		goto out;
	}
	rc = 0;
	goto out;
bad:
	str_printf(err, "dns_servers: bad address \"%s\"", host);
out:
	getdns_list_destroy(ups);
	return rc;
}

/* set_anchors - the dnssec_trust_anchors file (DS or DNSKEY records) */
static int
set_anchors(getdns_context *gd, const char *path, struct str *err)
{
	getdns_list *ta = NULL;
	size_t n = 0;
	FILE *f;
	int rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		str_printf(err, "dnssec_trust_anchors: %s: %s", path, strerror(errno));
		return -1;
	}
	if (getdns_fp2rr_list(f, &ta, NULL, 3600) != GETDNS_RETURN_GOOD ||
	    getdns_list_get_length(ta, &n) != GETDNS_RETURN_GOOD || n == 0)
		str_printf(err, "dnssec_trust_anchors: %s: no DS or DNSKEY records", path);
	else if (getdns_context_set_dnssec_trust_anchors(gd, ta) != GETDNS_RETURN_GOOD)
		str_printf(err, "dnssec_trust_anchors: %s: not usable as trust anchors", path);
	else
		rc = 0;
	getdns_list_destroy(ta);
	fclose(f);
	return rc;
}

/* dns_open - a resolver set up from the settings */
struct dns_ctx *
dns_open(struct str *err)
{
	getdns_namespace_t ns = GETDNS_NAMESPACE_DNS;
	getdns_list *ups = NULL;
	struct dns_ctx *d;
	size_t nup = 0;
	char **servers = conf_list("dns_servers");
	const char *ta = conf_str("dnssec_trust_anchors");
	getdns_return_t r;

	d = xcalloc(1, sizeof(*d));
	r = getdns_context_create(&d->gd, servers[0] == NULL);
	if (r != GETDNS_RETURN_GOOD) {
		str_printf(err, "cannot set up the resolver: %s%s",
		    getdns_get_errorstr_by_id(r),
		    servers[0] == NULL ? " (is /etc/resolv.conf readable?)" : "");
		d->gd = NULL;
		goto fail;
	}
	if (servers[0] != NULL && set_upstreams(d->gd, servers, err) < 0)
		goto fail;
	/*
	 * getdns spends the whole timeout on one server and moves on to
	 * the next only for the next lookup: split the time among tries.
	 */
	if (getdns_context_get_upstream_recursive_servers(d->gd, &ups) ||
	    getdns_list_get_length(ups, &nup))
		nup = 1;
	if (ups != NULL)
		getdns_list_destroy(ups);
	d->tries = nup < 1 ? 1 : nup > DNS_TRIES ? DNS_TRIES : (int)nup;
	if (getdns_context_set_resolution_type(d->gd, GETDNS_RESOLUTION_STUB) ||
	    getdns_context_set_timeout(d->gd, DNS_TIMEOUT_MS / (uint64_t)d->tries) ||
	    getdns_context_set_append_name(d->gd, GETDNS_APPEND_NAME_NEVER) ||
	    getdns_context_set_namespaces(d->gd, 1, &ns)) {
		str_appends(err, "cannot set up the resolver (stub mode)");
		goto fail;
	}
	if (ta[0] != '\0' && set_anchors(d->gd, ta, err) < 0)
		goto fail;
	d->ext_sec = getdns_dict_create();
	if (getdns_dict_set_int(d->ext_sec, "dnssec_return_status", GETDNS_EXTENSION_TRUE) ||
	    getdns_dict_set_int(d->ext_sec, "dnssec_return_all_statuses", GETDNS_EXTENSION_TRUE)) {
		str_appends(err, "cannot set up the resolver (DNSSEC)");
		goto fail;
	}
	conf_list_free(servers);
	return d;
fail:
	conf_list_free(servers);
	dns_close(d);
	return NULL;
}

/* dns_close - release a resolver; NULL is fine */
void
dns_close(struct dns_ctx *d)
{
	if (d == NULL)
		return;
	if (d->ext_sec != NULL)
		getdns_dict_destroy(d->ext_sec);
	if (d->gd != NULL)
		getdns_context_destroy(d->gd);
	free(d);
}

/* map_sec - getdns' dnssec_status as an enum dns_sec */
static enum dns_sec
map_sec(uint32_t s)
{
	switch (s) {
	case GETDNS_DNSSEC_SECURE:
		return DNS_SECURE;
	case GETDNS_DNSSEC_BOGUS:
		return DNS_BOGUS;
	case GETDNS_DNSSEC_INSECURE:
	case GETDNS_DNSSEC_INDETERMINATE:	/* no anchor covers it */
		return DNS_INSECURE;
	}
	return DNS_SEC_UNKNOWN;
}

/* fail - the reason for a failed lookup, Postfix's wording; returns st */
static int
fail(struct str *err, int st, const char *name, uint16_t type, const char *why)
{
	str_printf(err, "Name service error for name=%s type=%s: %s", name,
	    type_name(type), why);
	return st;
}

/*
 * query - ask for name/type; fills a with the answer section when the
 * result is DNS_FOUND (the caller frees a->resp) and *sec when asked
 */
static int
query(struct dns_ctx *d, const char *name, uint16_t type, struct answer *a,
    enum dns_sec *sec, struct str *err)
{
	uint32_t status = 0, rcode = 0, dsec;
	size_t nrep = 0;
	getdns_list *reps;
	getdns_return_t r;
	int st, try;

	memset(a, 0, sizeof(*a));
	if (sec != NULL)
		*sec = DNS_SEC_UNKNOWN;
	if (check_qname(name, err) < 0)
		return DNS_PERMFAIL;
	for (try = 0; ; try++) {
		r = getdns_general_sync(d->gd, name, type, sec ? d->ext_sec : NULL,
		    &a->resp);
		if (r != GETDNS_RETURN_GOOD || try + 1 >= d->tries ||
		    getdns_dict_get_int(a->resp, "status", &status) ||
		    status != GETDNS_RESPSTATUS_ALL_TIMEOUT)
			break;
		getdns_dict_destroy(a->resp);	/* try the next server */
		a->resp = NULL;
	}
	if (r == GETDNS_RETURN_BAD_DOMAIN_NAME)
		return fail(err, DNS_PERMFAIL, name, type, "malformed name");
	if (r != GETDNS_RETURN_GOOD) {
		a->resp = NULL;
		return fail(err, DNS_TEMPFAIL, name, type, getdns_get_errorstr_by_id(r));
	}
	(void)getdns_dict_get_int(a->resp, "status", &status);
	if (getdns_dict_get_list(a->resp, "replies_tree", &reps) != GETDNS_RETURN_GOOD ||
	    getdns_list_get_length(reps, &nrep) != GETDNS_RETURN_GOOD)
		nrep = 0;
	if (nrep > 0 && getdns_dict_get_int(a->resp, "/replies_tree/0/header/rcode",
	    &rcode) != GETDNS_RETURN_GOOD)
		nrep = 0;
	if (sec != NULL && nrep > 0 && getdns_dict_get_int(a->resp,
	    "/replies_tree/0/dnssec_status", &dsec) == GETDNS_RETURN_GOOD)
		*sec = map_sec(dsec);

	if (status == GETDNS_RESPSTATUS_ALL_BOGUS_ANSWERS ||
	    status == GETDNS_RESPSTATUS_NO_SECURE_ANSWERS ||
	    (sec != NULL && *sec == DNS_BOGUS)) {
		if (sec != NULL)
			*sec = DNS_BOGUS;
		st = fail(err, DNS_TEMPFAIL, name, type,
		    "DNSSEC validation failed (bogus answer)");
		goto out;
	}
	if (status == GETDNS_RESPSTATUS_ALL_TIMEOUT || nrep == 0) {
		st = fail(err, DNS_TEMPFAIL, name, type,
		    "no answer from the name servers, try again");
		goto out;
	}
	switch (rcode) {
	case GETDNS_RCODE_NOERROR:
		break;
	case GETDNS_RCODE_NXDOMAIN:
		st = DNS_NXDOMAIN;
		goto out;
	case GETDNS_RCODE_SERVFAIL:
		st = fail(err, DNS_TEMPFAIL, name, type, "server failure, try again");
		goto out;
	case GETDNS_RCODE_REFUSED:
		st = fail(err, DNS_PERMFAIL, name, type, "query refused");
		goto out;
	default:
		st = fail(err, DNS_PERMFAIL, name, type, "unusable answer");
		goto out;
	}
	if (status == GETDNS_RESPSTATUS_NO_NAME ||
	    getdns_dict_get_list(a->resp, "/replies_tree/0/answer", &a->rrs) ||
	    getdns_list_get_length(a->rrs, &a->nrr)) {
		st = DNS_NODATA;
		goto out;
	}
	return DNS_FOUND;
out:
	getdns_dict_destroy(a->resp);
	memset(a, 0, sizeof(*a));
	return st;
}

/*
 * next_rr - the next record of type in the answer, from *i on; NULL at
 * the end. Records of other types (CNAME, RRSIG) are passed over.
 */
static getdns_dict *
next_rr(struct answer *a, uint16_t type, size_t *i)
{
	getdns_dict *rr;
	uint32_t t, c;

	for (; *i < a->nrr; (*i)++) {
		if (getdns_list_get_dict(a->rrs, *i, &rr) != GETDNS_RETURN_GOOD)
			continue;
		if (getdns_dict_get_int(rr, "type", &t) || t != type ||
		    getdns_dict_get_int(rr, "class", &c) || c != GETDNS_RRCLASS_IN)
			continue;
		(*i)++;
		a->seen++;
		return rr;
	}
	return NULL;
}

/*
 * done - the end of a lookup that got an answer: FOUND with n good
 * records; NODATA when it held none of the type (a CNAME alone);
 * PERMFAIL when every record of the type failed the checks
 */
static int
done(struct answer *a, size_t n, const char *name, uint16_t type, struct str *err)
{
	size_t seen = a->seen;

	getdns_dict_destroy(a->resp);
	a->resp = NULL;
	if (n > 0)
		return DNS_FOUND;
	if (seen == 0)
		return DNS_NODATA;
	return fail(err, DNS_PERMFAIL, name, type, "malformed answer");
}

/* dns_mx - the MX records of name; exchange "." becomes host "" */
int
dns_mx(struct dns_ctx *d, const char *name, struct dns_mx **out, size_t *np,
    enum dns_sec *sec, struct str *err)
{
	struct answer a;
	struct dns_mx *mx;
	getdns_bindata *bd;
	getdns_dict *rr;
	uint32_t pref;
	size_t i = 0, n = 0;
	char *host;
	int st;

	*out = NULL;
	*np = 0;
	if ((st = query(d, name, GETDNS_RRTYPE_MX, &a, sec, err)) != DNS_FOUND)
		return st;
	mx = xcalloc(DNS_MAX_RR, sizeof(*mx));
	while (n < DNS_MAX_RR && (rr = next_rr(&a, GETDNS_RRTYPE_MX, &i)) != NULL) {
		if (getdns_dict_get_int(rr, "/rdata/preference", &pref) ||
		    pref > 65535 ||
		    getdns_dict_get_bindata(rr, "/rdata/exchange", &bd) ||
		    (host = wire_name(bd)) == NULL)
			continue;
		mx[n].pref = pref;
		mx[n++].host = host;
	}
	if ((st = done(&a, n, name, GETDNS_RRTYPE_MX, err)) != DNS_FOUND) {
		free(mx);
		return st;
	}
	*out = mx;
	*np = n;
	return DNS_FOUND;
}

/* addrs_one - the A or AAAA records of name, appended to list */
static int
addrs_one(struct dns_ctx *d, const char *name, int family, struct dns_addr *list,
    size_t *np, enum dns_sec *sec, struct str *err)
{
	uint16_t type = family == AF_INET ? GETDNS_RRTYPE_A : GETDNS_RRTYPE_AAAA;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;
	struct answer a;
	getdns_bindata *bd;
	getdns_dict *rr;
	size_t i = 0, n = 0;
	int st;

	if ((st = query(d, name, type, &a, sec, err)) != DNS_FOUND)
		return st;
	while (*np < DNS_MAX_RR && (rr = next_rr(&a, type, &i)) != NULL) {
		memset(&list[*np], 0, sizeof(list[*np]));
		if (family == AF_INET) {
			if (getdns_dict_get_bindata(rr, "/rdata/ipv4_address", &bd) ||
			    bd->size != 4)
				continue;
			sin = (struct sockaddr_in *)&list[*np].sa;
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, bd->data, 4);
			list[*np].len = sizeof(*sin);
		} else {
			if (getdns_dict_get_bindata(rr, "/rdata/ipv6_address", &bd) ||
			    bd->size != 16)
				continue;
			sin6 = (struct sockaddr_in6 *)&list[*np].sa;
			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, bd->data, 16);
			list[*np].len = sizeof(*sin6);
		}
		(*np)++;
		n++;
	}
	return done(&a, n, name, type, err);
}

/* worse - the weaker of two DNSSEC statuses of answers given together */
static enum dns_sec
worse(enum dns_sec a, enum dns_sec b)
{
	if (a == DNS_BOGUS || b == DNS_BOGUS)
		return DNS_BOGUS;
	if (a == DNS_SEC_UNKNOWN || b == DNS_SEC_UNKNOWN)
		return DNS_SEC_UNKNOWN;
	if (a == DNS_INSECURE || b == DNS_INSECURE)
		return DNS_INSECURE;
	return DNS_SECURE;
}

/* answered - did this lookup get an answer (data or a denial)? */
static int
answered(int st)
{
	return st == DNS_FOUND || st == DNS_NODATA || st == DNS_NXDOMAIN;
}

/*
 * dns_addrs - the addresses of name: A, AAAA or both (AF_UNSPEC, IPv4
 * first). With both, one family found is enough, even when the other
 * failed temporarily; a BOGUS answer for either fails the lookup.
 */
int
dns_addrs(struct dns_ctx *d, const char *name, int family, struct dns_addr **out,
    size_t *np, enum dns_sec *sec, struct str *err)
{
	static const int fams[2] = { AF_INET, AF_INET6 };
	struct dns_addr *list;
	struct str e1 = STR_INIT, first = STR_INIT;
	enum dns_sec s[2] = { DNS_SEC_UNKNOWN, DNS_SEC_UNKNOWN };
	size_t n = 0;
	int st[2] = { -1, -1 }, i, rc;

	*out = NULL;
	*np = 0;
	if (sec != NULL)
		*sec = DNS_SEC_UNKNOWN;
	if (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC) {
		str_appends(err, "unsupported address family");
		return DNS_PERMFAIL;
	}
	if (check_qname(name, err) < 0)
		return DNS_PERMFAIL;
	list = xcalloc(DNS_MAX_RR, sizeof(*list));
	for (i = 0; i < 2; i++) {
		if (family != AF_UNSPEC && family != fams[i])
			continue;
		str_reset(&e1);
		st[i] = addrs_one(d, name, fams[i], list, &n, sec ? &s[i] : NULL, &e1);
		if ((st[i] == DNS_TEMPFAIL || st[i] == DNS_PERMFAIL) && first.len == 0)
			str_append(&first, e1.s, e1.len);
	}
	str_free(&e1);
	if (s[0] == DNS_BOGUS || s[1] == DNS_BOGUS) {
		*sec = DNS_BOGUS;
		rc = DNS_TEMPFAIL;
	} else if (st[0] == DNS_FOUND || st[1] == DNS_FOUND) {
		/* secure only when every answer given is */
		if (sec != NULL)
			*sec = answered(st[0]) && answered(st[1]) ? worse(s[0], s[1]) :
			    answered(st[0]) ? s[0] : s[1];
		*out = list;
		*np = n;
		str_free(&first);
		return DNS_FOUND;
	} else if (st[0] == DNS_TEMPFAIL || st[1] == DNS_TEMPFAIL) {
		rc = DNS_TEMPFAIL;
	} else if (st[0] == DNS_PERMFAIL || st[1] == DNS_PERMFAIL) {
		rc = DNS_PERMFAIL;
	} else {
		rc = st[0] == DNS_NODATA || st[1] == DNS_NODATA ? DNS_NODATA : DNS_NXDOMAIN;
		if (sec != NULL)
			*sec = st[0] >= 0 && st[1] >= 0 ? worse(s[0], s[1]) :
			    st[0] >= 0 ? s[0] : s[1];
	}
	free(list);
	if (rc == DNS_TEMPFAIL || rc == DNS_PERMFAIL)
		str_append(err, first.s ? first.s : "", first.len);
	str_free(&first);
	return rc;
}

/* dns_tlsa - the TLSA records of name ("_25._tcp.mx.example.org") */
int
dns_tlsa(struct dns_ctx *d, const char *name, struct tlsa_rr **out, size_t *np,
    enum dns_sec *sec, struct str *err)
{
	struct answer a;
	struct tlsa_rr *t;
	getdns_bindata *bd;
	getdns_dict *rr;
	uint32_t u, s, m;
	size_t i = 0, n = 0;
	int st;

	*out = NULL;
	*np = 0;
	if ((st = query(d, name, GETDNS_RRTYPE_TLSA, &a, sec, err)) != DNS_FOUND)
		return st;
	t = xcalloc(DNS_MAX_RR, sizeof(*t));
	while (n < DNS_MAX_RR && (rr = next_rr(&a, GETDNS_RRTYPE_TLSA, &i)) != NULL) {
		if (getdns_dict_get_int(rr, "/rdata/certificate_usage", &u) || u > 255 ||
		    getdns_dict_get_int(rr, "/rdata/selector", &s) || s > 255 ||
		    getdns_dict_get_int(rr, "/rdata/matching_type", &m) || m > 255 ||
		    getdns_dict_get_bindata(rr, "/rdata/certificate_association_data", &bd))
			continue;
		if ((m == 1 && bd->size != 32) || (m == 2 && bd->size != 64) ||
		    bd->size == 0 || bd->size > DNS_TLSA_MAX)
			continue;
		t[n].usage = (uint8_t)u;
		t[n].selector = (uint8_t)s;
		t[n].mtype = (uint8_t)m;
		t[n].len = bd->size;
		t[n].data = xmalloc(bd->size);
		memcpy(t[n].data, bd->data, bd->size);
		n++;
	}
	if ((st = done(&a, n, name, GETDNS_RRTYPE_TLSA, err)) != DNS_FOUND) {
		free(t);
		return st;
	}
	*out = t;
	*np = n;
	return DNS_FOUND;
}

/* reverse_name - the in-addr.arpa or ip6.arpa name of an address */
static int
reverse_name(const struct sockaddr *sa, struct str *out, struct str *err)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b;
	int i;

	if (sa->sa_family == AF_INET) {
		b = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
		str_printf(out, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		b = (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		for (i = 15; i >= 0; i--) {
			str_appendc(out, hex[b[i] & 0xf]);
			str_appendc(out, '.');
			str_appendc(out, hex[b[i] >> 4]);
			str_appendc(out, '.');
		}
		str_appends(out, "ip6.arpa");
		return 0;
	}
	str_appends(err, "reverse lookup: unsupported address family");
	return -1;
}

/* dns_ptr - the names of an address (PTR records) */
int
dns_ptr(struct dns_ctx *d, const struct sockaddr *sa, char ***out, size_t *np,
    struct str *err)
{
	struct str q = STR_INIT;
	struct answer a;
	getdns_bindata *bd;
	getdns_dict *rr;
	char **names, *host;
	size_t i = 0, n = 0;
	int st;

	*out = NULL;
	*np = 0;
	if (reverse_name(sa, &q, err) < 0) {
		str_free(&q);
		return DNS_PERMFAIL;
	}
	if ((st = query(d, q.s, GETDNS_RRTYPE_PTR, &a, NULL, err)) != DNS_FOUND) {
		str_free(&q);
		return st;
	}
	names = xcalloc(DNS_MAX_RR, sizeof(*names));
	while (n < DNS_MAX_RR && (rr = next_rr(&a, GETDNS_RRTYPE_PTR, &i)) != NULL) {
		if (getdns_dict_get_bindata(rr, "/rdata/ptrdname", &bd) ||
		    (host = wire_name(bd)) == NULL)
			continue;
		if (host[0] == '\0') {
			free(host);
			continue;
		}
		names[n++] = host;
	}
	st = done(&a, n, q.s, GETDNS_RRTYPE_PTR, err);
	str_free(&q);
	if (st != DNS_FOUND) {
		free(names);
		return st;
	}
	*out = names;
	*np = n;
	return DNS_FOUND;
}

/* dns_txt - the TXT records of name, each one's strings joined */
int
dns_txt(struct dns_ctx *d, const char *name, char ***out, size_t *np,
    struct str *err)
{
	struct str t = STR_INIT;
	struct answer a;
	getdns_bindata *bd;
	getdns_list *strs;
	getdns_dict *rr;
	char **txts;
	size_t i = 0, j, k, ns, n = 0;
	unsigned char c;
	int st;

	*out = NULL;
	*np = 0;
	if ((st = query(d, name, GETDNS_RRTYPE_TXT, &a, NULL, err)) != DNS_FOUND)
		return st;
	txts = xcalloc(DNS_MAX_RR, sizeof(*txts));
	while (n < DNS_MAX_RR && (rr = next_rr(&a, GETDNS_RRTYPE_TXT, &i)) != NULL) {
		if (getdns_dict_get_list(rr, "/rdata/txt_strings", &strs) ||
		    getdns_list_get_length(strs, &ns))
			continue;
		str_reset(&t);
		for (j = 0; j < ns; j++) {
			if (getdns_list_get_bindata(strs, j, &bd))
				continue;
			for (k = 0; k < bd->size && t.len < DNS_TXT_MAX; k++) {
				c = bd->data[k];
				str_appendc(&t, (char)(c < 32 || c == 127 ? '?' : c));
			}
		}
		txts[n++] = xstrndup(t.s ? t.s : "", t.len);
	}
	str_free(&t);
	if ((st = done(&a, n, name, GETDNS_RRTYPE_TXT, err)) != DNS_FOUND) {
		free(txts);
		return st;
	}
	*out = txts;
	*np = n;
	return DNS_FOUND;
}

/* dns_free_mx - release what dns_mx returned; NULL is fine */
void
dns_free_mx(struct dns_mx *mx, size_t n)
{
	size_t i;

	if (mx == NULL)
		return;
	for (i = 0; i < n; i++)
		free(mx[i].host);
	free(mx);
}

/* dns_free_tlsa - release what dns_tlsa returned; NULL is fine */
void
dns_free_tlsa(struct tlsa_rr *t, size_t n)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < n; i++)
		free(t[i].data);
	free(t);
}

/* dns_free_strings - release what dns_ptr or dns_txt returned */
void
dns_free_strings(char **s, size_t n)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < n; i++)
		free(s[i]);
	free(s);
}
