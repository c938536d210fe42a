/*
 * unit.h - the Check suites of t/unit/unit
 *
 * One suite per test file; main.c runs them all, or the one named on its
 * command line. To add a suite: write t/unit/test_NAME.c defining
 * NAME_suite(), declare it here, list it in suites[] in main.c and add the
 * file to t_unit_unit_SOURCES in Makefile.am.
 *
 * Tests rely on Check's default fork mode (CK_FORK unset or "yes"): each
 * test runs in its own process, so settings loaded by one conf test or a
 * die() in the library cannot leak into the next test.
 */
#ifndef PH_UNIT_H
#define PH_UNIT_H

#include <check.h>

Suite	*core_suite(void);	/* test_core.c: str, util, log, conf */
Suite	*addr_suite(void);	/* test_addr.c */
Suite	*header_suite(void);	/* test_header.c */
Suite	*spool_suite(void);	/* test_spool.c: envelope, maildrop, queue */
Suite	*submit_suite(void);	/* test_submit.c */
Suite	*cleanup_suite(void);	/* test_cleanup.c */
Suite	*filter_suite(void);	/* test_filter.c */
Suite	*aliases_suite(void);	/* test_aliases.c */
Suite	*bounce_suite(void);	/* test_bounce.c */
Suite	*netio_suite(void);	/* test_netio.c: netio, tls without a peer */
Suite	*mxroute_suite(void);	/* test_mxroute.c: mx_select */
Suite	*smtpproto_suite(void);	/* test_smtpproto.c: replies, EHLO, paths, base64, SASL */
Suite	*pop3_suite(void);	/* test_pop3.c: the POP3 codec, accounts files */
Suite	*bodyenc_suite(void);	/* test_bodyenc.c */
Suite	*smtpd_suite(void);	/* test_smtpd.c: mynetworks, AUTH hashes */

/* The name of case i of a table, for failure messages. */
#define CASE_NAME(table, i)	((table)[(i)].name)

#endif
