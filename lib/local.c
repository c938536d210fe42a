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
 * SECURITY: no address from the message ever reaches a shell: commands are
 * only those written in the aliases file or a .forward, and they see the
 * sender and recipient as environment values. A .forward is honoured only
 * when it is a regular file owned by the user (or root) and not writable by
 * group or others; :include: files likewise must not be writable by others.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
};

static void expand_addr(struct expand *, const char *, int, const struct passwd *);

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
local_ctx_init(struct local_ctx *ctx, const struct envelope *env, int msgfd)
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

/* note - record a result; the worst wins: defer, then bounce, then ok */
static void
note(struct expand *ex, int status, const char *dsn, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
note(struct expand *ex, int status, const char *dsn, const char *fmt, ...)
{
	va_list ap;
	int rank_new = status == LOCAL_DEFER ? 2 : status == LOCAL_BOUNCE ? 1 : 0;
	int rank_old = ex->status == LOCAL_DEFER ? 2 : ex->status == LOCAL_BOUNCE ? 1 : 0;

	if (status == LOCAL_OK)
		ex->delivered++;
	if (rank_new < rank_old || (rank_new == rank_old && ex->text.len > 0 && status != LOCAL_OK))
		return;
	ex->status = status;
	util_strlcpy(ex->dsn, dsn, sizeof(ex->dsn));
	str_reset(&ex->text);
	va_start(ap, fmt);
	str_vprintf(&ex->text, fmt, ap);
	va_end(ap);
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
in_child(struct expand *ex, struct leaf_args *la)
{
	struct local_ctx *ctx = ex->ctx;
	struct str why = STR_INIT, buf = STR_INIT;
	char dsn[16] = "4.3.0", rbuf[4096];
	int p[2], status, st;
	pid_t pid;
	ssize_t n;

	if (pipe(p) < 0) {
		note(ex, LOCAL_DEFER, "4.3.0", "pipe: %s", strerror(errno));
		return;
	}
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		note(ex, LOCAL_DEFER, "4.3.0", "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(p[0]);
		if (ctx->privileged) {
			if (la->kind == LEAF_MBOX &&
			    mbox_create(la->target, la->pw->pw_uid, la->pw->pw_gid, dsn, &why) != MBOX_OK)
				st = MBOX_DEFER;
			else if (privs_become(la->pw->pw_uid, la->pw->pw_gid) < 0) {
				st = MBOX_DEFER;
				str_printf(&why, "cannot switch to uid %ld: %s",
				    (long)la->pw->pw_uid, strerror(errno));
			} else
				st = -1;
		} else
			st = -1;
		if (st < 0) {
			switch (la->kind) {
			case LEAF_MBOX:
				st = mbox_deliver(la->target, la->owner, 1, &la->msg, dsn, &why);
				break;
			case LEAF_FILE:
				st = mbox_deliver(la->target, la->owner, 0, &la->msg, dsn, &why);
				break;
			case LEAF_MAILDIR:
				st = maildir_deliver(la->target, &la->msg, ctx->myhostname, dsn, &why);
				break;
			case LEAF_COMMAND:
				st = command_deliver(la->target, &la->ce, &la->msg, dsn, &why);
				break;
			}
		}
		str_printf(&buf, "%d %s %s", st, dsn, str_c(&why));
		(void)util_write_all(p[1], buf.s, buf.len);
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], rbuf, sizeof(rbuf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			str_append(&buf, rbuf, (size_t)n);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (buf.len < 4 || !isdigit((unsigned char)buf.s[0]) || buf.s[1] != ' ') {
		note(ex, LOCAL_DEFER, "4.3.0", "delivery process failed (status %d)", status);
	} else {
		char *sp = strchr(buf.s + 2, ' ');

		if (sp)
			*sp++ = '\0';
		st = buf.s[0] - '0';
		note(ex, st == MBOX_OK ? LOCAL_OK : st == MBOX_BOUNCE ? LOCAL_BOUNCE : LOCAL_DEFER,
		    buf.s + 2, "%s", sp ? sp : "");
	}
	str_free(&buf);
	str_free(&why);
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

	if (ex->report) {
		str_printf(ex->report, "%s%s %s (as %s)", sep(ex->report),
		    kinds[kind], target, pw->pw_name);
		ex->delivered++;
		return;
	}
	if (already_done(ctx, kinds[kind], target)) {
		note(ex, LOCAL_OK, "2.0.0", "delivered to %s (duplicate suppressed)", kinds[kind]);
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
	in_child(ex, &la);
	str_free(&prefix);
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

/* read_list_file - read a .forward or :include: file with its checks */
static int
read_list_file(struct expand *ex, const char *path, uid_t owner, char ***targets)
{
	struct stat st;
	struct str data = STR_INIT, err = STR_INIT;
	char buf[8192];
	ssize_t n;
	int fd, count = -1;

	*targets = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == EACCES) {
			note(ex, LOCAL_DEFER, "4.3.0", "cannot read %s: %s", path, strerror(errno));
			return -1;
		}
		if (errno == ELOOP) {
			log_warning("%s: ignoring %s: it is a symbolic link",
			    ex->ctx->env->id, path);
			return 0;
		}
		note(ex, LOCAL_DEFER, "4.3.0", "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != owner && st.st_uid != 0) || (st.st_mode & 022)) {
		close(fd);
		log_warning("%s: ignoring %s: not a regular file owned by uid %ld "
		    "and writable only by its owner", ex->ctx->env->id, path, (long)owner);
		return 0;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 && data.len < FORWARD_MAX)
		str_append(&data, buf, (size_t)n);
	close(fd);
	if (n < 0 || data.len >= FORWARD_MAX) {
		note(ex, LOCAL_DEFER, "4.3.0", "cannot read %s (error or larger than %d bytes)",
		    path, FORWARD_MAX);
		str_free(&data);
		return -1;
	}
	if (data.len && memchr(data.s, '\0', data.len) != NULL)
		count = -1, str_printf(&err, "NUL byte");
	else
		count = aliases_split(str_c(&data), targets, &err);
	if (count < 0)
		note(ex, LOCAL_DEFER, "4.3.5", "bad syntax in %s: %s (mail waits until it is fixed)", path, str_c(&err));
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

/* targets - deliver to each target of an alias or .forward */
static void
targets(struct expand *ex, char **t, int depth, enum origin from,
    const struct passwd *who, const char *self, const char *final)
{
	struct passwd *runas = NULL;
	struct str q = STR_INIT;
	size_t i;

	for (i = 0; t[i]; i++) {
		const char *x = t[i];

		if (x[0] == '|' || x[0] == '/') {
			const char *setting = x[0] == '|' ? "allow_mail_to_commands" : "allow_mail_to_files";

			if (!allowed(setting, from)) {
				note(ex, LOCAL_BOUNCE, "5.7.1", "mail to %s is not allowed (%s)",
				    x[0] == '|' ? "commands" : "files", setting);
				continue;
			}
			if (runas == NULL)
				runas = from == FROM_FORWARD ? copy_pw(who) : privs_user();
			if (runas == NULL) {
				note(ex, LOCAL_DEFER, "4.3.0", "no such user: default_privs");
				continue;
			}
			if (x[0] == '|')
				leaf(ex, LEAF_COMMAND, x + 1, runas, final);
			else
				leaf(ex, LEAF_FILE, x, runas, final);
		} else if (strncasecmp(x, ":include:", 9) == 0) {
			char **inc = NULL;
			uid_t owner = from == FROM_FORWARD ? who->pw_uid : 0;

			if (from != FROM_ALIAS && from != FROM_FORWARD)
				continue;
			if (ex->report)
				str_printf(ex->report, "%sinclude %s -> ", sep(ex->report), x + 9);
			if (read_list_file(ex, x + 9, owner, &inc) > 0)
				targets(ex, inc, depth + 1, from, who, self, final);
			free_targets(inc);
		} else if (x[0] == '\\') {
			const struct passwd *pw = lookup_user(x + 1);

			addr_qualify(x + 1, ex->ctx->myorigin, &q);
			if (pw == NULL)
				note(ex, LOCAL_BOUNCE, "5.1.1", "unknown user: \"%s\"", x + 1);
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
				note(ex, LOCAL_BOUNCE, "5.1.1", "unknown user: \"%s\"", self);
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
	char *ext = NULL, *p;
	size_t i;
	int r;

	for (i = 0; i < ctx->ndt; i++) {
		if (strcasecmp(ctx->delivered_to[i], addr) == 0) {
			note(ex, LOCAL_BOUNCE, "5.4.6", "mail forwarding loop for %s", addr);
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
		note(ex, LOCAL_BOUNCE, "5.4.6", "alias expansion too deep for %s", addr);
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
		note(ex, LOCAL_DEFER, "4.3.0", "alias database unavailable: %s", str_c(&err));
		goto out_ext;
	}
	if (r > 0) {
		struct str owner = STR_INIT, ov = STR_INIT, oe = STR_INIT;

		if (aliases_split(value.s, &t, &err) < 0) {
			note(ex, LOCAL_DEFER, "4.3.0", "bad alias %s: %s", local.s, str_c(&err));
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
		targets(ex, t, depth, FROM_ALIAS, NULL, local.s, addr);
		goto out_ext;
	}

	/* a user */
	if ((pw = lookup_user(local.s)) == NULL) {
		note(ex, LOCAL_BOUNCE, "5.1.1", "unknown user: \"%s\"", local.s);
		goto out_ext;
	}
	pwc = copy_pw(pw);

	/* ~/.forward */
	str_printf(&fwd, "%s/.forward", pwc->pw_dir);
	r = read_list_file(ex, fwd.s, pwc->pw_uid, &t);
	if (r < 0)
		goto out_ext;
	if (r > 0) {
		if (ex->report)
			str_printf(ex->report, "%s.forward of %s -> ", sep(ex->report), pwc->pw_name);
		targets(ex, t, depth, FROM_FORWARD, pwc, pwc->pw_name, addr);
		goto out_ext;
	}
	mailbox(ex, pwc, addr);
out_ext:
	if (ex->ext == ext)
		ex->ext = NULL;
	free(ext);
out:
	free_targets(t);
	free_pw(pwc);
	str_free(&local);
	str_free(&value);
	str_free(&err);
	str_free(&fwd);
}

/* run - expand one recipient, with or without delivering */
static void
run(struct local_ctx *ctx, const char *rcpt, struct str *report, struct local_result *res)
{
	struct expand ex;
	size_t i;

	memset(&ex, 0, sizeof(ex));
	ex.ctx = ctx;
	ex.rcpt = rcpt;
	ex.report = report;
	ex.status = LOCAL_OK;
	str_init(&ex.text);
	expand_addr(&ex, rcpt, 0, NULL);
	if (ex.status == LOCAL_OK && ex.delivered == 0 && ex.text.len == 0)
		note(&ex, LOCAL_BOUNCE, "5.4.6", "alias expansion of %s leads nowhere (loop?)", rcpt);
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
local_deliver(struct local_ctx *ctx, const char *rcpt, struct local_result *res)
{
	run(ctx, rcpt, NULL, res);
}

/* local_verify - describe where a recipient's mail would go */
void
local_verify(struct local_ctx *ctx, const char *rcpt, struct str *out)
{
	struct local_result res;

	str_init(&res.text);
	str_reset(out);
	run(ctx, rcpt, out, &res);
	if (res.status != LOCAL_OK) {
		str_reset(out);
		str_printf(out, "undeliverable: %s %s", res.dsn, str_c(&res.text));
	}
	str_free(&res.text);
}
