/*
 * mailbox - the final step of local delivery: mbox file, Maildir, command
 *
 * See mailbox.h.
 *
 * SECURITY: these functions run as the recipient (or default_privs), but
 * the files they open are in places other users may influence. The rules
 * follow Postfix's safe_open: never follow a symbolic link (O_NOFOLLOW);
 * the file must be a regular file with exactly one link, owned by the
 * expected user; the device and inode seen by lstat() before the open
 * must be those of the descriptor after it, so nothing was swapped in
 * between. An mbox is locked with a dot-lock (liblockfile, whose setgid
 * helper can write in /var/mail) and an fcntl lock; a write error
 * truncates the file back to its old size so a half message never stays.
 * A mailbox that breaks the rules defers the message (4.2.0, as Postfix's
 * local does): the mail waits, visibly, until the administrator looks.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>


#include <errno.h>
#include <fcntl.h>
#include <lockfile.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mailbox.h"
#include "log.h"
#include "util.h"

#define CHUNK		65536
#define CMD_OUTPUT_MAX	2000
#define MBOX_LOCK_WAIT	10	/* seconds to wait for another delivery's lock */

/* errno_status - a full disk or quota defers; so does anything unexpected */
static const char *
errno_dsn(int err)
{
	return (err == ENOSPC || err == EDQUOT) ? "4.2.2" : "4.2.0";
}

/*
 * write_message - copy the message after the prefix. With mbox set, lines
 * that start with "From " get a ">" and the message ends with an empty
 * line, as the mbox format needs.
 */
static int
write_message(int out, const struct mbox_msg *m, int mbox)
{
	char *buf = xmalloc(CHUNK);
	struct str o = STR_INIT;
	off_t off = 0;
	ssize_t n;
	size_t pos, len = 0, start;
	int bol = 1, rc = -1, last_nl = 1;

	str_reserve(&o, CHUNK * 2);
	str_appends(&o, m->prefix);
	for (;;) {
		n = pread(m->fd, buf + len, CHUNK - len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		off += n;
		len += (size_t)n;
		pos = 0;
		while (pos < len) {
			if (bol && mbox) {
				/* need 5 bytes (or the line's end) to see "From " */
				if (len - pos < 5 && n > 0 && memchr(buf + pos, '\n', len - pos) == NULL)
					break;
				if (len - pos >= 5 && memcmp(buf + pos, "From ", 5) == 0)
					str_appendc(&o, '>');
			}
			start = pos;
			while (pos < len && buf[pos] != '\n')
				pos++;
			if (pos < len) {
				pos++;
				bol = 1;
			} else
				bol = 0;
			str_append(&o, buf + start, pos - start);
			last_nl = o.len > 0 && o.s[o.len - 1] == '\n';
		}
		memmove(buf, buf + pos, len - pos);
		len -= pos;
		if (o.len >= CHUNK) {
			if (util_write_all(out, o.s, o.len) < 0)
				goto out;
			str_reset(&o);
		}
		if (n == 0) {
			if (len > 0) {
				/* fewer than 5 bytes without a newline at the end */
				str_append(&o, buf, len);
				last_nl = buf[len - 1] == '\n';
			}
			break;
		}
	}
	if (!last_nl)
		str_appendc(&o, '\n');
	if (mbox)
		str_appendc(&o, '\n');
	if (util_write_all(out, o.s, o.len) < 0)
		goto out;
	rc = 0;
out:
	free(buf);
	str_free(&o);
	return rc;
}

/*
 * lock_wait - take an fcntl write lock, waiting at most MBOX_LOCK_WAIT
 * seconds for another delivery or a mail reader to let go. As Postfix's
 * deliver_flock, it tries again after short pauses rather than blocking
 * in F_SETLKW, which only a signal could interrupt.
 */
static int
lock_wait(int fd, struct flock *fl)
{
	struct timespec pause = { 0, 1000 * 1000 }, now, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += MBOX_LOCK_WAIT;
	for (;;) {
		if (fcntl(fd, F_SETLK, fl) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return -1;
		(void)nanosleep(&pause, NULL);
		/* 1 ms, doubling to 32 ms: a lock held for one delivery is
		 * taken soon after it goes, a long-held one costs little */
		if (pause.tv_nsec < 32 * 1000 * 1000)
			pause.tv_nsec *= 2;
	}
}

/*
 * fcntl_failure - the reason for a mailbox whose fcntl lock could not be
 * had in MBOX_LOCK_WAIT seconds: the process that holds it when F_GETLK
 * can tell (a mail reader, most often), or the error of the lock call.
 */
static int
fcntl_failure(int fd, const char *path, struct dresult *res)
{
	int e = errno;
	struct flock fl;

	if (e != EAGAIN && e != EACCES)
		return dresult_set(res, DS_DEFER, "4.2.0", "cannot lock mailbox %s: %s",
		    path, strerror(e));
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK && fl.l_pid > 0)
		return dresult_set(res, DS_DEFER, "4.2.0",
		    "mailbox %s is locked by another program (fcntl lock held by process %ld)",
		    path, (long)fl.l_pid);
	return dresult_set(res, DS_DEFER, "4.2.0",
	    "mailbox %s is locked by another program (fcntl lock)", path);
}

/*
 * dotlock_failure - the reason for a dot-lock that lockfile_create did
 * not make. liblockfile sets errno only on some of its paths: when the
 * mail spool directory is not ours to write, its setgid helper
 * (dotlockfile) makes the lock and errno is what some earlier call left
 * behind. So errno is named only when this process could have written
 * the directory itself, and never for a lock that is simply held.
 */
static int
dotlock_failure(const char *path, const char *lockname, int r, int err,
    struct dresult *res)
{
	struct str dir = STR_INIT;
	const char *slash = strrchr(lockname, '/'), *what;
	int own, rc;

	if (r == L_MAXTRYS)
		return dresult_set(res, DS_DEFER, "4.2.0",
		    "mailbox %s is locked by %s (held by another program)", path, lockname);
	switch (r) {
	case L_NAMELEN:	what = "name too long"; break;
	case L_TMPLOCK:	what = "cannot create a temporary file beside it"; break;
	case L_TMPWRITE: what = "cannot write a temporary file beside it"; break;
	case L_RMSTALE:	what = "cannot remove a stale lock file"; break;
	default:	what = "liblockfile failed"; break;
	}
	if (slash == NULL)
		str_appends(&dir, ".");
	else
		str_append(&dir, lockname, slash == lockname ? 1 : (size_t)(slash - lockname));
	own = faccessat(AT_FDCWD, dir.s, W_OK, AT_EACCESS) == 0;
	if (own && err != 0)
		rc = dresult_set(res, DS_DEFER, errno_dsn(err),
		    "cannot lock mailbox %s: cannot create %s (%s: %s)", path, lockname,
		    what, strerror(err));
	else if (own)
		rc = dresult_set(res, DS_DEFER, "4.2.0",
		    "cannot lock mailbox %s: cannot create %s (%s)", path, lockname, what);
	else
		rc = dresult_set(res, DS_DEFER, "4.2.0",
		    "cannot lock mailbox %s: cannot create %s (%s; %s is not writable by uid %ld)",
		    path, lockname, what, dir.s, (long)geteuid());
	str_free(&dir);
	return rc;
}

/*
 * mbox_create - make an empty mailbox owned by the recipient. Runs as
 * root before the switch to the recipient: the mail spool directory is
 * usually not writable by users. An existing file is left alone.
 */
int
mbox_create(const char *path, uid_t uid, gid_t gid, struct dresult *res)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) == 0 || errno != ENOENT)
		return DS_OK;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return DS_OK;
		return dresult_set(res, DS_DEFER, errno_dsn(errno),
		    "cannot create mailbox %s: %s", path, strerror(errno));
	}
	if (fchown(fd, uid, gid) < 0) {
		int e = errno;

		close(fd);
		(void)unlink(path);
		return dresult_set(res, DS_DEFER, "4.2.0",
		    "cannot set owner of %s: %s", path, strerror(e));
	}
	close(fd);
	return DS_OK;
}

/*
 * mbox_deliver - append to an mbox file (a mailbox, or a /file target of
 * an alias or .forward). dotlock: also take a dot-lock (mail spool).
 */
int
mbox_deliver(const char *path, uid_t owner, int dotlock, const struct mbox_msg *m,
    struct dresult *res)
{
	struct stat st_l, st_f;
	struct str lockname = STR_INIT, from = STR_INIT;
	struct flock fl;
	char when[32];
	off_t size0 = -1;
	int fd = -1, locked = 0, rc, lr, created = 0;
	time_t now;

	if (lstat(path, &st_l) < 0) {
		if (errno != ENOENT)
			return dresult_set(res, DS_DEFER, "4.2.0", "cannot examine %s: %s",
			    path, strerror(errno));
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0)
			return dresult_set(res, DS_DEFER, errno_dsn(errno),
			    "cannot create %s: %s", path, strerror(errno));
		created = 1;
		if (fstat(fd, &st_l) < 0) {
			rc = dresult_set(res, DS_DEFER, "4.2.0", "fstat %s: %s", path, strerror(errno));
			goto out;
		}
	} else {
		if (S_ISLNK(st_l.st_mode))
			return dresult_set(res, DS_DEFER, "4.2.0",
			    "%s is a symbolic link: refusing to deliver", path);
		if (!S_ISREG(st_l.st_mode))
			return dresult_set(res, DS_DEFER, "4.2.0",
			    "%s is not a regular file", path);
		fd = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return dresult_set(res, DS_DEFER, "4.2.0", "cannot open %s: %s",
			    path, strerror(errno));
	}
	if (fstat(fd, &st_f) < 0) {
		rc = dresult_set(res, DS_DEFER, "4.2.0", "fstat %s: %s", path, strerror(errno));
		goto out;
	}
	if (st_f.st_dev != st_l.st_dev || st_f.st_ino != st_l.st_ino) {
		rc = dresult_set(res, DS_DEFER, "4.2.0", "%s changed while it was opened", path);
		goto out;
	}
	if (!S_ISREG(st_f.st_mode) || st_f.st_nlink != 1) {
		rc = dresult_set(res, DS_DEFER, "4.2.0",
		    "%s has %ld hard links: refusing to deliver", path, (long)st_f.st_nlink);
		goto out;
	}
	if (st_f.st_uid != owner) {
		rc = dresult_set(res, DS_DEFER, "4.2.0",
		    "%s is owned by uid %ld, not %ld: refusing to deliver", path,
		    (long)st_f.st_uid, (long)owner);
		goto out;
	}
	/*
	 * The fcntl lock first, waiting up to MBOX_LOCK_WAIT seconds: two of
	 * our deliveries to one mailbox then take turns instead of deferring.
	 * Then the dot-lock, which mail readers use, without waiting.
	 */
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (lock_wait(fd, &fl) < 0) {
		rc = fcntl_failure(fd, path, res);
		goto out;
	}
	if (dotlock) {
		str_printf(&lockname, "%s.lock", path);
		errno = 0;
		if ((lr = lockfile_create(lockname.s, 0, L_PID)) != L_SUCCESS) {
			rc = dotlock_failure(path, lockname.s, lr, errno, res);
			goto out;
		}
		locked = 1;
	}
	if ((size0 = lseek(fd, 0, SEEK_END)) < 0) {
		rc = dresult_set(res, DS_DEFER, "4.2.0", "seek %s: %s", path, strerror(errno));
		goto out;
	}
	now = time(NULL);
	{
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm);
	}
	/*
	 * A message ends with an empty line. If the mailbox does not (an
	 * editor, or a delivery killed half-way), end it first: otherwise this
	 * From_ line would be glued to the last line and the message lost in it.
	 */
	if (size0 > 0) {
		char tail[2] = { '\n', '\n' };
		off_t at = size0 >= 2 ? size0 - 2 : 0;
		ssize_t got = pread(fd, tail + (size0 >= 2 ? 0 : 1), size0 >= 2 ? 2 : 1, at);

		if (got < 0)
			tail[1] = '\n';	/* cannot tell: assume a proper end */
		if (tail[1] != '\n')
			str_appends(&from, "\n\n");
		else if (tail[0] != '\n')
			str_appendc(&from, '\n');
	}
	str_printf(&from, "From %s  %s\n", *m->sender ? m->sender : "MAILER-DAEMON", when);
	if (util_write_all(fd, from.s, from.len) < 0 || write_message(fd, m, 1) < 0 ||
	    fsync(fd) < 0) {
		int e = errno;

		if (ftruncate(fd, size0) < 0) {
			/* nothing more can be done; the log says what happened */
		}
		rc = dresult_set(res, DS_DEFER, errno_dsn(e), "cannot write %s: %s%s",
		    path, strerror(e), (e == ENOSPC || e == EDQUOT) ? " (mailbox full)" : "");
		goto out;
	}
	rc = dresult_set(res, DS_OK, "2.0.0", "delivered to %s", dotlock ? "mailbox" : "file");
out:
	/* the dot-lock goes first: whoever waits on the fcntl lock needs it next */
	if (locked)
		lockfile_remove(lockname.s);
	if (fd >= 0) {
		if (created && rc != DS_OK && size0 <= 0)
			(void)unlink(path);
		close(fd);
	}
	str_free(&lockname);
	str_free(&from);
	return rc;
}

/* make_dir - create a Maildir directory as the current user */
static int
make_dir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (lstat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/*
 * maildir_deliver - write into dir/tmp, fsync, link into dir/new, fsync
 * the directory: the Maildir way, with no locks needed.
 */
int
maildir_deliver(const char *dir, const struct mbox_msg *m, const char *host,
    struct dresult *res)
{
	static unsigned counter;
	struct str tmp = STR_INIT, new = STR_INIT, sub = STR_INIT, base = STR_INIT;
	struct timespec ts;
	int fd = -1, rc;
	const char *d[] = { "tmp", "new", "cur" };
	size_t i;

	if (make_dir(dir) < 0) {
		rc = dresult_set(res, DS_DEFER, errno_dsn(errno), "cannot create Maildir %s: %s",
		    dir, strerror(errno));
		goto out;
	}
	for (i = 0; i < ARRAY_LEN(d); i++) {
		str_reset(&sub);
		str_printf(&sub, "%s/%s", dir, d[i]);
		if (make_dir(sub.s) < 0) {
			rc = dresult_set(res, DS_DEFER, errno_dsn(errno),
			    "cannot create %s: %s", sub.s, strerror(errno));
			goto out;
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	str_printf(&base, "%lld.M%ldP%ldQ%u.%s", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000, (long)getpid(), counter++, host);
	str_printf(&tmp, "%s/tmp/%s", dir, base.s);
	str_printf(&new, "%s/new/%s", dir, base.s);
	fd = open(tmp.s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = dresult_set(res, DS_DEFER, errno_dsn(errno), "cannot create %s: %s",
		    tmp.s, strerror(errno));
		goto out;
	}
	if (write_message(fd, m, 0) < 0 || fsync(fd) < 0) {
		int e = errno;

		rc = dresult_set(res, DS_DEFER, errno_dsn(e), "cannot write %s: %s%s",
		    tmp.s, strerror(e), (e == ENOSPC || e == EDQUOT) ? " (mailbox full)" : "");
		(void)unlink(tmp.s);
		goto out;
	}
	if (link(tmp.s, new.s) < 0 && rename(tmp.s, new.s) < 0) {
		rc = dresult_set(res, DS_DEFER, "4.2.0", "cannot move into %s: %s",
		    new.s, strerror(errno));
		(void)unlink(tmp.s);
		goto out;
	}
	(void)unlink(tmp.s);
	str_reset(&sub);
	str_printf(&sub, "%s/new", dir);
	if (util_fsync_dir(sub.s) < 0) {
		rc = dresult_set(res, DS_DEFER, "4.2.0", "fsync %s: %s", sub.s, strerror(errno));
		(void)unlink(new.s);
		goto out;
	}
	rc = dresult_set(res, DS_OK, "2.0.0", "delivered to maildir");
out:
	if (fd >= 0)
		close(fd);
	str_free(&tmp);
	str_free(&new);
	str_free(&sub);
	str_free(&base);
	return rc;
}

/*
 * close_from - close every descriptor from fd up, in a child about to
 * exec a command: nothing of runq's (locks, the queue files, pipes)
 * may live on in what a user's command leaves behind.
 */
static void
close_from(int fd)
{
	long max, i;

	if (close_range((unsigned)fd, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	for (i = fd; i < (max > 0 && max < 65536 ? max : 65536); i++)
		(void)close((int)i);
}

/* setenv_kv - add NAME=value to an environment under construction */
static void
setenv_kv(char **envp, int *n, const char *name, const char *value)
{
	if (value == NULL)
		value = "";
	envp[(*n)++] = xasprintf("%s=%s", name, value);
}

/*
 * command_deliver - run "/bin/sh -c command" with the message on its
 * input. The message's addresses reach the command only as environment
 * values, never as command text. Exit 0 delivers; 75 (EX_TEMPFAIL)
 * defers; a time-out defers; anything else bounces with the command's
 * output. The time limit (a poll deadline) covers feeding, running and
 * output; on time-out its process group is killed, and after the command
 * has exited it is killed if something in it still holds the output, so
 * nothing it leaves behind holds the delivery. Children that closed the
 * output are left to run.
 */
int
command_deliver(const char *command, const struct cmd_env *ce,
    const struct mbox_msg *m, struct dresult *res)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, status = 0, rc;
	int timed_out = 0, exited = 0, eof = 0, pidfd = -1;
	char *envp[16], buf[512], clean[CMD_OUTPUT_MAX + 1];
	struct str output = STR_INIT;
	struct pollfd pfd[2];
	pid_t pid = -1, feeder = -1;
	long long deadline;
	ssize_t n;
	int ne = 0, i, nfds, wait_ms;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		rc = dresult_set(res, DS_DEFER, "4.3.0", "pipe: %s", strerror(errno));
		goto out;
	}
	setenv_kv(envp, &ne, "SENDER", ce->sender);
	setenv_kv(envp, &ne, "RECIPIENT", ce->recipient);
	setenv_kv(envp, &ne, "USER", ce->user);
	setenv_kv(envp, &ne, "LOGNAME", ce->user);
	setenv_kv(envp, &ne, "HOME", ce->home);
	setenv_kv(envp, &ne, "SHELL", "/bin/sh");
	setenv_kv(envp, &ne, "EXTENSION", ce->extension);
	setenv_kv(envp, &ne, "PATH", "/usr/bin:/bin");
	envp[ne] = NULL;
	deadline = util_now_ms() + 1000LL * (ce->time_limit > 0 ? ce->time_limit : 1000);

	/*
	 * The command: its own process group (so that it and whatever it
	 * leaves behind can be killed as one), the message on its input, its
	 * output and errors into our pipe, and no other descriptor of ours.
	 */
	if ((pid = fork()) < 0) {
		rc = dresult_set(res, DS_DEFER, "4.3.0", "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		setpgid(0, 0);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(75);
		close_from(3);
		if (chdir(ce->home && *ce->home ? ce->home : "/") < 0 && chdir("/") < 0)
			_exit(75);
		signal(SIGPIPE, SIG_DFL);
		execle("/bin/sh", "sh", "-c", command, (char *)NULL, envp);
		_exit(75);
	}
	setpgid(pid, pid);	/* either of us may get there first */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	/*
	 * The feeder: a process of the command's group that writes the
	 * message into the command's input and exits. We only read the
	 * output, so a command that writes much before it reads cannot
	 * deadlock with us, and one that stops reading is its business.
	 */
	if ((feeder = fork()) == 0) {
		struct str from = STR_INIT;
		char when[32];
		struct tm tm;
		time_t now = time(NULL);

		setpgid(0, pid);
		close(in[0]);	/* a command that stops reading: EPIPE here */
		close(out[0]);
		close(out[1]);	/* our end of file must not wait for the feeder */
		signal(SIGPIPE, SIG_DFL);
		localtime_r(&now, &tm);
		strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm);
		str_printf(&from, "From %s  %s\n", *m->sender ? m->sender : "MAILER-DAEMON", when);
		if (util_write_all(in[1], from.s, from.len) == 0)
			(void)write_message(in[1], m, 0);
		_exit(0);
	}
	if (feeder > 0)
		setpgid(feeder, pid);
	close(in[0]);
	close(in[1]);
	close(out[1]);
	in[0] = in[1] = out[1] = -1;
	if (feeder < 0) {
		kill(-pid, SIGKILL);
		rc = dresult_set(res, DS_DEFER, "4.3.0", "fork: %s", strerror(errno));
		(void)waitpid(pid, &status, 0);
		goto out;
	}

	/*
	 * Read the output (bounded) until the command has exited and the
	 * output is at its end, or the time limit has passed. A command that
	 * exits but leaves a child holding the output open does not keep us:
	 * once it has exited, what is still running in its group is killed.
	 */
	while (!exited || !eof) {
		nfds = 0;
		if (!eof) {
			pfd[nfds].fd = out[0];
			pfd[nfds++].events = POLLIN;
		}
		if (!exited && pidfd >= 0) {
			pfd[nfds].fd = pidfd;
			pfd[nfds++].events = POLLIN;
		}
		wait_ms = (int)(deadline - util_now_ms());
		if (wait_ms <= 0) {
			timed_out = 1;
			break;
		}
		if (!exited && pidfd < 0 && wait_ms > 50)
			wait_ms = 50;	/* no pidfd: look at the child now and then */
		if (exited && wait_ms > 200)
			wait_ms = 200;	/* exited: a moment for output in flight */
		if (poll(pfd, (nfds_t)nfds, wait_ms) < 0 && errno != EINTR)
			break;
		if (!eof && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = read(out[0], buf, sizeof(buf));
			if (n > 0 && output.len < CMD_OUTPUT_MAX)
				str_append(&output, buf, (size_t)n);
			else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				eof = 1;
		} else if (exited)
			break;	/* nothing more within the moment: leftovers */
		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = 1;
	}
	/*
	 * The command's group: all of it on time-out, and after the command
	 * has exited whatever still holds its output. A child that let go of
	 * the output (a list manager's mlmmj-receive forking into the
	 * background) has left the delivery and is left alone, as Postfix's
	 * local does.
	 */
	if (!exited || !eof)
		kill(-pid, SIGKILL);
	if (!exited)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	while (waitpid(feeder, NULL, 0) < 0 && errno == EINTR)
		;
	log_clean(clean, sizeof(clean), str_c(&output), output.len);

	/*
	 * The reasons of deferrals are shown by mailq to every user: they
	 * name what happened, never the command's output. A bounce goes to
	 * the sender with the output, as Postfix's local does.
	 */
	if (timed_out)
		rc = dresult_set(res, DS_DEFER, "4.3.0", "command time limit exceeded");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		rc = dresult_set(res, DS_OK, "2.0.0", "delivered to command");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 75)
		rc = dresult_set(res, DS_DEFER, "4.3.0", "command exited with status 75 (temporary failure)");
	else if (WIFSIGNALED(status))
		rc = dresult_set(res, DS_DEFER, "4.3.0", "command killed by signal %d",
		    WTERMSIG(status));
	else
		rc = dresult_set(res, DS_BOUNCE, "5.3.0",
		    "Command died with status %d. Command output: %s",
		    WEXITSTATUS(status), clean);
out:
	for (i = 0; i < ne; i++)
		free(envp[i]);
	if (in[0] >= 0) close(in[0]);
	if (in[1] >= 0) close(in[1]);
	if (out[0] >= 0) close(out[0]);
	if (out[1] >= 0) close(out[1]);
	if (pidfd >= 0) close(pidfd);
	str_free(&output);
	return rc;
}
