/*
 * smtpproto - the SMTP codec: replies, EHLO keywords, paths
 *
 * See smtpproto.h (base64, xtext and SASL are in base64.c).
 *
 * Replies: a line is "DDD", "DDD text" (the last line) or "DDD-text"
 * (more follow); a trailing CR LF or LF is ignored. The code must be
 * 200..599 and the same on every line; a reply may have at most
 * SMTP_REPLY_LINES_MAX lines and REPLY_TEXT_MAX bytes of text. An
 * enhanced status code "c.sss.ddd" at the start of a line's text, with
 * the class c equal to the reply's first digit, is stripped; the one of
 * the first line is kept in esc. The text is cleaned as it is stored:
 * it ends up in logs and in the 7-bit text of bounces, so control
 * characters and bytes above 126 become '?' and TAB a space.
 *
 * Paths: "<" [ source route ":" ] [ local "@" domain ] ">" with one or
 * more spaces before "<" tolerated (as Postfix does unless
 * strict_rfc821_envelopes). The local part is a dot-string or a quoted
 * string (kept with its quotes); the domain a host name or an address
 * literal ([1.2.3.4], [IPv6:...]). Without SMTPUTF8 every byte must be
 * ASCII; with it, UTF-8 (well-formed, shortest form, no surrogates) may
 * appear in atoms, quoted strings, domain labels and parameter values.
 * "<postmaster>" (any case) without a domain is accepted (RFC 5321
 * 4.1.1.3). Limits: a domain of 255 octets and labels of 63; the whole
 * address at most 256 octets. The 64-octet local part limit of RFC
 * 5321 4.5.3.1.1 is not enforced by itself: SRS and VERP addresses
 * exceed it in the wild, and RFC 5321 4.5.3.1 asks for tolerance.
 * Parameters: keyword [ "=" value ], separated by spaces, keyword
 * letters, digits and "-" starting with a letter or digit, value one or
 * more of 33..126 except "="; at most SMTP_PARAMS_MAX, each key once.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtpproto.h"
#include "str.h"
#include "util.h"

#define REPLY_TEXT_MAX	65536	/* bytes of text in one reply */
#define REPLY_FORMAT_MAX 1000	/* bytes smtp_reply_format writes */
#define ADDR_MAX	256	/* octets of an address */
#define DOMAIN_MAX	255
#define LABEL_MAX	63

/* ASCII only, whatever the locale */
#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define IS_ALNUM(c)	(IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'z') || \
			    ((c) >= 'A' && (c) <= 'Z'))
#define TO_UPPER(c)	((c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 'A' : (c))

/* ---- replies ------------------------------------------------------------ */

/* smtp_reply_init - an empty reply */
void
smtp_reply_init(struct smtp_reply *r)
{
	r->code = 0;
	r->esc[0] = '\0';
	str_init(&r->text);
	r->nlines = 0;
}

/* smtp_reply_reset - empty the reply for the next one, keeping storage */
void
smtp_reply_reset(struct smtp_reply *r)
{
	r->code = 0;
	r->esc[0] = '\0';
	str_reset(&r->text);
	r->nlines = 0;
}

/* smtp_reply_free - release the storage; safe to call again */
void
smtp_reply_free(struct smtp_reply *r)
{
	str_free(&r->text);
	smtp_reply_init(r);
}

/*
 * esc_length - the length of an enhanced status code "c.sss.ddd" of
 * class cls at the start of s (followed by the end, a space or a TAB),
 * or 0
 */
static size_t
esc_length(const char *s, size_t len, char cls)
{
	size_t i = 0, n;
	int part;

	if (len < 5 || s[0] != cls || s[1] != '.')
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (n = 0; i < len && n < 4 && IS_DIGIT((unsigned char)s[i]); n++)
			i++;
		if (n < 1 || n > 3)
			return 0;
		if (part == 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < len && s[i] != ' ' && s[i] != '\t')
		return 0;
	return i;
}

/* append_clean - append text for logs and bounces: printable ASCII only */
static void
append_clean(struct str *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\t')
			c = ' ';
		else if (c < 32 || c > 126)
			c = '?';
		str_appendc(out, (char)c);
	}
}

/* smtp_reply_add - add one reply line; see smtpproto.h */
int
smtp_reply_add(struct smtp_reply *r, const char *line, size_t len,
    const char **err)
{
	const char *text;
	size_t tlen, n;
	int code, last;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len < 3 || line[0] < '2' || line[0] > '5' ||
	    !IS_DIGIT((unsigned char)line[1]) || !IS_DIGIT((unsigned char)line[2])) {
		*err = "reply does not start with a code 200..599";
		return -1;
	}
	if (len > 3 && line[3] != ' ' && line[3] != '-') {
		*err = "reply code not followed by space or '-'";
		return -1;
	}
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->nlines > 0 && code != r->code) {
		*err = "reply lines with different codes";
		return -1;
	}
	if (r->nlines >= SMTP_REPLY_LINES_MAX) {
		*err = "reply has too many lines";
		return -1;
	}
	last = len == 3 || line[3] == ' ';
	text = len > 4 ? line + 4 : "";
	tlen = len > 4 ? len - 4 : 0;
	if ((n = esc_length(text, tlen, line[0])) > 0) {
		if (r->nlines == 0 && n < sizeof(r->esc)) {
			memcpy(r->esc, text, n);
			r->esc[n] = '\0';
		}
		text += n;
		tlen -= n;
		while (tlen > 0 && (*text == ' ' || *text == '\t')) {
			text++;
			tlen--;
		}
	}
	if (r->text.len + tlen + 1 > REPLY_TEXT_MAX) {
		*err = "reply text too long";
		return -1;
	}
	r->code = code;
	if (r->nlines > 0)
		str_appendc(&r->text, '\n');
	append_clean(&r->text, text, tlen);
	r->nlines++;
	return last ? 1 : 0;
}

/* smtp_reply_format - "550 5.1.1 text text" for logs and DSNs, bounded */
void
smtp_reply_format(const struct smtp_reply *r, struct str *out)
{
	size_t i, start = out->len;

	str_printf(out, "%03d", r->code);
	if (r->esc[0] != '\0')
		str_printf(out, " %s", r->esc);
	if (r->text.len > 0)
		str_appendc(out, ' ');
	for (i = 0; i < r->text.len && out->len - start < REPLY_FORMAT_MAX; i++) {
		unsigned char c = (unsigned char)r->text.s[i];

		str_appendc(out, c == '\n' ? ' ' : (c < 32 || c > 126) ? '?' : (char)c);
	}
}

/* ---- EHLO ----------------------------------------------------------------- */

static const struct {
	const char	*name;
	unsigned	 flag;
} ehlo_words[] = {
	{ "PIPELINING", EHLO_PIPELINING },
	{ "SIZE", EHLO_SIZE },
	{ "8BITMIME", EHLO_8BITMIME },
	{ "SMTPUTF8", EHLO_SMTPUTF8 },
	{ "DSN", EHLO_DSN },
	{ "ENHANCEDSTATUSCODES", EHLO_ENHANCEDSTATUSCODES },
	{ "STARTTLS", EHLO_STARTTLS },
	{ "CHUNKING", EHLO_CHUNKING },
	{ "AUTH", EHLO_AUTH },
};

/* ehlo_size - the SIZE argument: digits only, else 0 (no limit known) */
static long long
ehlo_size(const char *s, size_t len)
{
	long long v = 0;
	size_t i;

	while (len > 0 && *s == ' ') {
		s++;
		len--;
	}
	if (len == 0 || len > 18)
		return 0;
	for (i = 0; i < len; i++) {
		if (!IS_DIGIT((unsigned char)s[i]))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* ehlo_auth - the SASL_* bits of a mechanism list */
static unsigned
ehlo_auth(const char *s, size_t len)
{
	unsigned bits = 0;
	char name[32];
	size_t i = 0, j;

	while (i < len) {
		while (i < len && (s[i] == ' ' || s[i] == '='))
			i++;
		for (j = i; j < len && s[j] != ' '; j++)
			;
		if (j > i && j - i < sizeof(name)) {
			memcpy(name, s + i, j - i);
			name[j - i] = '\0';
			bits |= sasl_mech_parse(name);
		}
		i = j;
	}
	return bits;
}

/* ehlo_line - one keyword line */
static void
ehlo_line(struct smtp_ehlo *e, const char *s, size_t len)
{
	size_t i, k, n;

	while (len > 0 && s[0] == ' ') {
		s++;
		len--;
	}
	for (k = 0; k < len && s[k] != ' ' && s[k] != '='; k++)
		;
	for (i = 0; i < ARRAY_LEN(ehlo_words); i++) {
		n = strlen(ehlo_words[i].name);
		if (n != k || strncasecmp(s, ehlo_words[i].name, n) != 0)
			continue;
		e->flags |= ehlo_words[i].flag;
		if (ehlo_words[i].flag == EHLO_SIZE)
			e->size = ehlo_size(s + k, len - k);
		else if (ehlo_words[i].flag == EHLO_AUTH)
			e->auth |= ehlo_auth(s + k, len - k);
		return;
	}
}

/* smtp_ehlo_parse - the extensions a 250 reply to EHLO offers */
void
smtp_ehlo_parse(struct smtp_ehlo *e, const struct smtp_reply *r)
{
	const char *p, *end, *nl;

	e->flags = 0;
	e->size = 0;
	e->auth = 0;
	if (r->code != 250 || r->text.len == 0)
		return;
	p = r->text.s;
	end = p + r->text.len;
	/* the first line is the server's name and greeting */
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return;
	for (p = nl + 1; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		ehlo_line(e, p, (size_t)(nl - p));
	}
}

/* ---- paths ---------------------------------------------------------------- */

/* smtp_path_init - an empty path */
void
smtp_path_init(struct smtp_path *p)
{
	str_init(&p->addr);
	memset(p->param, 0, sizeof(p->param));
	p->nparam = 0;
}

/* smtp_path_free - release the storage; safe to call again */
void
smtp_path_free(struct smtp_path *p)
{
	size_t i;

	for (i = 0; i < p->nparam; i++) {
		free(p->param[i].key);
		free(p->param[i].value);
	}
	str_free(&p->addr);
	smtp_path_init(p);
}

/*
 * utf8_len - the length of the well-formed UTF-8 sequence of a non-ASCII
 * character at s, or 0
 */
static size_t
utf8_len(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned long cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* is_atext - RFC 5321 atext (RFC 5322 3.2.3) */
static int
is_atext(unsigned char c)
{
	return IS_ALNUM(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/*
 * The parser: a cursor over the argument; each step returns 0 and moves
 * the cursor, or -1 with *err set.
 */
struct cur {
	const unsigned char	*p;
	const unsigned char	*end;
	int			 utf8;
	const char		*err;
};

/* take_utf8 - step over one non-ASCII character if allowed; 0 or -1 */
static int
take_utf8(struct cur *c)
{
	size_t n;

	if (!c->utf8) {
		c->err = "8-bit characters in address need SMTPUTF8";
		return -1;
	}
	if ((n = utf8_len(c->p, (size_t)(c->end - c->p))) == 0) {
		c->err = "Invalid UTF-8 in address";
		return -1;
	}
	c->p += n;
	return 0;
}

/* parse_dot_string - Atom *("." Atom) */
static int
parse_dot_string(struct cur *c)
{
	int atom = 0;

	for (;;) {
		if (c->p < c->end && *c->p >= 0x80) {
			if (take_utf8(c) < 0)
				return -1;
			atom = 1;
		} else if (c->p < c->end && is_atext(*c->p)) {
			c->p++;
			atom = 1;
		} else if (c->p < c->end && *c->p == '.' && atom) {
			c->p++;
			atom = 0;
		} else
			break;
	}
	if (!atom) {
		c->err = "Bad local part syntax";
		return -1;
	}
	return 0;
}

/* parse_quoted - DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE */
static int
parse_quoted(struct cur *c)
{
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\') {
			if (c->end - c->p < 2 || c->p[1] < 32 || c->p[1] > 126)
				goto bad;
			c->p += 2;
		} else if (*c->p >= 0x80) {
			if (take_utf8(c) < 0)
				return -1;
		} else if (*c->p >= 32 && *c->p <= 126) {
			c->p++;
		} else
			goto bad;
	}
	if (c->p == c->end)
		goto bad;
	c->p++;
	return 0;
bad:
	c->err = "Bad quoted local part";
	return -1;
}

/* parse_literal - "[" IPv4 "]" or "[IPv6:" IPv6 "]" */
static int
parse_literal(struct cur *c)
{
	const unsigned char *close;
	unsigned char buf[16];
	char text[64];
	size_t n;

	close = memchr(c->p, ']', (size_t)(c->end - c->p));
	if (close == NULL || (n = (size_t)(close - c->p - 1)) >= sizeof(text))
		goto bad;
	memcpy(text, c->p + 1, n);
	text[n] = '\0';
	if (strncasecmp(text, "IPv6:", 5) == 0) {
		if (inet_pton(AF_INET6, text + 5, buf) != 1)
			goto bad;
	} else if (inet_pton(AF_INET, text, buf) != 1)
		goto bad;
	c->p = close + 1;
	return 0;
bad:
	c->err = "Bad address literal";
	return -1;
}

/* parse_domain - sub-domain *("." sub-domain), or an address literal */
static int
parse_domain(struct cur *c)
{
	const unsigned char *start = c->p, *label = c->p;

	if (c->p < c->end && *c->p == '[')
		return parse_literal(c);
	for (;;) {
		if (c->p < c->end && *c->p >= 0x80) {
			if (take_utf8(c) < 0)
				return -1;
		} else if (c->p < c->end && (IS_ALNUM(*c->p) ||
		    (*c->p == '-' && c->p > label))) {
			c->p++;
		} else if (c->p < c->end && *c->p == '.' && c->p > label &&
		    c->p[-1] != '-') {
			if (c->p - label > LABEL_MAX)
				goto bad;
			label = ++c->p;
		} else
			break;
	}
	if (c->p == label || c->p[-1] == '-' || c->p - label > LABEL_MAX)
		goto bad;
	if (c->p - start > DOMAIN_MAX) {
		c->err = "Domain name too long";
		return -1;
	}
	return 0;
bad:
	c->err = "Bad domain syntax";
	return -1;
}

/* parse_route - "@" domain *("," "@" domain) ":", dropped */
static int
parse_route(struct cur *c)
{
	for (;;) {
		c->p++;		/* the "@" */
		if (parse_domain(c) < 0) {
			c->err = "Bad source route";
			return -1;
		}
		if (c->p < c->end && *c->p == ':') {
			c->p++;
			return 0;
		}
		if (c->end - c->p < 2 || c->p[0] != ',' || c->p[1] != '@') {
			c->err = "Bad source route";
			return -1;
		}
		c->p++;
	}
}

/* add_param - parse and store one "KEY[=VALUE]" of length len */
static int
add_param(struct cur *c, struct smtp_path *path, const unsigned char *s, size_t len)
{
	struct smtp_param *pm;
	size_t k, i;

	for (k = 0; k < len && s[k] != '='; k++) {
		if (!IS_ALNUM(s[k]) && (s[k] != '-' || k == 0)) {
			c->err = "Bad parameter syntax";
			return -1;
		}
	}
	if (k == 0 || (k < len && k + 1 == len)) {
		c->err = "Bad parameter syntax";
		return -1;
	}
	for (i = k + 1; i < len; ) {
		if (s[i] >= 0x80) {
			size_t n = c->utf8 ? utf8_len(s + i, len - i) : 0;

			if (n == 0) {
				c->err = "8-bit characters in parameter";
				return -1;
			}
			i += n;
		} else if (s[i] < 33 || s[i] > 126 || s[i] == '=') {
			c->err = "Bad parameter syntax";
			return -1;
		} else
			i++;
	}
	for (i = 0; i < path->nparam; i++) {
		if (strlen(path->param[i].key) == k &&
		    strncasecmp(path->param[i].key, (const char *)s, k) == 0) {
			c->err = "Duplicate parameter";
			return -1;
		}
	}
	if (path->nparam >= SMTP_PARAMS_MAX) {
		c->err = "Too many parameters";
		return -1;
	}
	pm = &path->param[path->nparam++];
	pm->key = xstrndup((const char *)s, k);
	for (i = 0; i < k; i++)
		pm->key[i] = (char)TO_UPPER(pm->key[i]);
	pm->value = k < len ? xstrndup((const char *)s + k + 1, len - k - 1) : NULL;
	return 0;
}

/* parse_params - SP-separated parameters up to the end */
static int
parse_params(struct cur *c, struct smtp_path *path)
{
	const unsigned char *s;

	for (;;) {
		while (c->p < c->end && *c->p == ' ')
			c->p++;
		if (c->p == c->end)
			return 0;
		for (s = c->p; c->p < c->end && *c->p != ' '; c->p++)
			;
		if (add_param(c, path, s, (size_t)(c->p - s)) < 0)
			return -1;
	}
}

/* smtp_parse_path - see smtpproto.h */
int
smtp_parse_path(const char *arg, int utf8, struct smtp_path *path,
    const char **err)
{
	struct cur c;
	const unsigned char *addr;
	size_t len;

	smtp_path_free(path);
	c.p = (const unsigned char *)arg;
	c.end = c.p + strlen(arg);
	c.utf8 = utf8;
	c.err = NULL;
	while (c.p < c.end && *c.p == ' ')
		c.p++;
	if (c.p == c.end || *c.p != '<') {
		c.err = "Address must be enclosed in <>";
		goto bad;
	}
	c.p++;
	if (c.p < c.end && *c.p == '@' && parse_route(&c) < 0)
		goto bad;
	addr = c.p;
	if (addr > (const unsigned char *)arg && addr[-1] == ':' &&
	    (c.p == c.end || *c.p == '>')) {
		c.err = "Bad source route";
		goto bad;
	}
	if (c.p < c.end && *c.p != '>') {
		if (*c.p == '"') {
			if (parse_quoted(&c) < 0)
				goto bad;
		} else if (parse_dot_string(&c) < 0)
			goto bad;
		if (c.p < c.end && *c.p == '@') {
			c.p++;
			if (parse_domain(&c) < 0)
				goto bad;
		} else if (c.p - addr != 10 ||
		    strncasecmp((const char *)addr, "postmaster", 10) != 0) {
			c.err = c.p < c.end && *c.p == '>' ?
			    "Address has no domain" : "Bad address syntax";
			goto bad;
		}
	}
	if (c.p == c.end || *c.p != '>') {
		c.err = c.p == c.end ? "Address must be enclosed in <>" :
		    "Bad address syntax";
		goto bad;
	}
	len = (size_t)(c.p - addr);
	if (len > ADDR_MAX) {
		c.err = "Address too long";
		goto bad;
	}
	str_append(&path->addr, addr, len);
	c.p++;
	if (c.p < c.end && *c.p != ' ') {
		c.err = "Bad address syntax";
		goto bad;
	}
	if (parse_params(&c, path) < 0)
		goto bad;
	return 0;
bad:
	smtp_path_free(path);
	*err = c.err;
	return -1;
}

/*
 * smtp_path_param - the value of parameter key (any case): "" for a
 * parameter without "=", NULL when it was not given
 */
const char *
smtp_path_param(const struct smtp_path *path, const char *key)
{
	size_t i;

	for (i = 0; i < path->nparam; i++)
		if (strcasecmp(path->param[i].key, key) == 0)
			return path->param[i].value ? path->param[i].value : "";
	return NULL;
}
