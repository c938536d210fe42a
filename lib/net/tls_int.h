/*
 * tls_int - what netio.c needs from tls.c: SSL objects set up for one
 * connection, the verification verdict and the texts of OpenSSL errors
 *
 * Private to lib/net. Error contract: the functions that make an SSL
 * return NULL with a reason in err; tls_error_text appends the reason
 * from OpenSSL's error queue and clears the queue.
 */
#ifndef PH_TLS_INT_H
#define PH_TLS_INT_H

#include <openssl/ssl.h>

#include "str.h"
#include "tls.h"

SSL	*tls_client_ssl(const struct tls_client_conf *, struct str *err);
SSL	*tls_server_ssl(struct tls_server *, struct str *err);
void	 tls_handshake_error(SSL *, struct str *err);
void	 tls_error_text(struct str *err, const char *what, int syserr);
void	 tls_get_info(SSL *, struct tls_info *);

#endif
