/*
 * queue - queue entries: commit, lock, update, remove, pickup
 *
 * A queue entry is ID.msg (immutable, 0600) and ID.env (0640), in the
 * hashed directory queue/H. The rename that puts ID.env in place is the
 * commit point: an ID.msg without ID.env is debris from a crash and is
 * removed by runq after a grace period.
 *
 * Locking: whoever delivers a message holds the write lock of ID.env
 * (spool_lock: an OFD lock, which mailq can test without taking).
 * Because every update replaces ID.env by rename, the new file is locked
 * before it is renamed into place (spool_write_file's lockfd), and a
 * process that locks a file checks afterwards that the path still names
 * the inode it locked; if not, it lost a race with an update and tries
 * again. So an entry is never visible unlocked while someone delivers it.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "util.h"

#define ENV_FILE_MAX	(16 * 1024 * 1024)

/*
 * spool_read_fd - read a whole file of at most max bytes: 0, SPOOL_BAD when
 * it is larger, SPOOL_SYSERR on a read error
 */
int
spool_read_fd(int fd, size_t max, struct str *out, struct str *err)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			str_printf(err, "read: %s", strerror(errno));
			return SPOOL_SYSERR;
		}
		if (n == 0)
			return 0;
		if (out->len + (size_t)n > max) {
			str_printf(err, "file larger than %zu bytes", max);
			return SPOOL_BAD;
		}
		str_append(out, buf, (size_t)n);
	}
}

/* entry_complete - does a queue entry read back whole? */
static int
entry_complete(const char *id)
{
	struct envelope e;
	struct str err = STR_INIT, path = STR_INIT;
	struct stat st;
	int fd = -1, ok;

	ok = spool_env_open(id, 0, &fd, &e, &err) == 0;
	if (ok) {
		spool_path(&path, "queue", id, ".msg");
		ok = stat(path.s, &st) == 0 && (long long)st.st_size == e.size;
		env_free(&e);
		close(fd);
	}
	str_free(&err);
	str_free(&path);
	return ok;
}

/*
 * spool_queue_begin - start a new queue entry: w is opened on the
 * temporary of queue/H/ID.msg, for the caller to write the message into
 * (Received: or Delivered-To: line first, then the message, copied
 * through a fixed buffer) and then to call spool_queue_finish. Returns
 * 0, -1 with the reason in err, or SPOOL_DONE (w is not open) when a
 * whole entry exists already: committed by an earlier run that died
 * before it could clean up. A torn one (a crash inside a batch) is
 * removed and written again.
 */
int
spool_queue_begin(const char *id, struct spool_writer *w, struct str *err)
{
	struct str dir = STR_INIT, path = STR_INIT, name = STR_INIT;
	struct stat st;
	int rc = -1;

	/* an invalid ID would make the path the queue directory itself */
	if (spool_path(&path, "queue", id, ".env") < 0) {
		str_printf(err, "invalid queue ID");
		goto out;
	}
	/* held meanwhile (posthorn hold): queued already, never again */
	spool_path(&name, "hold", id, ".env");
	if (lstat(name.s, &st) == 0) {
		rc = SPOOL_DONE;
		goto out;
	}
	str_reset(&name);
	if (lstat(path.s, &st) == 0) {
		if (entry_complete(id)) {
			rc = SPOOL_DONE;
			goto out;
		}
		(void)unlink(path.s);
	}
	str_printf(&dir, "%s/queue/%c", spool_dir(), spool_hash(id));
	str_printf(&name, "%s.msg", id);
	if (spool_writer_open(w, dir.s, name.s, 0600, err) < 0)
		goto out;
	rc = 0;
out:
	str_free(&dir);
	str_free(&path);
	str_free(&name);
	return rc;
}

/*
 * spool_queue_finish - commit the message file w (from spool_queue_begin),
 * then write and commit ID.env, the entry's commit point. env->size must
 * be what was written. With a batch nothing is synced here (see
 * spool_batch_end); without one the message file is fsynced and the
 * envelope's commit fsyncs the directory for both. On failure neither
 * file is left.
 */
int
spool_queue_finish(struct spool_writer *w, const struct envelope *env,
    struct spool_batch *batch, struct str *err)
{
	struct str path = STR_INIT;
	int rc = -1;

	if (w->size != env->size) {
		str_printf(err, "%s: wrote %lld bytes for a message of %lld",
		    env->id, w->size, env->size);
		spool_writer_abort(w);
		goto out;
	}
	if (spool_writer_commit(w, batch ? SPOOL_NOSYNC : SPOOL_NODIRSYNC,
	    NULL, err) < 0)
		goto out;
	if (spool_queue_env(env, batch ? SPOOL_NOSYNC : 0, err) < 0) {
		spool_path(&path, "queue", env->id, ".msg");
		(void)unlink(path.s);
		goto out;
	}
	rc = 0;
out:
	str_free(&path);
	return rc;
}

/*
 * spool_queue_env - write and commit ID.env for a message file that is
 * in place: the entry's commit point. flags as spool_writer_commit's.
 * popfetch commits the message files of a batch first and the envelopes
 * once its own record of them is durable (lib/net/popfetch.c).
 */
int
spool_queue_env(const struct envelope *env, int flags, struct str *err)
{
	struct spool_writer w;
	struct str dir = STR_INIT, name = STR_INIT, text = STR_INIT;
	int rc = -1;

	str_printf(&dir, "%s/queue/%c", spool_dir(), spool_hash(env->id));
	str_printf(&name, "%s.env", env->id);
	env_format(env, &text);
	str_appends(&text, ".\n");
	if (spool_writer_open(&w, dir.s, name.s, 0640, err) == 0 &&
	    spool_writer_write(&w, text.s, text.len, err) == 0 &&
	    spool_writer_commit(&w, flags, NULL, err) == 0)
		rc = 0;
	str_free(&dir);
	str_free(&name);
	str_free(&text);
	return rc;
}

/*
 * spool_queue_commit - a new queue entry from a message held in memory
 * (pre, then msg): a notice, whose size is bounded. A whole entry that
 * exists already is left as it is.
 */
int
spool_queue_commit(const struct envelope *env, const void *pre, size_t prelen,
    const void *msg, size_t msglen, struct str *err)
{
	struct spool_writer w;
	int rc;

	if ((rc = spool_queue_begin(env->id, &w, err)) != 0)
		return rc == SPOOL_DONE ? 0 : -1;
	if (spool_writer_write(&w, pre, prelen, err) < 0 ||
	    spool_writer_write(&w, msg, msglen, err) < 0)
		return -1;
	return spool_queue_finish(&w, env, NULL, err);
}

/*
 * spool_env_lock_at - open (and with lock, lock) the envelope of an entry
 * in sub ("queue" or "hold"), without reading it. Returns 0 with *fdp
 * open (locked), SPOOL_BUSY when another process holds the lock,
 * SPOOL_GONE when the entry has disappeared, SPOOL_BAD for an invalid
 * ID, SPOOL_SYSERR otherwise.
 */
int
spool_env_lock_at(const char *sub, const char *id, int lock, int *fdp,
    struct str *err)
{
	struct str path = STR_INIT;
	struct stat st_fd, st_path;
	int fd = -1, tries, rc;

	if (spool_path(&path, sub, id, ".env") < 0) {
		str_printf(err, "invalid queue ID");
		rc = SPOOL_BAD;
		goto out;
	}
	for (tries = 0; ; tries++) {
		/* a write lock needs a descriptor open for writing */
		fd = open(path.s, (lock ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			rc = errno == ENOENT ? SPOOL_GONE : SPOOL_SYSERR;
			str_printf(err, "open %s: %s", path.s, strerror(errno));
			goto out;
		}
		if (!lock)
			break;
		if ((rc = spool_lock(fd)) != 0) {
			str_printf(err, "lock %s: %s", path.s, strerror(errno));
			goto out;
		}
		/* Did an update (or a move) replace the file while we waited? */
		if (fstat(fd, &st_fd) == 0 && stat(path.s, &st_path) == 0 &&
		    st_fd.st_ino == st_path.st_ino && st_fd.st_dev == st_path.st_dev) {
			/* when the lock was taken: see runq's report of stuck entries */
			(void)futimens(fd, NULL);
			break;
		}
		close(fd);
		fd = -1;
		if (tries > 10) {
			rc = SPOOL_BUSY;
			str_printf(err, "%s keeps changing", path.s);
			goto out;
		}
	}
	*fdp = fd;
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	str_free(&path);
	return rc;
}

/*
 * spool_env_open_at - read (and with lock, lock) the envelope of an
 * entry in sub. Returns 0 with *fdp open (locked) and env filled, or as
 * spool_env_lock_at, or SPOOL_BAD for a malformed envelope.
 */
int
spool_env_open_at(const char *sub, const char *id, int lock, int *fdp,
    struct envelope *env, struct str *err)
{
	struct str data = STR_INIT;
	size_t used;
	int fd = -1, rc;

	if ((rc = spool_env_lock_at(sub, id, lock, &fd, err)) < 0)
		goto out;
	if ((rc = spool_read_fd(fd, ENV_FILE_MAX, &data, err)) < 0)
		goto out;
	if ((rc = env_parse(data.s ? data.s : "", data.len, env, &used, err)) < 0)
		goto out;
	if (data.s[used - 2] != '.' || used != data.len || strcmp(env->id, id) != 0) {
		str_printf(err, "envelope %s is malformed or misnamed", id);
		env_free(env);
		rc = SPOOL_BAD;
		goto out;
	}
	*fdp = fd;
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	str_free(&data);
	return rc;
}

/* spool_env_open - spool_env_open_at in the queue */
int
spool_env_open(const char *id, int lock, int *fdp, struct envelope *env,
    struct str *err)
{
	return spool_env_open_at("queue", id, lock, fdp, env, err);
}

/*
 * spool_env_update - replace the envelope of a locked entry. *fdp, the
 * locked descriptor, is replaced by that of the new file, locked too.
 */
int
spool_env_update(int *fdp, const struct envelope *env, struct str *err)
{
	struct str dir = STR_INIT, name = STR_INIT, text = STR_INIT;
	int newfd = -1, rc;

	str_printf(&dir, "%s/queue/%c", spool_dir(), spool_hash(env->id));
	str_printf(&name, "%s.env", env->id);
	env_format(env, &text);
	str_appends(&text, ".\n");
	rc = spool_write_file(dir.s, name.s, text.s, text.len, NULL, 0, 0640,
	    &newfd, err);
	if (rc == 0) {
		close(*fdp);
		*fdp = newfd;
	}
	str_free(&dir);
	str_free(&name);
	str_free(&text);
	return rc;
}

/* spool_msg_open - open the message file of an entry for reading */
int
spool_msg_open(const char *id, struct str *err)
{
	struct str path = STR_INIT;
	int fd;

	if (spool_path(&path, "queue", id, ".msg") < 0) {
		str_printf(err, "invalid queue ID");
		str_free(&path);
		return -1;
	}
	if ((fd = open(path.s, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		str_printf(err, "open %s: %s", path.s, strerror(errno));
	str_free(&path);
	return fd;
}

/*
 * spool_remove - remove a finished entry: the envelope first (after that
 * the message file is debris), then the message. The directory is not
 * fsync'ed: if a crash undoes the removal, the entry is delivered again,
 * which the crash rules allow (at most one repeated attempt).
 */
int
spool_remove(const char *id, struct str *err)
{
	struct str path = STR_INIT, dir = STR_INIT;
	int rc = 0;

	if (!spool_id_valid(id)) {
		str_printf(err, "invalid queue ID");
		return -1;
	}
	str_printf(&dir, "%s/queue/%c", spool_dir(), spool_hash(id));
	spool_path(&path, "queue", id, ".env");
	if (unlink(path.s) < 0 && errno != ENOENT) {
		str_printf(err, "unlink %s: %s", path.s, strerror(errno));
		rc = -1;
		goto out;
	}
	spool_path(&path, "queue", id, ".msg");
	if (unlink(path.s) < 0 && errno != ENOENT) {
		str_printf(err, "unlink %s: %s", path.s, strerror(errno));
		rc = -1;
	}
out:
	str_free(&path);
	str_free(&dir);
	return rc;
}

/*
 * spool_move_corrupt - move a bad maildrop file ("maildrop") or queue
 * entry ("queue") to corrupt/ for the administrator.
 */
int
spool_move_corrupt(const char *where, const char *id, struct str *err)
{
	struct str from = STR_INIT, to = STR_INIT;
	static const char *const suffixes[] = { ".env", ".msg" };
	int rc = 0;
	size_t i;

	/* spool_path would name the directories themselves: never rename those */
	if (!spool_id_valid(id)) {
		str_printf(err, "invalid queue ID");
		return -1;
	}
	if (strcmp(where, "maildrop") == 0) {
		spool_path(&from, "maildrop", id, NULL);
		spool_path(&to, "corrupt", id, NULL);
		if (rename(from.s, to.s) < 0) {
			str_printf(err, "rename %s: %s", from.s, strerror(errno));
			rc = -1;
		}
	} else {
		for (i = 0; i < ARRAY_LEN(suffixes); i++) {
			spool_path(&from, "queue", id, suffixes[i]);
			spool_path(&to, "corrupt", id, suffixes[i]);
			if (rename(from.s, to.s) < 0 && errno != ENOENT) {
				str_printf(err, "rename %s: %s", from.s, strerror(errno));
				rc = -1;
			}
		}
	}
	str_free(&from);
	str_free(&to);
	return rc;
}

/*
 * spool_pickup_one - move one maildrop entry into the queue.
 *
 * The file is untrusted: opened without following links, it must be a
 * regular file, its envelope part (read alone, bounded) must parse
 * cleanly, carry its own name as queue ID and a size that matches the
 * file's. The submitting uid is the file's owner. A Received: line naming
 * that uid goes in front of the message, which is copied into the queue
 * entry through a fixed buffer. With a batch, the commits are not synced
 * and the maildrop file's removal waits for spool_batch_end. Returns 0
 * (the entry is queued and the maildrop file removed or due for removal;
 * env is filled in), SPOOL_GONE, SPOOL_BUSY, SPOOL_BAD (caller moves the
 * file to corrupt/), or SPOOL_SYSERR.
 */
int
spool_pickup_one(const char *id, long long max, const char *hostname,
    struct spool_batch *batch, struct envelope *env, struct str *err)
{
	struct str path = STR_INIT, rcvd = STR_INIT;
	struct spool_writer w;
	struct stat st;
	char date[64];
	off_t off;
	int fd = -1, rc;

	if (spool_path(&path, "maildrop", id, NULL) < 0) {
		str_printf(err, "invalid queue ID");
		rc = SPOOL_BAD;
		goto out;
	}
	if ((fd = open(path.s, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
		rc = errno == ENOENT ? SPOOL_GONE :
		    errno == ELOOP ? SPOOL_BAD : SPOOL_SYSERR;
		str_printf(err, "open %s: %s", path.s, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		str_printf(err, "fstat %s: %s", path.s, strerror(errno));
		rc = SPOOL_SYSERR;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink > 1) {
		str_printf(err, "%s is not a plain file", path.s);
		rc = SPOOL_BAD;
		goto out;
	}
	/* Two runners may pick up at once: one wins, the other skips it. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? SPOOL_BUSY : SPOOL_SYSERR;
		str_printf(err, "lock %s: %s", path.s, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || st.st_nlink == 0) {
		rc = SPOOL_GONE;
		goto out;
	}
	if ((rc = spool_maildrop_read_env(fd, env, &off, err)) < 0)
		goto out;
	if (strcmp(env->id, id) != 0) {
		str_printf(err, "entry names queue ID %s", env->id);
		env_free(env);
		rc = SPOOL_BAD;
		goto out;
	}
	/* max 0 is "no limit" (message_size_limit = 0): sendmail took it */
	if (max > 0 && env->size > max) {
		str_printf(err, "message of %lld bytes exceeds message_size_limit", env->size);
		env_free(env);
		rc = SPOOL_BAD;
		goto out;
	}
	env->uid = (long)st.st_uid;
	util_rfc5322_date(date, sizeof(date), env->arrival);
	str_printf(&rcvd, "Received: by %s (posthorn, from userid %ld)\n\tid %s; %s\n",
	    hostname, env->uid, env->id, date);
	env->next_attempt = 0;
	rc = spool_queue_begin(env->id, &w, err);
	if (rc == 0) {
		if (spool_writer_write(&w, rcvd.s, rcvd.len, err) < 0 ||
		    spool_writer_copy_fd(&w, fd, off, env->size, err) < 0)
			rc = -1;
		env->size += (long long)rcvd.len;
		if (rc == 0)
			rc = spool_queue_finish(&w, env, batch, err);
	} else if (rc == SPOOL_DONE) {
		env->size += (long long)rcvd.len;
		rc = 0;
	}
	if (rc < 0) {
		env_free(env);
		rc = SPOOL_SYSERR;
		goto out;
	}
	/* Queued: the maildrop copy goes (in a batch, once the batch is
	 * durable). A crash before that means a second pickup, which finds
	 * ID.env and only removes the file. */
	if (batch)
		spool_batch_unlink(batch, path.s);
	else if (unlink(path.s) < 0 && errno != ENOENT)
		str_printf(err, "unlink %s: %s", path.s, strerror(errno));
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	str_free(&path);
	str_free(&rcvd);
	return rc;
}
