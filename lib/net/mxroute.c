/*
 * mxroute - which hosts to try for a domain (RFC 5321 section 5)
 *
 * SUMMARY
 *	rc = mx_route(dns, "example.org", self, &route, &err);
 *	... route.hosts[0 .. route.n) ...
 *	route_free(&route);
 *
 * DESCRIPTION
 *	mx_route() looks up the MX records of a domain and hands them to
 *	mx_select(), which does what sendmail and Postfix do:
 *	  - a null MX (RFC 7505: a host ".") anywhere in the answer means
 *	    the domain takes no mail, whatever else is there;
 *	  - hosts in preference order, hosts of equal preference shuffled
 *	    so that the load spreads (arc4random_uniform);
 *	  - when one of the hosts is this host (its name is one of self[],
 *	    compared without case and trailing dot), only the hosts with a
 *	    lower preference than its lowest are kept; none left means the
 *	    mail would loop;
 *	  - a host named twice is kept once, at its lowest preference.
 *	No MX record (NODATA) makes the domain its own mail host (implicit
 *	MX) when it has an address. The hosts' addresses are not looked up
 *	here: the SMTP client does that per host, and a host without an
 *	address is its business (the next host is tried).
 *
 *	The MX answer's DNSSEC status is asked for only when
 *	smtp_tls_security_level is "dane", the one policy that uses it;
 *	route->mx_sec is DNS_SEC_UNKNOWN otherwise.
 */
#include "config.h"

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "dns.h"
#include "log.h"
#include "str.h"
#include "util.h"

/* name_eq - are two host names equal, ignoring case and a trailing dot? */
static int
name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* is_self - is name one of this host's names? */
static int
is_self(const char *name, const char *const *self)
{
	size_t i;

	for (i = 0; self != NULL && self[i] != NULL; i++)
		if (name_eq(name, self[i]))
			return 1;
	return 0;
}

/* by_pref - qsort order of route hosts: lower preference first */
static int
by_pref(const void *a, const void *b)
{
	const struct route_host *x = a, *y = b;

	return x->pref < y->pref ? -1 : x->pref > y->pref;
}

/* shuffle_ties - shuffle each run of equal preference (Fisher-Yates) */
static void
shuffle_ties(struct route_host *h, size_t n)
{
	struct route_host tmp;
	size_t lo, hi, i, j;

	for (lo = 0; lo < n; lo = hi) {
		for (hi = lo + 1; hi < n && h[hi].pref == h[lo].pref; hi++)
			;
		for (i = hi - lo; i > 1; i--) {
			j = arc4random_uniform((uint32_t)i);
			tmp = h[lo + i - 1];
			h[lo + i - 1] = h[lo + j];
			h[lo + j] = tmp;
		}
	}
}

/* route_free - release a route; safe to call twice */
void
route_free(struct route *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		free(r->hosts[i].name);
	free(r->hosts);
	r->hosts = NULL;
	r->n = 0;
}

/*
 * mx_select - the ordering step of mx_route on records already looked up;
 * domain is for the texts in err
 */
int
mx_select(const struct dns_mx *mx, size_t n, const char *const *self,
    const char *domain, struct route *r, struct str *err)
{
	char dom[LOG_CLEAN_MAX + 1];
	struct route_host *h;
	size_t i, j, k;
	unsigned selfpref = 0;
	int have_self = 0;

	r->hosts = NULL;
	r->n = 0;
	log_clean(dom, sizeof(dom), domain, strlen(domain));
	if (n == 0) {
		str_printf(err, "Host or domain name not found. No MX host for name=%s", dom);
		return ROUTE_NOHOST;
	}
	for (i = 0; i < n; i++) {
		if (mx[i].host[0] == '\0') {
			str_printf(err, "Domain %s does not accept mail (null MX)", dom);
			return ROUTE_NULLMX;
		}
	}
	h = xcalloc(n, sizeof(*h));
	for (i = 0; i < n; i++) {
		h[i].name = xstrdup(mx[i].host);
		h[i].pref = mx[i].pref;
		if (is_self(mx[i].host, self) && (!have_self || mx[i].pref < selfpref)) {
			selfpref = mx[i].pref;
			have_self = 1;
		}
	}
	qsort(h, n, sizeof(*h), by_pref);
	shuffle_ties(h, n);

	/* keep what is better than ourselves, each name once */
	for (i = k = 0; i < n; i++) {
		if (have_self && h[i].pref >= selfpref)
			break;
		for (j = 0; j < k && !name_eq(h[j].name, h[i].name); j++)
			;
		if (j < k) {
			free(h[i].name);
			continue;
		}
		h[k++] = h[i];
	}
	for (j = i; j < n; j++)
		free(h[j].name);
	if (k == 0) {
		free(h);
		str_printf(err, "mail for %s loops back to myself", dom);
		return ROUTE_LOOP;
	}
	r->hosts = h;
	r->n = k;
	return ROUTE_OK;
}

/* implicit_mx - no MX record: the domain itself, if it has an address */
static int
implicit_mx(struct dns_ctx *dns, const char *domain, const char *dom,
    const char *const *self, struct route *r, struct str *err)
{
	struct dns_addr *a = NULL;
	size_t na = 0, len;
	int st;

	st = dns_addrs(dns, domain, AF_UNSPEC, &a, &na, NULL, err);
	free(a);
	switch (st) {
	case DNS_FOUND:
		break;
	case DNS_TEMPFAIL:
		return ROUTE_TEMPFAIL;
	case DNS_NODATA:
		str_printf(err, "Host or domain name not found. Name service error "
		    "for name=%s type=A: Host found but no data record of requested type",
		    dom);
		return ROUTE_NOHOST;
	case DNS_NXDOMAIN:
		str_printf(err, "Host or domain name not found. Name service error "
		    "for name=%s type=A: Host not found", dom);
		return ROUTE_NOHOST;
	default:
		return ROUTE_NOHOST;
	}
	if (is_self(domain, self)) {
		str_printf(err, "mail for %s loops back to myself", dom);
		return ROUTE_LOOP;
	}
	r->hosts = xcalloc(1, sizeof(*r->hosts));
	r->hosts[0].name = util_lowercase(xstrdup(domain));
	len = strlen(r->hosts[0].name);
	if (len > 0 && r->hosts[0].name[len - 1] == '.')
		r->hosts[0].name[len - 1] = '\0';
	r->hosts[0].implicit = 1;
	r->n = 1;
	return ROUTE_OK;
}

/* mx_route - the hosts to try for a domain, in order (see dns.h) */
int
mx_route(struct dns_ctx *dns, const char *domain, const char *const *self,
    struct route *r, struct str *err)
{
	char dom[LOG_CLEAN_MAX + 1];
	struct dns_mx *mx = NULL;
	size_t n = 0;
	int st, rc, dane;

	memset(r, 0, sizeof(*r));
	log_clean(dom, sizeof(dom), domain, strlen(domain));
	dane = strcmp(conf_str("smtp_tls_security_level"), "dane") == 0;
	st = dns_mx(dns, domain, &mx, &n, dane ? &r->mx_sec : NULL, err);
	switch (st) {
	case DNS_FOUND:
		rc = mx_select(mx, n, self, domain, r, err);
		dns_free_mx(mx, n);
		return rc;
	case DNS_NODATA:
		return implicit_mx(dns, domain, dom, self, r, err);
	case DNS_NXDOMAIN:
		str_printf(err, "Host or domain name not found. Name service error "
		    "for name=%s type=MX: Host not found", dom);
		return ROUTE_NOHOST;
	case DNS_TEMPFAIL:
		return ROUTE_TEMPFAIL;
	default:
		return ROUTE_NOHOST;
	}
}
