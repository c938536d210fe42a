/*
 * local - local delivery: expansion of one recipient
 *
 * DESCRIPTION
 *	See local.h. Expansion is depth-first with a visited list per
 *	envelope recipient, so "a: b" and "b: a" end instead of looping; the
 *	Delivered-To: lines already in the message catch loops that leave
 *	this host and come back (5.4.6, as Postfix). A name that an alias
 *	expands to itself ("root: root, admin") or "\name" goes to that
 *	user's mailbox without further expansion, as in sendmail. The results
 *	of all targets of one recipient are folded into one (local_note: the
 *	worst wins, defer before bounce before ok).
 *
 * SECURITY
 *	runq may run as root. This file chooses the identity each target is
 *	delivered with; local_child.c does every open and every delivery with
 *	it, and its header has the table of whose rights open what. The
 *	choices: a user's mailbox and the targets of the user's .forward, as
 *	that user; an :include: named in a .forward, as that user, and the
 *	file must be the user's own; an :include: named in the aliases (or in
 *	an include of theirs), as the file's owner when that is not root,
 *	else default_privs, and what it lists runs as that identity too (as
 *	Postfix's local(8)); commands and files of the aliases, as
 *	default_privs. A private instance does everything as itself. Commands
 *	and files are refused unless allow_mail_to_commands or
 *	allow_mail_to_files names their origin.
 *
 *	No address from the message ever reaches a shell: commands are only
 *	those written in the aliases file, a .forward or an :include: file,
 *	and they see the sender and recipient as environment values. The text
 *	of a .forward or :include: file never reaches a reason, a bounce or a
 *	log line: results of its targets name the file and line
 *	(local_generic_text, shown_text).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
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
#include "local_int.h"
#include "log.h"
#include "util.h"

#define MAX_DEPTH	20

enum origin { FROM_NONE, FROM_ALIAS, FROM_FORWARD };

static void expand_addr(struct local_expand *, const char *, int, const struct passwd *);
static void targets(struct local_expand *, char **, const int *, const char *, int,
    enum origin, const struct passwd *, const char *, const char *);

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
 * local_generic_text - what a result says about a target read from a user's
 * file: the status in words, no text of the file or of what it named.
 */
const char *
local_generic_text(int status, const char *dsn)
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
 * from a .forward or :include: file, local_generic_text() and the file's name
 * and line, never the file's text; otherwise the text itself.
 */
static void
shown_text(const struct local_expand *ex, int status, const char *dsn,
    const char *fmt, va_list ap, struct str *out)
{
	if (ex->src_file != NULL)
		str_printf(out, "%s (%s, line %d)", local_generic_text(status, dsn),
		    ex->src_file, ex->src_line);
	else
		str_vprintf(out, fmt, ap);
}

/*
 * local_note - record a result; the worst wins: defer, then bounce, then ok.
 * For a target that came from a .forward or :include: file the text is
 * local_generic_text() and the file's name and line (see SECURITY above).
 */
void
local_note(struct local_expand *ex, int status, const char *dsn, const char *fmt, ...)
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
 * local_note_named - a result about a file we were asked to read (its name is
 * ours to say, its text never): the text as given, and where the name
 * stood when it came from a user's file.
 */
void
local_note_named(struct local_expand *ex, int status, const char *dsn, const char *fmt, ...)
{
	struct str text = STR_INIT;
	const char *src = ex->src_file;
	va_list ap;

	va_start(ap, fmt);
	str_vprintf(&text, fmt, ap);
	va_end(ap);
	ex->src_file = NULL;
	if (src != NULL)
		local_note(ex, status, dsn, "%s (%s, line %d)", text.s, src, ex->src_line);
	else
		local_note(ex, status, dsn, "%s", text.s);
	ex->src_file = src;
	str_free(&text);
}

/* local_sep - the separator before the next item of a -bv report */
const char *
local_sep(const struct str *report)
{
	return report->len == 0 || report->s[report->len - 1] == ' ' ? "" : ", ";
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

/*
 * local_rcpt_known - does an address in a local domain name an alias or a
 * user? The look-ups of expand_addr, without expanding anything or
 * reading any user's file: the alias of the whole local part, then, with
 * recipient_delimiter, the alias without the extension, then the user.
 * smtpd asks this at RCPT time. 1 known, 0 unknown, -1 when the alias
 * database cannot be read (reason in err).
 */
int
local_rcpt_known(const char *alias_db, const char *addr, struct str *err)
{
	struct str local = STR_INIT, value = STR_INIT;
	const char *dom = addr_domain(addr), *delim = conf_str("recipient_delimiter");
	char *p;
	int r = 0;

	str_append(&local, addr, dom ? (size_t)(dom - 1 - addr) : strlen(addr));
	util_lowercase(local.s);
	if (local.len >= 2 && local.s[0] == '"' && local.s[local.len - 1] == '"') {
		memmove(local.s, local.s + 1, local.len - 2);
		str_truncate(&local, local.len - 2);
	}
	if (alias_db != NULL && *alias_db != '\0')
		r = aliases_lookup(alias_db, local.s, &value, err);
	if (r == 0 && *delim && (p = strpbrk(local.s, delim)) != NULL && p != local.s) {
		str_truncate(&local, (size_t)(p - local.s));
		if (alias_db != NULL && *alias_db != '\0')
			r = aliases_lookup(alias_db, local.s, &value, err);
	}
	if (r == 0 && local.len > 0 && lookup_user(local.s) != NULL)
		r = 1;
	str_free(&local);
	str_free(&value);
	return r;
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
visited(struct local_expand *ex, const char *addr)
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
add_forward(struct local_expand *ex, const char *addr)
{
	struct local_ctx *ctx = ex->ctx;
	size_t i;

	if (ex->report) {
		str_printf(ex->report, "%sforward to <%s>", local_sep(ex->report), addr);
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
include(struct local_expand *ex, const char *path, int depth, enum origin from,
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
		str_printf(ex->report, "%sinclude %s -> ", local_sep(ex->report), path);
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
			local_note(ex, DS_DEFER, "4.3.0", "no such user: default_privs");
			return;
		}
		owner = 0;
		root_ok = 1;
	}
	if (local_read_list_file(ex, path, as, owner, root_ok, &inc, &lines) > 0)
		targets(ex, inc, lines, path, depth + 1, from, who, self, final);
	free_targets(inc);
	free(lines);
	free_pw(owner_pw);
	free_pw(dp);
}

/*
 * targets - deliver to each target of an alias, .forward or :include:
 * file. src and lines, for a file, say where each target stood: results
 * then name the file and line instead of the target (see local_note). who is
 * the identity for commands and files: the .forward's user, an include
 * file's owner, or NULL for default_privs.
 */
static void
targets(struct local_expand *ex, char **t, const int *lines, const char *src,
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
				local_note(ex, DS_BOUNCE, "5.7.1", "mail to %s is not allowed (%s)",
				    x[0] == '|' ? "commands" : "files", setting);
				continue;
			}
			if (runas == NULL)
				runas = who ? copy_pw(who) : privs_user();
			if (runas == NULL) {
				local_note(ex, DS_DEFER, "4.3.0", "no such user: default_privs");
				continue;
			}
			if (x[0] == '|')
				local_leaf(ex, LEAF_COMMAND, x + 1, runas, final);
			else
				local_leaf(ex, LEAF_FILE, x, runas, final);
		} else if (strncasecmp(x, ":include:", 9) == 0) {
			if (from == FROM_ALIAS || from == FROM_FORWARD)
				include(ex, x + 9, depth, from, who, self, final);
		} else if (x[0] == '\\') {
			const struct passwd *pw = lookup_user(x + 1);

			addr_qualify(x + 1, ex->ctx->myorigin, &q);
			if (pw == NULL)
				local_note(ex, DS_BOUNCE, "5.1.1", "unknown user: \"%s\"", x + 1);
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
				local_note(ex, DS_BOUNCE, "5.1.1", "unknown user: \"%s\"", self);
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
mailbox(struct local_expand *ex, const struct passwd *pw, const char *final)
{
	const char *hm = conf_str("home_mailbox");
	struct str path = STR_INIT;
	size_t l = strlen(hm);

	if (l > 0 && hm[l - 1] == '/') {
		str_printf(&path, "%s/%.*s", pw->pw_dir, (int)(l - 1), hm);
		local_leaf(ex, LEAF_MAILDIR, path.s, pw, final);
	} else if (l > 0) {
		str_printf(&path, "%s/%s", pw->pw_dir, hm);
		local_leaf(ex, LEAF_FILE, path.s, pw, final);
	} else {
		str_printf(&path, "%s/%s", conf_str("mail_spool_directory"), pw->pw_name);
		local_leaf(ex, LEAF_MBOX, path.s, pw, final);
	}
	str_free(&path);
}

/*
 * expand_addr - one address: remote (forward), alias, .forward, mailbox.
 * depth > MAX_DEPTH means "straight to the mailbox of pw_direct".
 */
static void
expand_addr(struct local_expand *ex, const char *addr, int depth,
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
			local_note(ex, DS_BOUNCE, "5.4.6", "mail forwarding loop for %s", addr);
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
		local_note(ex, DS_BOUNCE, "5.4.6", "alias expansion too deep for %s", addr);
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
		local_note(ex, DS_DEFER, "4.3.0", "alias database unavailable: %s", str_c(&err));
		goto out_ext;
	}
	if (r > 0) {
		struct str owner = STR_INIT, ov = STR_INIT, oe = STR_INIT;

		if (aliases_split(value.s, &t, &err) < 0) {
			local_note(ex, DS_DEFER, "4.3.0", "bad alias %s: %s", local.s, str_c(&err));
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
			str_printf(ex->report, "%salias %s -> ", local_sep(ex->report), local.s);
		targets(ex, t, NULL, NULL, depth, FROM_ALIAS, NULL, local.s, addr);
		goto out_ext;
	}

	/* a user */
	if ((pw = lookup_user(local.s)) == NULL) {
		local_note(ex, DS_BOUNCE, "5.1.1", "unknown user: \"%s\"", local.s);
		goto out_ext;
	}
	pwc = copy_pw(pw);

	/* ~/.forward */
	str_printf(&fwd, "%s/.forward", pwc->pw_dir);
	r = local_read_list_file(ex, fwd.s, pwc, pwc->pw_uid, 1, &t, &lines);
	if (r < 0)
		goto out_ext;
	if (r > 0) {
		if (ex->report)
			str_printf(ex->report, "%s.forward of %s -> ", local_sep(ex->report), pwc->pw_name);
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

/* caller_name - the login name of the process's user, for -bv reports */
static const char *
caller_name(void)
{
	static char num[24];
	struct passwd *pw = getpwuid(geteuid());

	if (pw != NULL)
		return pw->pw_name;
	(void)snprintf(num, sizeof(num), "%ld", (long)geteuid());
	return num;
}

/* run - expand one recipient, with or without delivering */
static void
run(struct local_ctx *ctx, const char *rcpt, struct str *report, struct dresult *res)
{
	struct local_expand ex;
	size_t i;

	memset(&ex, 0, sizeof(ex));
	ex.ctx = ctx;
	ex.rcpt = rcpt;
	ex.report = report;
	ex.status = DS_OK;
	str_init(&ex.text);
	str_init(&ex.unchecked);
	expand_addr(&ex, rcpt, 0, NULL);
	if (ex.status == DS_OK && ex.delivered == 0 && ex.text.len == 0)
		local_note(&ex, DS_BOUNCE, "5.4.6", "alias expansion of %s leads nowhere (loop?)", rcpt);
	if (ex.status == DS_DEFER && ex.delivered > 0 && report == NULL)
		str_printf(&ex.text, " (%d other target%s of the expansion delivered; "
		    "only the rest is retried)", ex.delivered, ex.delivered == 1 ? "" : "s");
	if (report != NULL && ex.unchecked.len > 0)
		str_printf(report, "; cannot check %s as user %s", ex.unchecked.s, caller_name());
	res->status = ex.status;
	memcpy(res->dsn, ex.dsn, sizeof(res->dsn));
	str_set(&res->text, str_c(&ex.text));
	for (i = 0; i < ex.nvisited; i++)
		free(ex.visited[i]);
	free(ex.visited);
	str_free(&ex.text);
	str_free(&ex.unchecked);
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
