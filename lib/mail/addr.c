/*
 * addr - RFC 5322 address lists, qualification, masquerading, IDN
 *
 * See addr.h. The tokenizer follows RFC 5322 section 3.4: quoted strings,
 * comments (nested), domain literals, and the specials that separate
 * mailboxes (",") and delimit groups (":" ... ";") and angle addresses.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "addr.h"
#include "util.h"

enum tok_kind { TK_ATOM, TK_QUOTED, TK_LITERAL, TK_SPECIAL, TK_END };

struct tok {
	enum tok_kind	 kind;
	char		 c;	/* the special character */
	size_t		 start;
	size_t		 end;
};

/* next_token - read one token, skipping white space and comments */
static struct tok
next_token(const char *s, size_t len, size_t *pos)
{
	struct tok t;
	size_t p = *pos;
	int depth;

	for (;;) {
		while (p < len && (s[p] == ' ' || s[p] == '\t' ||
		    s[p] == '\r' || s[p] == '\n'))
			p++;
		if (p < len && s[p] == '(') {
			/* comment, possibly nested, with quoted pairs */
			for (depth = 0; p < len; p++) {
				if (s[p] == '\\' && p + 1 < len)
					p++;
				else if (s[p] == '(')
					depth++;
				else if (s[p] == ')' && --depth == 0) {
					p++;
					break;
				}
			}
			continue;
		}
		break;
	}
	t.start = p;
	t.c = 0;
	if (p >= len) {
		t.kind = TK_END;
	} else if (s[p] == '"') {
		t.kind = TK_QUOTED;
		for (p++; p < len && s[p] != '"'; p++)
			if (s[p] == '\\' && p + 1 < len)
				p++;
		if (p < len)
			p++;
	} else if (s[p] == '[') {
		t.kind = TK_LITERAL;
		for (p++; p < len && s[p] != ']'; p++)
			if (s[p] == '\\' && p + 1 < len)
				p++;
		if (p < len)
			p++;
	} else if (strchr("<>@,;:.", s[p]) != NULL) {
		t.kind = TK_SPECIAL;
		t.c = s[p++];
	} else {
		t.kind = TK_ATOM;
		while (p < len && strchr("<>@,;:.()\"[] \t\r\n", s[p]) == NULL)
			p++;
		if (p == t.start)	/* a stray ')' or ']' */
			p++;
	}
	t.end = p;
	*pos = p;
	return t;
}

/* collector for one mailbox's addr-spec tokens */
struct spec {
	struct str	 text;
	size_t		 start, end, dom_start;
	int		 any;
	int		 after_at;	/* the last token was '@' */
};

/* spec_add - add a token to the addr-spec being collected */
static void
spec_add(struct spec *sp, const char *s, const struct tok *t)
{
	if (!sp->any) {
		sp->start = t->start;
		sp->dom_start = (size_t)-1;
		sp->any = 1;
		sp->after_at = 0;
	}
	/* the domain starts at the token after '@', not at white space
	 * or a comment between them */
	if (sp->after_at)
		sp->dom_start = t->start;
	sp->after_at = t->kind == TK_SPECIAL && t->c == '@';
	if (sp->after_at)
		sp->dom_start = t->end;
	sp->end = t->end;
	str_append(&sp->text, s + t->start, t->end - t->start);
}

/* spec_flush - report the collected addr-spec, if any */
static void
spec_flush(struct spec *sp, struct addr_list *out)
{
	struct addr_span *a;

	if (sp->any && sp->text.len > 0) {
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 4;
			out->v = xreallocarray(out->v, out->cap, sizeof(*out->v));
		}
		a = &out->v[out->n++];
		a->addr = xstrdup(str_c(&sp->text));
		a->start = sp->start;
		a->end = sp->end;
		a->dom_start = sp->dom_start == (size_t)-1 ? sp->end : sp->dom_start;
	}
	str_reset(&sp->text);
	sp->any = 0;
}

/*
 * addr_scan - find every mailbox's addr-spec in an address list.
 *
 * Outside angle brackets the tokens of a mailbox are collected; a "<"
 * throws them away (they were a display name) and collects what is inside
 * instead; "," and ";" end a mailbox; a ":" outside brackets ends a group
 * name. A source route ("<@a,@b:user@c>") is skipped.
 */
void
addr_scan(const char *s, size_t len, struct addr_list *out)
{
	struct spec sp;
	struct tok t;
	size_t pos = 0;
	int angle = 0, route = 0, had_angle = 0;

	memset(&sp, 0, sizeof(sp));
	str_init(&sp.text);
	for (;;) {
		t = next_token(s, len, &pos);
		if (t.kind == TK_END)
			break;
		if (t.kind == TK_SPECIAL) {
			switch (t.c) {
			case '<':
				str_reset(&sp.text);
				sp.any = 0;
				angle = 1;
				had_angle = 1;
				route = 0;
				continue;
			case '>':
				if (angle) {
					spec_flush(&sp, out);
					angle = 0;
				}
				continue;
			case ',':
				if (angle) {
					/* inside a source route list */
					continue;
				}
				if (!had_angle)
					spec_flush(&sp, out);
				str_reset(&sp.text);
				sp.any = 0;
				had_angle = 0;
				continue;
			case ';':
				if (!had_angle && !angle)
					spec_flush(&sp, out);
				str_reset(&sp.text);
				sp.any = 0;
				had_angle = 0;
				angle = 0;
				continue;
			case ':':
				if (angle) {
					/* end of a source route: start again */
					str_reset(&sp.text);
					sp.any = 0;
					route = 0;
				} else {
					/* group name: forget it */
					str_reset(&sp.text);
					sp.any = 0;
				}
				continue;
			case '@':
				if (angle && !sp.any) {
					route = 1;
					continue;
				}
				break;
			default:
				break;
			}
		}
		if (route)
			continue;
		if (had_angle && !angle)
			continue;	/* text after the angle address */
		spec_add(&sp, s, &t);
	}
	if (!had_angle || angle)
		spec_flush(&sp, out);
	str_free(&sp.text);
}

/* addr_list_free - release what addr_scan found */
void
addr_list_free(struct addr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].addr);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* addr_domain - the domain part (after the last '@' outside quotes), or NULL */
const char *
addr_domain(const char *addr)
{
	const char *p, *at = NULL;
	int quoted = 0;

	for (p = addr; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '@' && !quoted)
			at = p;
	}
	return at ? at + 1 : NULL;
}

/* addr_qualify - add "@origin" to an address that has no domain */
int
addr_qualify(const char *addr, const char *origin, struct str *out)
{
	str_reset(out);
	str_appends(out, addr);
	if (*addr == '\0' || addr_domain(addr) != NULL)
		return 0;
	str_appendc(out, '@');
	str_appends(out, origin);
	return 1;
}

/* is_ascii - no byte above 127 */
static int
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s > 127)
			return 0;
	return 1;
}

/*
 * domain_ok - RFC 5321 domain syntax: letters, digits and hyphens in
 * labels of 1 to 63 octets that neither start nor end with a hyphen, or
 * an address literal in brackets.
 */
static int
domain_ok(const char *d)
{
	size_t label = 0, total = 0;
	char prev = '.';

	if (*d == '[')
		return d[strlen(d) - 1] == ']' && strchr(d + 1, '[') == NULL;
	for (; *d; d++, total++) {
		if (*d == '.') {
			if (label == 0 || prev == '-')
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*d) || *d == '-') {
			if (label == 0 && *d == '-')
				return 0;
			if (++label > 63)
				return 0;
		} else
			return 0;
		prev = *d;
	}
	return label > 0 && prev != '-' && total <= 255;
}

/*
 * addr_to_ascii - convert the domain of an address to A-labels. The local
 * part is left alone (an internationalised local part needs SMTPUTF8, which
 * the transport decides). Domain literals are not converted.
 */
int
addr_to_ascii(const char *addr, struct str *out, struct str *err)
{
	const char *dom = addr_domain(addr);
	char *ascii = NULL;
	int rc;

	str_reset(out);
	if (dom == NULL || is_ascii(dom) || *dom == '[') {
		if (dom && !domain_ok(dom)) {
			str_printf(err, "invalid domain in <%s>", addr);
			return -1;
		}
		str_appends(out, addr);
		if (dom)
			util_lowercase(out->s + (dom - addr));
		return 0;
	}
	rc = idn2_to_ascii_8z(dom, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK) {
		str_printf(err, "invalid internationalized domain in <%s>: %s",
		    addr, idn2_strerror(rc));
		return -1;
	}
	if (!domain_ok(ascii)) {
		str_printf(err, "invalid domain in <%s>", addr);
		idn2_free(ascii);
		return -1;
	}
	str_append(out, addr, (size_t)(dom - addr));
	str_appends(out, ascii);
	idn2_free(ascii);
	return 0;
}

/* addr_domain_in - is the domain, or a parent of it, in the list? */
int
addr_domain_in(const char *domain, char *const *list)
{
	size_t dl, ll;
	size_t i;

	if (domain == NULL)
		return 0;
	dl = strlen(domain);
	for (i = 0; list && list[i]; i++) {
		ll = strlen(list[i]);
		if (dl == ll && strcasecmp(domain, list[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * addr_masquerade - rewrite "user@host.example.com" to "user@example.com"
 * when example.com is in masquerade_domains, as Postfix does: the first
 * listed domain that the address's domain ends in wins; a "!" prefix
 * excludes a domain. Users in masquerade_exceptions are left alone.
 * Returns 1 when the address changed.
 */
int
addr_masquerade(const char *addr, char *const *domains, char *const *except,
    struct str *out)
{
	const char *dom = addr_domain(addr), *d;
	size_t dl, ml, i;
	int neg;

	str_reset(out);
	str_appends(out, addr);
	if (dom == NULL || domains == NULL)
		return 0;
	for (i = 0; except && except[i]; i++) {
		size_t ul = (size_t)(dom - 1 - addr);

		if (strlen(except[i]) == ul && strncasecmp(addr, except[i], ul) == 0)
			return 0;
	}
	dl = strlen(dom);
	for (i = 0; domains[i]; i++) {
		d = domains[i];
		neg = *d == '!';
		if (neg)
			d++;
		ml = strlen(d);
		if (ml == 0 || dl < ml || strcasecmp(dom + dl - ml, d) != 0)
			continue;
		if (dl != ml && dom[dl - ml - 1] != '.')
			continue;
		if (neg || dl == ml)
			return 0;
		str_reset(out);
		str_append(out, addr, (size_t)(dom - addr));
		str_appends(out, d);
		return 1;
	}
	return 0;
}

/* addr_needs_quotes - would this display name need quoting as a phrase? */
int
addr_needs_quotes(const char *s)
{
	for (; *s; s++)
		if (strchr("()<>[]:;@\\,.\"", *s) != NULL)
			return 1;
	return 0;
}

/* addr_quote_phrase - append a display name, quoted when it must be */
void
addr_quote_phrase(const char *s, struct str *out)
{
	if (!addr_needs_quotes(s)) {
		str_appends(out, s);
		return;
	}
	str_appendc(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			str_appendc(out, '\\');
		str_appendc(out, *s);
	}
	str_appendc(out, '"');
}
