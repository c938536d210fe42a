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
 *	Not set-id: it runs as its caller, from cron. The owner of a
 *	private instance's spool writes queue entries itself; anyone else
 *	hands each message to sendmail, which writes the maildrop with its
 *	set-gid group. Root fetching into a spool that is another user's
 *	(user posthorn on an installed system) reads popfetch.conf and runs
 *	each passwordeval as root, makes SPOOL/popfetch (the state
 *	directory, the spool owner's, 0700) without following a link, and
 *	then does everything else in a child that has become the spool
 *	owner: the network, TLS, the lock and state files, the queue
 *	files. Root itself never opens a file in a directory the spool
 *	owner can change. The parent only waits and starts runq. Whose
 *	rights open what: see lib/net/popfetch.c.
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
#include <fcntl.h>
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
#include "privs.h"
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

/* wanted - is account a named on the command line (or are none named)? */
static int
wanted(const struct popf_account *a, int argc, char **argv)
{
	int j;

	for (j = 0; j < argc; j++)
		if (strcmp(argv[j], a->name) == 0)
			return 1;
	return argc == 0;
}

/*
 * fetch_all - fetch each wanted account; the status of the first that
 * failed (0 when none did), the number of messages queued in *fetched
 */
static int
fetch_all(const struct popf_opts *o, const struct popf_conf *pc, const char *bad,
    int argc, char **argv, int verbose, long *fetched)
{
	struct popf_stats st;
	struct popf_account *a;
	struct str err = STR_INIT;
	size_t i;
	int r, status = 0;

	*fetched = 0;
	for (i = 0; i < pc->n; i++) {
		a = &pc->acct[i];
		if (!wanted(a, argc, argv) || (bad != NULL && bad[i]))
			continue;
		str_reset(&err);
		r = popf_fetch(o, a, &st, &err);
		*fetched += st.fetched;
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
	str_free(&err);
	return status;
}

/*
 * queue_owner - the owner of queue/ when root fetches into a spool that
 * is someone else's (user posthorn on an installed system): 1 and the
 * ids, else 0 (root's own private instance)
 */
static int
queue_owner(uid_t *uid, gid_t *gid)
{
	struct str q = STR_INIT;
	struct stat st;
	int r;

	spool_path(&q, "queue", NULL, NULL);
	r = stat(q.s, &st) == 0 && st.st_uid != 0;
	*uid = st.st_uid;
	*gid = st.st_gid;
	str_free(&q);
	return r;
}

/*
 * owner_statedir - root's state directory in a spool it does not own:
 * SPOOL/popfetch, the spool owner's, mode 0700. Root makes it (the top
 * of a system spool is root's alone) without following a link, and
 * everything in it is then opened by the spool owner.
 */
static char *
owner_statedir(uid_t uid, gid_t gid)
{
	char *dir = xasprintf("%s/popfetch", spool_dir());
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		die(EX_CANTCREAT, "%s: %s", dir, strerror(errno));
	if (lchown(dir, uid, gid) < 0 || lstat(dir, &st) < 0)
		die(EX_CANTCREAT, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 077) != 0)
		die(EX_CANTCREAT, "%s is not a directory of uid %ld with mode 0700",
		    dir, (long)uid);
	return dir;
}

/*
 * fetch_as - root fetching into a spool that belongs to another user:
 * each account's passwordeval runs now, as root (it is root's file),
 * then a child becomes the spool owner (groups, gid, uid, verified)
 * and does all the rest: the network, the state files, the queue. Root
 * never writes into directories the spool owner can change, and never
 * parses what a server sends. Returns the child's status.
 */
static int
fetch_as(uid_t uid, gid_t gid, struct popf_opts *o, struct popf_conf *pc,
    int argc, char **argv, int verbose, long *fetched)
{
	struct str err = STR_INIT;
	char *bad = xcalloc(pc->n ? pc->n : 1, 1);
	int p[2], status = 0, ws;
	ssize_t n;
	size_t i;
	pid_t pid;

	for (i = 0; i < pc->n; i++) {
		if (!wanted(&pc->acct[i], argc, argv))
			continue;
		str_reset(&err);
		if (popf_password_now(&pc->acct[i], &err) < 0) {
			log_error("%s", err.s);
			bad[i] = 1;
			status = EX_CONFIG;
		}
	}
	str_free(&err);
	*fetched = 0;
	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0)
		die(EX_OSERR, "cannot fork: %s", strerror(errno));
	if (pid == 0) {
		int r;

		close(p[0]);
		if (privs_become(uid, gid) < 0)
			_exit(EX_OSERR);
		r = fetch_all(o, pc, bad, argc, argv, verbose, fetched);
		(void)util_write_all(p[1], fetched, sizeof(*fetched));
		_exit(r);
	}
	close(p[1]);
	while ((n = read(p[0], fetched, sizeof(*fetched))) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(*fetched))
		*fetched = 0;
	close(p[0]);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	free(bad);
	if (!WIFEXITED(ws))
		return EX_SOFTWARE;
	return status ? status : WEXITSTATUS(ws);
}

int
main(int argc, char **argv)
{
	struct popf_opts o;
	struct popf_conf pc;
	struct str err = STR_INIT;
	struct passwd *pw;
	uid_t ouid;
	gid_t ogid;
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
	/* bad values have their defaults, as for sendmail: the mail still
	 * goes into the queue, unless the queue itself is in doubt */
	if ((r = conf_start(conf ? conf : conf_default_path(), conf != NULL, &err)) < 0 ||
	    (r > 0 && conf_is_bad("spool_directory")))
		die(EX_CONFIG, "%s", err.s);
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

	if (o.inject == POPF_QUEUE && getuid() == 0 && queue_owner(&ouid, &ogid)) {
		free(statedir);
		o.statedir = statedir = owner_statedir(ouid, ogid);
		status = fetch_as(ouid, ogid, &o, &pc, argc, argv, verbose, &fetched);
	} else
		status = fetch_all(&o, &pc, NULL, argc, argv, verbose, &fetched);
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
