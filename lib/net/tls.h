/*
 * tls - OpenSSL for the SMTP client, smtpd and popfetch
 *
 * TLS 1.2 at least, always. A client states what it requires in a
 * struct tls_client_conf and netio_tls_client() (netio.h) runs the
 * handshake and decides:
 *
 *   TLS_VERIFY_NONE  encrypt only: any certificate (Postfix "may",
 *                    "encrypt"); the result still says whether the chain
 *                    verified against the CA store, for the log line.
 *   TLS_VERIFY_CA    the chain must verify against cafile/capath (or the
 *                    system's store when both are NULL) and the name must
 *                    match one of names[] ("verify", "secure", popfetch).
 *   TLS_VERIFY_DANE  the certificate must match one of the TLSA records
 *                    (RFC 7672 rules: usages 2 and 3; usage 3 ignores
 *                    names and expiry, usage 2 checks names[]), done with
 *                    OpenSSL's own DANE support (SSL_dane_enable).
 *
 * A failed verification fails the handshake with NETIO_ERR and a text
 * that names the problem ("certificate verify failed: unable to get
 * local issuer certificate", "no TLSA record matched", "host name
 * mismatch"). sni, when not NULL, is sent as the server name.
 *
 * Contexts are made once per process (tls_init) and reused, so that a
 * runq worker does not reload the CA store for every connection.
 */
#ifndef PH_TLS_H
#define PH_TLS_H

#include <stddef.h>

#include "dns.h"
#include "str.h"

enum tls_verify {
	TLS_VERIFY_NONE = 0,
	TLS_VERIFY_CA,
	TLS_VERIFY_DANE
};

struct tls_client_conf {
	enum tls_verify	 verify;
	const char	*cafile;	/* NULL: system default */
	const char	*capath;
	const char	*sni;		/* server name to send, or NULL */
	const char *const *names;	/* names the certificate may carry */
	size_t		 nnames;
	const struct tlsa_rr *tlsa;	/* for TLS_VERIFY_DANE */
	size_t		 ntlsa;
	const char	*tlsa_base;	/* the TLSA base domain (MX host name) */
};

struct tls_info {
	char	 version[16];		/* "TLSv1.3" */
	char	 cipher[64];		/* "TLS_AES_256_GCM_SHA384" */
	int	 bits;
	int	 verified;		/* chain (or DANE) verified */
	int	 dane;			/* matched a TLSA record */
	int	 peer_cert;		/* the peer sent a certificate */
	char	 peer_cn[256];		/* subject CN, cleaned for logs */
};

struct tls_server;

int	 tls_init(struct str *err);	/* once per process; 0 or -1 */
struct tls_server *tls_server_new(const char *cert, const char *key, struct str *err);
void	 tls_server_free(struct tls_server *);
/* "Trusted" (DANE), "Verified", "Untrusted", "Anonymous" (no certificate) */
const char *tls_info_verified_str(const struct tls_info *);

#endif
