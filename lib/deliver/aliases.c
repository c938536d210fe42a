/*
 * NAME
 *	aliases - compile the aliases file into cdb, look names up
 * SUMMARY
 *	aliases_compile() is newaliases: source file in, SRC.cdb out,
 *	atomically. aliases_lookup() is what local delivery calls.
 *	aliases_map_path() reads the alias_maps setting. The aliases(5)
 *	syntax itself is in aliases_parse.c.
 * SECURITY
 *	The source is untrusted text, bounded as aliases.h says. newaliases
 *	runs as root in a directory that should be root's; even so the
 *	temporary is created with O_EXCL|O_NOFOLLOW so a planted name or
 *	symlink makes it fail instead of writing elsewhere, and rename()
 *	replaces a symlinked .cdb rather than following it.
 */
#include "config.h"

#include <sys/stat.h>

#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aliases.h"
#include "aliases_tab.h"
#include "log.h"
#include "str.h"
#include "util.h"

/* collect - compile side: remember the alias, the last one winning */
static int
collect(const char *name, const char *value, int lineno, void *arg)
{
	struct aliases_tab *m = arg;
	struct aliases_ent *e;
	int isnew;

	e = aliases_tab_get(m, name, lineno, &isnew);
	free(e->value);
	e->value = xstrdup(value);
	return 0;
}

/* read_source - the whole source file, bounded; 0, or -1 and *why */
static int
read_source(const char *src, struct str *buf, enum aliases_fail *why,
    struct str *err)
{
	struct stat sb;
	ssize_t n;
	int fd, rc = 0;

	/* O_NONBLOCK: a FIFO planted as the source must not hang us. */
	fd = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		str_printf(err, "cannot open %s: %s", src, strerror(errno));
		*why = ALIASES_NOINPUT;
		return -1;
	}
	if (fstat(fd, &sb) < 0) {
		str_printf(err, "cannot stat %s: %s", src, strerror(errno));
		*why = ALIASES_IOERR;
		rc = -1;
	} else if (!S_ISREG(sb.st_mode)) {
		str_printf(err, "%s: not a regular file", src);
		*why = ALIASES_BADINPUT;
		rc = -1;
	}
	/* Read one byte past the limit: the file may grow as we read. */
	while (rc == 0 && sb.st_size <= ALIASES_MAX_FILE &&
	    buf->len <= (size_t)ALIASES_MAX_FILE) {
		str_reserve(buf, 65536);
		if ((n = read(fd, buf->s + buf->len, 65536)) == 0)
			break;
		if (n < 0 && errno != EINTR) {
			str_printf(err, "cannot read %s: %s", src,
			    strerror(errno));
			*why = ALIASES_IOERR;
			rc = -1;
		} else if (n > 0) {
			buf->len += (size_t)n;
			buf->s[buf->len] = '\0';
		}
	}
	if (rc == 0 && (sb.st_size > ALIASES_MAX_FILE ||
	    buf->len > (size_t)ALIASES_MAX_FILE)) {
		str_printf(err, "%s: larger than %ld bytes", src,
		    ALIASES_MAX_FILE);
		*why = ALIASES_BADINPUT;
		rc = -1;
	}
	close(fd);
	return rc;
}

/* create_temp - a fresh file beside dst, 0644, nobody else's */
static int
create_temp(const char *dst, struct str *tmp, struct str *err)
{
	int fd, attempt;

	for (attempt = 0; attempt < 100; attempt++) {
		str_reset(tmp);
		str_printf(tmp, "%s.tmp%ld.%d", dst, (long)getpid(), attempt);
		fd = open(tmp->s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
		if (fd < 0 && errno == EEXIST)
			continue;	/* debris of an earlier crash */
		if (fd < 0)
			break;
		/* Readable by the delivery agents whatever our umask. */
		if (fchmod(fd, 0644) < 0) {
			str_printf(err, "cannot set the mode of %s: %s",
			    tmp->s, strerror(errno));
			close(fd);
			unlink(tmp->s);
			return -1;
		}
		return fd;
	}
	str_printf(err, "cannot create %s: %s", tmp->s, strerror(errno));
	return -1;
}

/* write_cdb - every alias into the open temporary, counting as we go */
static int
write_cdb(int fd, const struct aliases_tab *m, struct aliases_stats *st)
{
	struct cdb_make cm;
	struct aliases_ent *e;
	size_t klen, vlen;

	if (cdb_make_start(&cm, fd) < 0)
		return -1;
	for (e = m->head; e != NULL; e = e->order) {
		klen = strlen(e->name);
		vlen = strlen(e->value);
		if (cdb_make_add(&cm, e->name, (unsigned)klen, e->value,
		    (unsigned)vlen) < 0) {
			cdb_make_finish(&cm);
			return -1;
		}
		st->entries++;
		if ((long)vlen > st->longest)
			st->longest = (long)vlen;
		st->total += (long long)(klen + vlen);
	}
	return cdb_make_finish(&cm);
}

/*
 * aliases_compile - newaliases: parse src, write src.cdb atomically.
 * The old .cdb stays until the new one is complete and on disk.
 */
int
aliases_compile(const char *src, struct aliases_stats *st,
    enum aliases_fail *why, struct str *err)
{
	struct str buf = STR_INIT, dst = STR_INIT, tmp = STR_INIT;
	struct str dir = STR_INIT;
	struct aliases_tab map;
	const char *slash;
	int fd = -1, rc;

	memset(st, 0, sizeof(*st));
	*why = ALIASES_OK;
	aliases_tab_init(&map);
	rc = -1;
	if (read_source(src, &buf, why, err) < 0)
		goto out;
	if (aliases_parse(str_c(&buf), buf.len, src, collect, &map, err) < 0) {
		*why = ALIASES_BADINPUT;
		goto out;
	}
	str_printf(&dst, "%s.cdb", src);
	if ((slash = strrchr(src, '/')) == NULL)
		str_set(&dir, ".");
	else if (slash == src)
		str_set(&dir, "/");
	else
		str_append(&dir, src, (size_t)(slash - src));

	/* Create, write, fsync, rename, fsync the directory. */
	if ((fd = create_temp(dst.s, &tmp, err)) < 0) {
		*why = ALIASES_CANTCREATE;
		goto out;
	}
	if (write_cdb(fd, &map, st) < 0 || fsync(fd) < 0) {
		str_printf(err, "cannot write %s: %s", tmp.s, strerror(errno));
		*why = ALIASES_IOERR;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		str_printf(err, "cannot write %s: %s", tmp.s, strerror(errno));
		*why = ALIASES_IOERR;
		goto fail;
	}
	fd = -1;
	if (rename(tmp.s, dst.s) < 0) {
		str_printf(err, "cannot rename %s to %s: %s", tmp.s, dst.s,
		    strerror(errno));
		*why = ALIASES_CANTCREATE;
		goto fail;
	}
	if (util_fsync_dir(dir.s) < 0) {
		/* The new file is in place; it may not survive a crash. */
		str_printf(err, "cannot fsync directory %s: %s", dir.s,
		    strerror(errno));
		*why = ALIASES_IOERR;
		goto out;
	}
	rc = 0;
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp.s);
	memset(st, 0, sizeof(*st));
out:
	aliases_tab_free(&map);
	str_free(&buf);
	str_free(&dst);
	str_free(&tmp);
	str_free(&dir);
	return rc;
}

/*
 * aliases_check_age - was the source edited after newaliases last ran?
 * Returns 1 with a message in msg (Postfix's words) when src.cdb is older
 * than src, else 0 (either file missing: a missing database is reported
 * by the lookup that needs it).
 */
int
aliases_check_age(const char *src, struct str *msg)
{
	struct stat s, d;
	struct str db = STR_INIT;
	int stale;

	str_printf(&db, "%s.cdb", src);
	stale = stat(src, &s) == 0 && stat(db.s, &d) == 0 &&
	    (s.st_mtim.tv_sec > d.st_mtim.tv_sec ||
	    (s.st_mtim.tv_sec == d.st_mtim.tv_sec && s.st_mtim.tv_nsec > d.st_mtim.tv_nsec));
	if (stale)
		str_printf(msg, "database %s is older than source file %s: run newaliases",
		    db.s, src);
	str_free(&db);
	return stale;
}

/* missing_cdb - no .cdb: no aliases at all, or newaliases was not run? */
static int
missing_cdb(const char *cdbpath, struct str *err)
{
	struct stat sb;
	size_t len = strlen(cdbpath);
	char *src;
	int exists;

	if (len <= 4 || strcmp(cdbpath + len - 4, ".cdb") != 0)
		return 0;
	src = xstrndup(cdbpath, len - 4);
	exists = stat(src, &sb) == 0;
	if (exists)
		str_printf(err, "%s is missing although %s exists: run "
		    "newaliases", cdbpath, src);
	free(src);
	return exists ? -1 : 0;
}

/* aliases_lookup - one name in the compiled database */
int
aliases_lookup(const char *cdbpath, const char *name, struct str *value,
    struct str *err)
{
	char key[ALIASES_MAX_NAME + 1], buf[LOG_CLEAN_MAX + 1];
	struct cdb c;
	const char *data;
	size_t klen = strlen(name);
	unsigned vlen;
	int fd, r, rc = -1;

	if (klen == 0 || klen > ALIASES_MAX_NAME)
		return 0;	/* cannot have been stored */
	memcpy(key, name, klen + 1);
	util_lowercase(key);
	if ((fd = open(cdbpath, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) < 0) {
		if (errno == ENOENT)
			return missing_cdb(cdbpath, err);
		str_printf(err, "cannot open %s: %s", cdbpath, strerror(errno));
		return -1;
	}
	/* mmap is safe: newaliases renames a new file, never rewrites. */
	if (cdb_init(&c, fd) < 0) {
		str_printf(err, "%s: not a valid cdb file (run newaliases)",
		    cdbpath);
		close(fd);
		return -1;
	}
	if ((r = cdb_find(&c, key, (unsigned)klen)) < 0)
		str_printf(err, "%s: corrupt cdb file (run newaliases)",
		    cdbpath);
	else if (r == 0)
		rc = 0;
	else if ((vlen = cdb_datalen(&c)) > ALIASES_MAX_VALUE ||
	    (data = cdb_getdata(&c)) == NULL || memchr(data, '\0', vlen))
		str_printf(err, "%s: bad value for \"%s\" (run newaliases)",
		    cdbpath, log_clean(buf, sizeof(buf), key, klen));
	else {
		str_reset(value);
		str_append(value, data, vlen);
		rc = 1;
	}
	cdb_free(&c);
	close(fd);
	return rc;
}

/*
 * aliases_map_path - the source file named by alias_maps. Accepts a bare
 * absolute path or Postfix's "hash:/etc/aliases" / "cdb:/etc/aliases".
 * Returns 1 with the path set, 0 when the setting is empty (no aliases),
 * -1 with a message for anything else.
 */
int
aliases_map_path(const char *setting, struct str *path, struct str *err)
{
	const char *p = setting, *colon;
	size_t len;

	while (*p == ' ' || *p == '\t')
		p++;
	len = strlen(p);
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len == 0)
		return 0;
	if (strcspn(p, ", \t") < len) {
		str_printf(err, "alias_maps: only one aliases file is "
		    "supported, not \"%.*s\"", (int)len, p);
		return -1;
	}
	if (len > 5 && strncmp(p, "hash:", 5) == 0) {
		p += 5;
		len -= 5;
	} else if (len > 4 && strncmp(p, "cdb:", 4) == 0) {
		p += 4;
		len -= 4;
	} else if ((colon = memchr(p, ':', len)) != NULL && p[0] != '/') {
		str_printf(err, "alias_maps: unsupported map type \"%.*s\" "
		    "(use hash: or a plain path)", (int)(colon - p), p);
		return -1;
	}
	if (p[0] != '/') {
		str_printf(err, "alias_maps: \"%.*s\" is not an absolute path",
		    (int)len, p);
		return -1;
	}
	str_reset(path);
	str_append(path, p, len);
	return 1;
}
