/*
 * check - posthorn check: will mail flow on this system?
 *
 * SUMMARY
 *	posthorn check [-C config] [-r root]
 *
 * DESCRIPTION
 *	Looks at what the programs need and says what is wrong, as
 *	Postfix's "postfix check" does, without changing anything:
 *	  the configuration: every line and value (unknown names, bad
 *	    values, with file:line), and the files settings name;
 *	  the spool: every directory's owner, group and mode, and the
 *	    set-id bits of sendmail and mailq for a system spool;
 *	  the aliases: a database missing or older than its source;
 *	  the log: maillog_file's owner and mode (set-id sendmail must be
 *	    able to append), or a syslog socket when there is no file;
 *	  the links other programs call: /usr/sbin/sendmail,
 *	    /usr/lib/sendmail, /usr/bin/mailq, /usr/bin/newaliases (and
 *	    /usr/sbin/mailq, /usr/sbin/newaliases where they exist) must
 *	    reach posthorn's programs. -r looks for them under root instead
 *	    of / (a system image; the tests).
 *	Findings are printed on standard output, one line each, "warning:"
 *	or "error:" first; nothing is printed when all is well.
 *
 * SECURITY
 *	Not set-id; run as root to see everything (as another user, what
 *	cannot be looked at is a warning). Only stat(2) and reads of the
 *	configuration.
 *
 * DIAGNOSTICS
 *	0 when nothing is an error (warnings may have been printed), 1
 *	when something is (mail is not accepted, not delivered, or exposed),
 *	EX_USAGE for bad options.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

#include "aliases.h"
#include "conf.h"
#include "dirs.h"
#include "posthorn.h"
#include "spool.h"
#include "str.h"
#include "util.h"

struct findings {
	int	errors;
	int	warnings;
};

static void say(struct findings *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* say - print one finding: error 1 or warning 0 */
static void
say(struct findings *f, int error, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", error ? "error" : "warning");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (error)
		f->errors++;
	else
		f->warnings++;
}

/* report - spool_audit_tree's findings */
static void
report(int error, const char *text, void *arg)
{
	say(arg, error, "spool: %s", text);
}

/* check_conf_files - files and directories that settings name */
static void
check_conf_files(struct findings *f)
{
	static const char *secret[] = { "smtp_sasl_password_maps",
	    "smtpd_sasl_password_file", "smtpd_tls_key_file" };
	static const char *exist[] = { "smtpd_tls_cert_file", "smtp_tls_CAfile",
	    "dnssec_trust_anchors", "smtp_tls_CApath", "mail_spool_directory" };
	struct stat st;
	const char *v;
	char *p;
	size_t i;

	for (i = 0; i < ARRAY_LEN(secret); i++) {
		if (*(v = conf_str(secret[i])) == '\0')
			continue;
		if (stat(v, &st) < 0)
			say(f, 0, "%s: %s: %s", secret[i], v, strerror(errno));
		else if (st.st_mode & S_IROTH)
			say(f, 1, "%s: %s holds a secret but everyone may read it (chmod o-r)",
			    secret[i], v);
	}
	for (i = 0; i < ARRAY_LEN(exist); i++)
		if (*(v = conf_str(exist[i])) != '\0' && stat(v, &st) < 0)
			say(f, 0, "%s: %s: %s", exist[i], v, strerror(errno));
	v = conf_str("mail_spool_directory");
	if (stat(v, &st) == 0 && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
		say(f, 0, "mail_spool_directory %s is writable by everyone: a user can "
		    "block another's mailbox; make it root:mail 2775", v);
	p = xasprintf("%s/runq", conf_str("command_directory"));
	if (access(p, X_OK) < 0)
		say(f, 1, "command_directory: %s: %s (mail is not delivered)", p,
		    strerror(errno));
	free(p);
	if (access(conf_str("mailq_path"), X_OK) < 0)
		say(f, 0, "mailq_path: %s: %s", conf_str("mailq_path"), strerror(errno));
}

/* check_setgid - a program installed set-group-ID group */
static void
check_setgid(struct findings *f, const char *path, const char *group)
{
	struct group *gr = getgrnam(group);
	struct stat st;

	if (stat(path, &st) < 0)
		say(f, 1, "%s: %s", path, strerror(errno));
	else if (gr == NULL || st.st_gid != gr->gr_gid || !(st.st_mode & S_ISGID))
		say(f, 1, "%s should be set-group-ID %s (chgrp %s %s; chmod 2755 %s): "
		    "ordinary users cannot use it", path, group, group, path, path);
}

/*
 * check_spool - the tree's owners and modes. A system spool (the built-in
 * one, or any whose queue belongs to the mail owner) is laid out as make
 * install does; a private instance belongs to its user throughout.
 * Returns 1 for a system spool.
 */
static int
check_spool(struct findings *f)
{
	struct passwd *pw = getpwnam(DEF_MAIL_OWNER);
	struct group *gr = getgrnam(DEF_SETGID_GROUP);
	struct str q = STR_INIT;
	struct stat top, st;
	char *p;
	int sys;

	spool_setup(conf_str("spool_directory"));
	if (stat(spool_dir(), &top) < 0) {
		say(f, errno != ENOENT, "spool: %s: %s%s", spool_dir(), strerror(errno),
		    errno == ENOENT ? " (a private instance makes it at the first use)" : "");
		return strcmp(spool_dir(), PATH_SPOOL_DIR) == 0;
	}
	spool_path(&q, "queue", NULL, NULL);
	sys = strcmp(spool_dir(), PATH_SPOOL_DIR) == 0 ||
	    (pw != NULL && stat(q.s, &st) == 0 && st.st_uid == pw->pw_uid);
	str_free(&q);
	if (!sys) {
		spool_audit_tree(top.st_uid, top.st_uid, top.st_gid, top.st_gid, report, f);
		return 0;
	}
	if (pw == NULL || gr == NULL) {
		say(f, 1, "spool: user %s or group %s is missing (see posthorn(8))",
		    DEF_MAIL_OWNER, DEF_SETGID_GROUP);
		return 1;
	}
	spool_audit_tree(0, pw->pw_uid, pw->pw_gid, gr->gr_gid, report, f);
	p = xasprintf("%s/sendmail", conf_str("command_directory"));
	check_setgid(f, p, DEF_SETGID_GROUP);
	free(p);
	check_setgid(f, conf_str("mailq_path"), DEF_MAIL_OWNER);
	return 1;
}

/* check_aliases - the database, beside a source edited since? */
static void
check_aliases(struct findings *f)
{
	struct str src = STR_INIT, msg = STR_INIT, db = STR_INIT;
	struct stat st;
	int r;

	if ((r = aliases_map_path(conf_str("alias_maps"), &src, &msg)) < 0)
		say(f, 1, "%s", msg.s);
	else if (r > 0) {
		str_printf(&db, "%s.cdb", src.s);
		if (stat(src.s, &st) < 0)
			say(f, 0, "alias_maps: %s: %s (no aliases: not even postmaster)",
			    src.s, strerror(errno));
		else if (stat(db.s, &st) < 0)
			say(f, 1, "%s: %s: run newaliases (local mail waits until then)",
			    db.s, strerror(errno));
		else if (aliases_check_age(src.s, &msg))
			say(f, 0, "%s", msg.s);
	}
	str_free(&src);
	str_free(&msg);
	str_free(&db);
}

/*
 * check_log - where the lines go. With a system spool, maillog_file
 * should be the spool owner's, group of the set-id sendmail, mode 0620,
 * so that sendmail can append to it (see lib/core/log.c); a private
 * instance's programs all run as its user.
 */
static void
check_log(struct findings *f, int sys)
{
	const char *path = conf_str("maillog_file");
	struct passwd *pw = getpwnam(DEF_MAIL_OWNER);
	struct group *gr = getgrnam(DEF_SETGID_GROUP);
	struct stat st;

	if (*path == '\0') {
		if (stat(_PATH_LOG, &st) < 0 || !S_ISSOCK(st.st_mode))
			say(f, 0, "no syslog at %s and no maillog_file: log lines are lost",
			    _PATH_LOG);
		return;
	}
	if (lstat(path, &st) < 0)
		say(f, 0, "maillog_file %s: %s (create it: install -o %s -g %s -m 0620 "
		    "/dev/null %s)", path, strerror(errno), DEF_MAIL_OWNER,
		    DEF_SETGID_GROUP, path);
	else if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		say(f, 1, "maillog_file %s is not a regular file with one name: "
		    "nothing is logged there", path);
	else if (st.st_mode & S_IRWXO)
		say(f, 1, "maillog_file %s: others may read or write it (mode %04o)",
		    path, (unsigned)(st.st_mode & 07777));
	else if (sys && pw != NULL && gr != NULL &&
	    (st.st_uid != pw->pw_uid || st.st_gid != gr->gr_gid ||
	    (st.st_mode & 07777) != 0620))
		say(f, 0, "maillog_file %s is %ld:%ld mode %04o: set-id sendmail cannot "
		    "log there; make it %s:%s mode 0620", path, (long)st.st_uid,
		    (long)st.st_gid, (unsigned)(st.st_mode & 07777), DEF_MAIL_OWNER,
		    DEF_SETGID_GROUP);
}

/*
 * check_links - the names other programs call must reach posthorn's
 * programs (same file, through any symbolic links)
 */
static void
check_links(struct findings *f, const char *root)
{
	static const struct {
		const char	*link;
		const char	*prog;	/* in command_directory; NULL: mailq_path */
		int		 optional;
	} links[] = {
		{ "/usr/sbin/sendmail", "sendmail", 0 },
		{ "/usr/lib/sendmail", "sendmail", 0 },
		{ "/usr/bin/mailq", NULL, 0 },
		{ "/usr/bin/newaliases", "newaliases", 0 },
		{ "/usr/sbin/mailq", NULL, 1 },
		{ "/usr/sbin/newaliases", "newaliases", 1 },
	};
	struct stat l, t;
	char *lp, *tp;
	size_t i;

	for (i = 0; i < ARRAY_LEN(links); i++) {
		lp = xasprintf("%s%s", strcmp(root, "/") == 0 ? "" : root, links[i].link);
		tp = links[i].prog ? xasprintf("%s/%s", conf_str("command_directory"),
		    links[i].prog) : xstrdup(conf_str("mailq_path"));
		if (stat(lp, &l) < 0) {
			if (!links[i].optional || errno != ENOENT)
				say(f, 0, "%s: %s: programs that send mail through it fail "
				    "(ln -s %s %s)", lp, strerror(errno), tp, lp);
		} else if (stat(tp, &t) < 0)
			say(f, 0, "%s: %s", tp, strerror(errno));
		else if (l.st_dev != t.st_dev || l.st_ino != t.st_ino)
			say(f, 0, "%s is not posthorn's %s: programs that call it do not "
			    "reach posthorn (ln -sf %s %s)", lp, tp, tp, lp);
		free(lp);
		free(tp);
	}
}

/* cmd_check - posthorn check [-C config] [-r root] */
int
cmd_check(int argc, char **argv)
{
	struct findings f = { 0, 0 };
	struct str err = STR_INIT;
	const char *conf = posthorn_conf, *root = "/", *text;
	size_t i;
	int ch, error, sys;

	while ((ch = getopt(argc, argv, "C:r:")) != -1) {
		switch (ch) {
		case 'C': conf = optarg; break;
		case 'r': root = optarg; break;
		default:
			fprintf(stderr, "usage: posthorn check [-C config] [-r root]\n");
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: posthorn check [-C config] [-r root]\n");
		return EX_USAGE;
	}
	if (conf != NULL && *conf == '\0')
		conf = NULL;
	if (conf_load(conf ? conf : conf_default_path(), conf != NULL, &err) < 0) {
		say(&f, 1, "%s", err.s);
		str_free(&err);
		return 1;
	}
	for (i = 0; (text = conf_diag(i, &error)) != NULL; i++)
		say(&f, error, "%s", text);
	check_conf_files(&f);
	sys = check_spool(&f);
	check_aliases(&f);
	check_log(&f, sys);
	check_links(&f, root);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "posthorn: cannot write the findings\n");
		return EX_IOERR;
	}
	str_free(&err);
	return f.errors ? 1 : 0;
}
