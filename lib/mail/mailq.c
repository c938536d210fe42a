/*
 * mailq - the queue listing, in Postfix's layout
 *
 * DESCRIPTION
 *	mailq_print() is what mailq(1) and sendmail -bp show. The text
 *	listing follows Postfix's postqueue -p (src/postqueue/showq_compat.c)
 *	byte for byte where our queue allows, because scripts and monitoring
 *	plugins parse it:
 *
 *	  -Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------
 *	  <ID><s> <size:7> <asctime, first 20 chars> <sender>
 *	  <76-wide, right-aligned "(reason)" when the reason changes>
 *	  <41 spaces><recipient>
 *	  <blank line between entries>
 *
 *	  -- <total bytes / 1024> Kbytes in <n> Request<s>.
 *
 *	or "Mail queue is empty". <s> is '*' when runq holds the lock on
 *	ID.env (Postfix: in the active queue), '!' for an entry on hold
 *	(hold/, posthorn hold) and a space otherwise. Postfix
 *	pads "ID<status>" to 11 columns; our IDs are 21 characters, so the
 *	status character is always written (a space when there is none) to
 *	keep the columns of our own entries aligned, and the recipient column
 *	stays Postfix's column 41. The null sender is shown as MAILER-DAEMON;
 *	text that is not printable UTF-8 is shown with '?', as Postfix's
 *	printable() does.
 *
 *	With json, each entry is one line in the format of postqueue -j
 *	(src/postqueue/showq_json.c), with the same field order and spacing.
 *	queue_name is "maildrop" for maildrop entries, "active" for an entry
 *	runq is delivering (locked), "hold" for one on hold, "deferred"
 *	after at least one attempt, "incoming" before the first.
 *
 *	Only recipients still pending are listed, those with a reason first,
 *	grouped by reason in order of first appearance; an entry with none
 *	pending is not listed. Entries are listed in queue ID order, which is
 *	arrival order; an entry that moves from the maildrop to the queue
 *	while we look is listed once.
 *
 * SECURITY
 *	mailq runs setgid posthorn, which opens queue/ and hold/ (0750) and
 *	the ID.env files (0640). This module reads envelopes only (spool_env_open, which
 *	opens without following links and bounds the read) and never opens
 *	an ID.msg file, so the privilege shows envelopes and nothing else.
 *	The maildrop (1730) cannot be listed with that privilege; it is read
 *	only when the caller's own rights allow (root, or the owner of a
 *	private instance), and its files are untrusted: opened with
 *	O_NOFOLLOW and O_NONBLOCK, regular files only, and only their
 *	envelope part is read, bounded, by spool_maildrop_read_env (never
 *	the message). Whatever an entry holds is escaped on output.
 *
 *	Whether runq holds an entry is tested with F_OFD_GETLK, which takes
 *	no lock (spool_lock_held): mailq runs as the user, who can stop it
 *	at any instant, so it must never hold a lock runq could meet.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mailq.h"
#include "spool.h"
#include "util.h"

/* Postfix's short-ID formats (showq_compat.c); see the header comment */
#define STRING_FORMAT	"%-11s %7s %-20s %s\n"
#define SENDER_FORMAT	"%-11s %7lld %20.20s %s\n"

#define EMPTY_ADDR	"MAILER-DAEMON"	/* Postfix's empty_address_recipient */

struct listing {
	FILE		*fp;
	const struct mailq_opts *opts;
	unsigned long	 count;		/* entries listed */
	unsigned long long bytes;	/* their message sizes */
	int		 werr;		/* errno of the first write error */
	struct str	 out;		/* the entry being formatted */
	struct str	 tmp;
};

struct slot {
	size_t		 idx;		/* recipient index */
	size_t		 key;		/* group order */
	const char	*why;		/* reason or NULL */
};

/* note - a -v remark on stderr; not logged */
static void __attribute__((format(printf, 2, 3)))
note(const struct mailq_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (!o->verbose)
		return;
	fprintf(stderr, "%s: ", log_progname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* skipped - warn about an entry left out of the listing */
static void
skipped(const char *where, const char *id, const struct str *why)
{
	char clean[LOG_CLEAN_MAX + 1];

	log_warning("%s: %s entry skipped: %s", id, where,
	    log_clean(clean, sizeof(clean), why->s ? why->s : "", why->len));
}

/*
 * utf8_len - the length of the valid UTF-8 sequence at p (1-4), or 0.
 * Overlong forms, surrogates and code points above U+10FFFF are invalid.
 * p is NUL-terminated, and a NUL fails every continuation test, so this
 * never reads past the end.
 */
static size_t
utf8_len(const unsigned char *p)
{
	unsigned c = p[0];

#define CONT(x)	(((x) & 0xc0) == 0x80)
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return CONT(p[1]) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (!CONT(p[1]) || !CONT(p[2]))
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (!CONT(p[1]) || !CONT(p[2]) || !CONT(p[3]))
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
#undef CONT
}

/* mailq_printable - append s with controls and bad UTF-8 as '?' */
void
mailq_printable(struct str *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p) {
		if (*p < 0x20 || *p == 0x7f || (n = utf8_len(p)) == 0) {
			str_appendc(out, '?');
			p++;
			continue;
		}
		str_append(out, p, n);
		p += n;
	}
}

/*
 * mailq_json_quote - append s as the inside of a JSON string. As Postfix's
 * json_quote: short escapes for \b \f \n \r \t, \u00XX for the other
 * controls and DEL, backslash and quote escaped; bytes that are not valid
 * UTF-8 become '?', so the output is always valid UTF-8 JSON.
 */
void
mailq_json_quote(struct str *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p) {
		switch (*p) {
		case '\b': str_appends(out, "\\b"); p++; continue;
		case '\f': str_appends(out, "\\f"); p++; continue;
		case '\n': str_appends(out, "\\n"); p++; continue;
		case '\r': str_appends(out, "\\r"); p++; continue;
		case '\t': str_appends(out, "\\t"); p++; continue;
		case '"': str_appends(out, "\\\""); p++; continue;
		case '\\': str_appends(out, "\\\\"); p++; continue;
		default:
			break;
		}
		if (*p < 0x20 || *p == 0x7f) {
			str_printf(out, "\\u%04X", *p);
			p++;
		} else if ((n = utf8_len(p)) == 0) {
			str_appendc(out, '?');
			p++;
		} else {
			str_append(out, p, n);
			p += n;
		}
	}
}

/* arrival_text - asctime() of the local time, without its locale or buffer */
static void
arrival_text(char *buf, size_t size, time_t t)
{
	static const char wday[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char mon[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11 ||
	    util_snprintf(buf, size, "%.3s %.3s%3d %.2d:%.2d:%.2d %d\n",
	    wday[tm.tm_wday], mon[tm.tm_mon], tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, 1900 + tm.tm_year) < 0)
		(void)util_snprintf(buf, size, "??");
}

/* cmp_why - reasons sorted, reasonless last, stable by index */
static int
cmp_why(const void *va, const void *vb)
{
	const struct slot *a = va, *b = vb;
	int c;

	if ((a->why == NULL) != (b->why == NULL))
		return a->why == NULL ? 1 : -1;
	if (a->why && (c = strcmp(a->why, b->why)) != 0)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* cmp_key - group order, then index */
static int
cmp_key(const void *va, const void *vb)
{
	const struct slot *a = va, *b = vb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * order_pending - the pending recipients, those with a reason first,
 * grouped by reason in order of first appearance, the rest in envelope
 * order. Returns the count; *out is allocated (free it).
 */
static size_t
order_pending(const struct envelope *env, struct slot **out)
{
	struct slot *s;
	size_t i, n = 0, first = 0;

	s = xreallocarray(NULL, env->nrcpt ? env->nrcpt : 1, sizeof(*s));
	for (i = 0; i < env->nrcpt; i++) {
		const struct rcpt *r = &env->rcpt[i];

		if (r->state != RCPT_PENDING)
			continue;
		s[n].idx = i;
		s[n].why = r->reason && *r->reason ? r->reason : NULL;
		n++;
	}
	qsort(s, n, sizeof(*s), cmp_why);
	for (i = 0; i < n; i++) {
		if (s[i].why == NULL) {
			s[i].key = SIZE_MAX;
			continue;
		}
		if (i == 0 || s[i - 1].why == NULL || strcmp(s[i - 1].why, s[i].why) != 0)
			first = s[i].idx;	/* smallest index of its group */
		s[i].key = first;
	}
	qsort(s, n, sizeof(*s), cmp_key);
	*out = s;
	return n;
}

/* format_text - one entry of the postqueue -p listing */
static void
format_text(struct listing *l, const char *queue, const struct envelope *env,
    const struct slot *s, size_t n)
{
	char idstat[SPOOL_ID_LEN + 2], when[64];
	const char *saved = "", *why, *show;
	size_t i;
	int pad;

	if (l->count == 0)
		str_printf(&l->out, STRING_FORMAT, "-Queue ID-", "--Size--",
		    "----Arrival Time----", "-Sender/Recipient-------");
	else
		str_appendc(&l->out, '\n');
	(void)util_snprintf(idstat, sizeof(idstat), "%s%c", env->id,
	    strcmp(queue, "active") == 0 ? '*' : strcmp(queue, "hold") == 0 ? '!' : ' ');
	arrival_text(when, sizeof(when), env->arrival);
	str_reset(&l->tmp);
	mailq_printable(&l->tmp, env->sender && *env->sender ? env->sender : EMPTY_ADDR);
	str_printf(&l->out, SENDER_FORMAT, idstat, env->size, when, l->tmp.s);

	/* As showq_compat.c: a "(reason)" line whenever the reason changes. */
	for (i = 0; i < n; i++) {
		const struct rcpt *r = &env->rcpt[s[i].idx];

		why = s[i].why ? s[i].why : "";
		if (strcmp(saved, why) != 0) {
			saved = why;
			show = *why ? why : "reason unavailable";
			str_reset(&l->tmp);
			mailq_printable(&l->tmp, show);
			pad = 76 - (int)(l->tmp.len > 76 ? 76 : l->tmp.len);
			str_printf(&l->out, "%*s(%s)\n", pad, "", l->tmp.s);
		}
		str_reset(&l->tmp);
		mailq_printable(&l->tmp, r->addr);
		str_printf(&l->out, STRING_FORMAT, "", "", "", l->tmp.s);
	}
}

/* format_json - one postqueue -j line */
static void
format_json(struct listing *l, const char *queue, const struct envelope *env,
    const struct slot *s, size_t n)
{
	size_t i;

	str_printf(&l->out, "{\"queue_name\": \"%s\", \"queue_id\": \"%s\", "
	    "\"arrival_time\": %lld, \"message_size\": %lld, "
	    "\"forced_expire\": false, \"sender\": \"", queue, env->id,
	    (long long)env->arrival, env->size);
	mailq_json_quote(&l->out, env->sender && *env->sender ? env->sender : EMPTY_ADDR);
	str_appends(&l->out, "\", \"recipients\": [");
	for (i = 0; i < n; i++) {
		const struct rcpt *r = &env->rcpt[s[i].idx];

		str_appends(&l->out, i ? ", {\"address\": \"" : "{\"address\": \"");
		mailq_json_quote(&l->out, r->addr);
		str_appendc(&l->out, '"');
		if (s[i].why) {
			str_appends(&l->out, ", \"delay_reason\": \"");
			mailq_json_quote(&l->out, s[i].why);
			str_appendc(&l->out, '"');
		}
		str_appendc(&l->out, '}');
	}
	str_appends(&l->out, "]}\n");
}

/* show - list one entry, if it has pending recipients */
static void
show(struct listing *l, const char *queue, const struct envelope *env)
{
	struct slot *s;
	size_t n;

	n = order_pending(env, &s);
	if (n > 0) {
		str_reset(&l->out);
		if (l->opts->json)
			format_json(l, queue, env, s, n);
		else
			format_text(l, queue, env, s, n);
		errno = 0;
		if (l->werr == 0 && fwrite(l->out.s, 1, l->out.len, l->fp) != l->out.len)
			l->werr = errno ? errno : EIO;
		l->count++;
		l->bytes += env->size > 0 ? (unsigned long long)env->size : 0;
	}
	free(s);
}

/*
 * held_by_runner - does runq hold the lock on ID.env? fd is the file we
 * read. runq replaces ID.env (locked before the rename) after every
 * attempt, so when ours is free but no longer the file at the path, the
 * file that is there now is tested once more.
 */
static int
held_by_runner(const char *id, int fd)
{
	struct str path = STR_INIT;
	struct stat st_fd, st_path;
	int busy = 0, nfd = -1, tries;

	spool_path(&path, "queue", id, ".env");
	for (tries = 0; tries < 2; tries++) {
		if ((busy = spool_lock_held(fd)) != 0) {
			busy = busy > 0;
			break;
		}
		if (tries > 0 || fstat(fd, &st_fd) < 0 || stat(path.s, &st_path) < 0 ||
		    (st_fd.st_ino == st_path.st_ino && st_fd.st_dev == st_path.st_dev))
			break;
		if ((nfd = open(path.s, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
			break;
		fd = nfd;
	}
	if (nfd >= 0)
		close(nfd);
	str_free(&path);
	return busy;
}

/* show_queue - list a queue entry */
static void
show_queue(struct listing *l, const char *id)
{
	struct envelope env;
	struct str err = STR_INIT;
	const char *queue;
	int fd, rc;

	rc = spool_env_open(id, 0, &fd, &env, &err);
	if (rc == 0) {
		queue = held_by_runner(id, fd) ? "active" :
		    env.attempts > 0 ? "deferred" : "incoming";
		close(fd);
		show(l, queue, &env);
		env_free(&env);
	} else if (rc == SPOOL_GONE)
		note(l->opts, "%s: delivered while listing", id);
	else
		skipped("queue", id, &err);
	str_free(&err);
}

/* show_hold - list a held entry; one released meanwhile is in the queue */
static void
show_hold(struct listing *l, const char *id)
{
	struct envelope env;
	struct str err = STR_INIT;
	int fd, rc;

	rc = spool_env_open_at("hold", id, 0, &fd, &env, &err);
	if (rc == 0) {
		close(fd);
		show(l, "hold", &env);
		env_free(&env);
	} else if (rc == SPOOL_GONE)
		show_queue(l, id);
	else
		skipped("hold", id, &err);
	str_free(&err);
}

/*
 * show_maildrop - list a maildrop entry (untrusted: see SECURITY). Only
 * its envelope part is read (spool_maildrop_read_env), never the
 * message. An entry that is gone was picked up meanwhile; it is then
 * looked for in the queue, where our scan, made before, could not have
 * seen it.
 */
static void
show_maildrop(struct listing *l, const char *id)
{
	struct str path = STR_INIT, err = STR_INIT;
	struct envelope env;
	struct stat st;
	off_t off;
	int fd = -1;

	spool_path(&path, "maildrop", id, NULL);
	if ((fd = open(path.s, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			show_queue(l, id);
			goto out;
		}
		str_printf(&err, "open %s: %s", path.s, strerror(errno));
		goto bad;
	}
	if (fstat(fd, &st) < 0) {
		str_printf(&err, "fstat %s: %s", path.s, strerror(errno));
		goto bad;
	}
	if (!S_ISREG(st.st_mode)) {
		str_printf(&err, "%s is not a plain file", path.s);
		goto bad;
	}
	if (spool_maildrop_read_env(fd, &env, &off, &err) < 0)
		goto bad;
	if (strcmp(env.id, id) != 0) {
		str_printf(&err, "entry names queue ID %s", env.id);
		env_free(&env);
		goto bad;
	}
	show(l, "maildrop", &env);
	env_free(&env);
	goto out;
bad:
	skipped("maildrop", id, &err);
out:
	if (fd >= 0)
		close(fd);
	str_free(&path);
	str_free(&err);
}

/*
 * list_maildrop - the maildrop IDs, or none when the caller may not list
 * the directory (EACCES: the normal case for an ordinary user, since the
 * maildrop is 1730). Other failures are errors.
 */
static int
list_maildrop(const struct mailq_opts *o, char ***ids, size_t *n, int *unlisted,
    struct str *err)
{
	struct str dir = STR_INIT;
	int fd, rc = 0;

	*ids = NULL;
	*n = 0;
	spool_path(&dir, "maildrop", NULL, NULL);
	if ((fd = open(dir.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		if (errno == EACCES) {
			note(o, "%s: %s: not listed", dir.s, strerror(errno));
			*unlisted = 1;
		}
		else {
			str_printf(err, "cannot open %s: %s", dir.s, strerror(errno));
			rc = -1;
		}
		goto out;
	}
	close(fd);
	rc = spool_list_dir(dir.s, ids, n, err);
out:
	str_free(&dir);
	return rc;
}

/* mailq_print - the listing; see mailq.h */
int
mailq_print(FILE *fp, const struct mailq_opts *o, struct mailq_result *res,
    struct str *err)
{
	struct listing l;
	struct stat st;
	char **md = NULL, **q = NULL, **h = NULL;
	size_t nmd = 0, nq = 0, nh = 0, i = 0, j = 0, k = 0;
	int c, rc = 0;

	memset(&l, 0, sizeof(l));
	l.fp = fp;
	l.opts = o;
	res->fail = MAILQ_FAIL_SPOOL;
	res->maildrop_unlisted = 0;
	res->maildrop_waiting = -1;
	if (stat(spool_dir(), &st) < 0) {
		str_printf(err, "cannot open spool directory %s: %s", spool_dir(),
		    strerror(errno));
		return -1;
	}
	/* The maildrop first: an entry picked up meanwhile is then in the queue. */
	if (list_maildrop(o, &md, &nmd, &res->maildrop_unlisted, err) < 0)
		return -1;
	if (res->maildrop_unlisted)
		res->maildrop_waiting = spool_maildrop_waiting();
	if (spool_scan_queue(&q, &nq, err) < 0) {
		spool_list_free(md, nmd);
		return -1;
	}
	/* held entries after the queue: one held meanwhile is listed once */
	if (spool_scan_hold(&h, &nh, err) < 0) {
		spool_list_free(md, nmd);
		spool_list_free(q, nq);
		return -1;
	}
	while ((i < nmd || j < nq || k < nh) && l.werr == 0) {
		/* the smallest ID next; a held entry is listed as held */
		const char *next = i < nmd ? md[i] : j < nq ? q[j] : h[k];

		if (j < nq && strcmp(q[j], next) < 0)
			next = q[j];
		if (k < nh && strcmp(h[k], next) < 0)
			next = h[k];
		if (k < nh && strcmp(h[k], next) == 0) {
			show_hold(&l, h[k++]);
			while (i < nmd && strcmp(md[i], next) == 0)
				i++;
			while (j < nq && strcmp(q[j], next) == 0)
				j++;
			continue;
		}
		c = i == nmd ? 1 : j == nq ? -1 : strcmp(md[i], q[j]);
		if (c == 0)
			i++;		/* picked up: the queue entry counts */
		else if (c < 0)
			show_maildrop(&l, md[i++]);
		else if (j > 0 && strcmp(q[j - 1], q[j]) == 0)
			j++;		/* a stray copy in another queue/H: once */
		else
			show_queue(&l, q[j++]);
	}
	if (l.werr == 0) {
		/* postqueue -j prints nothing for an empty queue, nor totals */
		if (!o->json && l.count == 0)
			fputs("Mail queue is empty\n", fp);
		else if (!o->json)
			fprintf(fp, "\n-- %llu Kbytes in %lu Request%s.\n",
			    l.bytes / 1024, l.count, l.count == 1 ? "" : "s");
		errno = 0;
		if (fflush(fp) != 0 || ferror(fp))
			l.werr = errno ? errno : EIO;
	}
	if (l.werr != 0 && l.werr != EPIPE) {
		str_printf(err, "write error: %s", strerror(l.werr));
		res->fail = MAILQ_FAIL_OUTPUT;
		rc = -1;
	}
	spool_list_free(md, nmd);
	spool_list_free(q, nq);
	spool_list_free(h, nh);
	str_free(&l.out);
	str_free(&l.tmp);
	return rc;
}
