/*
 * smtp - the SMTP client transport (see smtp.c): runq sets
 * transport_remote to &transport_smtp; only programs that link the
 * network layer can.
 */
#ifndef PH_SMTP_H
#define PH_SMTP_H

#include "transport.h"

extern const struct transport transport_smtp;

#endif
