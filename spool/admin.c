/*
 * admin - the administrator's operations on entries: hold, release,
 * requeue, delete (posthorn(8); Postfix's postsuper -h, -H, -r, -d)
 *
 * DESCRIPTION
 *	A held entry lives in hold/ (flat, not hashed): hold/ID.env and
 *	hold/ID.msg, the same files as in the queue, moved by rename. runq
 *	scans queue/H only, so it never delivers, warns about or expires a
 *	held entry; mailq lists it marked '!'. Release moves it back.
 *
 *	Every operation first takes the entry's lock (spool_lock on ID.env,
 *	the lock runq holds while it delivers); an entry that runq is
 *	delivering is never moved or removed: the operation returns
 *	SPOOL_BUSY and the caller says so. A maildrop file is locked with
 *	flock, as pickup does.
 *
 * CRASH SAFETY
 *	Where ID.env is, there the entry is: its rename is the commit point.
 *	Hold renames ID.env into hold/ first, then ID.msg; release renames
 *	ID.msg back first, then ID.env; each rename is followed by an fsync
 *	of both directories, so the second never reaches the disk before the
 *	first. A crash in between leaves hold/ID.env with queue/H/ID.msg in
 *	either case: a held entry whose message file has not followed.
 *	runq's cleanup (and a later hold or release) finishes the move
 *	(spool_hold_repair) instead of taking the message file for debris.
 *	Deletion removes ID.env (the commit point), then ID.msg, and fsyncs
 *	the directory.
 *
 * ERRORS
 *	An invalid queue ID never becomes a path (spool_path checks it). As
 *	spool.h: 0 done, SPOOL_DONE nothing to do (already held, not
 *	held), SPOOL_GONE no such entry, SPOOL_BUSY runq holds it,
 *	SPOOL_BAD an invalid ID or envelope, SPOOL_SYSERR the system; the
 *	reason is in err.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "util.h"

/* entry_dir - the directory of an entry's files in sub ("queue", "hold") */
static void
entry_dir(struct str *out, const char *sub, const char *id)
{
	str_reset(out);
	if (strcmp(sub, "queue") == 0)
		str_printf(out, "%s/queue/%c", spool_dir(), spool_hash(id));
	else
		str_printf(out, "%s/%s", spool_dir(), sub);
}

/* exists - does the entry file exist? */
static int
exists(const char *sub, const char *id, const char *suffix)
{
	struct str p = STR_INIT;
	struct stat st;
	int r;

	r = spool_path(&p, sub, id, suffix) == 0 && lstat(p.s, &st) == 0;
	str_free(&p);
	return r;
}

/*
 * move_file - rename ID<suffix> from one place to the other and fsync
 * both directories. A file already at the destination (a move finished
 * before a crash) counts as moved.
 */
static int
move_file(const char *from, const char *to, const char *id, const char *suffix,
    struct str *err)
{
	struct str src = STR_INIT, dst = STR_INIT, dir = STR_INIT;
	int rc = 0;

	spool_path(&src, from, id, suffix);
	spool_path(&dst, to, id, suffix);
	if (rename(src.s, dst.s) < 0) {
		if (errno != ENOENT || !exists(to, id, suffix)) {
			str_printf(err, "rename %s to %s: %s", src.s, dst.s, strerror(errno));
			rc = SPOOL_SYSERR;
		}
		goto out;
	}
	entry_dir(&dir, to, id);
	if (util_fsync_dir(dir.s) < 0) {
		str_printf(err, "fsync %s: %s", dir.s, strerror(errno));
		rc = SPOOL_SYSERR;
		goto out;
	}
	entry_dir(&dir, from, id);
	if (util_fsync_dir(dir.s) < 0) {
		str_printf(err, "fsync %s: %s", dir.s, strerror(errno));
		rc = SPOOL_SYSERR;
	}
out:
	str_free(&src);
	str_free(&dst);
	str_free(&dir);
	return rc;
}

/* hold_dir - make sure hold/ exists (a spool made before it had one) */
static int
hold_dir(struct str *err)
{
	struct str p = STR_INIT;
	int rc = 0;

	spool_path(&p, "hold", NULL, NULL);
	if (mkdir(p.s, 0750) < 0 && errno != EEXIST) {
		str_printf(err, "cannot create %s: %s", p.s, strerror(errno));
		rc = SPOOL_SYSERR;
	}
	str_free(&p);
	return rc;
}

/* lock_entry - lock the entry in sub: its descriptor, or a negative rc */
static int
lock_entry(const char *sub, const char *id, struct envelope *env, struct str *err)
{
	int fd = -1, rc;

	rc = spool_env_open_at(sub, id, 1, &fd, env, err);
	if (rc == SPOOL_BUSY) {
		str_reset(err);
		str_printf(err, "%s is being delivered (locked by runq): try again later", id);
	}
	return rc < 0 ? rc : fd;
}

/*
 * spool_hold_repair - finish the move of a held entry whose message file
 * is still in the queue (see CRASH SAFETY). 0 repaired, SPOOL_DONE
 * nothing to repair, or a failure.
 */
int
spool_hold_repair(const char *id, struct str *err)
{
	struct envelope env;
	int fd, rc = SPOOL_DONE;

	if (exists("queue", id, ".env") || !exists("queue", id, ".msg"))
		return SPOOL_DONE;
	if ((fd = lock_entry("hold", id, &env, err)) < 0)
		return fd == SPOOL_GONE ? SPOOL_DONE : fd;
	env_free(&env);
	if (!exists("queue", id, ".env") && exists("queue", id, ".msg"))
		rc = move_file("queue", "hold", id, ".msg", err);
	close(fd);
	return rc;
}

/* spool_hold - move a queue entry to hold/ */
int
spool_hold(const char *id, struct str *err)
{
	struct envelope env;
	int fd, rc;

	if ((fd = lock_entry("queue", id, &env, err)) < 0) {
		if (fd == SPOOL_GONE && exists("hold", id, ".env")) {
			str_reset(err);
			return spool_hold_repair(id, err) < 0 ? SPOOL_SYSERR : SPOOL_DONE;
		}
		return fd;
	}
	env_free(&env);
	/* the envelope first: from then on the entry is held (CRASH SAFETY) */
	if ((rc = hold_dir(err)) == 0 &&
	    (rc = move_file("queue", "hold", id, ".env", err)) == 0)
		rc = move_file("queue", "hold", id, ".msg", err);
	close(fd);
	return rc;
}

/* spool_release - move a held entry back into the queue, due at once */
int
spool_release(const char *id, struct str *err)
{
	struct envelope env;
	int fd, rc;

	if ((fd = lock_entry("hold", id, &env, err)) < 0) {
		if (fd == SPOOL_GONE && exists("queue", id, ".env"))
			return SPOOL_DONE;
		return fd;
	}
	env_free(&env);
	/* the message first: the entry stays held until its envelope moves */
	if ((rc = move_file("hold", "queue", id, ".msg", err)) == 0)
		rc = move_file("hold", "queue", id, ".env", err);
	close(fd);
	return rc;
}

/*
 * spool_requeue - make a queue entry due now, as if it had just arrived:
 * the next run attempts it, the back-off starts again, and so do the
 * delay warning and maximal_queue_lifetime (from now). Recipients keep
 * their states: nobody who has the message gets it twice.
 */
int
spool_requeue(const char *id, time_t now, struct str *err)
{
	struct envelope env;
	int fd, rc;

	if ((fd = lock_entry("queue", id, &env, err)) < 0)
		return fd;
	env.next_attempt = 0;
	env.attempts = 0;
	env.warned = 0;
	env.arrival = now;
	env.arrival_usec = 0;
	rc = spool_env_update(&fd, &env, err);
	env_free(&env);
	close(fd);
	return rc;
}

/* remove_entry - delete a locked entry's files in sub, fsync the directory */
static int
remove_entry(const char *sub, const char *id, struct str *err)
{
	struct str p = STR_INIT, dir = STR_INIT;
	int rc = 0;

	/* the envelope is the commit point: once it is gone, so is the entry */
	spool_path(&p, sub, id, ".env");
	if (unlink(p.s) < 0 && errno != ENOENT) {
		str_printf(err, "unlink %s: %s", p.s, strerror(errno));
		rc = SPOOL_SYSERR;
		goto out;
	}
	spool_path(&p, sub, id, ".msg");
	if (unlink(p.s) < 0 && errno != ENOENT) {
		str_printf(err, "unlink %s: %s", p.s, strerror(errno));
		rc = SPOOL_SYSERR;
		goto out;
	}
	entry_dir(&dir, sub, id);
	if (util_fsync_dir(dir.s) < 0) {
		str_printf(err, "fsync %s: %s", dir.s, strerror(errno));
		rc = SPOOL_SYSERR;
	}
out:
	str_free(&p);
	str_free(&dir);
	return rc;
}

/* delete_maildrop - remove a maildrop file that pickup is not reading */
static int
delete_maildrop(const char *id, struct str *err)
{
	struct str p = STR_INIT, dir = STR_INIT;
	int fd, rc = 0;

	spool_path(&p, "maildrop", id, NULL);
	if ((fd = open(p.s, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
		rc = errno == ENOENT ? SPOOL_GONE : SPOOL_SYSERR;
		if (rc == SPOOL_SYSERR)
			str_printf(err, "open %s: %s", p.s, strerror(errno));
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? SPOOL_BUSY : SPOOL_SYSERR;
		str_printf(err, "%s is being picked up: try again later", id);
		goto out;
	}
	spool_path(&dir, "maildrop", NULL, NULL);
	if (unlink(p.s) < 0) {
		rc = errno == ENOENT ? SPOOL_GONE : SPOOL_SYSERR;
		if (rc == SPOOL_SYSERR)
			str_printf(err, "unlink %s: %s", p.s, strerror(errno));
	} else if (util_fsync_dir(dir.s) < 0) {
		str_printf(err, "fsync %s: %s", dir.s, strerror(errno));
		rc = SPOOL_SYSERR;
	}
out:
	if (fd >= 0)
		close(fd);
	str_free(&p);
	str_free(&dir);
	return rc;
}

/*
 * spool_delete - remove an entry wherever it is: the queue, hold/, and
 * the maildrop (a picked-up file waits there for its batch to end: it
 * goes too, or a crash would bring the message back). No notice is sent.
 * 0 when something was removed, else the first failure or SPOOL_GONE.
 */
int
spool_delete(const char *id, struct str *err)
{
	static const char *const subs[] = { "queue", "hold" };
	size_t i;
	int fd, rc, removed = 0;

	for (i = 0; i < ARRAY_LEN(subs); i++) {
		/* locked, not read: a malformed envelope goes as well */
		rc = spool_env_lock_at(subs[i], id, 1, &fd, err);
		if (rc == SPOOL_GONE) {
			str_reset(err);
			continue;
		}
		if (rc == SPOOL_BUSY) {
			str_reset(err);
			str_printf(err, "%s is being delivered (locked by runq): try again later", id);
		}
		if (rc < 0)
			return rc;
		rc = remove_entry(subs[i], id, err);
		close(fd);
		if (rc < 0)
			return rc;
		removed = 1;
	}
	rc = delete_maildrop(id, err);
	if (rc < 0 && rc != SPOOL_GONE)
		return rc;
	return removed || rc == 0 ? 0 : SPOOL_GONE;
}

/* spool_scan_hold - the IDs of the held entries, sorted */
int
spool_scan_hold(char ***out, size_t *n, struct str *err)
{
	struct str dir = STR_INIT;
	int rc = 0;

	*out = NULL;
	*n = 0;
	spool_path(&dir, "hold", NULL, NULL);
	if (access(dir.s, F_OK) == 0)
		rc = spool_list_dir(dir.s, out, n, err);
	str_free(&dir);
	return rc;
}
