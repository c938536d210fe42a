/*
 * writer - the streaming spool writer and the one commit function
 *
 * DESCRIPTION
 *	Every program that stores a message (sendmail into the maildrop,
 *	runq's pickup, forwards and notices into the queue, envelope
 *	updates) writes it through a struct spool_writer:
 *
 *	  spool_writer_open     create a hidden temporary ".NAME.PID" in the
 *	                        directory: O_EXCL | O_NOFOLLOW | O_CLOEXEC,
 *	                        the given mode, and the owner set with
 *	                        spool_set_owner
 *	  spool_writer_write    append a chunk
 *	  spool_writer_pwrite   overwrite bytes already written (the fixed-
 *	                        width size record of a maildrop entry)
 *	  spool_writer_copy_fd  append bytes read from a descriptor through a
 *	                        fixed buffer, whatever their number
 *	  spool_writer_commit   fsync, optionally lock, rename, fsync the
 *	                        directory
 *	  spool_writer_abort    unlink the temporary
 *
 *	The message never needs to fit in memory: a writer holds a
 *	descriptor and two names.
 *
 * Durability: the commit fsyncs the file, renames it to its name and
 * fsyncs the directory (or, when the directory cannot be opened for
 * reading, as for setgid sendmail and the 1730 maildrop, calls syncfs
 * on the file's file system). Only then does it return 0. The caller
 * says through flags what may be left out, and why: SPOOL_NOSYNC inside
 * a pickup batch (struct spool_batch: one syncfs covers everything the
 * batch wrote before any maildrop file goes), SPOOL_NODIRSYNC for the
 * message file of a queue entry, whose directory the envelope's commit
 * syncs right after. Nothing else turns a sync off.
 *
 * Error contract: functions return 0 or -1 with "STEP PATH: reason" in
 * err, STEP naming the system call that failed (create, chmod, chown,
 * write, read, fsync, lock, rename, fsync directory, close) as the
 * fault-injection tests expect. After a failure of any call but a
 * successful commit the writer is finished: the temporary is gone and
 * nothing is left under the final name (except that an update with a
 * lock keeps the new, renamed file: the old one is replaced already).
 *
 * SECURITY: this is how sendmail, running setgid phdrop, puts data into
 * the maildrop. O_EXCL | O_NOFOLLOW means it can neither follow a planted
 * link nor overwrite an existing entry.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "util.h"

#define COPY_CHUNK	65536

/* fail - record a failed step and finish the writer */
static int
fail(struct spool_writer *w, const char *step, struct str *err)
{
	int saved = errno;

	str_printf(err, "%s %s: %s", step, w->tmp.s, strerror(saved));
	spool_writer_abort(w);
	errno = saved;
	return -1;
}

/* spool_writer_open - create the hidden temporary for dir/name */
int
spool_writer_open(struct spool_writer *w, const char *dir, const char *name,
    mode_t mode, struct str *err)
{
	uid_t uid;
	gid_t gid;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	str_printf(&w->dir, "%s", dir);
	str_printf(&w->tmp, "%s/.%s.%ld", dir, name, (long)getpid());
	str_printf(&w->final, "%s/%s", dir, name);
	w->fd = open(w->tmp.s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (w->fd < 0 && errno == EEXIST) {
		/* a temporary left by a killed process with our pid: ours now */
		if (unlink(w->tmp.s) == 0)
			w->fd = open(w->tmp.s, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, mode);
	}
	if (w->fd < 0) {
		str_printf(err, "create %s: %s", w->tmp.s, strerror(errno));
		str_free(&w->dir);
		str_free(&w->tmp);
		str_free(&w->final);
		return -1;
	}
	w->open = 1;
	if (fchmod(w->fd, mode) < 0)
		return fail(w, "chmod", err);
	spool_get_owner(&uid, &gid);
	if (uid != (uid_t)-1 && fchown(w->fd, uid, gid) < 0)
		return fail(w, "chown", err);
	return 0;
}

/* spool_writer_write - append len bytes */
int
spool_writer_write(struct spool_writer *w, const void *buf, size_t len,
    struct str *err)
{
	if (len == 0)
		return 0;
	if (util_write_all(w->fd, buf, len) < 0)
		return fail(w, "write", err);
	w->size += (long long)len;
	return 0;
}

/* spool_writer_pwrite - overwrite len bytes at off, inside what was written */
int
spool_writer_pwrite(struct spool_writer *w, const void *buf, size_t len,
    off_t off, struct str *err)
{
	const char *p = buf;
	ssize_t n;

	if (off < 0 || (long long)off + (long long)len > w->size) {
		errno = EINVAL;
		return fail(w, "write", err);
	}
	while (len > 0) {
		if ((n = pwrite(w->fd, p, len, off)) < 0) {
			if (errno == EINTR)
				continue;
			return fail(w, "write", err);
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * spool_writer_copy_fd - append len bytes of fd from offset off (pread:
 * the descriptor's offset is not used); len < 0 copies to the end of the
 * file. A file that ends before len bytes is an error ("read ...: short
 * file").
 */
int
spool_writer_copy_fd(struct spool_writer *w, int fd, off_t off, long long len,
    struct str *err)
{
	char buf[COPY_CHUNK];
	size_t want;
	ssize_t n;

	while (len != 0) {
		want = sizeof(buf);
		if (len > 0 && (long long)want > len)
			want = (size_t)len;
		n = pread(fd, buf, want, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail(w, "read", err);
		}
		if (n == 0) {
			if (len < 0)
				break;
			str_printf(err, "read %s: the source ends %lld bytes early",
			    w->tmp.s, len);
			spool_writer_abort(w);
			return -1;
		}
		if (spool_writer_write(w, buf, (size_t)n, err) < 0)
			return -1;
		off += n;
		if (len > 0)
			len -= n;
	}
	return 0;
}

/*
 * spool_writer_commit - the commit: fsync, lock, rename, fsync the
 * directory. With lockfd the new file is locked (spool_lock) before the rename and
 * its descriptor returned there, so that the entry is never visible
 * unlocked (see queue.c). flags: SPOOL_NOSYNC, SPOOL_NODIRSYNC (see the
 * top of this file). On failure nothing is left under either name.
 */
int
spool_writer_commit(struct spool_writer *w, int flags, int *lockfd,
    struct str *err)
{
	const char *step;
	int renamed = 0;

	/* 1. the data on disk before the name can point at it */
	step = "fsync";
	if (!(flags & SPOOL_NOSYNC) && fsync(w->fd) < 0)
		goto fail;
	/* 2. an update is locked before anyone can open it by name */
	step = "lock";
	if (lockfd && spool_lock(w->fd) != 0)
		goto fail;
	/* 3. the commit point */
	step = "rename";
	if (rename(w->tmp.s, w->final.s) < 0)
		goto fail;
	renamed = 1;
	/* 4. the name on disk; syncfs when the directory is not readable */
	step = "fsync directory";
	if (!(flags & (SPOOL_NOSYNC | SPOOL_NODIRSYNC)) &&
	    util_fsync_dir(w->dir.s) < 0 && (errno != EACCES || syncfs(w->fd) < 0))
		goto fail;
	/* 5. a close can report a deferred write error */
	if (lockfd)
		*lockfd = w->fd;
	else if (close(w->fd) < 0) {
		w->fd = -1;
		step = "close";
		goto fail;
	}
	w->fd = -1;
	w->open = 0;
	spool_writer_abort(w);
	return 0;
fail:
	str_printf(err, "%s %s: %s", step, renamed ? w->final.s : w->tmp.s,
	    strerror(errno));
	if (renamed && lockfd == NULL)
		(void)unlink(w->final.s);
	/* an update (lockfd) has replaced the old file: keep the new one */
	if (renamed)
		w->open = 0;
	spool_writer_abort(w);
	return -1;
}

/* spool_writer_abort - give up: close and unlink the temporary; idempotent */
void
spool_writer_abort(struct spool_writer *w)
{
	if (w->fd >= 0)
		(void)close(w->fd);
	w->fd = -1;
	if (w->open)
		(void)unlink(w->tmp.s);
	w->open = 0;
	str_free(&w->dir);
	str_free(&w->tmp);
	str_free(&w->final);
}
