/*
 * bodyenc_mime - the 7-bit conversion of bodyenc (RFC 6152 3, RFC 2045)
 *
 * See bodyenc.h and bodyenc_int.h. The walker sees the message line by
 * line; a line longer than LINE_CHUNK comes in chunks, and only a line
 * that fits in one chunk can be a boundary or start a header field.
 *
 * Each entity (the message, a part of a multipart, the message inside a
 * message/rfc822) starts with its header section, which is kept until
 * its end (at most BODYENC_HEADER_MAX bytes) because the
 * Content-Transfer-Encoding field may come after Content-Type, and the
 * header may have to be rewritten before its body goes out. Then:
 *
 *  - multipart/... with a boundary: the boundary is pushed; the preamble,
 *    the epilogue and the boundary lines must be 7 bit. A boundary of an
 *    outer multipart also ends the inner ones (RFC 2046 5.1.2).
 *  - message/rfc822 (encoding 7bit, 8bit, binary or none): its message
 *    is walked as an entity of its own.
 *  - For these two, an encoding of 8bit or binary is rewritten to 7bit,
 *    since what goes out inside them is 7 bit (or the encoder fails).
 *    Other message/... types, and composites nested deeper than
 *    MIME_DEPTH_MAX, must be 7 bit as they are.
 *  - A leaf with encoding 8bit, or none, is encoded quoted-printable: its
 *    Content-Transfer-Encoding fields are dropped and
 *    "Content-Transfer-Encoding: quoted-printable" added; an entity with
 *    no Content-Type gets "Content-Type: text/plain; charset=unknown-8bit"
 *    (RFC 1428: we do not know the charset), and a message without
 *    MIME-Version gets "MIME-Version: 1.0". This is decided from the
 *    header alone, before the body is seen, so a leaf without 8-bit
 *    bytes is encoded too; quoted-printable of ASCII text reads the same.
 *    The exception: a leaf without an encoding inside multipart/signed is
 *    left alone (RFC 1847 requires 7-bit content there, and re-encoding
 *    would break the signature); if it holds 8-bit bytes the encoder
 *    fails.
 *  - A leaf declared 7bit, base64, quoted-printable or an unknown
 *    encoding passes as it is; an 8-bit byte in it is a false label, and
 *    the encoder fails rather than guess. A leaf declared binary fails.
 *  - An 8-bit byte in any header fails: it needs RFC 2047 encoding,
 *    which is the author's business, not the relay's.
 * The header section ends at an empty line, at a line that is neither a
 * field nor a continuation (the body then starts there; a rewritten
 * header gets the missing empty line), at a boundary, or at the end.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "bodyenc_int.h"
#include "header.h"
#include "str.h"
#include "util.h"

enum { MS_HEADER, MS_BODY };		/* be->state */
enum { MK_PASS, MK_QP };		/* be->kind: 7 bit as is, or encode */
enum { HDR_BLANK, HDR_BODY, HDR_BOUNDARY, HDR_EOF };	/* how a header ended */
enum { CT_LEAF, CT_MULTIPART, CT_RFC822, CT_MESSAGE };
enum { CTE_NONE, CTE_7BIT, CTE_8BIT, CTE_BINARY, CTE_QP, CTE_BASE64, CTE_OTHER };

struct hinfo {				/* what an entity's header says */
	int	 has_ct;
	int	 has_mime_version;
	int	 ct;			/* CT_* */
	int	 digest;
	int	 is_signed;
	char	 boundary[BOUNDARY_MAX + 1];
	size_t	 blen;
	int	 cte;			/* CTE_* */
};

static const char hexdig[] = "0123456789ABCDEF";

/* bodyenc_mime_init - start with the header of the message */
void
bodyenc_mime_init(struct bodyenc *be)
{
	be->state = MS_HEADER;
	be->kind = MK_PASS;
	be->ent_message = 1;
	be->ent_digest = 0;
	be->nest = 0;
	be->depth = 0;
	be->qws = -1;
	be->qlen = 0;
	str_init(&be->hdr);
}

/* bodyenc_mime_free - release the header buffer */
void
bodyenc_mime_free(struct bodyenc *be)
{
	str_free(&be->hdr);
}

/* ---- header fields ------------------------------------------------------ */

/* skip_cfws - skip white space, line folds and (nested) comments */
static const char *
skip_cfws(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (depth > 0 && *p == '\\' && p + 1 < end)
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && *p != ' ' && *p != '\t' && *p != '\n')
			break;
	}
	return p;
}

/* token - the length of an RFC 2045 token at p */
static size_t
token(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && *p > 32 && *p < 127 && strchr("()<>@,;:\\\"/[]?=", *p) == NULL)
		p++;
	return (size_t)(p - s);
}

/* is_word - does the token (p, n) equal w, ignoring case? */
static int
is_word(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

/* param_value - a parameter value: quoted string or (leniently) a run */
static const char *
param_value(const char *p, const char *end, char *buf, size_t size, size_t *len)
{
	size_t n = 0;
	int ok = 1;

	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			if (*p == '\n')
				continue;	/* a fold inside the quotes */
			if (n < size - 1)
				buf[n++] = *p;
			else
				ok = 0;
		}
		if (p < end)
			p++;
	} else {
		for (; p < end && *p > 32 && *p < 127 && *p != ';' && *p != '('; p++) {
			if (n < size - 1)
				buf[n++] = *p;
			else
				ok = 0;
		}
	}
	buf[n] = '\0';
	*len = ok ? n : 0;
	return p;
}

/* parse_ct - Content-Type: the kind, and the boundary of a multipart */
static void
parse_ct(const char *p, const char *end, struct hinfo *hi)
{
	const char *type, *sub;
	size_t tn, sn, an, vlen;
	char val[BOUNDARY_MAX + 1];

	p = skip_cfws(p, end);
	type = p;
	p += tn = token(p, end);
	p = skip_cfws(p, end);
	if (tn == 0 || p >= end || *p != '/')
		return;			/* bad syntax: text/plain (RFC 2045 5.2) */
	p = skip_cfws(p + 1, end);
	sub = p;
	p += sn = token(p, end);
	if (sn == 0)
		return;
	if (is_word(type, tn, "multipart")) {
		hi->ct = CT_MULTIPART;
		hi->digest = is_word(sub, sn, "digest");
		hi->is_signed = is_word(sub, sn, "signed");
	} else if (is_word(type, tn, "message"))
		hi->ct = is_word(sub, sn, "rfc822") ? CT_RFC822 : CT_MESSAGE;
	for (;;) {
		p = skip_cfws(p, end);
		if (p >= end || *p != ';')
			return;
		p = skip_cfws(p + 1, end);
		an = token(p, end);
		if (an == 0)
			return;
		sub = p;
		p = skip_cfws(p + an, end);
		if (p >= end || *p != '=')
			return;
		p = param_value(skip_cfws(p + 1, end), end, val, sizeof(val), &vlen);
		if (is_word(sub, an, "boundary") && hi->blen == 0 && vlen > 0) {
			memcpy(hi->boundary, val, vlen + 1);
			hi->blen = vlen;
		}
	}
}

/* parse_cte - Content-Transfer-Encoding */
static int
parse_cte(const char *p, const char *end)
{
	static const struct {
		const char	*name;
		int		 cte;
	} names[] = {
		{ "7bit", CTE_7BIT }, { "8bit", CTE_8BIT }, { "binary", CTE_BINARY },
		{ "quoted-printable", CTE_QP }, { "base64", CTE_BASE64 },
	};
	size_t i, n;

	p = skip_cfws(p, end);
	n = token(p, end);
	for (i = 0; i < ARRAY_LEN(names); i++)
		if (is_word(p, n, names[i].name))
			return names[i].cte;
	return CTE_OTHER;
}

/* field_end - the offset just past the field (and its folds) at start */
static size_t
field_end(const struct str *h, size_t start)
{
	const char *nl;
	size_t i = start;

	for (;;) {
		nl = memchr(h->s + i, '\n', h->len - i);
		if (nl == NULL)
			return h->len;
		i = (size_t)(nl - h->s) + 1;
		if (i >= h->len || (h->s[i] != ' ' && h->s[i] != '\t'))
			return i;
	}
}

/*
 * field_is - if the field at (s, len) is called name, the start of its
 * value, else NULL
 */
static const char *
field_is(const char *s, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (len <= n || strncasecmp(s, name, n) != 0)
		return NULL;
	for (p = s + n; p < s + len && (*p == ' ' || *p == '\t'); p++)
		;
	return p < s + len && *p == ':' ? p + 1 : NULL;
}

/* analyse - what the collected header says */
static void
analyse(struct bodyenc *be, struct hinfo *hi)
{
	const struct str *h = &be->hdr;
	const char *f, *v, *fend;
	size_t i, e;
	int seen_cte = 0;

	memset(hi, 0, sizeof(*hi));
	hi->ct = be->ent_digest ? CT_RFC822 : CT_LEAF;
	hi->cte = CTE_NONE;
	for (i = 0; i < h->len; i = e) {
		e = field_end(h, i);
		f = h->s + i;
		fend = h->s + e;
		if ((v = field_is(f, e - i, "Content-Type")) != NULL && !hi->has_ct) {
			hi->has_ct = 1;
			hi->ct = CT_LEAF;
			parse_ct(v, fend, hi);
		} else if ((v = field_is(f, e - i, "Content-Transfer-Encoding")) != NULL &&
		    !seen_cte) {
			seen_cte = 1;
			hi->cte = parse_cte(v, fend);
		} else if (field_is(f, e - i, "MIME-Version") != NULL)
			hi->has_mime_version = 1;
	}
}

/* under_signed - is the entity inside a multipart/signed? */
static int
under_signed(const struct bodyenc *be)
{
	int i;

	for (i = 0; i < be->depth; i++)
		if (be->lev[i].is_signed)
			return 1;
	return 0;
}

/* write_header - the header as it was, less CTE fields if dropping them */
static void
write_header(struct bodyenc *be, int drop_cte)
{
	const struct str *h = &be->hdr;
	const char *nl;
	size_t i, e, j;

	for (i = 0; i < h->len; i = e) {
		e = field_end(h, i);
		if (drop_cte && field_is(h->s + i, e - i,
		    "Content-Transfer-Encoding") != NULL)
			continue;
		for (j = i; j < e; j = (size_t)(nl - h->s) + 1) {
			nl = memchr(h->s + j, '\n', e - j);
			if (nl == NULL) {	/* the end of the message */
				bodyenc_wire_write(be, h->s + j, e - j);
				break;
			}
			bodyenc_wire_write(be, h->s + j, (size_t)(nl - h->s) - j);
			bodyenc_wire_eol(be);
		}
	}
}

/* add_field - write one header field we add */
static void
add_field(struct bodyenc *be, const char *field)
{
	bodyenc_wire_write(be, field, strlen(field));
	bodyenc_wire_eol(be);
}

/* header_done - the header section ended (how: HDR_*): decide, write it */
static void
header_done(struct bodyenc *be, int how)
{
	struct hinfo hi;
	const char *cte = NULL;		/* the encoding to write instead */
	int deeper = be->nest + 1 < MIME_DEPTH_MAX;
	struct mime_level *l;

	analyse(be, &hi);
	be->state = MS_BODY;
	be->kind = MK_PASS;
	if (how == HDR_BOUNDARY || how == HDR_EOF) {
		/* no body: nothing to convert */
		write_header(be, 0);
		str_reset(&be->hdr);
		return;
	}
	if (hi.ct != CT_LEAF) {
		if (hi.cte == CTE_8BIT || hi.cte == CTE_BINARY)
			cte = "7bit";
	} else if (hi.cte == CTE_BINARY) {
		bodyenc_fail(be, "binary content-transfer-encoding");
		return;
	} else if (hi.cte == CTE_8BIT || (hi.cte == CTE_NONE && !under_signed(be))) {
		cte = "quoted-printable";
		be->kind = MK_QP;
	}

	write_header(be, cte != NULL);
	if (be->kind == MK_QP) {
		if (be->ent_message && !hi.has_mime_version)
			add_field(be, "MIME-Version: 1.0");
		if (!hi.has_ct)
			add_field(be, "Content-Type: text/plain; charset=unknown-8bit");
	}
	if (cte != NULL) {
		bodyenc_wire_write(be, "Content-Transfer-Encoding: ", 27);
		add_field(be, cte);
	}
	if (how == HDR_BLANK || cte != NULL)
		bodyenc_wire_eol(be);
	str_reset(&be->hdr);

	/* what follows: a multipart's preamble, or a message's header */
	if (hi.ct == CT_MULTIPART && hi.blen > 0 && deeper &&
	    hi.cte != CTE_QP && hi.cte != CTE_BASE64 && hi.cte != CTE_OTHER) {
		l = &be->lev[be->depth++];
		memcpy(l->boundary, hi.boundary, hi.blen + 1);
		l->blen = hi.blen;
		l->digest = hi.digest;
		l->is_signed = hi.is_signed;
		l->nest = be->nest;
	} else if (hi.ct == CT_RFC822 && deeper &&
	    (hi.cte == CTE_NONE || hi.cte == CTE_7BIT || hi.cte == CTE_8BIT ||
	    hi.cte == CTE_BINARY)) {
		be->state = MS_HEADER;
		be->ent_message = 1;
		be->ent_digest = 0;
		be->nest++;
	}
}

/* ---- quoted-printable --------------------------------------------------- */

/* qp_put - add encoded bytes, breaking the line softly before 76 */
static void
qp_put(struct bodyenc *be, const char *t, size_t k)
{
	if (be->qlen + k > 75) {
		be->qbuf[be->qlen++] = '=';
		bodyenc_wire_write(be, be->qbuf, be->qlen);
		bodyenc_wire_eol(be);
		be->qlen = 0;
	}
	memcpy(be->qbuf + be->qlen, t, k);
	be->qlen += k;
}

/* qp_hex - add one byte as =XX */
static void
qp_hex(struct bodyenc *be, unsigned char c)
{
	char t[3];

	t[0] = '=';
	t[1] = hexdig[c >> 4];
	t[2] = hexdig[c & 15];
	qp_put(be, t, 3);
}

/*
 * qp_data - encode bytes of a line. A space or TAB is held back until the
 * next byte shows it is not at the end of the line (RFC 2045 6.7 (3)).
 */
static void
qp_data(struct bodyenc *be, const char *s, size_t len)
{
	size_t i;
	char held;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (be->qws >= 0) {
			held = (char)be->qws;
			be->qws = -1;
			qp_put(be, &held, 1);
		}
		if (c == ' ' || c == '\t')
			be->qws = c;
		else if (c >= 33 && c <= 126 && c != '=')
			qp_put(be, &s[i], 1);
		else
			qp_hex(be, c);
	}
}

/* qp_line_end - end the encoded line: a hard line break unless at the end */
static void
qp_line_end(struct bodyenc *be, int hard)
{
	if (be->qws >= 0) {
		qp_hex(be, (unsigned char)be->qws);
		be->qws = -1;
	}
	bodyenc_wire_write(be, be->qbuf, be->qlen);
	be->qlen = 0;
	if (hard)
		bodyenc_wire_eol(be);
}

/* ---- lines -------------------------------------------------------------- */

/*
 * boundary_match - the level whose boundary line this is (innermost
 * first), or -1; *close: it is the closing one ("--b--")
 */
static int
boundary_match(const struct bodyenc *be, const char *s, size_t len, int *close)
{
	const struct mime_level *l;
	size_t j;
	int i;

	if (len < 3 || s[0] != '-' || s[1] != '-')
		return -1;
	for (i = be->depth - 1; i >= 0; i--) {
		l = &be->lev[i];
		if (len < 2 + l->blen || memcmp(s + 2, l->boundary, l->blen) != 0)
			continue;
		j = 2 + l->blen;
		*close = len - j >= 2 && s[j] == '-' && s[j + 1] == '-';
		if (*close)
			j += 2;
		while (j < len && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j == len)
			return i;
	}
	return -1;
}

/* boundary - a boundary line of level i: the next part, or the epilogue */
static void
boundary(struct bodyenc *be, const char *s, size_t len, int i, int close)
{
	bodyenc_wire_write(be, s, len);
	bodyenc_wire_eol(be);
	be->depth = close ? i : i + 1;
	be->kind = MK_PASS;
	if (close) {
		be->nest = be->lev[i].nest;
		be->state = MS_BODY;
	} else {
		be->nest = be->lev[i].nest + 1;
		be->state = MS_HEADER;
		be->ent_message = 0;
		be->ent_digest = be->lev[i].digest;
		str_reset(&be->hdr);
	}
}

static void	seg(struct bodyenc *, const char *, size_t, int, int);

/* body_seg - a chunk of a body line */
static void
body_seg(struct bodyenc *be, const char *s, size_t len, int first, int eol)
{
	size_t i;
	int lev, close;

	if (first && eol && be->depth > 0 &&
	    (lev = boundary_match(be, s, len, &close)) >= 0) {
		boundary(be, s, len, lev, close);
		return;
	}
	if (be->kind == MK_QP) {
		qp_data(be, s, len);
		if (eol)
			qp_line_end(be, 1);
		return;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80) {
			bodyenc_fail(be, "8-bit data in a part that cannot be "
			    "converted to 7 bit");
			return;
		}
	}
	bodyenc_wire_write(be, s, len);
	if (eol)
		bodyenc_wire_eol(be);
}

/* header_seg - a chunk of a header line */
static void
header_seg(struct bodyenc *be, const char *s, size_t len, int first, int eol)
{
	size_t i;
	int lev, close;

	if (first && eol && be->depth > 0 &&
	    (lev = boundary_match(be, s, len, &close)) >= 0) {
		header_done(be, HDR_BOUNDARY);
		boundary(be, s, len, lev, close);
		return;
	}
	if (first && len == 0) {
		header_done(be, HDR_BLANK);
		return;
	}
	if (first && s[0] != ' ' && s[0] != '\t' && !hdr_line_is_field(s, len)) {
		header_done(be, HDR_BODY);
		seg(be, s, len, first, eol);	/* the body's, or an inner header's */
		return;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80) {
			bodyenc_fail(be, "8-bit characters in a header");
			return;
		}
	}
	if (be->hdr.len + len + 1 > BODYENC_HEADER_MAX) {
		bodyenc_fail(be, "header section too long to convert");
		return;
	}
	str_append(&be->hdr, s, len);
	if (eol)
		str_appendc(&be->hdr, '\n');
}

/* seg - one chunk of a line: first: the line starts here; eol: ends here */
static void
seg(struct bodyenc *be, const char *s, size_t len, int first, int eol)
{
	if (bodyenc_stopped(be))
		return;
	if (be->state == MS_HEADER)
		header_seg(be, s, len, first, eol);
	else
		body_seg(be, s, len, first, eol);
}

/* bodyenc_mime_data - bytes of the current line */
void
bodyenc_mime_data(struct bodyenc *be, const char *p, size_t n)
{
	size_t k;

	while (n > 0 && !bodyenc_stopped(be)) {
		k = LINE_CHUNK - be->linelen;
		if (k > n)
			k = n;
		memcpy(be->line + be->linelen, p, k);
		be->linelen += k;
		p += k;
		n -= k;
		if (be->linelen == LINE_CHUNK) {
			seg(be, be->line, be->linelen, !be->line_cont, 0);
			be->line_cont = 1;
			be->linelen = 0;
		}
	}
}

/* bodyenc_mime_eol - the current line ends */
void
bodyenc_mime_eol(struct bodyenc *be)
{
	seg(be, be->line, be->linelen, !be->line_cont, 1);
	be->linelen = 0;
	be->line_cont = 0;
}

/* bodyenc_mime_end - the message ends (perhaps inside a line) */
void
bodyenc_mime_end(struct bodyenc *be)
{
	if (be->linelen > 0)
		seg(be, be->line, be->linelen, !be->line_cont, 0);
	be->linelen = 0;
	be->line_cont = 0;
	if (bodyenc_stopped(be))
		return;
	if (be->state == MS_HEADER)
		header_done(be, HDR_EOF);
	else if (be->kind == MK_QP)
		qp_line_end(be, 0);
}
