/*
 * tls - OpenSSL contexts and the verification policy of tls.h
 *
 * NAME
 *	tls_init, tls_server_new, tls_server_free, tls_info_verified_str
 *
 * DESCRIPTION
 *	Client contexts are kept for the life of the process, one per CA
 *	configuration (cafile, capath), so that the CA store is read once:
 *	the system's default store, plus one for each CA file or directory a
 *	caller names, up to MAX_CTX of them; beyond that a context is made
 *	for the one connection and freed with it. Every context allows TLS
 *	1.2 and later only, no compression and no renegotiation.
 *
 *	The verification mode is set on each SSL (tls_client_ssl):
 *	  NONE  SSL_VERIFY_NONE; OpenSSL still verifies the chain (and the
 *	        names, when given) and keeps the result for the log line.
 *	  CA    SSL_VERIFY_PEER and the names as reference identifiers.
 *	  DANE  SSL_VERIFY_PEER, SSL_dane_enable and the TLSA records of
 *	        usage 2 and 3 (RFC 7672 section 3.1: usages 0 and 1 are not
 *	        for SMTP); DANE-EE(3) matches ignore names and expiry.
 *
 * DIAGNOSTICS
 *	Texts come from OpenSSL's error queue or the verify result, cleaned
 *	of control characters; the queue is cleared after every failure so
 *	that an old error never explains a new one.
 */
#include "config.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "str.h"
#include "tls.h"
#include "tls_int.h"
#include "util.h"

#define MAX_CTX	16	/* cached client contexts, the default store included */

struct tls_server {
	SSL_CTX	*ctx;
};

struct ctx_entry {
	char	*cafile;		/* NULL for none */
	char	*capath;
	SSL_CTX	*ctx;
};

static int inited;
static struct ctx_entry ctx_cache[MAX_CTX];
static size_t nctx;

/*
 * tls_error_text - append "what: reason" to err, the reason being the
 * oldest error in OpenSSL's queue, or syserr when the queue is empty;
 * clears the queue
 */
void
tls_error_text(struct str *err, const char *what, int syserr)
{
	char buf[256], clean[256];
	unsigned long e;

	e = ERR_get_error();
	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else if (syserr != 0)
		util_strlcpy(buf, strerror(syserr), sizeof(buf));
	else
		util_strlcpy(buf, "unknown error", sizeof(buf));
	ERR_clear_error();
	log_clean(clean, sizeof(clean), buf, strlen(buf));
	if (what != NULL && *what != '\0')
		str_printf(err, "%s: %s", what, clean);
	else
		str_appends(err, clean);
}

/* common_options - what every context of ours allows */
static int
common_options(SSL_CTX *ctx)
{
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
		return -1;
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return 0;
}

/* new_client_ctx - a client context with the CA store of cafile/capath */
static SSL_CTX *
new_client_ctx(const char *cafile, const char *capath, struct str *err)
{
	SSL_CTX *ctx;
	char what[512];

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		tls_error_text(err, "cannot make a TLS context", 0);
		return NULL;
	}
	if (common_options(ctx) == -1 || SSL_CTX_dane_enable(ctx) <= 0) {
		tls_error_text(err, "cannot set up the TLS context", 0);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (cafile != NULL || capath != NULL) {
		if (!SSL_CTX_load_verify_locations(ctx, cafile, capath)) {
			util_snprintf(what, sizeof(what),
			    "cannot load CA %s%s%s", cafile ? cafile : "",
			    cafile && capath ? " / " : "", capath ? capath : "");
			tls_error_text(err, what, 0);
			SSL_CTX_free(ctx);
			return NULL;
		}
	} else if (!SSL_CTX_set_default_verify_paths(ctx)) {
		tls_error_text(err, "cannot load the system CA store", 0);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* same - two optional strings are equal */
static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * client_ctx - the context for a CA configuration, from the cache when it
 * is there; *owned says the caller must free it (cache full)
 */
static SSL_CTX *
client_ctx(const char *cafile, const char *capath, int *owned,
    struct str *err)
{
	SSL_CTX *ctx;
	size_t i;

	*owned = 0;
	for (i = 0; i < nctx; i++)
		if (same(ctx_cache[i].cafile, cafile) &&
		    same(ctx_cache[i].capath, capath))
			return ctx_cache[i].ctx;
	if ((ctx = new_client_ctx(cafile, capath, err)) == NULL)
		return NULL;
	if (nctx == MAX_CTX) {
		*owned = 1;
		return ctx;
	}
	ctx_cache[nctx].cafile = cafile ? xstrdup(cafile) : NULL;
	ctx_cache[nctx].capath = capath ? xstrdup(capath) : NULL;
	ctx_cache[nctx].ctx = ctx;
	nctx++;
	return ctx;
}

/* tls_init - start OpenSSL and load the system's CA store, once */
int
tls_init(struct str *err)
{
	int owned;

	if (inited)
		return 0;
	if (!OPENSSL_init_ssl(0, NULL)) {
		tls_error_text(err, "cannot start OpenSSL", 0);
		return -1;
	}
	if (client_ctx(NULL, NULL, &owned, err) == NULL)
		return -1;
	inited = 1;
	return 0;
}

/* set_names - the reference identifiers for the certificate name check */
static int
set_names(SSL *ssl, const struct tls_client_conf *c, int first)
{
	size_t i;

	for (i = 0; i < c->nnames; i++) {
		if (c->names[i] == NULL || *c->names[i] == '\0')
			continue;
		if (first) {
			if (!SSL_set1_host(ssl, c->names[i]))
				return -1;
			first = 0;
		} else if (!SSL_add1_host(ssl, c->names[i]))
			return -1;
	}
	return 0;
}

/* set_dane - DANE for this connection; -1 with a reason in err */
static int
set_dane(SSL *ssl, const struct tls_client_conf *c, struct str *err)
{
	size_t i, usable = 0;
	int r;

	if (c->tlsa_base == NULL || *c->tlsa_base == '\0') {
		str_set(err, "DANE without a TLSA base domain");
		return -1;
	}
	if (SSL_dane_enable(ssl, c->tlsa_base) <= 0) {
		tls_error_text(err, "cannot enable DANE", 0);
		return -1;
	}
	/* RFC 7672 section 3.1.1: DANE-EE binds the key, not the names */
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	if (set_names(ssl, c, 0) == -1) {
		tls_error_text(err, "cannot set the peer names", 0);
		return -1;
	}
	for (i = 0; i < c->ntlsa; i++) {
		const struct tlsa_rr *t = &c->tlsa[i];

		if (t->usage != 2 && t->usage != 3)
			continue;	/* PKIX-TA(0), PKIX-EE(1): not SMTP */
		r = SSL_dane_tlsa_add(ssl, t->usage, t->selector, t->mtype,
		    t->data, t->len);
		if (r > 0)
			usable++;
		else if (r < 0) {
			tls_error_text(err, "bad TLSA record", 0);
			return -1;
		}
	}
	ERR_clear_error();	/* unusable records leave nothing to report */
	if (usable == 0) {
		str_set(err, "no usable TLSA records");
		return -1;
	}
	return 0;
}

/*
 * tls_client_ssl - an SSL for one client connection, verification set up
 * as c says; NULL with a reason in err
 */
SSL *
tls_client_ssl(const struct tls_client_conf *c, struct str *err)
{
	SSL_CTX *ctx;
	SSL *ssl;
	int owned;

	if (tls_init(err) == -1)
		return NULL;
	if ((ctx = client_ctx(c->cafile, c->capath, &owned, err)) == NULL)
		return NULL;
	ssl = SSL_new(ctx);
	if (owned)
		SSL_CTX_free(ctx);	/* the SSL keeps its own reference */
	if (ssl == NULL) {
		tls_error_text(err, "cannot make a TLS connection", 0);
		return NULL;
	}
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (c->sni != NULL && *c->sni != '\0' &&
	    !SSL_set_tlsext_host_name(ssl, c->sni)) {
		tls_error_text(err, "cannot set the server name", 0);
		goto fail;
	}
	switch (c->verify) {
	case TLS_VERIFY_NONE:
		/* the names only decide "Verified" for the log line */
		SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
		if (set_names(ssl, c, 1) == -1) {
			tls_error_text(err, "cannot set the peer names", 0);
			goto fail;
		}
		break;
	case TLS_VERIFY_CA:
		if (c->nnames == 0 && (c->sni == NULL || *c->sni == '\0')) {
			str_set(err, "certificate verification without a name");
			goto fail;
		}
		SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
		if ((c->nnames > 0 ? set_names(ssl, c, 1) :
		    (SSL_set1_host(ssl, c->sni) ? 0 : -1)) == -1) {
			tls_error_text(err, "cannot set the peer names", 0);
			goto fail;
		}
		break;
	case TLS_VERIFY_DANE:
		SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
		if (set_dane(ssl, c, err) == -1)
			goto fail;
		break;
	default:
		str_set(err, "unknown verification mode");
		goto fail;
	}
	return ssl;
fail:
	SSL_free(ssl);
	return NULL;
}

/* tls_server_new - a server context from a certificate chain and its key */
struct tls_server *
tls_server_new(const char *cert, const char *key, struct str *err)
{
	struct tls_server *ts;
	SSL_CTX *ctx;
	char what[512];

	if (tls_init(err) == -1)
		return NULL;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_error_text(err, "cannot make a TLS context", 0);
		return NULL;
	}
	if (common_options(ctx) == -1) {
		tls_error_text(err, "cannot set up the TLS context", 0);
		goto fail;
	}
	/* a session process serves more than one client: decrypted
	 * records do not stay in OpenSSL's buffers */
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_CLEANSE_PLAINTEXT);
	if (!SSL_CTX_use_certificate_chain_file(ctx, cert)) {
		util_snprintf(what, sizeof(what), "cannot load certificate %s",
		    cert);
		tls_error_text(err, what, 0);
		goto fail;
	}
	if (!SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM)) {
		util_snprintf(what, sizeof(what), "cannot load key %s", key);
		tls_error_text(err, what, 0);
		goto fail;
	}
	if (!SSL_CTX_check_private_key(ctx)) {
		util_snprintf(what, sizeof(what), "key %s does not match "
		    "certificate %s", key, cert);
		tls_error_text(err, what, 0);
		goto fail;
	}
	ts = xcalloc(1, sizeof(*ts));
	ts->ctx = ctx;
	return ts;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* tls_server_free - free a server context (connections keep their own) */
void
tls_server_free(struct tls_server *ts)
{
	if (ts == NULL)
		return;
	SSL_CTX_free(ts->ctx);
	ts->ctx = NULL;
	free(ts);
}

/* tls_server_ssl - an SSL for one server connection */
SSL *
tls_server_ssl(struct tls_server *ts, struct str *err)
{
	SSL *ssl;

	if ((ssl = SSL_new(ts->ctx)) == NULL)
		tls_error_text(err, "cannot make a TLS connection", 0);
	return ssl;
}

/*
 * tls_handshake_error - the reason a handshake failed: the verify result
 * when verification was required and failed, else the error queue
 */
void
tls_handshake_error(SSL *ssl, struct str *err)
{
	const char *why;
	long v;

	v = SSL_get_verify_result(ssl);
	if ((SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) && v != X509_V_OK) {
		switch (v) {
		case X509_V_ERR_DANE_NO_MATCH:
			why = "no TLSA record matched";
			break;
		case X509_V_ERR_HOSTNAME_MISMATCH:
			why = "host name mismatch";
			break;
		default:
			why = X509_verify_cert_error_string(v);
			break;
		}
		str_printf(err, "certificate verify failed: %s", why);
		ERR_clear_error();
		return;
	}
	tls_error_text(err, "TLS handshake failed", 0);
}

/* peer_cn - the subject CN of the peer's certificate, cleaned for logs */
static void
peer_cn(X509 *x, char *out, size_t size)
{
	X509_NAME *name;
	X509_NAME_ENTRY *ent;
	unsigned char *utf8 = NULL;
	int i, n;

	out[0] = '\0';
	if ((name = X509_get_subject_name(x)) == NULL)
		return;
	if ((i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0)
		return;
	if ((ent = X509_NAME_get_entry(name, i)) == NULL)
		return;
	if ((n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(ent))) < 0)
		return;
	log_clean(out, size, (const char *)utf8, (size_t)n);
	OPENSSL_free(utf8);
}

/* tls_get_info - what the log line says of an established connection */
void
tls_get_info(SSL *ssl, struct tls_info *ti)
{
	const SSL_CIPHER *c;
	X509 *peer;

	memset(ti, 0, sizeof(*ti));
	util_strlcpy(ti->version, SSL_get_version(ssl), sizeof(ti->version));
	if ((c = SSL_get_current_cipher(ssl)) != NULL) {
		util_strlcpy(ti->cipher, SSL_CIPHER_get_name(c),
		    sizeof(ti->cipher));
		ti->bits = SSL_CIPHER_get_bits(c, NULL);
	}
	if ((peer = SSL_get0_peer_certificate(ssl)) != NULL) {
		ti->peer_cert = 1;
		peer_cn(peer, ti->peer_cn, sizeof(ti->peer_cn));
		ti->verified = SSL_get_verify_result(ssl) == X509_V_OK;
		ti->dane = ti->verified &&
		    SSL_get0_dane_authority(ssl, NULL, NULL) >= 0;
	}
}

/* tls_info_verified_str - the trust level for the log line */
const char *
tls_info_verified_str(const struct tls_info *ti)
{
	if (!ti->peer_cert)
		return "Anonymous";
	if (ti->dane)
		return "Trusted";
	if (ti->verified)
		return "Verified";
	return "Untrusted";
}
