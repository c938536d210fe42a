/*
 * NAME
 *	aliases_parse - the aliases(5) syntax: parse a file, split a value
 * SUMMARY
 *	aliases_parse() reads a whole aliases(5) file held in memory and
 *	hands each alias, name lowercased and targets normalised, to a
 *	callback. aliases_split() takes a normalised value (or the text of a
 *	.forward or :include: file) apart into targets. The database side
 *	(compile, lookup) is in aliases.c.
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
 *	text quoted in messages passes through log_clean().
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aliases.h"
#include "aliases_tab.h"
#include "log.h"
#include "str.h"
#include "util.h"

#define INCLUDE_PREFIX	":include:"
#define INCLUDE_LEN	(sizeof(INCLUDE_PREFIX) - 1)

/* The parser's state between physical lines. */
struct parser {
	const char	*fname;
	aliases_cb	 cb;
	void		*arg;
	struct str	*err;
	struct str	 name;
	struct str	 value;
	int		 start;		/* first line of the alias; 0: none */
	struct aliases_tab	 seen;
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

/* aliases_tab_init - an empty name table */
void
aliases_tab_init(struct aliases_tab *m)
{
	m->size = 256;
	m->tab = xcalloc(m->size, sizeof(*m->tab));
	m->count = 0;
	m->head = NULL;
	m->tailp = &m->head;
}

/* aliases_tab_free - release the table and its entries */
void
aliases_tab_free(struct aliases_tab *m)
{
	struct aliases_ent *e, *next;

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
 * aliases_tab_get - the entry for a name; a new one, in file order, if the name
 * was not there (*isnew says which).
 */
struct aliases_ent *
aliases_tab_get(struct aliases_tab *m, const char *name, int lineno,
    int *isnew)
{
	struct aliases_ent *e, **tab;
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
	struct aliases_ent *e;
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
	e = aliases_tab_get(&ps->seen, ps->name.s, ps->start, &isnew);
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
	aliases_tab_init(&ps.seen);
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
	aliases_tab_free(&ps.seen);
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
