/*
 * local_child - local delivery with the right user's rights
 *
 * DESCRIPTION
 *	local_leaf() delivers one final target of an expansion (mbox,
 *	Maildir, file or command) in a child process and notes its result;
 *	local_read_list_file() reads a ~/.forward or an :include: file. A
 *	target delivered once for a message is not delivered again, and one
 *	whose member has a final result from an earlier attempt is skipped.
 *
 * SECURITY
 *	runq may run as root; every open and write of local delivery is
 *	done here, with the identity local.c chose:
 *
 *	  file                              opened by
 *	  alias database (.cdb)             runq (root or the spool owner),
 *	                                    in local.c; written by root's
 *	                                    newaliases
 *	  ~user/.forward                    user (open_as), no link followed;
 *	                                    owned by user or root, one link,
 *	                                    writable by its owner only
 *	  :include: named in a .forward     user; must be the user's own
 *	  :include: named in the aliases    the file's owner when not root,
 *	                                    else default_privs
 *	  mbox in mail_spool_directory      created empty by root in the
 *	                                    delivery child (O_EXCL, no link
 *	                                    followed, then fchown), written
 *	                                    by the user (mailbox.c), who
 *	                                    keeps the directory's group
 *	                                    (mail) for the dot-lock only
 *	  Maildir, home_mailbox file        user, in the delivery child
 *	  |command, /file of a .forward     user, in the delivery child
 *	  |command, /file of the aliases    default_privs, or the include
 *	                                    file's owner
 *
 *	open_as() changes only the effective ids, for the open() and nothing
 *	else, and regains root at once (panic if it cannot). A delivery
 *	child switches for good (privs_become: groups, gid, uid, verified)
 *	before it writes; its result comes back through a close-on-exec
 *	pipe, bounded in size and read with a deadline, after which it is
 *	killed. A command runs in its own process group with no descriptor of
 *	ours and is killed with what it leaves behind (mailbox.c), so no
 *	user's command can hold runq. The text of a list file never reaches
 *	a reason, a bounce or a log line (see local.c).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aliases.h"
#include "conf.h"
#include "local.h"
#include "local_int.h"
#include "log.h"
#include "mailbox.h"
#include "privs.h"
#include "util.h"

#define FORWARD_MAX	(64 * 1024)
#define RESULT_MAX	4096	/* bytes of a delivery child's result */
#define LEAF_GRACE	120	/* seconds a delivery child may take beyond
				   command_time_limit before it is killed */

/* already_done - was this target delivered for this message? Remember it. */
static int
already_done(struct local_ctx *ctx, const char *kind, const char *target)
{
	struct str key = STR_INIT;
	int found;

	str_printf(&key, "\n%s:%s\n", kind, target);
	found = ctx->done.len > 0 && strstr(ctx->done.s, key.s) != NULL;
	if (!found) {
		if (ctx->done.len == 0)
			str_appendc(&ctx->done, '\n');
		str_append(&ctx->done, key.s + 1, key.len - 1);
	}
	str_free(&key);
	return found;
}

/* prefix_for - Return-Path:, X-Original-To:, Delivered-To: */
static void
prefix_for(struct local_expand *ex, const char *final, struct str *out)
{
	const char *sender = ex->ctx->env->sender;

	str_printf(out, "Return-Path: <%s>\n", sender);
	if (strcasecmp(ex->rcpt, final) != 0)
		str_printf(out, "X-Original-To: %s\n", ex->rcpt);
	str_printf(out, "Delivered-To: %s\n", final);
}

struct leaf_args {
	enum local_leaf		 kind;
	const char		*target;	/* path or command */
	const struct passwd	*pw;		/* whose identity */
	uid_t			 owner;		/* expected file owner */
	struct mbox_msg		 msg;
	struct cmd_env		 ce;
};

/*
 * in_child - run one delivery in a child process as uid/gid (when running
 * as root) and bring back its result through a pipe.
 */
/*
 * spool_group - the group that may write in mail_spool_directory (root:mail
 * 2775 on Debian), for the dot-lock of a mailbox delivery; or gid when the
 * directory is not group-writable (then nobody's group is needed).
 */
static gid_t
spool_group(gid_t gid)
{
	struct stat st;

	if (stat(conf_str("mail_spool_directory"), &st) == 0 && st.st_gid != 0 &&
	    (st.st_mode & S_IWGRP) && !(st.st_mode & S_IWOTH))
		return st.st_gid;
	return gid;
}

static void
in_child(struct local_expand *ex, struct leaf_args *la, struct dresult *res)
{
	struct local_ctx *ctx = ex->ctx;
	struct dresult cres;
	struct str buf = STR_INIT;
	int p[2], status = 0, st, eof = 0;
	long long deadline;
	pid_t pid;

	/* O_CLOEXEC: no command the child runs may inherit our result pipe */
	if (pipe2(p, O_CLOEXEC) < 0) {
		dresult_set(res, DS_DEFER, "4.3.0", "pipe: %s", strerror(errno));
		return;
	}
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		dresult_set(res, DS_DEFER, "4.3.0", "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(p[0]);
		dresult_init(&cres);
		st = -1;
		if (ctx->privileged) {
			if (la->kind == LEAF_MBOX &&
			    mbox_create(la->target, la->pw->pw_uid, la->pw->pw_gid, &cres) != DS_OK)
				st = DS_DEFER;
			else if (privs_become_with(la->pw->pw_uid, la->pw->pw_gid,
			    la->kind == LEAF_MBOX ? spool_group(la->pw->pw_gid) :
			    la->pw->pw_gid) < 0)
				st = dresult_set(&cres, DS_DEFER, "4.3.0", "cannot switch to uid %ld: %s",
				    (long)la->pw->pw_uid, strerror(errno));
		}
		if (st < 0) {
			switch (la->kind) {
			case LEAF_MBOX:
				st = mbox_deliver(la->target, la->owner, 1, &la->msg, &cres);
				break;
			case LEAF_FILE:
				st = mbox_deliver(la->target, la->owner, 0, &la->msg, &cres);
				break;
			case LEAF_MAILDIR:
				st = maildir_deliver(la->target, &la->msg, ctx->myhostname, &cres);
				break;
			case LEAF_COMMAND:
				st = command_deliver(la->target, &la->ce, &la->msg, &cres);
				break;
			}
		}
		str_printf(&buf, "%d %s %s", st, cres.dsn[0] ? cres.dsn : "4.3.0",
		    str_c(&cres.text));
		if (buf.len > RESULT_MAX)
			str_truncate(&buf, RESULT_MAX);
		(void)util_write_all(p[1], buf.s, buf.len);
		_exit(0);
	}
	close(p[1]);

	/*
	 * The result, bounded in size and time: the child's own limits
	 * (command_time_limit, the mailbox lock wait) end it well before the
	 * deadline; past it, it is killed and the delivery deferred.
	 */
	deadline = util_now_ms() + 1000LL * (la->ce.time_limit + LEAF_GRACE);
	eof = util_read_until(p[0], &buf, RESULT_MAX, deadline) != 0;
	close(p[0]);
	if (!eof)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!eof) {
		dresult_set(res, DS_DEFER, "4.3.0", "delivery process did not finish in time");
	} else if (buf.len < 4 || !isdigit((unsigned char)buf.s[0]) || buf.s[1] != ' ') {
		dresult_set(res, DS_DEFER, "4.3.0", "delivery process failed (status %d)", status);
	} else {
		char *sp = strchr(buf.s + 2, ' ');

		if (sp)
			*sp++ = '\0';
		st = buf.s[0] - '0';
		dresult_set(res, st == DS_OK ? DS_OK : st == DS_BOUNCE ? DS_BOUNCE : DS_DEFER,
		    buf.s + 2, "%s", sp ? sp : "");
	}
	str_free(&buf);
}

/*
 * record - a member's final result goes into the envelope (the caller
 * writes it after the attempt), as it may be shown (shown_text).
 */
static void
record(struct local_expand *ex, uint64_t key, int status, const char *dsn,
    const char *text)
{
	struct str shown = STR_INIT;

	if (ex->src_file != NULL)
		str_printf(&shown, "%s (%s, line %d)", local_generic_text(status, dsn),
		    ex->src_file, ex->src_line);
	else
		str_appends(&shown, text);
	env_set_member(ex->ctx->env, key, status == DS_OK ? RCPT_SENT : RCPT_FAILED,
	    dsn, shown.s);
	str_free(&shown);
}

/* local_leaf - deliver (or in verify mode, describe) one final target */
void
local_leaf(struct local_expand *ex, enum local_leaf kind, const char *target,
    const struct passwd *pw, const char *final)
{
	static const char *const kinds[] = { "mailbox", "maildir", "file", "command" };
	struct local_ctx *ctx = ex->ctx;
	struct leaf_args la;
	struct str prefix = STR_INIT;
	struct dresult res;
	struct member *m;
	uint64_t key;

	if (ex->report) {
		str_printf(ex->report, "%s%s %s (as %s)", local_sep(ex->report),
		    kinds[kind], target, pw->pw_name);
		ex->delivered++;
		return;
	}
	if (already_done(ctx, kinds[kind], target)) {
		local_note(ex, DS_OK, "2.0.0", "delivered to %s (duplicate suppressed)", kinds[kind]);
		return;
	}
	/* a member that has its final result from an earlier attempt */
	key = env_member_key(kinds[kind], target, (long)pw->pw_uid);
	if ((m = env_find_member(ctx->env, key)) != NULL) {
		if (m->state == RCPT_SENT)
			local_note(ex, DS_OK, "2.0.0", "delivered to %s earlier", kinds[kind]);
		else
			local_note(ex, DS_BOUNCE, m->dsn, "%s", m->reason ? m->reason : "failed");
		return;
	}
	memset(&la, 0, sizeof(la));
	prefix_for(ex, final, &prefix);
	la.kind = kind;
	la.target = target;
	la.pw = pw;
	la.owner = ctx->privileged ? pw->pw_uid : geteuid();
	la.msg.fd = ctx->msgfd;
	la.msg.sender = ctx->env->sender;
	la.msg.prefix = prefix.s;
	la.msg.arrival = ctx->env->arrival;
	la.ce.sender = ctx->env->sender;
	la.ce.recipient = ex->rcpt;
	la.ce.user = pw->pw_name;
	la.ce.home = pw->pw_dir;
	la.ce.extension = ex->ext;
	la.ce.time_limit = conf_time("command_time_limit");
	dresult_init(&res);
	in_child(ex, &la, &res);
	if (res.status != DS_DEFER) {
		/* final for this member: a retry of the others skips it */
		record(ex, key, res.status, res.dsn, str_c(&res.text));
	}
	local_note(ex, res.status, res.dsn, "%s", str_c(&res.text));
	str_free(&prefix);
	dresult_free(&res);
}


/*
 * open_as - open a user's file with that user's rights: when runq is
 * root, the effective ids become as's for the open() and nothing else
 * (see privs_as_user); otherwise we are that user or the instance's
 * owner already. Returns the descriptor or -1 with errno set.
 */
static int
open_as(const struct local_ctx *ctx, const struct passwd *as, const char *path)
{
	int fd, e;

	if (!ctx->privileged)
		return open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (privs_as_user(as->pw_uid, as->pw_gid) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	e = errno;
	if (privs_as_root() < 0)
		panic("cannot regain root after opening %s as uid %ld",
		    path, (long)as->pw_uid);
	errno = e;
	return fd;
}

/*
 * local_read_list_file - read a ~/.forward or an :include: file.
 *
 * SECURITY: the file is opened with the rights of `as` (open_as), never
 * as root; without following a symbolic link, becoming our terminal or
 * blocking on a FIFO. It must be a regular file with one link, owned by
 * `owner` (or by root when root_ok), writable by its owner only. Its
 * text never reaches a reason, a bounce or a log line: syntax errors
 * name the line (aliases_split_file), and failures of the targets it
 * lists name the file and line (local_note). Returns the number of targets
 * (*lines gets their lines), 0 when there is no file or it is ignored
 * (logged), -1 when the result was noted (defer or bounce).
 */
int
local_read_list_file(struct local_expand *ex, const char *path, const struct passwd *as,
    uid_t owner, int root_ok, char ***targets, int **lines)
{
	const char *id = ex->ctx->env->id;
	struct stat st;
	struct str data = STR_INIT, err = STR_INIT;
	char buf[8192];
	ssize_t n;
	int fd, count = -1, include = strcmp(path + strlen(path) -
	    (strlen(path) < 9 ? strlen(path) : 9), "/.forward") != 0;

	*targets = NULL;
	*lines = NULL;
	if ((fd = open_as(ex->ctx, as, path)) < 0) {
		if (errno == ENOENT && !include)
			return 0;
		if (ex->report && !ex->ctx->privileged && (errno == EACCES || errno == EPERM)) {
			/*
			 * sendmail -bv run by an ordinary user: the file is not
			 * the caller's to read, but delivery reads it with other
			 * rights. Not an error of the address: say what was not
			 * checked and go on as if the file listed nothing more.
			 */
			str_printf(&ex->unchecked, "%s%s", ex->unchecked.len ? ", " : "", path);
			if (include) {
				str_printf(ex->report, "%s(not checked)", local_sep(ex->report));
				ex->delivered++;
			}
			return 0;
		}
		if (errno == ELOOP) {
			log_warning("%s: ignoring %s: it is a symbolic link", id, path);
			if (!include)
				return 0;
			local_note_named(ex, DS_BOUNCE, "5.3.0", ":include: file %s is a symbolic link", path);
			return -1;
		}
		if (include && (errno == ENOENT || errno == EACCES)) {
			/* the list names a file that is not there or not its to read */
			local_note_named(ex, DS_BOUNCE, "5.3.0", "cannot open :include: file %s: %s",
			    path, strerror(errno));
			return -1;
		}
		local_note_named(ex, DS_DEFER, "4.3.0", "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    !(st.st_uid == owner || (root_ok && st.st_uid == 0)) || (st.st_mode & 022)) {
		close(fd);
		log_warning("%s: ignoring %s: not a regular file with one link, owned by "
		    "uid %ld%s and writable only by its owner", id, path, (long)owner,
		    root_ok ? " or root" : "");
		if (!include)
			return 0;
		local_note_named(ex, DS_BOUNCE, "5.3.0", ":include: file %s fails the ownership "
		    "and mode checks", path);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 && data.len < FORWARD_MAX)
		str_append(&data, buf, (size_t)n);
	close(fd);
	if (n < 0 || data.len >= FORWARD_MAX) {
		local_note_named(ex, DS_DEFER, "4.3.0", "cannot read %s (error or larger than %d bytes)",
		    path, FORWARD_MAX);
		str_free(&data);
		return -1;
	}
	if (data.len && memchr(data.s, '\0', data.len) != NULL)
		count = -1, str_printf(&err, "NUL byte");
	else
		count = aliases_split_file(str_c(&data), targets, lines, &err);
	if (count < 0)
		local_note_named(ex, DS_DEFER, "4.3.5", "bad syntax in %s: %s (mail waits until it is fixed)",
		    path, str_c(&err));
	str_free(&data);
	str_free(&err);
	return count;
}
