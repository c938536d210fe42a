/*
 * spool - queue IDs, paths, the spool tree and the one commit function
 *
 * Queue IDs are 21 upper-case hex digits: 8 of seconds, 5 of microseconds,
 * 6 of the process ID and 2 of a per-process counter. They sort by arrival
 * time, are unique on one host (a process cannot reuse its pid within the
 * same microsecond, and the counter separates IDs within one process), and
 * look like Postfix's queue IDs to log and mailq parsers ([0-9A-F]+).
 *
 * Files are written and committed by the streaming writer (writer.c);
 * spool_write_file is its shorthand for data held in memory.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "util.h"

static char *spool_top;
static uid_t file_uid = (uid_t)-1;
static gid_t file_gid = (gid_t)-1;

/*
 * spool_set_owner - files written from now on get this owner. runq running
 * as root on a system spool uses it so that queue files belong to the mail
 * owner (mailq, setgid to its group, reads the envelopes).
 */
void
spool_set_owner(uid_t uid, gid_t gid)
{
	file_uid = uid;
	file_gid = gid;
}

/*
 * Entry locks. Whoever delivers a queue entry holds a write lock on its
 * ID.env: an open-file-description (OFD) lock of the whole file, which
 * belongs to the open file like flock(2) and is released when its last
 * descriptor closes, even by a crash. Unlike flock(2), OFD locks can be
 * tested without being taken (F_OFD_GETLK), so mailq, running as the
 * user with the spool group, never holds a lock that runq could find:
 * a stopped mailq cannot freeze an entry. Only a process that can open
 * ID.env for writing (root, the spool owner) can lock it at all.
 */

/* spool_lock - lock an entry's descriptor: 0, SPOOL_BUSY or SPOOL_SYSERR */
int
spool_lock(int fd)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	return errno == EAGAIN || errno == EACCES ? SPOOL_BUSY : SPOOL_SYSERR;
}

/* spool_lock_held - does another process hold the lock? 1, 0, or -1 */
int
spool_lock_held(int fd)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return -1;
	return fl.l_type != F_UNLCK;
}

/*
 * spool_check_space - is there room for a new submission? The reserve
 * is queue_minfree, and at least 1.5 times the largest message
 * (message_size_limit), as Postfix's smtpd reckons. Submissions stop
 * there; pickup, delivery and notices may use the reserve, so accepted
 * mail always moves on even when users have filled the disk. Returns 0,
 * or -1 with the reason in err (statvfs failing counts as room: the
 * write itself will tell).
 */
int
spool_check_space(long long minfree, long long size_limit, struct str *err)
{
	struct statvfs sv;
	long long reserve = minfree, avail;

	if (size_limit > 0 && size_limit < LLONG_MAX / 3 && size_limit / 2 * 3 > reserve)
		reserve = size_limit / 2 * 3;
	if (reserve <= 0 || statvfs(spool_dir(), &sv) < 0)
		return 0;
	avail = (long long)sv.f_bavail * (long long)sv.f_frsize;
	if (avail >= reserve)
		return 0;
	str_printf(err, "insufficient free space in %s: %lld bytes left, "
	    "%lld reserved (queue_minfree, 1.5 x message_size_limit)",
	    spool_dir(), avail, reserve);
	return -1;
}

/* spool_get_owner - the owner set with spool_set_owner, or -1 */
void
spool_get_owner(uid_t *uid, gid_t *gid)
{
	*uid = file_uid;
	*gid = file_gid;
}

/* spool_setup - remember where the spool is */
void
spool_setup(const char *dir)
{
	free(spool_top);
	spool_top = xstrdup(dir);
}

/* spool_dir - the spool directory */
const char *
spool_dir(void)
{
	return spool_top ? spool_top : ".";
}

/* spool_id_new - a fresh queue ID and the arrival time it encodes */
int
spool_id_new(char *buf, size_t size, time_t *sec, long *usec)
{
	static unsigned counter;
	struct timeval tv;

	if (gettimeofday(&tv, NULL) < 0)
		return -1;
	if (sec)
		*sec = tv.tv_sec;
	if (usec)
		*usec = (long)tv.tv_usec;
	return util_snprintf(buf, size, "%08lX%05lX%06lX%02X",
	    (unsigned long)tv.tv_sec & 0xffffffffUL,
	    (unsigned long)tv.tv_usec & 0xfffffUL,
	    (unsigned long)getpid() & 0xffffffUL, counter++ & 0xffU) < 0 ? -1 : 0;
}

/* spool_id_valid - is this exactly a queue ID (and so safe in a path)? */
int
spool_id_valid(const char *id)
{
	size_t i;

	for (i = 0; i < SPOOL_ID_LEN; i++)
		if (!isdigit((unsigned char)id[i]) && !(id[i] >= 'A' && id[i] <= 'F'))
			return 0;
	return id[SPOOL_ID_LEN] == '\0';
}

/* spool_hash - the queue subdirectory of an ID: its last microsecond digit */
char
spool_hash(const char *id)
{
	return id[12];
}

/*
 * spool_path - build a spool path. For "queue" the hashed subdirectory is
 * inserted. id may be NULL for the directory itself. Returns -1 for an
 * invalid ID.
 */
int
spool_path(struct str *out, const char *sub, const char *id, const char *suffix)
{
	str_reset(out);
	str_printf(out, "%s/%s", spool_dir(), sub);
	if (id == NULL)
		return 0;
	if (!spool_id_valid(id))
		return -1;
	if (strcmp(sub, "queue") == 0)
		str_printf(out, "/%c", spool_hash(id));
	str_printf(out, "/%s%s", id, suffix ? suffix : "");
	return 0;
}

/* make_dir - create one directory with its owner and mode */
static int
make_dir(const char *path, uid_t uid, gid_t gid, mode_t mode, int chown_it,
    struct str *err)
{
	struct stat st;

	if (mkdir(path, mode & 0777) < 0 && errno != EEXIST) {
		str_printf(err, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		str_printf(err, "%s is not a directory", path);
		return -1;
	}
	if (chown_it && lchown(path, uid, gid) < 0) {
		str_printf(err, "cannot chown %s: %s", path, strerror(errno));
		return -1;
	}
	if (chown_it || st.st_uid == geteuid()) {
		if (chmod(path, mode) < 0) {
			str_printf(err, "cannot chmod %s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * The tree under spool_dir() with its owners and modes (ARCHITECTURE):
 * whose it is, mode. spool_create_tree makes it, spool_audit_tree
 * compares a tree with it. queue/%X stands for the 16 hash directories.
 */
enum tree_who { W_TOP, W_DROP, W_OWNER };
static const struct {
	const char	*sub;
	enum tree_who	 who;
	mode_t		 mode;
} tree[] = {
	{ "", W_TOP, 0755 },
	{ "maildrop", W_DROP, 01730 },
	{ "queue", W_OWNER, 0750 },
	{ "queue/%X", W_OWNER, 0750 },
	{ "hold", W_OWNER, 0750 },	/* group-readable: mailq lists held entries */
	{ "corrupt", W_OWNER, 0700 },
};

/* tree_path - the i-th directory of the table (hash h for queue/%X) */
static void
tree_path(struct str *p, size_t i, int h)
{
	str_reset(p);
	str_printf(p, "%s%s", spool_dir(), tree[i].sub[0] ? "/" : "");
	if (strchr(tree[i].sub, '%'))
		str_printf(p, "queue/%X", h);
	else
		str_appends(p, tree[i].sub);
}

/*
 * spool_create_tree - create the spool tree with the documented owners and
 * modes. With chown_it (root installing a system spool) directories get
 * owner and groups, the top root's; a private instance keeps the invoking
 * user's.
 */
int
spool_create_tree(uid_t owner, gid_t owner_gid, gid_t drop_gid, int chown_it,
    struct str *err)
{
	struct str p = STR_INIT;
	size_t i;
	int h, rc = -1;
	uid_t uid;
	gid_t gid;

	if (util_mkdir_p(spool_dir(), 0755) < 0) {
		str_printf(err, "cannot create %s: %s", spool_dir(), strerror(errno));
		return -1;
	}
	for (i = 0; i < ARRAY_LEN(tree); i++) {
		uid = tree[i].who == W_TOP && chown_it ? 0 : owner;
		gid = tree[i].who == W_TOP ? (chown_it ? 0 : owner_gid) :
		    tree[i].who == W_DROP ? drop_gid : owner_gid;
		for (h = 0; h < (strchr(tree[i].sub, '%') ? 16 : 1); h++) {
			tree_path(&p, i, h);
			if (make_dir(p.s, uid, gid, tree[i].mode, chown_it, err) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	str_free(&p);
	return rc;
}

/*
 * spool_audit_tree - compare the tree with the table: top_uid owns the
 * top (root for a system spool), owner the rest with group owner_gid,
 * and the maildrop has group drop_gid. Each difference is passed to
 * report (error 1: mail may stop or be exposed; 0: it could not be
 * looked at). Returns the number of errors.
 */
int
spool_audit_tree(uid_t top_uid, uid_t owner, gid_t owner_gid, gid_t drop_gid,
    void (*report)(int, const char *, void *), void *arg)
{
	struct str p = STR_INIT, msg = STR_INIT;
	struct stat st;
	size_t i;
	int h, errors = 0;
	uid_t uid;
	gid_t gid;

	for (i = 0; i < ARRAY_LEN(tree); i++) {
		uid = tree[i].who == W_TOP ? top_uid : owner;
		gid = tree[i].who == W_DROP ? drop_gid : owner_gid;
		for (h = 0; h < (strchr(tree[i].sub, '%') ? 16 : 1); h++) {
			tree_path(&p, i, h);
			str_reset(&msg);
			if (lstat(p.s, &st) < 0) {
				str_printf(&msg, "%s: %s", p.s, strerror(errno));
				report(errno != EACCES, msg.s, arg);
				errors += errno != EACCES;
				continue;
			}
			if (!S_ISDIR(st.st_mode))
				str_printf(&msg, "%s is not a directory", p.s);
			else if (st.st_uid != uid || (tree[i].who != W_TOP && st.st_gid != gid) ||
			    (st.st_mode & 07777) != tree[i].mode)
				str_printf(&msg, "%s is %ld:%ld mode %04o, should be %ld:%ld mode %04o",
				    p.s, (long)st.st_uid, (long)st.st_gid,
				    (unsigned)(st.st_mode & 07777), (long)uid,
				    tree[i].who == W_TOP ? (long)st.st_gid : (long)gid,
				    (unsigned)tree[i].mode);
			if (msg.len > 0) {
				report(1, msg.s, arg);
				errors++;
			}
		}
	}
	str_free(&p);
	str_free(&msg);
	return errors;
}

/* spool_check_tree - does the tree exist (maildrop and queue)? */
int
spool_check_tree(struct str *err)
{
	struct str p = STR_INIT;
	struct stat st;
	int rc = 0;

	spool_path(&p, "queue/F", NULL, NULL);
	if (stat(p.s, &st) < 0 || !S_ISDIR(st.st_mode)) {
		str_printf(err, "spool %s is not set up (%s missing)", spool_dir(), p.s);
		rc = -1;
	}
	str_free(&p);
	return rc;
}

/*
 * spool_write_file - write head and body as one new file and commit it
 * (writer.c): a hidden temporary, fsync, rename to name, fsync the
 * directory. When lockfd is not NULL the new file is locked (spool_lock) before the
 * rename and its descriptor returned there. On failure nothing is left
 * under either name.
 */
int
spool_write_file(const char *dir, const char *name, const void *head,
    size_t hlen, const void *body, size_t blen, mode_t mode, int *lockfd,
    struct str *err)
{
	struct spool_writer w;

	if (spool_writer_open(&w, dir, name, mode, err) < 0 ||
	    spool_writer_write(&w, head, hlen, err) < 0 ||
	    spool_writer_write(&w, body, blen, err) < 0)
		return -1;
	return spool_writer_commit(&w, 0, lockfd, err);
}

/*
 * Batches. Picking up many maildrop entries one by one costs three
 * fsyncs each (message, envelope, directory). A pickup run passes a
 * struct spool_batch to spool_pickup_one: the queue entries are then
 * committed with SPOOL_NOSYNC, and the removals of the maildrop files
 * they replace wait in the batch; spool_batch_end makes everything
 * durable with one syncfs() and only then removes those files. A crash
 * before that leaves every maildrop file in place, and the next pickup
 * checks and, if need be, rewrites the queue entries it finds
 * (spool_queue_begin).
 */

/*
 * spool_stat_tree - the spool directory's stat for a runner (runq,
 * popfetch). A spool that does not exist yet is a private instance's
 * first use: its tree is created for the caller. As root, the files
 * written from now on get the owner of queue/ (spool_set_owner). 0;
 * SPOOL_SYSERR when the directory cannot be read, SPOOL_GONE when it
 * did not exist and could not be created (err says why).
 */
int
spool_stat_tree(struct stat *st, struct str *err)
{
	struct str q = STR_INIT;
	struct stat qs;

	if (stat(spool_dir(), st) < 0) {
		if (errno != ENOENT) {
			str_printf(err, "%s: %s", spool_dir(), strerror(errno));
			return SPOOL_SYSERR;
		}
		if (spool_create_tree(getuid(), getgid(), getgid(), 0, err) < 0)
			return SPOOL_GONE;
		if (stat(spool_dir(), st) < 0) {
			str_printf(err, "%s: %s", spool_dir(), strerror(errno));
			return SPOOL_SYSERR;
		}
	}
	if (geteuid() == 0) {
		spool_path(&q, "queue", NULL, NULL);
		if (stat(q.s, &qs) == 0 && qs.st_uid != 0)
			spool_set_owner(qs.st_uid, qs.st_gid);
		str_free(&q);
	}
	return 0;
}

/*
 * spool_ready - the tree whose directory is st is whole, or is made whole
 * when it is the caller's: 0, or -1 with "spool DIR is not set up: why"
 */
int
spool_ready(const struct stat *st, struct str *err)
{
	struct str why = STR_INIT;

	if (spool_check_tree(&why) == 0)
		return 0;
	str_reset(&why);
	if (st->st_uid == geteuid() &&
	    spool_create_tree(getuid(), getgid(), getgid(), 0, &why) == 0) {
		str_free(&why);
		return 0;
	}
	str_printf(err, "spool %s is not set up: %s", spool_dir(), str_c(&why));
	str_free(&why);
	return -1;
}

/* spool_sync - one syncfs for the file system of the spool: 0 or -1 */
int
spool_sync(struct str *err)
{
	int fd, rc = 0;

	if ((fd = open(spool_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    syncfs(fd) < 0) {
		str_printf(err, "syncfs %s: %s", spool_dir(), strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* spool_batch_init - an empty batch */
void
spool_batch_init(struct spool_batch *b)
{
	b->unlink = NULL;
	b->n = 0;
}

/* spool_batch_unlink - remove this file once the batch is durable */
void
spool_batch_unlink(struct spool_batch *b, const char *path)
{
	b->unlink = xreallocarray(b->unlink, b->n + 1, sizeof(char *));
	b->unlink[b->n++] = xstrdup(path);
}

/*
 * spool_batch_end - one syncfs for everything written in the batch, then
 * the deferred removals and a sync of the maildrop directory. Returns 0,
 * or -1 (nothing removed; the maildrop files stay for the next pickup).
 * The batch is empty afterwards, either way.
 */
int
spool_batch_end(struct spool_batch *b, struct str *err)
{
	struct str dir = STR_INIT;
	size_t i;
	int rc;

	if (b->n == 0)
		return 0;
	rc = spool_sync(err);
	for (i = 0; i < b->n; i++) {
		if (rc == 0 && unlink(b->unlink[i]) < 0 && errno != ENOENT)
			str_printf(err, "unlink %s: %s", b->unlink[i], strerror(errno));
		free(b->unlink[i]);
	}
	free(b->unlink);
	spool_batch_init(b);
	if (rc == 0) {
		spool_path(&dir, "maildrop", NULL, NULL);
		(void)util_fsync_dir(dir.s);
	}
	str_free(&dir);
	return rc;
}

/* cmp_str - qsort comparison for names */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * spool_list_dir - the valid queue IDs in a directory, sorted; a name that
 * is a valid ID followed by ".env" is listed as the bare ID. Other names
 * are skipped.
 */
int
spool_list_dir(const char *dir, char ***out, size_t *n, struct str *err)
{
	DIR *d;
	struct dirent *de;
	size_t cap = 0;
	char **v = NULL, name[SPOOL_ID_LEN + 1];

	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		str_printf(err, "cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len != SPOOL_ID_LEN && !(len == SPOOL_ID_LEN + 4 &&
		    strcmp(de->d_name + SPOOL_ID_LEN, ".env") == 0))
			continue;
		memcpy(name, de->d_name, SPOOL_ID_LEN);
		name[SPOOL_ID_LEN] = '\0';
		if (!spool_id_valid(name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[(*n)++] = xstrdup(name);
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmp_str);
	*out = v;
	return 0;
}

/* spool_list_free - release a list */
void
spool_list_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* spool_scan_queue - all queue IDs that have an envelope, sorted */
int
spool_scan_queue(char ***out, size_t *n, struct str *err)
{
	struct str dir = STR_INIT;
	char **all = NULL, **part;
	size_t nall = 0, cap = 0, np, i;
	int h;

	for (h = 0; h < 16; h++) {
		str_reset(&dir);
		str_printf(&dir, "%s/queue/%X", spool_dir(), h);
		if (spool_list_dir(dir.s, &part, &np, err) < 0) {
			spool_list_free(all, nall);
			str_free(&dir);
			return -1;
		}
		for (i = 0; i < np; i++) {
			if (nall == cap) {
				cap = cap ? cap * 2 : 64;
				all = xreallocarray(all, cap, sizeof(*all));
			}
			all[nall++] = part[i];
		}
		free(part);
	}
	str_free(&dir);
	if (nall > 1)
		qsort(all, nall, sizeof(*all), cmp_str);
	*out = all;
	*n = nall;
	return 0;
}
