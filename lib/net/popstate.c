/*
 * popstate - the state file of a popfetch account
 *
 * DESCRIPTION
 *	~/.popfetch/NAME.state holds one line per message:
 *
 *	  U uid                 fetched: in the queue (and, with keep off,
 *	                        deleted or about to be)
 *	  P uid ID sender       its queue file ID.msg is durable; its
 *	                        envelope may not be (see popfetch.c)
 *
 *	It is rewritten whole, through a temporary file, fsync, rename and
 *	a directory fsync, so that a reader sees the old state or the new,
 *	never a part. U lines are kept only for messages still on the
 *	server (the listing of the run), so the file does not grow.
 *	popf_recover() finishes the P lines a killed run left.
 *
 * SECURITY
 *	The files are the caller's, in the caller's ~/.popfetch, opened
 *	without following symbolic links.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "popfetch_int.h"
#include "spool.h"
#include "util.h"

#define STATE_MAX	((size_t)POP_MSGS_MAX * 100)

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* popf_seen - was this UID fetched before, or in this run? */
int
popf_seen(struct fetch *f, const char *uid)
{
	size_t i;

	if (uid == NULL)
		return 0;
	if (f->nseen && bsearch(&uid, f->seen, f->nseen, sizeof(char *), cmpstr))
		return 1;
	for (i = 0; i < f->nfresh; i++)
		if (strcmp(f->fresh[i], uid) == 0)
			return 1;
	return 0;
}

void
popf_add_fresh(struct fetch *f, const char *uid)
{
	if (uid == NULL || popf_seen(f, uid))
		return;
	f->fresh = xreallocarray(f->fresh, f->nfresh + 1, sizeof(char *));
	f->fresh[f->nfresh++] = xstrdup(uid);
}

/* popf_state_save - the state file, atomically: U lines for keep, P for pend */
int
popf_state_save(struct fetch *f, struct pop_msg *m, size_t n)
{
	struct str text = STR_INIT, tmp = STR_INIT;
	size_t i;
	int fd = -1, rc = -1;

	str_appends(&text, "# popfetch state; written by popfetch, do not edit\n");
	if (m == NULL) {
		for (i = 0; i < f->nseen; i++)
			str_printf(&text, "U %s\n", f->seen[i]);
		for (i = 0; i < f->nfresh; i++)
			str_printf(&text, "U %s\n", f->fresh[i]);
	} else {
		for (i = 0; i < n; i++)
			if (m[i].uid && popf_seen(f, m[i].uid))
				str_printf(&text, "U %s\n", m[i].uid);
	}
	for (i = 0; i < f->npend; i++)
		if (f->pend[i].uid)
			str_printf(&text, "P %s %s %s\n", f->pend[i].uid, f->pend[i].env.id,
			    f->pend[i].env.sender[0] ? f->pend[i].env.sender : "<>");
	str_printf(&tmp, "%s.tmp", f->statepath.s);
	if ((fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0 || util_write_all(fd, text.s, text.len) < 0 || fsync(fd) < 0 ||
	    close(fd) < 0 || (fd = -1, rename(tmp.s, f->statepath.s) < 0)) {
		str_printf(f->why, "cannot write %s: %s", tmp.s, strerror(errno));
		if (fd >= 0)
			close(fd);
		(void)unlink(tmp.s);
		goto out;
	}
	*strrchr(tmp.s, '/') = '\0';
	if (util_fsync_dir(tmp.s) < 0) {
		str_printf(f->why, "cannot sync %s: %s", tmp.s, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	str_free(&text);
	str_free(&tmp);
	return rc;
}

/* popf_pend_add - a message of the batch (or of the state) */
struct pend *
popf_pend_add(struct fetch *f, const char *uid, unsigned long num)
{
	struct pend *p;

	f->pend = xreallocarray(f->pend, f->npend + 1, sizeof(*f->pend));
	p = &f->pend[f->npend++];
	p->uid = uid ? xstrdup(uid) : NULL;
	p->num = num;
	env_init(&p->env);
	return p;
}

void
popf_pend_clear(struct fetch *f)
{
	size_t i;

	for (i = 0; i < f->npend; i++) {
		free(f->pend[i].uid);
		env_free(&f->pend[i].env);
	}
	f->npend = 0;
}

/*
 * popf_recover - finish the "P" lines a killed run left (see the top):
 * 0, or -1 when a queue entry cannot be completed
 */
int
popf_recover(struct fetch *f)
{
	struct str path = STR_INIT, err = STR_INIT;
	struct stat st;
	struct pend *p;
	size_t i;
	int rc = 0;

	for (i = 0; i < f->npend && rc == 0; i++) {
		p = &f->pend[i];
		spool_path(&path, "queue", p->env.id, ".env");
		if (stat(path.s, &st) == 0)
			continue;
		spool_path(&path, "queue", p->env.id, ".msg");
		if (stat(path.s, &st) < 0) {
			log_info("%s: %s: delivered before", f->a->name, p->env.id);
			continue;
		}
		p->env.size = (long long)st.st_size;
		p->env.arrival = st.st_mtime;
		p->env.uid = (long)getuid();
		env_add_rcpt(&p->env, f->rcpt, NULL, 0);
		if (spool_queue_env(&p->env, 0, &err) < 0) {
			str_printf(f->why, "cannot complete queue entry %s: %s", p->env.id, err.s);
			rc = -1;
		} else
			log_info("%s: from=<%s>, size=%lld, nrcpt=1 (queued, finished after "
			    "an interrupted run)", p->env.id, p->env.sender, p->env.size);
	}
	for (i = 0; i < f->npend && rc == 0; i++)
		popf_add_fresh(f, f->pend[i].uid);
	if (rc == 0)
		popf_pend_clear(f);
	str_free(&path);
	str_free(&err);
	return rc;
}

/* popf_state_load - the state file, if any: 0 or -1 (why) */
int
popf_state_load(struct fetch *f)
{
	struct str text = STR_INIT, e = STR_INIT;
	char *line, *next, *a, *b;
	struct pend *p;
	int fd, rc = -1, ln = 0;

	if ((fd = open(f->statepath.s, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		str_printf(f->why, "%s: %s", f->statepath.s, strerror(errno));
		return -1;
	}
	if (spool_read_fd(fd, STATE_MAX, &text, &e) < 0) {
		str_printf(f->why, "%s: %s", f->statepath.s, e.s);
		goto out;
	}
	str_append(&text, "", 0);
	for (line = text.s; line && *line; line = next) {
		ln++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		if (line[0] == 'U' && line[1] == ' ' && line[2]) {
			f->seen = xreallocarray(f->seen, f->nseen + 1, sizeof(char *));
			f->seen[f->nseen++] = xstrdup(line + 2);
		} else if (line[0] == 'P' && line[1] == ' ' &&
		    (a = strchr(line + 2, ' ')) != NULL && (b = strchr(a + 1, ' ')) != NULL) {
			*a++ = '\0';
			*b++ = '\0';
			if (!spool_id_valid(a))
				goto bad;
			p = popf_pend_add(f, line + 2, 0);
			util_strlcpy(p->env.id, a, sizeof(p->env.id));
			p->env.sender = xstrdup(strcmp(b, "<>") == 0 ? "" : b);
		} else
			goto bad;
	}
	if (f->nseen > 1)
		qsort(f->seen, f->nseen, sizeof(char *), cmpstr);
	rc = 0;
	goto out;
bad:
	str_printf(f->why, "%s:%d: not a popfetch state line", f->statepath.s, ln);
out:
	close(fd);
	str_free(&text);
	str_free(&e);
	return rc;
}

