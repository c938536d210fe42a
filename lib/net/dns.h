/*
 * dns - the getdns wrapper: MX, A/AAAA, TLSA, PTR, TXT, with DNSSEC status
 *
 * getdns runs in stub mode against the servers of /etc/resolv.conf, or
 * those of the `dns_servers` setting (ip[:port] list, IPv4 or IPv6), and
 * validates DNSSEC itself with the trust anchors of `dnssec_trust_anchors`
 * (a file of DS or DNSKEY records; default the system's root anchor) when
 * a caller asks for the status (TLSA for DANE, MX for dane).
 *
 * Every lookup returns one of:
 *   DNS_FOUND     records of the type exist (the list is not empty)
 *   DNS_NODATA    the name exists, it has no records of the type (rcode 0)
 *   DNS_NXDOMAIN  the name does not exist (rcode 3)
 *   DNS_TEMPFAIL  timeout, SERVFAIL, no server answered: try again later
 *   DNS_PERMFAIL  a malformed name, a refused or unusable answer
 * and with DNS_TEMPFAIL / DNS_PERMFAIL a reason in err. getdns reports
 * NODATA and NXDOMAIN alike as NO_NAME; they are told apart by the rcode.
 * A DNSSEC status is given for the answer when dnssec is asked for (the
 * enum dns_sec * is not NULL; NULL: no validation, no extra queries):
 * DNS_SECURE, DNS_INSECURE, DNS_BOGUS. A BOGUS answer is returned as
 * DNS_TEMPFAIL, with *sec = DNS_BOGUS so that the caller sees why.
 *
 * Answers are untrusted input: names are checked (length, label syntax),
 * counts bounded (DNS_MAX_RR records), data lengths checked.
 */
#ifndef PH_DNS_H
#define PH_DNS_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include "str.h"

#define DNS_MAX_RR	64

enum dns_status {
	DNS_FOUND = 0,
	DNS_NODATA,
	DNS_NXDOMAIN,
	DNS_TEMPFAIL,
	DNS_PERMFAIL
};

enum dns_sec {
	DNS_SEC_UNKNOWN = 0,	/* not asked for */
	DNS_INSECURE,
	DNS_SECURE,
	DNS_BOGUS
};

struct dns_mx {
	unsigned	 pref;
	char		*host;		/* no trailing dot; "" for a null MX "." */
};

struct dns_addr {
	struct sockaddr_storage	 sa;	/* AF_INET or AF_INET6, port 0 */
	socklen_t		 len;
};

struct tlsa_rr {
	uint8_t		 usage, selector, mtype;
	unsigned char	*data;
	size_t		 len;
};

struct dns_ctx;

struct dns_ctx *dns_open(struct str *err);	/* from the settings; NULL on error */
void	 dns_close(struct dns_ctx *);

/* each returns an enum dns_status; lists are allocated, free with dns_free_* */
int	 dns_mx(struct dns_ctx *, const char *name, struct dns_mx **, size_t *,
	    enum dns_sec *, struct str *err);
int	 dns_addrs(struct dns_ctx *, const char *name, int family /* AF_UNSPEC: both */,
	    struct dns_addr **, size_t *, enum dns_sec *, struct str *err);
int	 dns_tlsa(struct dns_ctx *, const char *name /* "_25._tcp.host" */,
	    struct tlsa_rr **, size_t *, enum dns_sec *, struct str *err);
int	 dns_ptr(struct dns_ctx *, const struct sockaddr *, char ***names, size_t *,
	    struct str *err);
int	 dns_txt(struct dns_ctx *, const char *name, char ***txts, size_t *,
	    struct str *err);

void	 dns_free_mx(struct dns_mx *, size_t);
void	 dns_free_tlsa(struct tlsa_rr *, size_t);
void	 dns_free_strings(char **, size_t);
const char *dns_status_str(int);

/*
 * MX selection (RFC 5321 section 5, as sendmail and Postfix do it):
 * mx_route() looks up the MX records of domain and fills route with the
 * hosts to try, in order: preference order, equal preferences shuffled;
 * when one of the MX hosts is this host (its name equal to one of
 * self[]), only those with a lower preference than its own; no MX record
 * (NODATA) gives the domain itself (implicit MX) when it has an address.
 * Returns:
 *   ROUTE_OK        route->hosts[0..n) to try
 *   ROUTE_NULLMX    a null MX (RFC 7505): bounce, 5.1.10
 *   ROUTE_LOOP      the lowest MX is this host: "mail for D loops back to
 *                   myself", 5.4.6
 *   ROUTE_NOHOST    neither MX nor address, or NXDOMAIN: 5.1.2 / 5.4.4
 *   ROUTE_TEMPFAIL  a DNS failure: defer, 4.4.3
 * with a reason in err for every value but ROUTE_OK. mx_select() is the
 * ordering step alone (for tests), on records already looked up.
 * mx_route() asks for the MX answer's DNSSEC status only when
 * smtp_tls_security_level is "dane"; route->mx_sec is DNS_SEC_UNKNOWN
 * otherwise.
 */
enum route_status {
	ROUTE_OK = 0,
	ROUTE_NULLMX,
	ROUTE_LOOP,
	ROUTE_NOHOST,
	ROUTE_TEMPFAIL
};

struct route_host {
	char		*name;
	unsigned	 pref;
	int		 implicit;	/* the domain's own address record */
};

struct route {
	struct route_host	*hosts;
	size_t			 n;
	enum dns_sec		 mx_sec;	/* DNSSEC status of the MX answer */
};

int	 mx_route(struct dns_ctx *, const char *domain, const char *const *self,
	    struct route *, struct str *err);
int	 mx_select(const struct dns_mx *, size_t, const char *const *self,
	    const char *domain, struct route *, struct str *err);
void	 route_free(struct route *);

#endif
