/*
 * popfetch - download mail from POP3 mailboxes into the queue
 *
 * SUMMARY
 *	popfetch [-C config] [-f accounts] [-q] [-v] [account ...]
 *
 * DESCRIPTION
 *	Reads the accounts file (-f, else the configured popfetch.conf for
 *	root, ~/.popfetchrc for everyone else) and fetches every account,
 *	or the named ones, with popf_fetch() (lib/net/popfetch.c). When
 *	messages were queued directly, runq is started in the background
 *	to deliver them, unless -q.
 *
 * SECURITY
 *	Not set-id: it runs as its caller, from cron. Root and the owner of
 *	a private instance's spool write queue entries themselves; anyone
 *	else hands each message to sendmail, which writes the maildrop with
 *	its set-gid group. Whose rights open what: see lib/net/popfetch.c.
 *
 * DIAGNOSTICS
 *	0 when every account was fetched (or had no mail). Otherwise the
 *	code of the first account that failed: EX_USAGE bad options or an
 *	unknown account, EX_CONFIG a bad accounts file or one that others
 *	may read while it holds a password, EX_NOPERM login refused,
 *	EX_UNAVAILABLE TLS unavailable or the certificate not verified,
 *	EX_PROTOCOL the server broke the protocol, EX_TEMPFAIL the network,
 *	a timeout, or another popfetch fetching the same account,
 *	EX_CANTCREAT the queue or the state file could not be written.
 *	exit_code() is the one mapping; man/popfetch.1 documents it.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "dirs.h"
#include "log.h"
#include "popfetch.h"
#include "spool.h"
#include "util.h"

/* exit_code - the sysexits code of a popf_fetch result */
static int
exit_code(int r)
{
	switch (r) {
	case 0:
		return 0;
	case POP_ETEMP:
	case POPF_EBUSY:
		return EX_TEMPFAIL;
	case POP_EAUTH:
		return EX_NOPERM;
	case POP_ETLS:
		return EX_UNAVAILABLE;
	case POP_EPROTO:
	case POP_EERR:
		return EX_PROTOCOL;
	case POPF_ESPOOL:
		return EX_CANTCREAT;
	case POPF_ECONF:
	case POPF_EPERM:
		return EX_CONFIG;
	}
	return EX_SOFTWARE;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: popfetch [-C config] [-f accounts] [-q] [-v] [account ...]\n");
	exit(EX_USAGE);
}

/* spool_mode - how messages go in: into the queue, or through sendmail */
static enum popf_inject
spool_mode(void)
{
	struct str err = STR_INIT;
	struct stat st;
	int r;

	spool_setup(conf_str("spool_directory"));
	if ((r = spool_stat_tree(&st, &err)) < 0)
		die(r == SPOOL_GONE ? EX_CANTCREAT : EX_TEMPFAIL, "%s", err.s);
	if (getuid() != 0 && st.st_uid != getuid())
		return POPF_SENDMAIL;
	if (spool_ready(&st, &err) < 0)
		die(EX_TEMPFAIL, "%s", err.s);
	if (spool_check_space(conf_size("queue_minfree"), conf_size("message_size_limit"),
	    &err) < 0)
		die(EX_TEMPFAIL, "cannot queue mail: %s", err.s);
	str_free(&err);
	return POPF_QUEUE;
}

/* start_runq - deliver what was queued, in the background */
static void
start_runq(const char *conf)
{
	char *path = xasprintf("%s/runq", conf_str("command_directory"));
	const char *argv[4];
	pid_t pid;
	int n = 0;

	argv[n++] = "runq";
	if (conf) {
		argv[n++] = "-C";
		argv[n++] = conf;
	}
	argv[n] = NULL;
	if ((pid = fork()) < 0)
		log_warning("cannot start runq: %s (the mail stays queued)", strerror(errno));
	else if (pid == 0) {
		util_detach();
		execv(path, (char *const *)argv);
		_exit(EX_UNAVAILABLE);
	} else
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	free(path);
}

int
main(int argc, char **argv)
{
	struct popf_opts o;
	struct popf_conf pc;
	struct popf_stats st;
	struct popf_account *a;
	struct str err = STR_INIT;
	struct passwd *pw;
	const char *conf = getenv("POSTHORN_CONF"), *rc = NULL, *home;
	char *rcpath, *statedir, *sendmail, *login;
	long fetched = 0;
	int ch, i, r, qflag = 0, verbose = 0, status = 0;

	log_open("popfetch", LOG_STDERR);
	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "C:f:qv")) != -1) {
		switch (ch) {
		case 'C': conf = optarg; break;
		case 'f': rc = optarg; break;
		case 'q': qflag = 1; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (conf_load(conf ? conf : conf_default_path(), conf != NULL, &err) < 0)
		die(EX_CONFIG, "%s", err.s);
	log_set_file(conf_str("maillog_file"));
	if (verbose)
		log_set_flags(LOG_STDERR | LOG_VERBOSE);
	if ((pw = getpwuid(getuid())) == NULL)
		die(EX_NOUSER, "unknown user id %ld", (long)getuid());
	login = xstrdup(pw->pw_name);
	home = getenv("HOME");
	if (home == NULL || home[0] != '/')
		home = pw->pw_dir;
	rcpath = rc ? xstrdup(rc) : getuid() == 0 ? xstrdup(PATH_POPFETCH_CONF) :
	    xasprintf("%s/.popfetchrc", home);
	statedir = xasprintf("%s/.popfetch", home);
	if ((r = popf_conf_load(rcpath, getuid() == 0 ? NULL : login, &pc, &err)) < 0)
		die(EX_CONFIG, "%s", err.s);
	for (i = 0; i < argc; i++)
		if (popf_conf_find(&pc, argv[i]) == NULL)
			die(EX_USAGE, "no account %s in %s", argv[i], rcpath);
	if (mkdir(statedir, 0700) < 0 && errno != EEXIST)
		die(EX_CANTCREAT, "%s: %s", statedir, strerror(errno));

	memset(&o, 0, sizeof(o));
	o.verbose = verbose;
	o.progress = verbose || isatty(2);
	o.inject = spool_mode();
	o.statedir = statedir;
	sendmail = xasprintf("%s/sendmail", conf_str("command_directory"));
	o.sendmail = sendmail;
	o.conf = conf;
	o.myhostname = conf_str("myhostname");
	o.myorigin = conf_str("myorigin");
	o.msg_limit = conf_size("message_size_limit");
	o.header_limit = (size_t)conf_size("header_size_limit");
	if (o.header_limit == 0 || o.header_limit > (1 << 20))
		o.header_limit = 1 << 20;

	for (i = 0; i < (int)pc.n; i++) {
		a = &pc.acct[i];
		if (argc > 0) {
			int j, want = 0;

			for (j = 0; j < argc; j++)
				want |= strcmp(argv[j], a->name) == 0;
			if (!want)
				continue;
		}
		str_reset(&err);
		r = popf_fetch(&o, a, &st, &err);
		fetched += st.fetched;
		if (st.fetched || st.deleted || st.skipped || verbose)
			log_info("%s: %ld message%s fetched (%lld bytes), %ld deleted, "
			    "%ld left on the server for their size", a->name, st.fetched,
			    st.fetched == 1 ? "" : "s", st.bytes, st.deleted, st.skipped);
		if (r < 0) {
			log_error("%s", err.s);
			if (status == 0)
				status = exit_code(r);
		}
	}
	if (fetched > 0 && o.inject == POPF_QUEUE && !qflag)
		start_runq(conf);
	popf_conf_free(&pc);
	free(rcpath);
	free(statedir);
	free(sendmail);
	free(login);
	str_free(&err);
	return status;
}
