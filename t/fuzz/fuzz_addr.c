/*
 * fuzz_addr - libFuzzer harness for the address functions
 *
 * The input is an address list for addr_scan; each address found goes
 * through addr_qualify, addr_masquerade and addr_to_ascii with fixed
 * settings, and the input (up to its first NUL) through addr_domain and
 * addr_quote_phrase. Checked promises: spans lie inside the input in
 * order; a qualified address has a domain; a masqueraded address keeps its
 * local part and ends in a listed domain; addr_to_ascii either succeeds
 * with ASCII in the domain or fails with a reason; a quoted phrase scans
 * back as a display name. A broken promise aborts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../unit/fixture.h"
#include "addr.h"
#include "str.h"
#include "util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char *const masq_domains[] = { "!sub.example.com", "example.com", "b", NULL };
static char *const masq_except[] = { "root", NULL };

/* well_quoted - quotes closed, no backslash at the end */
static int
well_quoted(const char *s)
{
	int quoted = 0;

	for (; *s; s++) {
		if (*s == '\\') {
			if (s[1] == '\0')
				return 0;
			s++;
		} else if (*s == '"')
			quoted = !quoted;
	}
	return !quoted;
}

/* check_addr - one address through every rewrite */
static void
check_addr(const char *addr)
{
	struct str out = STR_INIT, err = STR_INIT;
	const char *dom, *p;
	size_t i;

	/*
	 * A qualified address has a domain. Only for addresses whose quoting
	 * is complete: addr_scan passes garbage such as an unclosed quote or
	 * a trailing backslash through (addr.h), and no '@' added after that
	 * can be seen as a domain.
	 */
	if (addr_qualify(addr, "example.org", &out) == 1 && well_quoted(addr) &&
	    addr_domain(out.s) == NULL)
		abort();

	if (addr_masquerade(addr, masq_domains, masq_except, &out) == 1) {
		dom = addr_domain(out.s);
		if (dom == NULL || addr_domain(addr) == NULL ||
		    (size_t)(dom - out.s) != (size_t)(addr_domain(addr) - addr) ||
		    strncmp(out.s, addr, (size_t)(dom - out.s)) != 0)
			abort();
		for (i = 0; masq_domains[i]; i++)
			if (strcasecmp(dom, masq_domains[i]) == 0)
				break;
		if (masq_domains[i] == NULL)
			abort();
	} else if (strcmp(out.s, addr) != 0)
		abort();

	if (addr_to_ascii(addr, &out, &err) == 0) {
		dom = addr_domain(out.s);
		if (dom != NULL && *dom != '[')
			for (p = dom; *p; p++)
				if ((unsigned char)*p > 127)
					abort();
	} else if (err.len == 0)
		abort();
	str_free(&out);
	str_free(&err);
}

/* LLVMFuzzerInitialize - keep log lines out of syslog */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fixture_quiet("fuzz_addr");
	return 0;
}

/* LLVMFuzzerTestOneInput - one address list */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct addr_list l = { NULL, 0, 0 }, back = { NULL, 0, 0 };
	struct str phrase = STR_INIT;
	size_t i, prev = 0;
	char *text;
	int has_nul;

	/* addr is a C string: a NUL byte in the input ends it early (callers
	 * refuse NUL bytes before they scan: see submit.h) */
	has_nul = memchr(in, '\0', size) != NULL;
	addr_scan(in, size, &l);
	for (i = 0; i < l.n; i++) {
		const struct addr_span *a = &l.v[i];

		if (a->start < prev || a->start > a->dom_start ||
		    a->dom_start > a->end || a->end > size ||
		    (a->addr[0] == '\0' && !has_nul))
			abort();
		prev = a->end;
		check_addr(a->addr);
	}
	addr_list_free(&l);

	text = xstrndup(in, size);
	(void)addr_domain(text);
	addr_quote_phrase(text, &phrase);
	if (addr_needs_quotes(text) && !util_has_ctl(text, strlen(text))) {
		/* "phrase" <x@y> has exactly the one address x@y */
		str_appends(&phrase, " <x@y>");
		addr_scan(phrase.s, phrase.len, &back);
		if (back.n != 1 || strcmp(back.v[0].addr, "x@y") != 0)
			abort();
		addr_list_free(&back);
	}
	str_free(&phrase);
	free(text);
	return 0;
}
