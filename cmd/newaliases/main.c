/*
 * NAME
 *	newaliases - compile the aliases file into its constant database
 * SYNOPSIS
 *	newaliases [-C config] [-v]
 * DESCRIPTION
 *	Reads the file named by alias_maps (a plain path, or Postfix's
 *	"hash:/etc/aliases"), checks every line and writes FILE.cdb beside
 *	it atomically; the old database stays in use until the new one is
 *	complete. Prints sendmail's summary line on stdout and logs it.
 *	The work is aliases_compile() in lib/deliver/aliases.c, which sendmail -bi
 *	calls as well.
 * DIAGNOSTICS
 *	Errors go to stderr and the log. Exit status (sysexits.h): 0 done,
 *	EX_USAGE bad options, EX_CONFIG bad configuration, EX_DATAERR a
 *	syntax error in the aliases file (the message names file:line),
 *	EX_NOINPUT the aliases file is missing, EX_CANTCREAT the database
 *	cannot be created, EX_TEMPFAIL any other I/O error.
 * SECURITY
 *	Normally run by root. It is not installed set-id, so nothing is
 *	gained by giving it another configuration: the caller can only
 *	write where the caller may write. The aliases file is untrusted
 *	input to the parser, which bounds and checks it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "aliases.h"
#include "conf.h"
#include "log.h"
#include "str.h"

/* exit_status - the sysexits code for a failure of aliases_compile */
static int
exit_status(enum aliases_fail why)
{
	switch (why) {
	case ALIASES_NOINPUT:
		return EX_NOINPUT;
	case ALIASES_BADINPUT:
		return EX_DATAERR;
	case ALIASES_CANTCREATE:
		return EX_CANTCREAT;
	case ALIASES_IOERR:
		return EX_TEMPFAIL;
	case ALIASES_OK:
		break;
	}
	return EX_SOFTWARE;
}

/* usage - the one-line reminder, then EX_USAGE */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: newaliases [-C config] [-v]\n");
	exit(EX_USAGE);
}

/* main - options, configuration, compile, summary */
int
main(int argc, char **argv)
{
	struct str err = STR_INIT, src = STR_INIT;
	struct aliases_stats st;
	enum aliases_fail why;
	const char *conf = NULL;
	int ch, verbose = 0, must_exist = 1, rc;

	log_open(argv[0], LOG_STDERR);
	while ((ch = getopt(argc, argv, "C:v")) != -1) {
		switch (ch) {
		case 'C':
			conf = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	/* -C, else POSTHORN_CONF, else the default, which may be absent. */
	if (conf == NULL && (conf = getenv("POSTHORN_CONF")) != NULL &&
	    *conf == '\0')
		conf = NULL;
	if (conf == NULL) {
		conf = conf_default_path();
		must_exist = 0;
	}
	if (conf_start(conf, must_exist, &err) != 0)
		die(EX_CONFIG, "%s", str_c(&err));
	if (verbose)
		log_set_flags(LOG_STDERR | LOG_VERBOSE);

	if ((rc = aliases_map_path(conf_str("alias_maps"), &src, &err)) < 0)
		die(EX_CONFIG, "%s: %s", conf, str_c(&err));
	if (rc == 0) {
		log_info("alias_maps is empty: no aliases to compile");
		return 0;
	}
	log_info("compiling %s into %s.cdb", src.s, src.s);
	if (aliases_compile(src.s, &st, &why, &err) < 0)
		die(exit_status(why), "%s", str_c(&err));

	/* sendmail's words exactly: scripts and admins read them. */
	printf("%s: %ld aliases, longest %ld bytes, %lld bytes total\n",
	    src.s, st.entries, st.longest, st.total);
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EX_TEMPFAIL, "cannot write to standard output");
	log_info("%s: %ld aliases, longest %ld bytes, %lld bytes total",
	    src.s, st.entries, st.longest, st.total);
	str_free(&src);
	str_free(&err);
	return 0;
}
