/*
 * mailq - list the mail queue
 *
 * SUMMARY
 *	mailq [-C config] [-j] [-v]
 *
 * DESCRIPTION
 *	Prints the queue as Postfix's mailq (postqueue -p) does, or with -j
 *	as postqueue -j JSON lines. sendmail -bp runs this program. The work
 *	is mailq_print() in lib/mail/mailq.c; see mailq(1) for the format.
 *
 * SECURITY
 *	Installed setgid posthorn: the group of queue/ (0750) and of the
 *	envelope files (0640). Before it looks at any input it reopens
 *	descriptors 0-2, clears the environment and sets the umask
 *	(privs_setid_start), keeping a copy of POSTHORN_CONF first. A caller
 *	other than root who names another configuration (-C or
 *	POSTHORN_CONF) loses the privilege before that file is read, so a
 *	configuration cannot point the privilege at another directory. -v is
 *	honoured for root only, as in Postfix's postqueue. Only envelopes are
 *	read, never message files (see lib/mail/mailq.c). authorized_mailq_users
 *	can restrict the listing to some users (root and the spool owner
 *	always may look).
 *	maillog_file is opened with group posthorn, which should not be able
 *	to write it (it is group phdrop's): for an ordinary user the lines go
 *	to syslog (lib/core/log.c).
 *
 * DIAGNOSTICS
 *	A caller who cannot list the maildrop (an ordinary user) is told on
 *	stderr that entries not yet picked up are not shown, unless the
 *	maildrop has been empty since runq last found it so
 *	(spool_maildrop_waiting: it stats the maildrop directory and
 *	queue/maildrop.stamp, which the privilege may do).
 *	Exit status (sysexits.h): 0 the listing was written (malformed
 *	entries are skipped with a warning on stderr); EX_USAGE bad options;
 *	EX_CONFIG bad configuration (an unknown name is only a warning; a
 *	bad value is refused, as its default could widen the listing); EX_TEMPFAIL the spool cannot be read
 *	(the message names the directory and the reason); EX_IOERR the
 *	listing could not be written; EX_OSERR privileges could not be
 *	dropped.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "mailq.h"
#include "privs.h"
#include "spool.h"
#include "str.h"
#include "util.h"

/* usage - the one usage message, then EX_USAGE */
static void __attribute__((noreturn))
usage(const char *why)
{
	fprintf(stderr, "mailq: %s\nusage: mailq [-C config] [-j] [-v]\n", why);
	exit(EX_USAGE);
}

/*
 * may_list - authorized_mailq_users: "anyone" (the default, as Postfix),
 * or user names; root and the spool owner may always look.
 */
static int
may_list(void)
{
	struct passwd *pw;
	int ok;

	if (getuid() == 0 || conf_list_has("authorized_mailq_users", "anyone"))
		return 1;
	if ((pw = getpwuid(getuid())) == NULL)
		return 0;
	ok = conf_list_has("authorized_mailq_users", pw->pw_name);
	if (!ok) {
		struct stat st;

		ok = stat(conf_str("spool_directory"), &st) == 0 && st.st_uid == getuid();
	}
	return ok;
}

int
main(int argc, char **argv)
{
	struct mailq_opts o;
	struct str err = STR_INIT;
	const char *conf = NULL;
	char *env_conf = NULL, msg[64];
	struct mailq_result res;
	int setid, verbose = 0, c;

	/* Before anything reads input: keep POSTHORN_CONF, then clean up. */
	setid = privs_is_setid();
	if (getenv("POSTHORN_CONF") != NULL)
		env_conf = xstrdup(getenv("POSTHORN_CONF"));
	if (setid)
		privs_setid_start();
	log_open("mailq", LOG_STDERR);
	/* sendmail -bp ignores SIGPIPE and the disposition survives exec */
	signal(SIGPIPE, SIG_DFL);

	memset(&o, 0, sizeof(o));
	opterr = 0;
	while ((c = getopt(argc, argv, "+C:jv")) != -1) {
		switch (c) {
		case 'C':
			conf = optarg;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			if (optopt == 'C')
				usage("option -C needs an argument");
			(void)util_snprintf(msg, sizeof(msg), "unknown option -%c", optopt);
			usage(msg);
		}
	}
	if (optind < argc)
		usage("unexpected argument");
	if (conf == NULL)
		conf = env_conf;

	/* Another configuration is not read with our privilege. */
	if (setid && getuid() != 0 && conf != NULL) {
		if (privs_drop_setid() < 0)
			die(EX_OSERR, "cannot drop privileges: %s", strerror(errno));
		setid = 0;
	}
	/* a bad value has its default, and authorized_mailq_users' is anyone */
	if (conf_start(conf ? conf : conf_default_path(), conf != NULL, &err) != 0)
		die(EX_CONFIG, "%s", err.s);
	if (verbose && getuid() == 0) {
		o.verbose = 1;
		log_set_flags(LOG_STDERR | LOG_VERBOSE);
	}
	if (!may_list())
		die(EX_NOPERM, "user %ld is not allowed to view the mail queue "
		    "(authorized_mailq_users)", (long)getuid());
	spool_setup(conf_str("spool_directory"));

	if (mailq_print(stdout, &o, &res, &err) < 0)
		die(res.fail == MAILQ_FAIL_OUTPUT ? EX_IOERR : EX_TEMPFAIL, "%s", err.s);
	/*
	 * An ordinary user cannot list the maildrop (1730): unless it has
	 * been empty since runq last looked, say that mail not yet picked up
	 * may be missing from the listing, on stderr, so that the listing
	 * stays what parsers of Postfix's mailq expect.
	 */
	if (res.maildrop_unlisted && res.maildrop_waiting != 0)
		fprintf(stderr, "mailq: not shown: mail submitted but not yet picked up "
		    "by runq%s (only root can see the maildrop); for when runq runs, "
		    "see runq(8)\n", res.maildrop_waiting > 0 ?
		    " may be waiting in the maildrop" : ", if any");
	str_free(&err);
	free(env_conf);
	return 0;
}
