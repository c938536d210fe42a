/*
 * NAME
 *	aliases - parse the aliases file, compile it into cdb, look names up
 * SUMMARY
 *	aliases_parse() reads a whole aliases(5) file held in memory and
 *	hands each alias, name lowercased and targets normalised, to a
 *	callback. aliases_split() takes a normalised value (or the text of a
 *	.forward or :include: file) apart into targets. aliases_compile()
 *	is newaliases: source file in, SRC.cdb out, atomically.
 *	aliases_lookup() is what local delivery calls.
 * DESCRIPTION
 *	The parser is a hand-written scanner over physical lines, so every
 *	error names the file and line. Lines end in LF or CRLF. A line whose
 *	first non-blank byte is '#' is a comment and a blank line is
 *	ignored; neither ends an alias, so comments may sit between the
 *	continuation lines of a long list (as in Postfix). A physical line
 *	boundary separates targets just as a comma does; a quoted string
 *	must close on the line where it opens.
 *
 *	Inside double quotes, \" and \\ stand for " and \; any other
 *	backslash is literal, so "\user" keeps its meaning. Outside quotes
 *	white space is allowed only inside a |command: "alice bob" without a
 *	comma is an error rather than a guess.
 * SECURITY
 *	The source is untrusted text: every line, name and value is bounded
 *	(see aliases.h), NUL bytes and control characters are rejected, and
 *	text quoted in messages passes through log_clean(). newaliases runs
 *	as root in a directory that should be root's; even so the temporary
 *	is created with O_EXCL|O_NOFOLLOW so a planted name or symlink makes
 *	it fail instead of writing elsewhere, and rename() replaces a
 *	symlinked .cdb rather than following it.
 */
#include "config.h"

#include <sys/stat.h>

#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "aliases.h"
#include "log.h"
#include "str.h"
#include "util.h"

#define INCLUDE_PREFIX	":include:"
#define INCLUDE_LEN	(sizeof(INCLUDE_PREFIX) - 1)

/* One alias in a name table: duplicate detection and compilation. */
struct ament {
	struct ament	*chain;		/* next in the hash bucket */
	struct ament	*order;		/* next in file order */
	char		*name;
	char		*value;		/* NULL in the parser's table */
	int		 lineno;
};

struct amap {
	struct ament	**tab;
	size_t		  size;
	size_t		  count;
	struct ament	 *head;
	struct ament	**tailp;
};

/* The parser's state between physical lines. */
struct parser {
	const char	*fname;
	aliases_cb	 cb;
	void		*arg;
	struct str	*err;
	struct str	 name;
	struct str	 value;
	int		 start;		/* first line of the alias; 0: none */
	struct amap	 seen;
};

/* What split collects. */
struct vec {
	char		**v;
	size_t		  n;
	size_t		  cap;
	int		 *lines;	/* line of each target, or NULL */
	int		  line;		/* the line being split */
};

/* emit_fn - take one finished target; a non-NULL result is an error */
typedef const char *(*emit_fn)(void *, const char *, size_t);

/* fail - append "FILE:LINE: message" (or "line N: message") to err */
static void __attribute__((format(printf, 4, 5)))
fail(struct str *err, const char *fname, int lineno, const char *fmt, ...)
{
	va_list ap;

	if (fname != NULL)
		str_printf(err, "%s:%d: ", fname, lineno);
	else
		str_printf(err, "line %d: ", lineno);
	va_start(ap, fmt);
	str_vprintf(err, fmt, ap);
	va_end(ap);
}

/* has_ctl - does the text hold a control character other than tab? */
static int
has_ctl(const char *s, size_t len)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 1;
	}
	return 0;
}

/* hash - FNV-1a over a name */
static size_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* amap_init - an empty name table */
static void
amap_init(struct amap *m)
{
	m->size = 256;
	m->tab = xcalloc(m->size, sizeof(*m->tab));
	m->count = 0;
	m->head = NULL;
	m->tailp = &m->head;
}

/* amap_free - release the table and its entries */
static void
amap_free(struct amap *m)
{
	struct ament *e, *next;

	for (e = m->head; e != NULL; e = next) {
		next = e->order;
		free(e->name);
		free(e->value);
		free(e);
	}
	free(m->tab);
	m->tab = NULL;
	m->head = NULL;
}

/*
 * amap_get - the entry for a name; a new one, in file order, if the name
 * was not there (*isnew says which).
 */
static struct ament *
amap_get(struct amap *m, const char *name, int lineno, int *isnew)
{
	struct ament *e, **tab;
	size_t size, b;

	for (e = m->tab[hash(name) % m->size]; e != NULL; e = e->chain)
		if (strcmp(e->name, name) == 0) {
			*isnew = 0;
			return e;
		}
	if (m->count >= m->size && m->size <= SIZE_MAX / 4 / sizeof(*tab)) {
		/* Keep chains short: double and rehash. */
		size = m->size * 2;
		tab = xcalloc(size, sizeof(*tab));
		for (e = m->head; e != NULL; e = e->order) {
			b = hash(e->name) % size;
			e->chain = tab[b];
			tab[b] = e;
		}
		free(m->tab);
		m->tab = tab;
		m->size = size;
	}
	e = xcalloc(1, sizeof(*e));
	e->name = xstrdup(name);
	e->lineno = lineno;
	b = hash(name) % m->size;
	e->chain = m->tab[b];
	m->tab[b] = e;
	*m->tailp = e;
	m->tailp = &e->order;
	m->count++;
	*isnew = 1;
	return e;
}

/* needs_quotes - would this target not survive aliases_split unquoted? */
static int
needs_quotes(const char *t, size_t len)
{
	size_t i;

	if (len > 0 && t[0] == '#')
		return 1;
	for (i = 0; i < len; i++)
		if (t[i] == ',' || t[i] == '"' || t[i] == ' ' || t[i] == '\t')
			return 1;
	return 0;
}

/* append_target - add one target to a normalised value */
static void
append_target(struct str *out, const char *t, size_t len)
{
	size_t i;

	if (out->len > 0)
		str_append(out, ", ", 2);
	if (!needs_quotes(t, len)) {
		str_append(out, t, len);
		return;
	}
	str_appendc(out, '"');
	for (i = 0; i < len; i++) {
		if (t[i] == '"' || t[i] == '\\')
			str_appendc(out, '\\');
		str_appendc(out, t[i]);
	}
	str_appendc(out, '"');
}

/*
 * finish_target - check one decoded target and bring it to its normal
 * form. quoted: some of it was inside quotes; inner_ws: unquoted white
 * space between its words. Returns NULL or the reason it is bad.
 */
static const char *
finish_target(struct str *tok, int quoted, int inner_ws)
{
	const char *t = tok->s, *path;
	struct str tmp = STR_INIT;

	if (has_ctl(t, tok->len))
		return "control character in target";
	if (t[0] == '|')
		return tok->len == 1 ? "empty command after |" : NULL;
	if (tok->len >= INCLUDE_LEN &&
	    strncasecmp(t, INCLUDE_PREFIX, INCLUDE_LEN) == 0) {
		for (path = t + INCLUDE_LEN; *path == ' ' || *path == '\t';
		    path++)
			;
		if (*path == '\0')
			return ":include: without a file name";
		if (*path != '/')
			return ":include: needs an absolute path";
		if (!quoted && strpbrk(path, " \t") != NULL)
			return "white space in an :include: path (quote it)";
		str_appends(&tmp, INCLUDE_PREFIX);
		str_appends(&tmp, path);
		str_free(tok);
		*tok = tmp;
		return NULL;
	}
	if (t[0] == ':')
		return "unknown target form (did you mean :include:?)";
	if (inner_ws)
		return t[0] == '/' ?
		    "white space in a file name (quote it)" :
		    "white space in an address (separate targets with commas)";
	if (t[0] == '\\' && tok->len == 1)
		return "empty user name after \\";
	if (t[0] == '@' || t[tok->len - 1] == '@')
		return "malformed address";
	return NULL;
}

/*
 * scan_targets - split the text of one physical line into targets:
 * commas separate them, double quotes protect commas and blanks, white
 * space around a target goes. Each good target goes to emit.
 */
static int
scan_targets(const char *p, size_t len, const char *fname, int lineno,
    int quote, emit_fn emit, void *ctx, struct str *err)
{
	struct str tok = STR_INIT;
	const char *why = NULL;
	char buf[LOG_CLEAN_MAX + 1];
	size_t i, keep = 0;
	int inq = 0, quoted = 0, ws = 0, inner_ws = 0;
	char c;

	for (i = 0; i <= len && why == NULL; i++) {
		c = i < len ? p[i] : ',';	/* the end separates, too */
		if (inq) {
			if (i == len) {
				why = "unterminated quote";
				break;
			}
			if (c == '\\' && i + 1 < len &&
			    (p[i + 1] == '"' || p[i + 1] == '\\'))
				c = p[++i];
			else if (c == '"') {
				inq = 0;
				continue;
			}
			str_appendc(&tok, c);
			keep = tok.len;
			continue;
		}
		if (c == ',') {
			str_truncate(&tok, keep);
			if (tok.len > 0)
				why = finish_target(&tok, quoted, inner_ws);
			if (tok.len > 0 && why == NULL)
				why = emit(ctx, tok.s, tok.len);
			if (why != NULL && quote) {
				log_clean(buf, sizeof(buf), tok.s, tok.len);
				fail(err, fname, lineno, "%s: \"%s\"", why,
				    buf);
				why = "";
			} else if (why != NULL) {
				fail(err, fname, lineno, "%s", why);
				why = "";
			}
			str_reset(&tok);
			keep = 0;
			quoted = ws = inner_ws = 0;
			continue;
		}
		if (c == ' ' || c == '\t') {
			if (tok.len > 0 || quoted) {
				str_appendc(&tok, c);
				ws = 1;
			}
			continue;
		}
		if (ws) {
			inner_ws = 1;
			ws = 0;
		}
		if (c == '"') {
			inq = quoted = 1;
			keep = tok.len;
			continue;
		}
		str_appendc(&tok, c);
		keep = tok.len;
	}
	if (why != NULL && *why != '\0')
		fail(err, fname, lineno, "%s", why);
	str_free(&tok);
	return why == NULL ? 0 : -1;
}

/* value_emit - parser side: add a target to the alias being read */
static const char *
value_emit(void *ctx, const char *t, size_t len)
{
	struct parser *ps = ctx;

	append_target(&ps->value, t, len);
	if (ps->value.len > ALIASES_MAX_VALUE)
		return "alias value longer than 4 MB";
	return NULL;
}

/* start_alias - "name: targets" on a line of its own */
static int
start_alias(struct parser *ps, const char *p, size_t len, int lineno)
{
	const char *why = NULL;
	size_t i = 0;

	str_reset(&ps->name);
	str_reset(&ps->value);
	ps->start = lineno;
	if (p[0] == '"') {
		for (i = 1; i < len && p[i] != '"'; i++) {
			if (p[i] == '\\' && i + 1 < len &&
			    (p[i + 1] == '"' || p[i + 1] == '\\'))
				i++;
			str_appendc(&ps->name, p[i]);
		}
		if (i >= len)
			why = "unterminated quote in alias name";
		else
			i++;
	} else {
		while (i < len && p[i] != ':' && p[i] != ' ' && p[i] != '\t')
			str_appendc(&ps->name, p[i++]);
	}
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (why == NULL && (i >= len || p[i] != ':'))
		why = p[0] != '"' && memchr(p + i, ':', len - i) != NULL ?
		    "white space in alias name (quote the name)" :
		    "missing colon after alias name";
	if (why == NULL && ps->name.len == 0)
		why = "empty alias name";
	if (why == NULL && ps->name.len > ALIASES_MAX_NAME)
		why = "alias name longer than 256 bytes";
	if (why == NULL && has_ctl(ps->name.s, ps->name.len))
		why = "control character in alias name";
	if (why != NULL) {
		fail(ps->err, ps->fname, lineno, "%s", why);
		return -1;
	}
	util_lowercase(ps->name.s);
	i++;
	return scan_targets(p + i, len - i, ps->fname, lineno, 1, value_emit, ps,
	    ps->err);
}

/* finish_alias - the alias is complete: warn on duplicates, call back */
static int
finish_alias(struct parser *ps)
{
	char buf[LOG_CLEAN_MAX + 1];
	struct ament *e;
	size_t before;
	int isnew;

	if (ps->start == 0)
		return 0;
	log_clean(buf, sizeof(buf), ps->name.s, ps->name.len);
	if (ps->value.len == 0) {
		fail(ps->err, ps->fname, ps->start,
		    "no targets for alias \"%s\"", buf);
		return -1;
	}
	e = amap_get(&ps->seen, ps->name.s, ps->start, &isnew);
	if (!isnew) {
		log_warning("%s:%d: duplicate alias name \"%s\" (also on "
		    "line %d); the last one wins",
		    ps->fname ? ps->fname : "aliases", ps->start, buf,
		    e->lineno);
		e->lineno = ps->start;
	}
	before = ps->err->len;
	if (ps->cb != NULL &&
	    ps->cb(ps->name.s, ps->value.s, ps->start, ps->arg) < 0) {
		if (ps->err->len == before)
			fail(ps->err, ps->fname, ps->start,
			    "alias \"%s\" rejected", buf);
		return -1;
	}
	ps->start = 0;
	return 0;
}

/* aliases_parse - read a whole aliases file held in memory */
int
aliases_parse(const char *buf, size_t len, const char *fname, aliases_cb cb,
    void *arg, struct str *err)
{
	struct parser ps;
	const char *line, *eol;
	size_t pos = 0, n, i;
	int lineno = 0, rc = -1;

	memset(&ps, 0, sizeof(ps));
	ps.fname = fname;
	ps.cb = cb;
	ps.arg = arg;
	ps.err = err;
	str_init(&ps.name);
	str_init(&ps.value);
	amap_init(&ps.seen);
	while (pos < len) {
		if (lineno == INT_MAX) {
			fail(err, fname, lineno, "too many lines");
			goto out;
		}
		lineno++;
		line = buf + pos;
		eol = memchr(line, '\n', len - pos);
		n = eol ? (size_t)(eol - line) : len - pos;
		pos += eol ? n + 1 : n;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n > ALIASES_MAX_LINE) {
			fail(err, fname, lineno, "line longer than %d bytes",
			    ALIASES_MAX_LINE);
			goto out;
		}
		if (memchr(line, '\0', n) != NULL) {
			fail(err, fname, lineno, "NUL byte in line");
			goto out;
		}
		for (i = 0; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
			;
		if (i == n || line[i] == '#')
			continue;
		if (i > 0) {
			if (ps.start == 0) {
				fail(err, fname, lineno, "continuation line "
				    "without an alias before it");
				goto out;
			}
			if (scan_targets(line + i, n - i, fname, lineno,
			    1, value_emit, &ps, err) < 0)
				goto out;
			continue;
		}
		if (finish_alias(&ps) < 0 ||
		    start_alias(&ps, line, n, lineno) < 0)
			goto out;
	}
	if (finish_alias(&ps) < 0)
		goto out;
	rc = 0;
out:
	str_free(&ps.name);
	str_free(&ps.value);
	amap_free(&ps.seen);
	return rc;
}

/* vec_emit - split side: keep a copy of the target */
static const char *
vec_emit(void *ctx, const char *t, size_t len)
{
	struct vec *v = ctx;

	if (v->n >= INT_MAX - 1)
		return "too many targets";
	if (v->n + 1 >= v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->v = xreallocarray(v->v, v->cap, sizeof(*v->v));
		v->lines = xreallocarray(v->lines, v->cap, sizeof(*v->lines));
	}
	v->lines[v->n] = v->line;
	v->v[v->n++] = xstrndup(t, len);
	v->v[v->n] = NULL;
	return NULL;
}

/* aliases_free - release what aliases_split returned */
void
aliases_free(char **targets)
{
	size_t i;

	if (targets == NULL)
		return;
	for (i = 0; targets[i] != NULL; i++)
		free(targets[i]);
	free(targets);
}

/*
 * split - the work of aliases_split and aliases_split_file. quote: error
 * messages may quote the bad target (never for a user's file: its text
 * must not reach bounces, logs or queue reasons).
 */
static int
split(const char *value, int quote, char ***targets, int **lines,
    struct str *err)
{
	struct vec v = { NULL, 0, 0, NULL, 0 };
	const char *p = value, *eol;
	size_t n, i;
	int lineno = 0;

	*targets = NULL;
	if (lines)
		*lines = NULL;
	for (;;) {
		if (lineno == INT_MAX) {
			fail(err, NULL, lineno, "too many lines");
			goto bad;
		}
		v.line = ++lineno;
		eol = strchr(p, '\n');
		n = eol ? (size_t)(eol - p) : strlen(p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		for (i = 0; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
			;
		if (i < n && p[i] != '#' &&
		    scan_targets(p + i, n - i, NULL, lineno, quote, vec_emit, &v,
		    err) < 0)
			goto bad;
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	if (v.v == NULL)
		v.v = xcalloc(1, sizeof(*v.v));
	*targets = v.v;
	if (lines)
		*lines = v.lines;
	else
		free(v.lines);
	return (int)v.n;
bad:
	aliases_free(v.v);
	free(v.lines);
	return -1;
}

/*
 * aliases_split - a normalised value, or a .forward or :include: file,
 * as a NULL-terminated array of targets with the quotes removed.
 */
int
aliases_split(const char *value, char ***targets, struct str *err)
{
	return split(value, 1, targets, NULL, err);
}

/*
 * aliases_split_file - a user's .forward or an :include: file: as
 * aliases_split, with the line of each target in *lines (free it), and
 * error messages that name the line but never quote the file's text.
 */
int
aliases_split_file(const char *text, char ***targets, int **lines,
    struct str *err)
{
	return split(text, 0, targets, lines, err);
}

/* collect - compile side: remember the alias, the last one winning */
static int
collect(const char *name, const char *value, int lineno, void *arg)
{
	struct amap *m = arg;
	struct ament *e;
	int isnew;

	e = amap_get(m, name, lineno, &isnew);
	free(e->value);
	e->value = xstrdup(value);
	return 0;
}

/* read_source - the whole source file, bounded */
static int
read_source(const char *src, struct str *buf, struct str *err)
{
	struct stat sb;
	ssize_t n;
	int fd, rc = 0;

	/* O_NONBLOCK: a FIFO planted as the source must not hang us. */
	fd = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		str_printf(err, "cannot open %s: %s", src, strerror(errno));
		return -EX_NOINPUT;
	}
	if (fstat(fd, &sb) < 0) {
		str_printf(err, "cannot stat %s: %s", src, strerror(errno));
		rc = -EX_TEMPFAIL;
	} else if (!S_ISREG(sb.st_mode)) {
		str_printf(err, "%s: not a regular file", src);
		rc = -EX_DATAERR;
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
			rc = -EX_TEMPFAIL;
		} else if (n > 0) {
			buf->len += (size_t)n;
			buf->s[buf->len] = '\0';
		}
	}
	if (rc == 0 && (sb.st_size > ALIASES_MAX_FILE ||
	    buf->len > (size_t)ALIASES_MAX_FILE)) {
		str_printf(err, "%s: larger than %ld bytes", src,
		    ALIASES_MAX_FILE);
		rc = -EX_DATAERR;
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
write_cdb(int fd, const struct amap *m, struct aliases_stats *st)
{
	struct cdb_make cm;
	struct ament *e;
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
aliases_compile(const char *src, struct aliases_stats *st, struct str *err)
{
	struct str buf = STR_INIT, dst = STR_INIT, tmp = STR_INIT;
	struct str dir = STR_INIT;
	struct amap map;
	const char *slash;
	int fd = -1, rc;

	memset(st, 0, sizeof(*st));
	amap_init(&map);
	if ((rc = read_source(src, &buf, err)) < 0)
		goto out;
	if (aliases_parse(str_c(&buf), buf.len, src, collect, &map, err) < 0) {
		rc = -EX_DATAERR;
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
		rc = -EX_CANTCREAT;
		goto out;
	}
	if (write_cdb(fd, &map, st) < 0 || fsync(fd) < 0) {
		str_printf(err, "cannot write %s: %s", tmp.s, strerror(errno));
		rc = -EX_TEMPFAIL;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		str_printf(err, "cannot write %s: %s", tmp.s, strerror(errno));
		rc = -EX_TEMPFAIL;
		goto fail;
	}
	fd = -1;
	if (rename(tmp.s, dst.s) < 0) {
		str_printf(err, "cannot rename %s to %s: %s", tmp.s, dst.s,
		    strerror(errno));
		rc = -EX_CANTCREAT;
		goto fail;
	}
	if (util_fsync_dir(dir.s) < 0) {
		/* The new file is in place; it may not survive a crash. */
		str_printf(err, "cannot fsync directory %s: %s", dir.s,
		    strerror(errno));
		rc = -EX_TEMPFAIL;
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
	amap_free(&map);
	str_free(&buf);
	str_free(&dst);
	str_free(&tmp);
	str_free(&dir);
	return rc;
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
