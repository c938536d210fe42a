/*
 * main - run the Check suites of posthorn's unit tests
 *
 * SYNOPSIS
 *	t/unit/unit [suite]
 *
 * DESCRIPTION
 *	Runs every suite declared in unit.h, or only the one named, and
 *	prints Check's summary (CK_VERBOSITY chooses how much). Exits 0 when
 *	every test passed, 1 when one failed, 2 for an unknown suite name.
 *	Library log lines go to /dev/null so that tests leave nothing in
 *	syslog.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "unit.h"
#include "util.h"

static const struct {
	const char	*name;
	Suite		*(*make)(void);
} suites[] = {
	{ "core", core_suite },
	{ "addr", addr_suite },
	{ "header", header_suite },
	{ "spool", spool_suite },
	{ "submit", submit_suite },
	{ "cleanup", cleanup_suite },
	{ "filter", filter_suite },
	{ "aliases", aliases_suite },
	{ "bounce", bounce_suite },
	{ "netio", netio_suite },
	{ "mxroute", mxroute_suite },
	{ "smtpproto", smtpproto_suite },
	{ "pop3", pop3_suite },
	{ "bodyenc", bodyenc_suite },
	{ "smtpd", smtpd_suite },
};

/* usage - list the suites */
static void
usage(const char *prog)
{
	size_t i;

	fprintf(stderr, "usage: %s [suite]\nsuites:", prog);
	for (i = 0; i < ARRAY_LEN(suites); i++)
		fprintf(stderr, " %s", suites[i].name);
	fprintf(stderr, "\n");
}

int
main(int argc, char **argv)
{
	SRunner *sr = NULL;
	const char *only = argc > 1 ? argv[1] : NULL;
	size_t i;
	int failed;

	if (argc > 2 || (only && (strcmp(only, "-h") == 0 ||
	    strcmp(only, "--help") == 0))) {
		usage(argv[0]);
		return 2;
	}
	fixture_quiet("unit");
	for (i = 0; i < ARRAY_LEN(suites); i++) {
		if (only && strcmp(only, suites[i].name) != 0)
			continue;
		if (sr == NULL)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}
	if (sr == NULL) {
		fprintf(stderr, "%s: no suite named \"%s\"\n", argv[0], only);
		usage(argv[0]);
		return 2;
	}
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
