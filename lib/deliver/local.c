/*
 * local - local delivery: aliases, ~/.forward, mailbox
 *
 * See local.h. Expansion is depth-first with a visited list per envelope
 * recipient, so "a: b" and "b: a" end instead of looping; the Delivered-To:
 * lines already in the message catch loops that leave this host and come
 * back (5.4.6, as Postfix). A name that an alias expands to itself ("root:
 * root, admin") or "\name" goes to that user's mailbox without further
 * expansion, as in sendmail.
 *
 * SECURITY: runq may run as root; this module decides whose rights open
 * what. No address from the message ever reaches a shell: commands are
 * only those written in the aliases file, a .forward or an :include:
 * file, and they see the sender and recipient as environment values.
 *
 *   file                              opened by
 *   alias database (.cdb)             runq (root or the spool owner);
 *                                     written by root's newaliases
 *   ~user/.forward                    user (open_as), no link followed;
 *                                     owned by user or root, one link,
 *                                     writable by its owner only
 *   :include: named in a .forward     user; must be the user's own
 *   :include: named in the aliases    the file's owner when not root,
 *                                     else default_privs
 *   mbox in mail_spool_directory      created empty by root in the
 *                                     delivery child (O_EXCL, no link
 *                                     followed, then fchown), written
 *                                     by the user (mailbox.c)
 *   Maildir, home_mailbox file        user, in the delivery child
 *   |command, /file of a .forward     user, in the delivery child
 *   |command, /file of the aliases    default_privs, or the include
 *                                     file's owner
 *
 * The text of a .forward or :include: file never reaches a reason, a
 * bounce or a log line: results of its targets name the file and line.
 * Each delivery runs in a child whose result comes back through a
 * close-on-exec pipe, read with a deadline; a command runs in its own
 * process group with no descriptor of ours, and is killed with what it
 * leaves behind (mailbox.c), so no user's command can hold runq.
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "aliases.h"
#include "conf.h"
#include "local.h"
#include "log.h"
#include "mailbox.h"
#include "privs.h"
#include "util.h"

#define MAX_DEPTH	20
#define FORWARD_MAX	(64 * 1024)
#define RESULT_MAX	4096	/* bytes of a delivery child's result */
#define LEAF_GRACE	120	/* seconds a delivery child may take beyond
				   command_time_limit before it is killed */

enum origin { FROM_NONE, FROM_ALIAS, FROM_FORWARD };

struct expand {
	struct local_ctx	*ctx;
	const char		*rcpt;		/* the envelope recipient */
	struct str		*report;	/* verify mode: describe, do nothing */
	char			**visited;
	size_t			 nvisited;
	int			 status;
	char			 dsn[16];
	struct str		 text;
	int			 delivered;
	const char		*ext;		/* address extension, for commands */
	const char		*src_file;	/* the target came from this file */
	int			 src_line;	/* ... at this line */
};

static void expand_addr(struct expand *, const char *, int, const struct passwd *);
static void targets(struct expand *, char **, const int *, const char *, int,
    enum origin, const struct passwd *, const char *, const char *);

/* now_ms - a monotonic clock in milliseconds, for deadlines */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* alias_get - look a name up, if there is an alias database at all */
static int
alias_get(const struct local_ctx *ctx, const char *name, struct str *value,
    struct str *err)
{
	if (ctx->alias_db == NULL || *ctx->alias_db == '\0')
		return 0;
	return aliases_lookup(ctx->alias_db, name, value, err);
}

/* local_ctx_init - set up for one message */
void
local_ctx_init(struct local_ctx *ctx, struct envelope *env, int msgfd)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->env = env;
	ctx->msgfd = msgfd;
	ctx->privileged = geteuid() == 0;
	str_init(&ctx->done);
}

/* local_ctx_free - release what one message needed */
void
local_ctx_free(struct local_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nfwd; i++)
		free(ctx->fwd[i]);
	free(ctx->fwd);
	free(ctx->fwd_sender);
	str_free(&ctx->done);
	ctx->fwd = NULL;
	ctx->nfwd = 0;
	ctx->fwd_sender = NULL;
}

/*
 * local_forget_forwards - after one envelope recipient: drop the remote
 * addresses collected for it (the caller has queued them). The record of
 * targets delivered stays, so that two recipients of one message that
 * expand to the same mailbox get one copy, as sendmail does.
 */
void
local_forget_forwards(struct local_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nfwd; i++)
		free(ctx->fwd[i]);
	free(ctx->fwd);
	free(ctx->fwd_sender);
	ctx->fwd = NULL;
	ctx->nfwd = 0;
	ctx->fwd_sender = NULL;
}

/* local_is_local - is the address's domain one of mydestination? */
int
local_is_local(const struct local_ctx *ctx, const char *addr)
{
	const char *dom = addr_domain(addr);

	return dom == NULL || addr_domain_in(dom, ctx->mydest);
}

/*
 * generic_text - what a result says about a target read from a user's
 * file: the status in words, no text of the file or of what it named.
 */
static const char *
generic_text(int status, const char *dsn)
{
	if (status == DS_OK)
		return "delivered";
	if (strcmp(dsn, "5.1.1") == 0)
		return "unknown user";
	if (strcmp(dsn, "5.4.6") == 0)
		return "mail loop or alias expansion too deep";
	if (strcmp(dsn, "5.7.1") == 0)
		return "mail to commands or files is not allowed";
	if (strncmp(dsn, "4.2.", 4) == 0)
		return "mailbox or file temporarily unavailable";
	return status == DS_DEFER ? "delivery temporarily failed" : "delivery failed";
}

/*
 * shown_text - the text of a result as it may be shown: for a target
 * from a .forward or :include: file, generic_text() and the file's name
 * and line, never the file's text; otherwise the text itself.
 */
static void
shown_text(const struct expand *ex, int status, const char *dsn,
    const char *fmt, va_list ap, struct str *out)
{
	if (ex->src_file != NULL)
		str_printf(out, "%s (%s, line %d)", generic_text(status, dsn),
		    ex->src_file, ex->src_line);
	else
		str_vprintf(out, fmt, ap);
}

/*
 * note - record a result; the worst wins: defer, then bounce, then ok.
 * For a target that came from a .forward or :include: file the text is
 * generic_text() and the file's name and line (see SECURITY above).
 */
static void
note(struct expand *ex, int status, const char *dsn, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
note(struct expand *ex, int status, const char *dsn, const char *fmt, ...)
{
	va_list ap;
	int rank_new = status == DS_DEFER ? 2 : status == DS_BOUNCE ? 1 : 0;
	int rank_old = ex->status == DS_DEFER ? 2 : ex->status == DS_BOUNCE ? 1 : 0;

	if (status == DS_OK)
		ex->delivered++;
	if (rank_new < rank_old || (rank_new == rank_old && ex->text.len > 0 && status != DS_OK))
		return;
	ex->status = status;
	util_strlcpy(ex->dsn, dsn, sizeof(ex->dsn));
	str_reset(&ex->text);
	va_start(ap, fmt);
	shown_text(ex, status, dsn, fmt, ap, &ex->text);
	va_end(ap);
}

/*
 * note_named - a result about a file we were asked to read (its name is
 * ours to say, its text never): the text as given, and where the name
 * stood when it came from a user's file.
 */
static void
note_named(struct expand *ex, int status, const char *dsn, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
note_named(struct expand *ex, int status, const char *dsn, const char *fmt, ...)
{
	struct str text = STR_INIT;
	const char *src = ex->src_file;
	va_list ap;

	va_start(ap, fmt);
	str_vprintf(&text, fmt, ap);
	va_end(ap);
	ex->src_file = NULL;
	if (src != NULL)
		note(ex, status, dsn, "%s (%s, line %d)", text.s, src, ex->src_line);
	else
		note(ex, status, dsn, "%s", text.s);
	ex->src_file = src;
	str_free(&text);
}

/* sep - the separator before the next item of a -bv report */
static const char *
sep(const struct str *report)
{
	return report->len == 0 || report->s[report->len - 1] == ' ' ? "" : ", ";
}

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
prefix_for(struct expand *ex, const char *final, struct str *out)
{
	const char *sender = ex->ctx->env->sender;

	str_printf(out, "Return-Path: <%s>\n", sender);
	if (strcasecmp(ex->rcpt, final) != 0)
		str_printf(out, "X-Original-To: %s\n", ex->rcpt);
	str_printf(out, "Delivered-To: %s\n", final);
}

/*
 * in_child - run one delivery in a child process as uid/gid (when running
 * as root) and bring back its result through a pipe.
 */
enum leaf { LEAF_MBOX, LEAF_MAILDIR, LEAF_FILE, LEAF_COMMAND };

struct leaf_args {
	enum leaf		 kind;
	const char		*target;	/* path or command */
	const struct passwd	*pw;		/* whose identity */
	uid_t			 owner;		/* expected file owner */
	struct mbox_msg		 msg;
	struct cmd_env		 ce;
};

static void
in_child(struct expand *ex, struct leaf_args *la, struct dresult *res)
{
	struct local_ctx *ctx = ex->ctx;
	struct dresult cres;
	struct str buf = STR_INIT;
	char rbuf[4096];
	int p[2], status = 0, st, eof = 0;
	long long deadline;
	struct pollfd pfd;
	pid_t pid;
	ssize_t n;

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
			else if (privs_become(la->pw->pw_uid, la->pw->pw_gid) < 0)
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
	deadline = now_ms() + 1000LL * (la->ce.time_limit + LEAF_GRACE);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (!eof) {
		long long left = deadline - now_ms();

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)(left > 60000 ? 60000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd.revents == 0)
			continue;
		n = read(p[0], rbuf, sizeof(rbuf));
		if (n > 0 && buf.len < RESULT_MAX)
			str_append(&buf, rbuf, (size_t)n);
		else if (n == 0 || (n < 0 && errno != EINTR))
			eof = 1;
	}
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
record(struct expand *ex, uint64_t key, int status, const char *dsn,
    const char *text)
{
	struct str shown = STR_INIT;

	if (ex->src_file != NULL)
		str_printf(&shown, "%s (%s, line %d)", generic_text(status, dsn),
		    ex->src_file, ex->src_line);
	else
		str_appends(&shown, text);
	env_set_member(ex->ctx->env, key, status == DS_OK ? RCPT_SENT : RCPT_FAILED,
	    dsn, shown.s);
	str_free(&shown);
}

/* leaf - deliver (or in verify mode, describe) one final target */
static void
leaf(struct expand *ex, enum leaf kind, const char *target, const struct passwd *pw,
    const char *final)
{
	static const char *const kinds[] = { "mailbox", "maildir", "file", "command" };
	struct local_ctx *ctx = ex->ctx;
	struct leaf_args la;
	struct str prefix = STR_INIT;
	struct dresult res;
	struct member *m;
	uint64_t key;

	if (ex->report) {
		str_printf(ex->report, "%s%s %s (as %s)", sep(ex->report),
		    kinds[kind], target, pw->pw_name);
		ex->delivered++;
		return;
	}
	if (already_done(ctx, kinds[kind], target)) {
		note(ex, DS_OK, "2.0.0", "delivered to %s (duplicate suppressed)", kinds[kind]);
		return;
	}
	/* a member that has its final result from an earlier attempt */
	key = env_member_key(kinds[kind], target, (long)pw->pw_uid);
	if ((m = env_find_member(ctx->env, key)) != NULL) {
		if (m->state == RCPT_SENT)
			note(ex, DS_OK, "2.0.0", "delivered to %s earlier", kinds[kind]);
		else
			note(ex, DS_BOUNCE, m->dsn, "%s", m->reason ? m->reason : "failed");
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
	note(ex, res.status, res.dsn, "%s", str_c(&res.text));
	str_free(&prefix);
	dresult_free(&res);
}

/* lookup_user - the passwd entry of a local user (name lowercased) */
static const struct passwd *
lookup_user(const char *name)
{
	static struct passwd copy;
	static char *names[4];
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL)
		return NULL;
	/* keep a copy: getpwnam's storage is reused by the next call */
	free(names[0]);
	free(names[1]);
	free(names[2]);
	copy = *pw;
	copy.pw_name = names[0] = xstrdup(pw->pw_name);
	copy.pw_dir = names[1] = xstrdup(pw->pw_dir);
	copy.pw_shell = names[2] = xstrdup(pw->pw_shell ? pw->pw_shell : "/bin/sh");
	return &copy;
}

/* copy_pw - a private copy of a passwd entry */
static struct passwd *
copy_pw(const struct passwd *pw)
{
	struct passwd *c = xmalloc(sizeof(*c));

	*c = *pw;
	c->pw_name = xstrdup(pw->pw_name);
	c->pw_dir = xstrdup(pw->pw_dir);
	c->pw_shell = xstrdup(pw->pw_shell ? pw->pw_shell : "/bin/sh");
	c->pw_passwd = NULL;
	c->pw_gecos = NULL;
	return c;
}

/* free_pw - release copy_pw's result */
static void
free_pw(struct passwd *pw)
{
	if (pw) {
		free(pw->pw_name);
		free(pw->pw_dir);
		free(pw->pw_shell);
		free(pw);
	}
}

/* privs_user - the identity for alias commands and files */
static struct passwd *
privs_user(void)
{
	const struct passwd *pw;

	if (geteuid() != 0) {
		pw = getpwuid(geteuid());
		return pw ? copy_pw(pw) : NULL;
	}
	pw = lookup_user(conf_str("default_privs"));
	return pw ? copy_pw(pw) : NULL;
}

/* allowed - may mail go to commands/files from this origin? */
static int
allowed(const char *setting, enum origin from)
{
	return conf_list_has(setting, from == FROM_FORWARD ? "forward" : "alias");
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
 * read_list_file - read a ~/.forward or an :include: file.
 *
 * SECURITY: the file is opened with the rights of `as` (open_as), never
 * as root; without following a symbolic link, becoming our terminal or
 * blocking on a FIFO. It must be a regular file with one link, owned by
 * `owner` (or by root when root_ok), writable by its owner only. Its
 * text never reaches a reason, a bounce or a log line: syntax errors
 * name the line (aliases_split_file), and failures of the targets it
 * lists name the file and line (note). Returns the number of targets
 * (*lines gets their lines), 0 when there is no file or it is ignored
 * (logged), -1 when the result was noted (defer or bounce).
 */
static int
read_list_file(struct expand *ex, const char *path, const struct passwd *as,
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
		if (errno == ELOOP) {
			log_warning("%s: ignoring %s: it is a symbolic link", id, path);
			if (!include)
				return 0;
			note_named(ex, DS_BOUNCE, "5.3.0", ":include: file %s is a symbolic link", path);
			return -1;
		}
		if (include && (errno == ENOENT || errno == EACCES)) {
			/* the list names a file that is not there or not its to read */
			note_named(ex, DS_BOUNCE, "5.3.0", "cannot open :include: file %s: %s",
			    path, strerror(errno));
			return -1;
		}
		note_named(ex, DS_DEFER, "4.3.0", "cannot open %s: %s", path, strerror(errno));
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
		note_named(ex, DS_BOUNCE, "5.3.0", ":include: file %s fails the ownership "
		    "and mode checks", path);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 && data.len < FORWARD_MAX)
		str_append(&data, buf, (size_t)n);
	close(fd);
	if (n < 0 || data.len >= FORWARD_MAX) {
		note_named(ex, DS_DEFER, "4.3.0", "cannot read %s (error or larger than %d bytes)",
		    path, FORWARD_MAX);
		str_free(&data);
		return -1;
	}
	if (data.len && memchr(data.s, '\0', data.len) != NULL)
		count = -1, str_printf(&err, "NUL byte");
	else
		count = aliases_split_file(str_c(&data), targets, lines, &err);
	if (count < 0)
		note_named(ex, DS_DEFER, "4.3.5", "bad syntax in %s: %s (mail waits until it is fixed)",
		    path, str_c(&err));
	str_free(&data);
	str_free(&err);
	return count;
}

/* free_targets - release aliases_split's result */
static void
free_targets(char **t)
{
	size_t i;

	for (i = 0; t && t[i]; i++)
		free(t[i]);
	free(t);
}

/* visited - has this address been expanded for this recipient? */
static int
visited(struct expand *ex, const char *addr)
{
	size_t i;

	for (i = 0; i < ex->nvisited; i++)
		if (strcasecmp(ex->visited[i], addr) == 0)
			return 1;
	ex->visited = xreallocarray(ex->visited, ex->nvisited + 1, sizeof(char *));
	ex->visited[ex->nvisited++] = xstrdup(addr);
	return 0;
}

/* add_forward - a remote address to forward to */
static void
add_forward(struct expand *ex, const char *addr)
{
	struct local_ctx *ctx = ex->ctx;
	size_t i;

	if (ex->report) {
		str_printf(ex->report, "%sforward to <%s>", sep(ex->report), addr);
		ex->delivered++;
		return;
	}
	for (i = 0; i < ctx->nfwd; i++)
		if (strcasecmp(ctx->fwd[i], addr) == 0)
			return;
	ctx->fwd = xreallocarray(ctx->fwd, ctx->nfwd + 1, sizeof(char *));
	ctx->fwd[ctx->nfwd++] = xstrdup(addr);
	ex->delivered++;
}

/*
 * include - an :include: target: read the file with the right identity
 * and deliver to what it lists.
 *
 * SECURITY: named in a .forward, the file is read as that user and must
 * be the user's own. Named in the aliases (or in an include of theirs),
 * it is read as its owner when that is not root, else as default_privs;
 * commands and files it lists then run as that owner, or default_privs
 * (as Postfix's local(8)). A private instance reads as itself.
 */
static void
include(struct expand *ex, const char *path, int depth, enum origin from,
    const struct passwd *who, const char *self, const char *final)
{
	struct local_ctx *ctx = ex->ctx;
	const struct passwd *as = who;
	struct passwd *owner_pw = NULL, *dp = NULL;
	struct stat st;
	char **inc = NULL;
	int *lines = NULL, root_ok = 0;
	uid_t owner;

	if (ex->report)
		str_printf(ex->report, "%sinclude %s -> ", sep(ex->report), path);
	if (!ctx->privileged) {
		owner = geteuid();
		root_ok = 1;
	} else if (from == FROM_FORWARD) {
		owner = who->pw_uid;
	} else if (lstat(path, &st) == 0 && st.st_uid != 0 &&
	    getpwuid(st.st_uid) != NULL) {
		as = who = owner_pw = copy_pw(getpwuid(st.st_uid));
		owner = st.st_uid;
	} else {
		if ((as = dp = privs_user()) == NULL) {
			note(ex, DS_DEFER, "4.3.0", "no such user: default_privs");
			return;
		}
		owner = 0;
		root_ok = 1;
	}
	if (read_list_file(ex, path, as, owner, root_ok, &inc, &lines) > 0)
		targets(ex, inc, lines, path, depth + 1, from, who, self, final);
	free_targets(inc);
	free(lines);
	free_pw(owner_pw);
	free_pw(dp);
}

/*
 * targets - deliver to each target of an alias, .forward or :include:
 * file. src and lines, for a file, say where each target stood: results
 * then name the file and line instead of the target (see note). who is
 * the identity for commands and files: the .forward's user, an include
 * file's owner, or NULL for default_privs.
 */
static void
targets(struct expand *ex, char **t, const int *lines, const char *src,
    int depth, enum origin from, const struct passwd *who, const char *self,
    const char *final)
{
	struct passwd *runas = NULL;
	struct str q = STR_INIT;
	const char *saved_file = ex->src_file;
	int saved_line = ex->src_line;
	size_t i;

	for (i = 0; t[i]; i++) {
		const char *x = t[i];

		if (src != NULL) {
			ex->src_file = src;
			ex->src_line = lines ? lines[i] : 0;
		}
		if (x[0] == '|' || x[0] == '/') {
			const char *setting = x[0] == '|' ? "allow_mail_to_commands" : "allow_mail_to_files";

			if (!allowed(setting, from)) {
				note(ex, DS_BOUNCE, "5.7.1", "mail to %s is not allowed (%s)",
				    x[0] == '|' ? "commands" : "files", setting);
				continue;
			}
			if (runas == NULL)
				runas = who ? copy_pw(who) : privs_user();
			if (runas == NULL) {
				note(ex, DS_DEFER, "4.3.0", "no such user: default_privs");
				continue;
			}
			if (x[0] == '|')
				leaf(ex, LEAF_COMMAND, x + 1, runas, final);
			else
				leaf(ex, LEAF_FILE, x, runas, final);
		} else if (strncasecmp(x, ":include:", 9) == 0) {
			if (from == FROM_ALIAS || from == FROM_FORWARD)
				include(ex, x + 9, depth, from, who, self, final);
		} else if (x[0] == '\\') {
			const struct passwd *pw = lookup_user(x + 1);

			addr_qualify(x + 1, ex->ctx->myorigin, &q);
			if (pw == NULL)
				note(ex, DS_BOUNCE, "5.1.1", "unknown user: \"%s\"", x + 1);
			else {
				struct passwd *c = copy_pw(pw);

				expand_addr(ex, q.s, MAX_DEPTH + 1, c);
				free_pw(c);
			}
		} else if (self && strcasecmp(x, self) == 0) {
			/* "root: root, admin": the name itself means its mailbox */
			const struct passwd *pw = lookup_user(self);

			addr_qualify(self, ex->ctx->myorigin, &q);
			if (pw == NULL)
				note(ex, DS_BOUNCE, "5.1.1", "unknown user: \"%s\"", self);
			else {
				struct passwd *c = copy_pw(pw);

				expand_addr(ex, q.s, MAX_DEPTH + 1, c);
				free_pw(c);
			}
		} else {
			addr_qualify(x, ex->ctx->myorigin, &q);
			expand_addr(ex, q.s, depth + 1, NULL);
		}
	}
	ex->src_file = saved_file;
	ex->src_line = saved_line;
	free_pw(runas);
	str_free(&q);
}

/* mailbox - the last step: mbox or Maildir */
static void
mailbox(struct expand *ex, const struct passwd *pw, const char *final)
{
	const char *hm = conf_str("home_mailbox");
	struct str path = STR_INIT;
	size_t l = strlen(hm);

	if (l > 0 && hm[l - 1] == '/') {
		str_printf(&path, "%s/%.*s", pw->pw_dir, (int)(l - 1), hm);
		leaf(ex, LEAF_MAILDIR, path.s, pw, final);
	} else if (l > 0) {
		str_printf(&path, "%s/%s", pw->pw_dir, hm);
		leaf(ex, LEAF_FILE, path.s, pw, final);
	} else {
		str_printf(&path, "%s/%s", conf_str("mail_spool_directory"), pw->pw_name);
		leaf(ex, LEAF_MBOX, path.s, pw, final);
	}
	str_free(&path);
}

/*
 * expand_addr - one address: remote (forward), alias, .forward, mailbox.
 * depth > MAX_DEPTH means "straight to the mailbox of pw_direct".
 */
static void
expand_addr(struct expand *ex, const char *addr, int depth,
    const struct passwd *pw_direct)
{
	struct local_ctx *ctx = ex->ctx;
	struct str local = STR_INIT, value = STR_INIT, err = STR_INIT, fwd = STR_INIT;
	const char *dom = addr_domain(addr), *delim = conf_str("recipient_delimiter");
	const struct passwd *pw;
	struct passwd *pwc = NULL;
	char **t = NULL;
	int *lines = NULL;
	char *ext = NULL, *p;
	size_t i;
	int r;

	for (i = 0; i < ctx->ndt; i++) {
		if (strcasecmp(ctx->delivered_to[i], addr) == 0) {
			note(ex, DS_BOUNCE, "5.4.6", "mail forwarding loop for %s", addr);
			goto out;
		}
	}
	if (!local_is_local(ctx, addr)) {
		add_forward(ex, addr);
		goto out;
	}
	if (pw_direct) {
		mailbox(ex, pw_direct, addr);
		goto out;
	}
	if (depth > MAX_DEPTH) {
		note(ex, DS_BOUNCE, "5.4.6", "alias expansion too deep for %s", addr);
		goto out;
	}
	if (visited(ex, addr))
		goto out;	/* expanded already for this recipient */
	str_append(&local, addr, dom ? (size_t)(dom - 1 - addr) : strlen(addr));
	util_lowercase(local.s);
	if (local.len >= 2 && local.s[0] == '"' && local.s[local.len - 1] == '"') {
		/* a quoted local part: compare the plain text */
		memmove(local.s, local.s + 1, local.len - 2);
		str_truncate(&local, local.len - 2);
	}

	/* aliases: the full local part, then without its extension */
	ext = NULL;
	r = alias_get(ctx, local.s, &value, &err);
	if (r == 0 && *delim && (p = strpbrk(local.s, delim)) != NULL && p != local.s) {
		/* user+ext: try the alias, then the user, without the extension */
		ext = xstrdup(p + 1);
		if (ex->ext == NULL)
			ex->ext = ext;
		str_truncate(&local, (size_t)(p - local.s));
		r = alias_get(ctx, local.s, &value, &err);
	}
	if (r < 0) {
		note(ex, DS_DEFER, "4.3.0", "alias database unavailable: %s", str_c(&err));
		goto out_ext;
	}
	if (r > 0) {
		struct str owner = STR_INIT, ov = STR_INIT, oe = STR_INIT;

		if (aliases_split(value.s, &t, &err) < 0) {
			note(ex, DS_DEFER, "4.3.0", "bad alias %s: %s", local.s, str_c(&err));
			goto out_ext;
		}
		str_printf(&owner, "owner-%s", local.s);
		if (ctx->fwd_sender == NULL && alias_get(ctx, owner.s, &ov, &oe) > 0) {
			str_printf(&owner, "@%s", ctx->myorigin);
			ctx->fwd_sender = str_steal(&owner);
		}
		str_free(&owner);
		str_free(&ov);
		str_free(&oe);
		if (ex->report)
			str_printf(ex->report, "%salias %s -> ", sep(ex->report), local.s);
		targets(ex, t, NULL, NULL, depth, FROM_ALIAS, NULL, local.s, addr);
		goto out_ext;
	}

	/* a user */
	if ((pw = lookup_user(local.s)) == NULL) {
		note(ex, DS_BOUNCE, "5.1.1", "unknown user: \"%s\"", local.s);
		goto out_ext;
	}
	pwc = copy_pw(pw);

	/* ~/.forward */
	str_printf(&fwd, "%s/.forward", pwc->pw_dir);
	r = read_list_file(ex, fwd.s, pwc, pwc->pw_uid, 1, &t, &lines);
	if (r < 0)
		goto out_ext;
	if (r > 0) {
		if (ex->report)
			str_printf(ex->report, "%s.forward of %s -> ", sep(ex->report), pwc->pw_name);
		targets(ex, t, lines, fwd.s, depth, FROM_FORWARD, pwc, pwc->pw_name, addr);
		goto out_ext;
	}
	mailbox(ex, pwc, addr);
out_ext:
	if (ex->ext == ext)
		ex->ext = NULL;
	free(ext);
out:
	free_targets(t);
	free(lines);
	free_pw(pwc);
	str_free(&local);
	str_free(&value);
	str_free(&err);
	str_free(&fwd);
}

/* run - expand one recipient, with or without delivering */
static void
run(struct local_ctx *ctx, const char *rcpt, struct str *report, struct dresult *res)
{
	struct expand ex;
	size_t i;

	memset(&ex, 0, sizeof(ex));
	ex.ctx = ctx;
	ex.rcpt = rcpt;
	ex.report = report;
	ex.status = DS_OK;
	str_init(&ex.text);
	expand_addr(&ex, rcpt, 0, NULL);
	if (ex.status == DS_OK && ex.delivered == 0 && ex.text.len == 0)
		note(&ex, DS_BOUNCE, "5.4.6", "alias expansion of %s leads nowhere (loop?)", rcpt);
	if (ex.status == DS_DEFER && ex.delivered > 0)
		str_printf(&ex.text, " (%d other target%s of the expansion delivered; "
		    "only the rest is retried)", ex.delivered, ex.delivered == 1 ? "" : "s");
	res->status = ex.status;
	memcpy(res->dsn, ex.dsn, sizeof(res->dsn));
	str_set(&res->text, str_c(&ex.text));
	for (i = 0; i < ex.nvisited; i++)
		free(ex.visited[i]);
	free(ex.visited);
	str_free(&ex.text);
}

/* local_deliver - deliver to one local recipient */
void
local_deliver(struct local_ctx *ctx, const char *rcpt, struct dresult *res)
{
	run(ctx, rcpt, NULL, res);
}

/* local_verify - describe where a recipient's mail would go */
void
local_verify(struct local_ctx *ctx, const char *rcpt, struct str *out)
{
	struct dresult res;

	str_init(&res.text);
	str_reset(out);
	run(ctx, rcpt, out, &res);
	if (res.status != DS_OK) {
		str_reset(out);
		str_printf(out, "undeliverable: %s %s", res.dsn, str_c(&res.text));
	}
	str_free(&res.text);
}
