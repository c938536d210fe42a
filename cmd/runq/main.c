/*
 * runq - the queue runner
 *
 * SUMMARY
 *	runq [-C config] [-q] [-I id] [-R domain] [-S sender] [-v]
 *	runq [-C config] -A address ...
 *
 * DESCRIPTION
 *	One pass over the queue: pickup, delivery of what is due (all of it
 *	with -q), retries, bounces, expiry. Started by cron, by sendmail after
 *	a submission, or by the systemd path unit. -A reports where each
 *	address would be delivered and delivers nothing (sendmail -bv).
 *
 * SECURITY
 *	Runs as root (delivery children switch to each recipient) or as the
 *	owner of a private instance's spool. As root on a system spool, the
 *	queue files it writes are given to the spool owner. Whose rights
 *	open what:
 *	  maildrop files (untrusted)     the spool owner, in the pickup
 *	                                 child (lib/deliver/runq.c)
 *	  queue files, alias database    root, or the spool owner
 *	  ~/.forward, :include: files,   the user they belong to, or
 *	  mailboxes, commands, files     default_privs (local.c,
 *	                                 local_child.c, mailbox.c)
 *	  smtp_sasl_password_maps        root (or the runner), read in the
 *	                                 transport worker before it drops
 *	                                 root (lib/net/smtp.c)
 *	  remote delivery: sockets, DNS, the spool owner, in a transport
 *	  TLS CA files, trust anchors,   worker (transport.c, lib/net/)
 *	  the OAuth token command
 *	Nothing from a maildrop entry is trusted: see spool/queue.c.
 *
 * DIAGNOSTICS
 *	0 when the pass ran; with -I and one queue ID, that message's
 *	outcome: 0 delivered, queued for a retry or held by another runner,
 *	EX_NOUSER or EX_UNAVAILABLE bounced, EX_SOFTWARE malformed (moved to
 *	corrupt/), EX_TEMPFAIL the entry could not be read. With -A,
 *	EX_NOUSER when an address is undeliverable. EX_CONFIG, EX_NOPERM,
 *	EX_CANTCREAT, EX_TEMPFAIL otherwise. exit_code() is the one mapping
 *	of the library's outcomes; man/runq.8 documents it. With -I, each
 *	recipient that failed for good in the attempt is also named on
 *	standard error ("addr... User unknown", as sendmail 8 says it).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "runq.h"
#include "smtp.h"
#include "spool.h"
#include "util.h"

/* exit_code - the sysexits code of a runq_run or runq_verify outcome */
static int
exit_code(enum runq_outcome o)
{
	switch (o) {
	case RUNQ_DONE:
		return 0;
	case RUNQ_BOUNCED_UNKNOWN_USER:
	case RUNQ_UNDELIVERABLE:
		return EX_NOUSER;
	case RUNQ_BOUNCED:
		return EX_UNAVAILABLE;
	case RUNQ_MALFORMED:
		return EX_SOFTWARE;
	case RUNQ_UNREADABLE:
	case RUNQ_FAIL_SPOOL:
		return EX_TEMPFAIL;
	case RUNQ_FAIL_CONFIG:
		return EX_CONFIG;
	}
	return EX_SOFTWARE;
}

/* usage - the one usage message */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: runq [-C config] [-q] [-I id] [-R domain] [-S sender] [-v]\n"
	    "       runq [-C config] -A address ...\n");
	exit(EX_USAGE);
}

/* select_add - one more -I, -R or -S value */
static void
select_add(struct runq_select *sel, int opt, const char *value)
{
	if (value[0] == '\0')
		die(EX_USAGE, "-%c needs a value", opt);
	if (runq_select_add(sel, value) < 0)
		die(EX_USAGE, "more than %d -%c options", RUNQ_SELECT_MAX, opt);
}

int
main(int argc, char **argv)
{
	struct runq_opts o;
	struct str err = STR_INIT;
	struct stat st;
	const char *conf = getenv("POSTHORN_CONF");
	enum runq_outcome out;
	int ch, r, verify = 0, verbose = 0, rc;

	log_open("runq", LOG_STDERR);
	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	while ((ch = getopt(argc, argv, "AC:I:qR:S:v")) != -1) {
		switch (ch) {
		case 'A': verify = 1; break;
		case 'C': conf = optarg; break;
		case 'I': select_add(&o.only_id, ch, optarg); o.failures = stderr; break;
		case 'q': o.flush = 1; break;
		case 'R': select_add(&o.rcpt_match, ch, optarg); break;
		case 'S': select_add(&o.sender_match, ch, optarg); break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if ((argc > 0 && !verify) || (verify && argc == 0))
		usage();
	if ((rc = conf_start(conf ? conf : conf_default_path(), conf != NULL, &err)) < 0)
		die(EX_CONFIG, "%s", err.s);
	/*
	 * A bad value has its default now: delivering with it could send
	 * mail where it must not go. Wait for the fix; the queue and the
	 * maildrop keep everything (sendmail still accepts).
	 */
	if (rc > 0)
		die(EX_CONFIG, "%s has errors: nothing is delivered until they are fixed "
		    "(the queue is left as it is; see posthorn check)", conf_path());
	transport_remote = &transport_smtp;
	if (verbose)
		log_set_flags(LOG_STDERR | LOG_VERBOSE);
	if (verify) {
		if (runq_verify(argv, (size_t)argc, stdout, &out, &err) < 0)
			log_error("%s", err.s);
		str_free(&err);
		return exit_code(out);
	}

	spool_setup(conf_str("spool_directory"));
	if ((r = spool_stat_tree(&st, &err)) < 0)
		die(r == SPOOL_GONE ? EX_CANTCREAT : EX_TEMPFAIL, "%s", err.s);
	if (geteuid() != 0 && st.st_uid != geteuid())
		die(EX_NOPERM, "runq must run as root or as the owner of %s", spool_dir());
	if (spool_ready(&st, &err) < 0)
		die(EX_TEMPFAIL, "%s", err.s);
	if (chdir(spool_dir()) < 0)
		die(EX_TEMPFAIL, "cannot enter %s: %s", spool_dir(), strerror(errno));
	umask(077);
	if (runq_run(&o, &out, &err) < 0)
		log_error("%s", err.s);
	str_free(&err);
	return exit_code(out);
}
