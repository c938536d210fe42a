/*
 * sendmail - the submission interface every Unix program calls
 *
 * SUMMARY
 *	sendmail [options] [recipient ...]
 *
 * DESCRIPTION
 *	Reads a message on standard input, fixes up its header, and commits
 *	it to the maildrop; then, when the caller may deliver (root or a
 *	private instance), starts runq for it. The command line is that of
 *	sendmail 8 and Postfix as programs actually use it; see sendmail(8).
 *
 * SECURITY
 *	Installed setgid phdrop so that any user can write into the
 *	maildrop, which nobody but the spool owner can list. Before anything
 *	else it reopens descriptors 0-2, clears the environment and sets the
 *	umask (privs_setid_start). A user other than root who names another
 *	configuration (-C, POSTHORN_CONF) or asks for debugging loses the
 *	privilege first. The message is read in fixed chunks: only the
 *	header section is held, up to header_size_limit; the body streams
 *	into the maildrop, its size bounded by message_size_limit. Every
 *	envelope field is checked for CR, LF and NUL before it is written.
 *	Whose rights open what: the configuration and the maildrop entry,
 *	the caller with group phdrop; maillog_file too, appended to only,
 *	never created, never through a link (lib/core/log.c).
 *
 * DIAGNOSTICS
 *	Exit status as in sysexits(3): 0 only once the message is durable
 *	(file and directory fsync'ed); EX_TEMPFAIL when it could not be
 *	stored; EX_DATAERR for a message refused; EX_USAGE for bad options;
 *	EX_CONFIG only when the configuration cannot be read or its
 *	spool_directory is bad: other mistakes in it are reported and the
 *	message is queued all the same (conf.h).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "conf.h"
#include "log.h"
#include "privs.h"
#include "spool.h"
#include "submit.h"
#include "util.h"

enum mode { M_DELIVER, M_MAILQ, M_NEWALIASES, M_VERIFY, M_PRINT, M_SMTP,
	M_DAEMON, M_QUEUE };
enum dmode { D_BACKGROUND, D_INTERACTIVE, D_QUEUE };

#define Q_SELECT_MAX	16	/* -qR, -qS, -qI options (runq takes 16 of each) */

struct opts {
	enum mode	 mode;
	enum dmode	 dmode;
	const char	*conf;
	int		 verbose;
	int		 debug;
	/* -qR, -qS, -qI: what to select (runq -R, -S, -I), in order */
	char		 qflag[Q_SELECT_MAX];
	const char	*qval[Q_SELECT_MAX];
	int		 nq;
};

static char tmp_id[SPOOL_ID_LEN + 1];

/* usage - the one usage message */
static void __attribute__((noreturn))
usage(const char *why)
{
	fprintf(stderr, "sendmail: %s\n"
	    "usage: sendmail [-t] [-i] [-f sender] [-F name] [-N dsn] [-R ret] [-V envid]\n"
	    "                [-bm|-bp|-bi|-bv|-bP|-q...] [-od(b|i|q)] [-C config] [recipient ...]\n",
	    why);
	exit(EX_USAGE);
}

/* optarg_of - the argument of an option: attached or the next word */
static const char *
optarg_of(char **argv, int *i, const char *rest, const char *opt)
{
	if (*rest)
		return rest;
	if (argv[*i + 1] == NULL) {
		char msg[64];

		snprintf(msg, sizeof(msg), "option -%s needs an argument", opt);
		usage(msg);
	}
	return argv[++*i];
}

/* parse_o - a -o option: the few that matter, the rest accepted and ignored */
static void
parse_o(struct opts *o, struct submit *s, const char *arg)
{
	switch (arg[0]) {
	case 'i':
		s->ignore_dots = 1;
		break;
	case 'd':
		switch (arg[1]) {
		case 'b': case '\0': o->dmode = D_BACKGROUND; break;
		case 'i': o->dmode = D_INTERACTIVE; break;
		case 'q': case 'd': o->dmode = D_QUEUE; break;	/* d: deferred */
		default: usage("bad delivery mode for -od");
		}
		break;
	case 'e':
		/* error modes m, p, q, w, e: errors always come back as mail */
		if (arg[1] && strchr("mpqwe", arg[1]) == NULL)
			usage("bad error mode for -oe");
		break;
	default:
		/* legacy sendmail.cf options (-om, -oQ..., -oA...): harmless */
		break;
	}
}

/*
 * parse_q - what follows -q: a time (accepted, ignored: runq makes one
 * pass), f (sendmail 8's "in the foreground", which runq always is), or
 * a selection Rsite, Ssender, Iid, whose value may be the next argument.
 * Selections may be repeated, as in sendmail 8: the values of one kind
 * are alternatives.
 */
static void
parse_q(struct opts *o, int argc, char **argv, int *i, const char *a)
{
	const char *val;

	if (a[0] == 'R' || a[0] == 'S' || a[0] == 'I') {
		val = a + 1;
		if (*val == '\0' && *i + 1 < argc)
			val = argv[++*i];
		if (*val == '\0')
			usage("-qR, -qS and -qI need a value");
		if (o->nq >= Q_SELECT_MAX)
			usage("too many -qR, -qS and -qI options");
		o->qflag[o->nq] = a[0];
		o->qval[o->nq++] = val;
	} else if (strcmp(a, "f") != 0 && strspn(a, "0123456789smhdw") != strlen(a))
		usage("bad -q argument");
}

/*
 * parse_args - the sendmail 8 / Postfix command line. Returns the index of
 * the first recipient.
 */
static int
parse_args(int argc, char **argv, struct opts *o, struct submit *s)
{
	const char *a;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		a = argv[i] + 1;
		if (strcmp(a, "-") == 0) {
			i++;
			break;
		}
		switch (*a++) {
		case 't':
			s->extract = 1;
			if (*a) usage("unknown option");
			break;
		case 'i':
			s->ignore_dots = 1;
			if (*a) usage("unknown option");
			break;
		case 'I':
			o->mode = M_NEWALIASES;
			break;
		case 'f':
		case 'r':
			s->sender = optarg_of(argv, &i, a, "f");
			break;
		case 'F':
			s->fullname = optarg_of(argv, &i, a, "F");
			break;
		case 'b':
			switch (*a) {
			case 'm': o->mode = M_DELIVER; break;
			case 'p': o->mode = M_MAILQ; break;
			case 'i': o->mode = M_NEWALIASES; break;
			case 'v': o->mode = M_VERIFY; break;
			case 'P': o->mode = M_PRINT; break;
			case 's': o->mode = M_SMTP; break;
			case 'd': case 'D': o->mode = M_DAEMON; break;
			default: usage("unknown -b mode");
			}
			if (a[1]) usage("unknown -b mode");
			break;
		case 'o':
			parse_o(o, s, *a ? a : optarg_of(argv, &i, a, "o"));
			break;
		case 'O':
			(void)optarg_of(argv, &i, a, "O");
			break;
		case 'e':
			/* -em, -ee, -ep, -eq, -ew: as -oe */
			break;
		case 'N':
			if (submit_parse_notify(optarg_of(argv, &i, a, "N"), &s->notify) < 0)
				usage("-N takes never or a list of success, failure, delay");
			break;
		case 'R':
			a = optarg_of(argv, &i, a, "R");
			if (strcasecmp(a, "full") == 0)
				s->ret = RET_FULL;
			else if (strcasecmp(a, "hdrs") == 0)
				s->ret = RET_HDRS;
			else
				usage("-R takes full or hdrs");
			break;
		case 'V':
			s->envid = optarg_of(argv, &i, a, "V");
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'q':
			o->mode = M_QUEUE;
			parse_q(o, argc, argv, &i, a);
			break;
		case 'B':
			a = optarg_of(argv, &i, a, "B");
			if (strcasecmp(a, "7BIT") != 0 && strcasecmp(a, "8BITMIME") != 0 &&
			    strcasecmp(a, "BINARYMIME") != 0)
				usage("-B takes 7BIT or 8BITMIME");
			break;
		case 'C':
			o->conf = optarg_of(argv, &i, a, "C");
			break;
		case 'L':
		case 'h':
			(void)optarg_of(argv, &i, a, a[-1] == 'L' ? "L" : "h");
			break;
		case 'd':
			o->debug = 1;
			break;
		case 'G': case 'U': case 'n': case 'm': case 's': case 'x':
		case 'c': case 'A':
			/* sendmail 8 options with nothing to do here */
			break;
		default:
			usage("unknown option");
		}
	}
	return i;
}

static void run_path(const char *, const char *, struct opts *, char **)
    __attribute__((noreturn));

/* run_program - replace this process with another posthorn program */
static void __attribute__((noreturn))
run_program(const char *name, struct opts *o, char **extra)
{
	run_path(xasprintf("%s/%s", conf_str("command_directory"), name), name,
	    o, extra);
}

/* run_path - exec a program by its path */
static void
run_path(const char *path, const char *name, struct opts *o, char **extra)
{
	char *argv[64];
	int n = 0;

	argv[n++] = (char *)name;
	if (o->conf) {
		argv[n++] = (char *)"-C";
		argv[n++] = (char *)o->conf;
	}
	while (extra && *extra && n < 62)
		argv[n++] = *extra++;
	argv[n] = NULL;
	/* the other programs need nothing of our group (mailq has its own) */
	if (privs_is_setid() && privs_drop_setid() < 0)
		die(EX_OSERR, "cannot drop privileges: %s", strerror(errno));
	execv(path, argv);
	die(EX_UNAVAILABLE, "cannot run %s: %s", path, strerror(errno));
}

/*
 * run_smtpd - sendmail -bs: replace this process with "smtpd -S", which
 * speaks SMTP on stdin/stdout and writes each message into the maildrop
 * as this user's submission, and starts runq afterwards for root or a
 * private instance unless -odq. The maildrop group is kept across the exec
 * (smtpd is not set-id itself; the environment was cleared at the
 * start), so that sendmail never links the network layer.
 */
static void __attribute__((noreturn))
run_smtpd(struct opts *o)
{
	char *path = xasprintf("%s/smtpd", conf_str("command_directory"));
	char *argv[6];
	int n = 0;

	argv[n++] = (char *)"smtpd";
	if (o->conf) {
		argv[n++] = (char *)"-C";
		argv[n++] = (char *)o->conf;
	}
	argv[n++] = (char *)"-S";
	if (o->dmode == D_QUEUE)
		argv[n++] = (char *)"-Q";	/* no runq afterwards */
	argv[n] = NULL;
	execv(path, argv);
	die(EX_UNAVAILABLE, "cannot run %s: %s", path, strerror(errno));
}

/* start_delivery - run runq for the new message, in the background or not */
static int
start_delivery(struct opts *o, const char *id)
{
	char *path = xasprintf("%s/runq", conf_str("command_directory"));
	char *argv[8];
	pid_t pid;
	int n = 0, status;

	argv[n++] = (char *)"runq";
	if (o->conf) {
		argv[n++] = (char *)"-C";
		argv[n++] = (char *)o->conf;
	}
	argv[n++] = (char *)"-I";
	argv[n++] = (char *)id;
	argv[n] = NULL;
	if ((pid = fork()) < 0) {
		log_warning("%s: cannot fork to deliver: %s (the message stays queued)",
		    id, strerror(errno));
		return 0;
	}
	if (pid == 0) {
		if (privs_is_setid() && privs_drop_setid() < 0)
			_exit(EX_OSERR);
		if (o->dmode == D_BACKGROUND)
			util_detach();	/* let the caller go: no shared stdio, own session */
		execv(path, argv);
		_exit(EX_UNAVAILABLE);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EX_TEMPFAIL;
	free(path);
	if (o->dmode == D_BACKGROUND)
		return 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EX_SOFTWARE;
}

/* on_die - remove nothing: the spool writer cleans after itself */
static void
on_die(void)
{
	(void)tmp_id;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct submit s;
	struct str err = STR_INIT;
	struct passwd *pw;
	struct stat st;
	const char *env_conf = NULL, *conf;
	char *env_copy = NULL;
	int first, setid, rc, private_inst, conf_errors;
	char **masq, **exc;

	setid = privs_is_setid();
	env_conf = getenv("POSTHORN_CONF");
	if (setid) {
		/* keep a copy of POSTHORN_CONF before the environment goes */
		if (env_conf)
			env_conf = env_copy = xstrdup(env_conf);
		privs_setid_start();
	}
	log_open("sendmail", LOG_STDERR);
	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	submit_init(&s);
	{
		const char *base = strrchr(argv[0], '/');

		base = base ? base + 1 : argv[0];
		if (strcmp(base, "mailq") == 0)
			o.mode = M_MAILQ;
		else if (strcmp(base, "newaliases") == 0)
			o.mode = M_NEWALIASES;
	}
	first = parse_args(argc, argv, &o, &s);
	conf = o.conf ? o.conf : env_conf;
	if (setid && getuid() != 0 && (conf != NULL || o.debug)) {
		/* another configuration or debugging: not with our privilege */
		if (privs_drop_setid() < 0)
			die(EX_OSERR, "cannot drop privileges: %s", strerror(errno));
		setid = 0;
	}
	if (conf && !o.conf)
		o.conf = conf;
	/*
	 * A mistake in the file must not lose mail: bad values have their
	 * defaults (reported on stderr and in the log), and the message is
	 * queued as long as the spool can be found. runq waits for the fix.
	 */
	if ((conf_errors = conf_start(conf ? conf : conf_default_path(), conf != NULL, &err)) < 0)
		die(EX_CONFIG, "%s", err.s);
	if (o.verbose && (!setid || getuid() == 0))
		log_set_flags(LOG_STDERR | LOG_VERBOSE);

	switch (o.mode) {
	case M_MAILQ:
		run_path(conf_str("mailq_path"), "mailq", &o, argv + first);
	case M_NEWALIASES:
		run_program("newaliases", &o, NULL);
	case M_QUEUE: {
		static char flags[Q_SELECT_MAX][3];
		char *extra[2 * Q_SELECT_MAX + 2];
		int n = 0, k;

		/* -q runs the queue once, everything now; -qR, -qS, -qI select */
		extra[n++] = (char *)"-q";
		for (k = 0; k < o.nq; k++) {
			flags[k][0] = '-';
			flags[k][1] = o.qflag[k];
			extra[n++] = flags[k];
			extra[n++] = (char *)o.qval[k];
		}
		if (argv[first])
			usage("-q takes no recipients");
		extra[n] = NULL;
		run_program("runq", &o, extra);
	}
	case M_PRINT:
		if (first == argc)
			conf_print(stdout, NULL, 0);
		for (rc = 0; first < argc; first++)
			if (conf_print(stdout, argv[first], 0) < 0) {
				if (conf_suggest(argv[first]) != NULL)
					log_error("unknown setting: %s (did you mean %s?)",
					    argv[first], conf_suggest(argv[first]));
				else
					log_error("unknown setting: %s", argv[first]);
				rc = EX_USAGE;
			}
		return rc;
	case M_SMTP:
		run_smtpd(&o);
	case M_DAEMON:
		die(EX_UNAVAILABLE, "there is no daemon mode: run smtpd from inetd and runq from cron");
	default:
		break;
	}

	/* Who is submitting. */
	if ((pw = getpwuid(getuid())) == NULL)
		die(EX_NOUSER, "unknown user id %ld", (long)getuid());
	s.login = xstrdup(pw->pw_name);
	s.gecos = pw->pw_gecos ? xstrdup(pw->pw_gecos) : NULL;
	s.uid = getuid();
	s.myorigin = conf_str("myorigin");
	s.myhostname = conf_str("myhostname");
	masq = conf_list("masquerade_domains");
	exc = conf_list("masquerade_exceptions");
	s.masq_domains = masq;
	s.masq_except = exc;
	s.header_limit = (size_t)conf_size("header_size_limit");
	s.args = argv + first;
	s.nargs = (size_t)(argc - first);
	if (s.nargs == 0 && !s.extract)
		usage("no recipients specified (name them, or use -t)");

	if (o.mode == M_VERIFY) {
		char *extra[SPOOL_RCPT_MAX];
		size_t i, n = 0;

		extra[n++] = (char *)"-A";
		for (i = 0; i < s.nargs && n < ARRAY_LEN(extra) - 1; i++)
			extra[n++] = s.args[i];
		extra[n] = NULL;
		run_program("runq", &o, extra);
	}

	/*
	 * Spool: a private instance creates its tree on first use. A spool
	 * that does not exist yet is one, for its owner-to-be: the caller
	 * without privilege, or root, who needs none and drops the group
	 * (the tree is root's, as runq would make it).
	 */
	if (conf_errors && conf_is_bad("spool_directory"))
		die(EX_CONFIG, "cannot queue the message: spool_directory is bad in %s",
		    conf_path());
	spool_setup(conf_str("spool_directory"));
	if (stat(spool_dir(), &st) == 0)
		private_inst = st.st_uid == getuid();
	else if (errno == ENOENT && (!setid || getuid() == 0)) {
		if (setid && privs_drop_setid() < 0)
			die(EX_OSERR, "cannot drop privileges: %s", strerror(errno));
		setid = 0;
		private_inst = 1;
	} else
		private_inst = 0;
	if (private_inst && !setid && spool_check_tree(&err) < 0) {
		str_reset(&err);
		if (spool_create_tree(getuid(), getgid(), getgid(), 0, &err) < 0)
			die(EX_CANTCREAT, "%s", err.s);
	}
	if (chdir(spool_dir()) < 0)
		die(EX_TEMPFAIL, "cannot enter %s: %s", spool_dir(), strerror(errno));
	/* Not into the reserve that lets queued mail move on (queue_minfree). */
	if (spool_check_space(conf_size("queue_minfree"),
	    conf_size("message_size_limit"), &err) < 0)
		die(EX_TEMPFAIL, "cannot queue the message: %s", err.s);

	if (spool_id_new(s.env.id, sizeof(s.env.id), &s.env.arrival, &s.env.arrival_usec) < 0)
		die(EX_OSERR, "cannot make a queue ID");
	memcpy(tmp_id, s.env.id, sizeof(tmp_id));
	log_set_die_hook(on_die);

	/* the header section in memory, the body streamed into the maildrop */
	if ((rc = submit_store(&s, 0, conf_size("message_size_limit"), &err)) != 0)
		die(rc, "%s", err.s);
	log_info("%s: uid=%ld from=<%s> size=%lld nrcpt=%zu", s.env.id,
	    (long)s.uid, s.env.sender, s.env.size, s.env.nrcpt);

	rc = 0;
	if (conf_errors && o.dmode != D_QUEUE)
		log_warning("%s: queued; delivery waits until %s is fixed", s.env.id,
		    conf_path());
	else if (o.dmode != D_QUEUE && (getuid() == 0 || private_inst))
		rc = start_delivery(&o, s.env.id);
	str_free(&err);
	conf_list_free(masq);
	conf_list_free(exc);
	free((char *)s.login);
	free((char *)s.gecos);
	free(env_copy);
	submit_free(&s);
	return rc;
}
