/*
 * maildrop - submission entries: envelope records, "M", the message
 *
 * An entry is one file, maildrop/ID, mode 0444:
 *
 *   V2 ... Z<19 digits> B<7|8> Y<0|1> R... M      envelope (envelope.c)
 *   the message, exactly Z bytes, LF line ends
 *
 * sendmail writes it as it reads its input: spool_maildrop_begin writes
 * the envelope with a zero size and 7-bit, ASCII flags; the header
 * section and the body stream after it; spool_maildrop_commit then
 * overwrites the fixed-width Z, B and Y records in place (pwrite; env_format
 * always writes them with the same width, one after the other) before
 * the commit's fsync. A crash before the commit leaves only a hidden
 * temporary, which runq removes.
 *
 * runq's pickup and mailq read back only the envelope part with
 * spool_maildrop_read_env, as untrusted input: the records are bounded
 * and checked (see envelope.c), the message size must match the Z record
 * and the file's size exactly, so a truncated or padded file is refused,
 * and the queue ID record must name the file. spool_maildrop_parse does
 * the same checks on an entry held in memory (tests, fuzzing).
 *
 * SECURITY: the maildrop is writable by group phdrop, so any local user
 * can put any bytes here. Nothing in an entry is trusted for privilege:
 * the submitting uid is the file's owner (pickup), not the U record. The
 * B and Y records are the submitter's word about its own message.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "util.h"

/* the most an envelope part may hold: many recipients, each at most a record */
#define MAILDROP_ENV_MAX	(64 * 1024 + (size_t)SPOOL_RCPT_MAX * (SPOOL_ADDR_MAX + 64))
#define READ_CHUNK		16384

/* size_records - the fixed-width Z, B and Y records of env */
static void
size_records(const struct envelope *env, struct str *out)
{
	str_printf(out, "Z%019lld\nB%c\nY%c\n", env->size,
	    env->body8bit ? '8' : '7', env->smtputf8 ? '1' : '0');
}

/*
 * spool_maildrop_begin - create the entry's temporary and write the
 * envelope. *zoff gets the offset of the Z record, *msgoff that of the
 * message, which the caller writes next with spool_writer_write.
 */
int
spool_maildrop_begin(struct spool_writer *w, const struct envelope *env,
    off_t *zoff, off_t *msgoff, struct str *err)
{
	struct str head = STR_INIT, dir = STR_INIT;
	const char *z;
	int rc = -1;

	env_format(env, &head);
	str_appends(&head, "M\n");
	/* every record is one line, so the first "\nZ" starts the Z record */
	if ((z = strstr(head.s, "\nZ")) == NULL) {
		str_printf(err, "envelope without a size record");
		goto out;
	}
	*zoff = (off_t)(z + 1 - head.s);
	spool_path(&dir, "maildrop", NULL, NULL);
	/* 0444, as Postfix's postdrop: the directory keeps others out */
	if (spool_writer_open(w, dir.s, env->id, 0444, err) < 0 ||
	    spool_writer_write(w, head.s, head.len, err) < 0)
		goto out;
	*msgoff = (off_t)head.len;
	rc = 0;
out:
	str_free(&head);
	str_free(&dir);
	return rc;
}

/*
 * spool_maildrop_commit - fill in the size (everything written after
 * msgoff) and the B and Y records of env, then commit the entry.
 */
int
spool_maildrop_commit(struct spool_writer *w, struct envelope *env, off_t zoff,
    off_t msgoff, struct str *err)
{
	struct str rec = STR_INIT;
	int rc;

	env->size = w->size - (long long)msgoff;
	size_records(env, &rec);
	rc = spool_writer_pwrite(w, rec.s, rec.len, zoff, err);
	str_free(&rec);
	if (rc < 0)
		return -1;
	return spool_writer_commit(w, 0, NULL, err);
}

/* check_entry - what both readers check once the envelope is parsed */
static int
check_entry(const char *buf, size_t used, struct envelope *env,
    long long msglen, struct str *err)
{
	if (used < 2 || buf[used - 2] != 'M') {
		str_printf(err, "maildrop entry without a message");
		return SPOOL_BAD;
	}
	if (env->id[0] == '\0') {
		str_printf(err, "maildrop entry without a queue ID");
		return SPOOL_BAD;
	}
	if (env->nmember > 0) {
		/* only delivery records members: a submission has none */
		str_printf(err, "maildrop entry with member records");
		return SPOOL_BAD;
	}
	if (env->size < 0 || env->size != msglen) {
		str_printf(err, "message size %lld does not match the envelope's %lld",
		    msglen, env->size);
		return SPOOL_BAD;
	}
	return 0;
}

/*
 * spool_maildrop_parse - read an entry held in memory. *msg_off gets the
 * offset of the message. Returns 0 or SPOOL_BAD.
 */
int
spool_maildrop_parse(const char *buf, size_t len, struct envelope *env,
    size_t *msg_off, struct str *err)
{
	size_t used = 0;

	if (env_parse(buf, len, env, &used, err) < 0)
		return SPOOL_BAD;
	if (check_entry(buf, used, env, (long long)(len - used), err) < 0) {
		env_free(env);
		return SPOOL_BAD;
	}
	*msg_off = used;
	return 0;
}

/*
 * spool_maildrop_read_env - read and check the envelope of the entry open
 * on fd (from its start, with pread), never its message: at most
 * MAILDROP_ENV_MAX bytes are read, up to the "M" record. *msg_off gets
 * the offset of the message; its size (env->size) matches the file's.
 * Returns 0, SPOOL_BAD or SPOOL_SYSERR.
 */
int
spool_maildrop_read_env(int fd, struct envelope *env, off_t *msg_off,
    struct str *err)
{
	struct str data = STR_INIT;
	struct stat st;
	size_t used = 0, end = 0, from;
	const char *m;
	ssize_t n;
	int rc = SPOOL_BAD;

	env_init(env);
	if (fstat(fd, &st) < 0) {
		str_printf(err, "fstat: %s", strerror(errno));
		return SPOOL_SYSERR;
	}
	/* find the end of the "M" record: "\nM\n" (no record holds an LF) */
	while (end == 0) {
		if (data.len >= MAILDROP_ENV_MAX) {
			str_printf(err, "envelope longer than %zu bytes", MAILDROP_ENV_MAX);
			goto out;
		}
		str_reserve(&data, READ_CHUNK);
		n = pread(fd, data.s + data.len, READ_CHUNK, (off_t)data.len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			str_printf(err, "read: %s", strerror(errno));
			rc = SPOOL_SYSERR;
			goto out;
		}
		if (n == 0) {
			str_printf(err, "envelope ends early (truncated file)");
			goto out;
		}
		from = data.len > 2 ? data.len - 2 : 0;
		data.len += (size_t)n;
		data.s[data.len] = '\0';
		for (; from + 3 <= data.len; from = (size_t)(m - data.s) + 1) {
			if ((m = memchr(data.s + from, '\n', data.len - from)) == NULL ||
			    (size_t)(m - data.s) + 3 > data.len)
				break;
			if (m[1] == 'M' && m[2] == '\n') {
				end = (size_t)(m - data.s) + 3;
				break;
			}
		}
	}
	if (env_parse(data.s, end, env, &used, err) < 0)
		goto out;
	if (check_entry(data.s, used, env, (long long)st.st_size - (long long)used,
	    err) < 0) {
		env_free(env);
		goto out;
	}
	*msg_off = (off_t)used;
	rc = 0;
out:
	str_free(&data);
	return rc;
}

/*
 * The "maildrop empty" stamp. Ordinary users cannot list the maildrop
 * (1730), but anyone may stat it. When a pickup finds the maildrop empty
 * and unchanged since before it looked, runq sets the modification time
 * of queue/maildrop.stamp to that of the maildrop directory; every later
 * submission (and every removal) changes the directory's time. So a
 * maildrop whose time still equals the stamp's has been empty since,
 * and one whose time differs may hold something: mailq tells a user.
 *
 * File times come from the kernel's coarse clock, which advances every
 * few milliseconds: a submission in the same tick as the last change
 * would leave the directory's time as it was. So the stamp is set only
 * when that change is older than the coarse clock read before the
 * listing (CLOCK_REALTIME_COARSE, the clock of file times): whatever
 * lands after the listing then gets a later time. Right after a pickup
 * that removed files this is usually not yet so, and the stamp waits
 * for the next run (mailq then says mail may be waiting).
 */
#define STAMP_NAME	"queue/maildrop.stamp"

/* same_time - are two modification times equal to the nanosecond? */
static int
same_time(const struct stat *a, const struct stat *b)
{
	return a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/*
 * spool_maildrop_mark_empty - after a pickup, as the spool owner: if the
 * maildrop holds no entry, stamp its time. The directory's time is taken
 * before and after the listing, so a submission that lands meanwhile is
 * never stamped as seen. Returns 0, or -1 with the reason in err.
 */
int
spool_maildrop_mark_empty(struct str *err)
{
	struct str dir = STR_INIT, stamp = STR_INIT;
	struct stat before, after, old;
	struct timespec ts[2], t0;
	char **ids = NULL;
	size_t n = 0;
	int fd, rc = 0;

	spool_path(&dir, "maildrop", NULL, NULL);
	str_printf(&stamp, "%s/%s", spool_dir(), STAMP_NAME);
	if (clock_gettime(CLOCK_REALTIME_COARSE, &t0) < 0 || stat(dir.s, &before) < 0)
		goto out;
	/* changed in this tick of the file clock: not yet (see above) */
	if (before.st_mtim.tv_sec > t0.tv_sec || (before.st_mtim.tv_sec == t0.tv_sec &&
	    before.st_mtim.tv_nsec >= t0.tv_nsec))
		goto out;
	if (spool_list_dir(dir.s, &ids, &n, err) < 0 || n > 0 ||
	    stat(dir.s, &after) < 0 || !same_time(&before, &after))
		goto out;
	if (stat(stamp.s, &old) == 0 && same_time(&old, &before))
		goto out;
	if ((fd = open(stamp.s, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640)) < 0) {
		str_printf(err, "cannot create %s: %s", stamp.s, strerror(errno));
		rc = -1;
		goto out;
	}
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1] = before.st_mtim;
	if (futimens(fd, ts) < 0) {
		str_printf(err, "cannot set the time of %s: %s", stamp.s, strerror(errno));
		rc = -1;
	}
	close(fd);
out:
	spool_list_free(ids, n);
	str_free(&dir);
	str_free(&stamp);
	return rc;
}

/*
 * spool_maildrop_waiting - for a caller who cannot list the maildrop:
 * 0 it has been empty since a pickup found it so, 1 it has changed
 * since: something may be waiting, -1 unknown (no stamp yet)
 */
int
spool_maildrop_waiting(void)
{
	struct str dir = STR_INIT, stamp = STR_INIT;
	struct stat md, st;
	int r = -1;

	spool_path(&dir, "maildrop", NULL, NULL);
	str_printf(&stamp, "%s/%s", spool_dir(), STAMP_NAME);
	if (stat(dir.s, &md) == 0 && stat(stamp.s, &st) == 0)
		r = !same_time(&md, &st);
	str_free(&dir);
	str_free(&stamp);
	return r;
}
