/*
 * queue - posthorn delete, hold, release, requeue: Postfix's postsuper
 * -d, -h, -H and -r for the posthorn queue
 *
 * SUMMARY
 *	posthorn delete ID ... | ALL | -
 *	posthorn delete -r address | -r @domain ...
 *	posthorn hold ID ... | ALL | -
 *	posthorn release ID ... | ALL | -
 *	posthorn requeue ID ... | ALL | -
 *
 * DESCRIPTION
 *	The work on each entry is the spool's (spool/admin.c): locks,
 *	renames, directory fsyncs. Here: who may, which entries (queue IDs,
 *	"-" for IDs on standard input, ALL, recipients), what is logged
 *	(one line per entry in Postfix's words: "ID: removed", "placed on
 *	hold", "released from hold", "requeued") and the count on stderr.
 *
 * SECURITY
 *	Not set-id. Allowed to root and to the owner of the spool (of a
 *	private instance, or of queue/ on a system spool); anyone else gets
 *	EX_NOPERM before anything in the spool is touched. Root becomes the
 *	owner of queue/ (privs_become) as soon as the log file is open, so
 *	every file is opened with the spool owner's rights: queue and hold
 *	entries, and maildrop files, whose envelopes (untrusted, from any
 *	user) delete -r reads bounded by spool_maildrop_read_env, as pickup
 *	does. The log file (maillog_file) is opened by the caller (root),
 *	and so is hold/ when an older spool lacks it (mkdir, then chown to
 *	the owner of queue/: the spool directory itself is root's).
 *	Queue IDs are validated (spool_id_valid) before they become paths.
 *
 * DIAGNOSTICS
 *	0 when every named entry was handled. Otherwise the status of the
 *	first failure: EX_NOINPUT no such entry, EX_DATAERR not a queue ID,
 *	EX_TEMPFAIL locked by runq (being delivered or picked up) or a
 *	system error, EX_USAGE, EX_CONFIG, EX_NOPERM, EX_OSERR.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "posthorn.h"
#include "privs.h"
#include "spool.h"
#include "util.h"

#define ID_TOKEN_MAX	64	/* longest word read from standard input */

/* one operation: what it does to an entry and how it is reported */
struct op {
	const char	*name;		/* the command */
	const char	*logged;	/* "ID: <logged>" */
	const char	*counted;	/* "<counted>: N messages" */
	int		(*fn)(const char *, struct str *);
	const char	*all;		/* where ALL looks (see scan) */
	int		 status;	/* exit status: the first failure */
	unsigned long	 count;
};

/* queue_setup - the configuration, the caller's right, the spool owner */
static void
queue_setup(void)
{
	struct str err = STR_INIT, q = STR_INIT;
	struct stat top, qst;

	if (conf_load(posthorn_conf ? posthorn_conf : conf_default_path(),
	    posthorn_conf != NULL, &err) < 0)
		die(EX_CONFIG, "%s", err.s);
	log_set_file(conf_str("maillog_file"));
	log_set_service("postsuper");
	spool_setup(conf_str("spool_directory"));
	spool_path(&q, "queue", NULL, NULL);
	if (stat(spool_dir(), &top) < 0 || stat(q.s, &qst) < 0)
		die(EX_TEMPFAIL, "spool %s is not set up: %s", spool_dir(), strerror(errno));
	if (getuid() == 0) {
		/* a spool made before there was hold/: the owner cannot add it */
		spool_path(&q, "hold", NULL, NULL);
		if (mkdir(q.s, 0750) == 0 && lchown(q.s, qst.st_uid, qst.st_gid) < 0)
			die(EX_TEMPFAIL, "cannot chown %s: %s", q.s, strerror(errno));
		/* the log file with root's rights, then the spool owner's */
		(void)log_prepare_close();
		if (qst.st_uid != 0 && privs_become(qst.st_uid, qst.st_gid) < 0)
			die(EX_OSERR, "cannot switch to the spool owner (uid %ld): %s",
			    (long)qst.st_uid, strerror(errno));
	} else if (top.st_uid != getuid() && qst.st_uid != getuid())
		die(EX_NOPERM, "only root or the owner of %s may change the queue",
		    spool_dir());
	if (spool_check_tree(&err) < 0)
		die(EX_TEMPFAIL, "%s", err.s);
	if (chdir(spool_dir()) < 0)
		die(EX_TEMPFAIL, "cannot enter %s: %s", spool_dir(), strerror(errno));
	umask(027);
	str_free(&err);
	str_free(&q);
}

/* in_maildrop - is the entry still in the maildrop? */
static int
in_maildrop(const char *id)
{
	struct str p = STR_INIT;
	struct stat st;
	int r;

	r = spool_path(&p, "maildrop", id, NULL) == 0 && lstat(p.s, &st) == 0;
	str_free(&p);
	return r;
}

/* failed - note a failure; the first one sets the exit status */
static void
failed(struct op *o, int status)
{
	if (o->status == 0)
		o->status = status;
}

/*
 * apply - the operation on one entry. quiet: the entry came from a scan
 * (ALL, -r), so one that has gone meanwhile was delivered: no error.
 */
static void
apply(struct op *o, const char *id, int quiet)
{
	struct str err = STR_INIT;
	int rc;

	if (!spool_id_valid(id)) {
		fprintf(stderr, "%s: %.*s: not a queue ID\n", log_progname(), ID_TOKEN_MAX, id);
		failed(o, EX_DATAERR);
		return;
	}
	rc = o->fn(id, &err);
	switch (rc) {
	case 0:
		log_info("%s: %s", id, o->logged);
		o->count++;
		break;
	case SPOOL_DONE:
		break;
	case SPOOL_GONE:
		if (quiet)
			break;
		if (in_maildrop(id))
			fprintf(stderr, "%s: %s: not yet picked up from the maildrop: "
			    "run runq first\n", log_progname(), id);
		else
			fprintf(stderr, "%s: %s: no such message in the queue\n",
			    log_progname(), id);
		failed(o, EX_NOINPUT);
		break;
	case SPOOL_BUSY:
		fprintf(stderr, "%s: %s\n", log_progname(), str_c(&err));
		failed(o, EX_TEMPFAIL);
		break;
	default:
		log_error("%s: %s", id, str_c(&err));
		failed(o, EX_TEMPFAIL);
		break;
	}
	str_free(&err);
}

/* add_ids - append the IDs of a scan to a list */
static void
add_ids(char ***v, size_t *n, char **more, size_t nmore)
{
	*v = xreallocarray(*v, *n + nmore + 1, sizeof(**v));
	if (nmore > 0)
		memcpy(*v + *n, more, nmore * sizeof(*more));
	*n += nmore;
	free(more);
}

/* cmp_id - qsort comparison of IDs */
static int
cmp_id(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * scan - every entry in the places named: 'q' the queue, 'h' hold/, 'm'
 * the maildrop; sorted, each ID once
 */
static void
scan(const char *where, char ***out, size_t *n)
{
	struct str err = STR_INIT, dir = STR_INIT;
	char **v = NULL, **part;
	size_t nv = 0, np, i, k;

	if (strchr(where, 'q')) {
		if (spool_scan_queue(&part, &np, &err) < 0)
			die(EX_TEMPFAIL, "%s", err.s);
		add_ids(&v, &nv, part, np);
	}
	if (strchr(where, 'h')) {
		if (spool_scan_hold(&part, &np, &err) < 0)
			die(EX_TEMPFAIL, "%s", err.s);
		add_ids(&v, &nv, part, np);
	}
	if (strchr(where, 'm')) {
		spool_path(&dir, "maildrop", NULL, NULL);
		if (spool_list_dir(dir.s, &part, &np, &err) < 0)
			die(EX_TEMPFAIL, "%s", err.s);
		add_ids(&v, &nv, part, np);
	}
	if (nv > 1)
		qsort(v, nv, sizeof(*v), cmp_id);
	for (i = k = 0; i < nv; i++) {
		if (k > 0 && strcmp(v[k - 1], v[i]) == 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	*out = v;
	*n = k;
	str_free(&err);
	str_free(&dir);
}

/*
 * from_stdin - "-": IDs from standard input, separated by white space,
 * as postsuper reads them. A trailing '*' or '!' (mailq's status marks)
 * is dropped, so that IDs cut from a listing can be fed back.
 */
static void
from_stdin(struct op *o)
{
	char word[ID_TOKEN_MAX + 1];
	size_t len = 0;
	int c, longword = 0;

	for (;;) {
		c = getchar();
		if (c != EOF && !isspace(c)) {
			if (len < ID_TOKEN_MAX)
				word[len++] = (char)c;
			else
				longword = 1;
			continue;
		}
		if (len > 0) {
			word[len] = '\0';
			while (len > 0 && (word[len - 1] == '*' || word[len - 1] == '!'))
				word[--len] = '\0';
			if (longword) {
				fprintf(stderr, "%s: %.20s...: not a queue ID\n", log_progname(), word);
				failed(o, EX_DATAERR);
			} else
				apply(o, word, 0);
		}
		len = 0;
		longword = 0;
		if (c == EOF)
			break;
	}
	if (ferror(stdin)) {
		log_error("standard input: %s", strerror(errno));
		failed(o, EX_IOERR);
	}
}

/* run_ids - the operation on the entries named: IDs, "-", or ALL */
static int
run_ids(struct op *o, int argc, char **argv)
{
	char **v;
	size_t n, i;
	int a;

	if (argc < 1) {
		fprintf(stderr, "%s: %s: no queue ID given\nusage: posthorn %s ID ... | ALL | -\n",
		    log_progname(), o->name, o->name);
		return EX_USAGE;
	}
	queue_setup();
	for (a = 0; a < argc; a++) {
		if (strcmp(argv[a], "ALL") == 0) {
			scan(o->all, &v, &n);
			for (i = 0; i < n; i++)
				apply(o, v[i], 1);
			spool_list_free(v, n);
		} else if (strcmp(argv[a], "-") == 0)
			from_stdin(o);
		else
			apply(o, argv[a], 0);
	}
	fprintf(stderr, "%s: %s: %lu message%s\n", log_progname(), o->counted,
	    o->count, o->count == 1 ? "" : "s");
	return o->status;
}

/* run_command - a command without options ("-" alone is an operand) */
static int
run_command(struct op *o, int argc, char **argv)
{
	if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0') {
		fprintf(stderr, "%s: %s: unknown option %s\nusage: posthorn %s ID ... | ALL | -\n",
		    log_progname(), o->name, argv[1], o->name);
		return EX_USAGE;
	}
	return run_ids(o, argc - 1, argv + 1);
}

/* op_hold, op_release, op_requeue - the spool's operations */
static int
op_hold(const char *id, struct str *err)
{
	return spool_hold(id, err);
}

static int
op_release(const char *id, struct str *err)
{
	return spool_release(id, err);
}

/* op_requeue - a held entry is released first (postsuper -r does too) */
static int
op_requeue(const char *id, struct str *err)
{
	int rc = spool_release(id, err);

	if (rc < 0 && rc != SPOOL_GONE)
		return rc;
	str_reset(err);
	return spool_requeue(id, time(NULL), err);
}

static int
op_delete(const char *id, struct str *err)
{
	return spool_delete(id, err);
}

/* rcpt_matches - the address, or with "@domain" any address there */
static int
rcpt_matches(const char *addr, const char *want)
{
	const char *at;

	if (want[0] == '@')
		return (at = strrchr(addr, '@')) != NULL && strcasecmp(at + 1, want + 1) == 0;
	return strcasecmp(addr, want) == 0;
}

/*
 * only_for - are all the pending recipients of the envelope among the
 * addresses (and is there one)? 1 yes, 0 no, -1 some are, some are not.
 */
static int
only_for(const struct envelope *env, char **want, size_t nwant)
{
	size_t i, j, yes = 0, no = 0;

	for (i = 0; i < env->nrcpt; i++) {
		if (env->rcpt[i].state != RCPT_PENDING)
			continue;
		for (j = 0; j < nwant; j++)
			if (rcpt_matches(env->rcpt[i].addr, want[j]))
				break;
		if (j < nwant)
			yes++;
		else
			no++;
	}
	return yes == 0 ? 0 : no == 0 ? 1 : -1;
}

/* read_envelope - an entry's envelope, wherever it is (unlocked): 0 or -1 */
static int
read_envelope(const char *id, struct envelope *env)
{
	struct str err = STR_INIT, p = STR_INIT;
	off_t off;
	int fd = -1, rc;

	rc = spool_env_open_at("queue", id, 0, &fd, env, &err);
	if (rc == SPOOL_GONE)
		rc = spool_env_open_at("hold", id, 0, &fd, env, &err);
	if (rc == SPOOL_GONE) {
		/* untrusted: opened without links, its envelope read bounded */
		spool_path(&p, "maildrop", id, NULL);
		if ((fd = open(p.s, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) >= 0) {
			rc = spool_maildrop_read_env(fd, env, &off, &err);
			if (rc == 0 && strcmp(env->id, id) != 0) {
				env_free(env);
				rc = SPOOL_BAD;
			}
		}
	}
	if (fd >= 0)
		close(fd);
	str_free(&err);
	str_free(&p);
	return rc == 0 ? 0 : -1;
}

/* delete_by_rcpt - delete -r: the entries for those recipients only */
static int
delete_by_rcpt(struct op *o, char **want, size_t nwant)
{
	struct envelope env;
	char **v;
	size_t n, i;
	int r;

	queue_setup();
	scan("qhm", &v, &n);
	for (i = 0; i < n; i++) {
		if (read_envelope(v[i], &env) < 0)
			continue;
		r = only_for(&env, want, nwant);
		env_free(&env);
		if (r > 0)
			apply(o, v[i], 1);
		else if (r < 0)
			fprintf(stderr, "%s: %s: not removed: it has other pending "
			    "recipients too (posthorn delete %s removes it for all)\n",
			    log_progname(), v[i], v[i]);
	}
	spool_list_free(v, n);
	fprintf(stderr, "%s: %s: %lu message%s\n", log_progname(), o->counted,
	    o->count, o->count == 1 ? "" : "s");
	return o->status;
}

/* cmd_delete - posthorn delete: postsuper -d, no notice to anyone */
int
cmd_delete(int argc, char **argv)
{
	struct op o = { "delete", "removed", "Deleted", op_delete, "qhm", 0, 0 };
	char **want = NULL;
	size_t nwant = 0;
	int c, rc;

	opterr = 0;
	while ((c = getopt(argc, argv, "+r:")) != -1) {
		if (c != 'r' || optarg[0] == '\0') {
			fprintf(stderr, "%s: delete: %s\nusage: posthorn delete ID ... | ALL | -\n"
			    "       posthorn delete -r address|@domain ...\n", log_progname(),
			    optopt == 'r' ? "-r needs an address" : "unknown option");
			free(want);
			return EX_USAGE;
		}
		want = xreallocarray(want, nwant + 1, sizeof(*want));
		want[nwant++] = optarg;
	}
	if (nwant > 0) {
		if (optind < argc) {
			fprintf(stderr, "%s: delete: -r and queue IDs do not go together\n",
			    log_progname());
			free(want);
			return EX_USAGE;
		}
		rc = delete_by_rcpt(&o, want, nwant);
		free(want);
		return rc;
	}
	return run_ids(&o, argc - optind, argv + optind);
}

/* cmd_hold - posthorn hold: postsuper -h; ALL is the queue */
int
cmd_hold(int argc, char **argv)
{
	struct op o = { "hold", "placed on hold", "Placed on hold", op_hold, "q", 0, 0 };

	return run_command(&o, argc, argv);
}

/* cmd_release - posthorn release: postsuper -H; ALL is hold/ */
int
cmd_release(int argc, char **argv)
{
	struct op o = { "release", "released from hold", "Released from hold",
	    op_release, "h", 0, 0 };

	return run_command(&o, argc, argv);
}

/* cmd_requeue - posthorn requeue: postsuper -r; ALL is both */
int
cmd_requeue(int argc, char **argv)
{
	struct op o = { "requeue", "requeued", "Requeued", op_requeue, "qh", 0, 0 };

	return run_command(&o, argc, argv);
}
