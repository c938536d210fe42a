/*
 * header - the header section of a message held in memory
 *
 * See header.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "header.h"
#include "util.h"

/* hdr_line_is_field - does this line start a header field? */
int
hdr_line_is_field(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ':')
			break;
		if (c <= 32 || c >= 127)
			break;
	}
	if (i == 0)
		return 0;
	/* obsolete syntax allows white space before the colon */
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i < len && s[i] == ':';
}

/* add_field - remember one field */
static void
add_field(struct headers *h, size_t start, size_t len, const char *msg)
{
	struct hfield *f;
	const char *colon;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
	}
	f = &h->v[h->n++];
	f->start = start;
	f->len = len;
	colon = memchr(msg + start, ':', len);
	f->value = colon ? (size_t)(colon - msg) + 1 : start + len;
	f->name_len = colon ? (size_t)(colon - (msg + start)) : 0;
	while (f->name_len > 0 && (msg[start + f->name_len - 1] == ' ' ||
	    msg[start + f->name_len - 1] == '\t'))
		f->name_len--;
	f->drop = 0;
}

/* hdr_parse - index the header section; see header.h */
int
hdr_parse(const char *msg, size_t len, size_t limit, struct headers *h,
    struct str *err)
{
	size_t pos = 0, eol, linelen, cur = (size_t)-1;

	memset(h, 0, sizeof(*h));
	while (pos < len) {
		const char *nl = memchr(msg + pos, '\n', len - pos);

		eol = nl ? (size_t)(nl - msg) + 1 : len;
		linelen = eol - pos;
		if (linelen == 1 && msg[pos] == '\n') {
			/* the empty line: the body follows it */
			h->body = eol;
			return 0;
		}
		if ((msg[pos] == ' ' || msg[pos] == '\t') && cur != (size_t)-1) {
			h->v[cur].len += linelen;
		} else if (hdr_line_is_field(msg + pos, linelen)) {
			add_field(h, pos, linelen, msg);
			cur = h->n - 1;
		} else {
			/* not a header: the body starts here */
			h->body = pos;
			h->need_blank = 1;
			return 0;
		}
		/* only header lines count: not the empty line, not the body */
		if (limit && eol > limit) {
			str_printf(err, "message header section exceeds header_size_limit (%zu bytes)", limit);
			hdr_free(h);
			return -1;
		}
		pos = eol;
	}
	/* headers only, no body */
	h->body = len;
	return 0;
}

/* hdr_free - release the index */
void
hdr_free(struct headers *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/* hdr_is - does the field have this name (case-insensitively)? */
int
hdr_is(const char *msg, const struct hfield *f, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && strncasecmp(msg + f->start, name, n) == 0;
}

/* hdr_is_prefix - does the field's name start with this prefix? */
int
hdr_is_prefix(const char *msg, const struct hfield *f, const char *prefix)
{
	size_t n = strlen(prefix);

	return f->name_len >= n && strncasecmp(msg + f->start, prefix, n) == 0;
}

/* hdr_find - the first field with this name that is not dropped */
struct hfield *
hdr_find(const char *msg, struct headers *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (!h->v[i].drop && hdr_is(msg, &h->v[i], name))
			return &h->v[i];
	return NULL;
}

/* hdr_value - the value bytes of a field, without the final LF */
void
hdr_value(const char *msg, const struct hfield *f, const char **vp, size_t *lp)
{
	size_t end = f->start + f->len;

	if (end > f->value && msg[end - 1] == '\n')
		end--;
	*vp = msg + f->value;
	*lp = end > f->value ? end - f->value : 0;
}
