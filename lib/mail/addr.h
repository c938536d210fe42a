/*
 * addr - RFC 5322 address lists, qualification, masquerading, IDN
 *
 * addr_scan() walks an address list (a header value or a command-line
 * argument) and reports each mailbox's addr-spec: the address with
 * comments, display names and folding removed, and where in the input it
 * stood, so that callers can rewrite header text in place (qualify an
 * unqualified address, masquerade a domain) and keep everything else.
 * It is lenient in the way Postfix's tokenizer is: it never fails, and
 * garbage yields garbage addresses that later validation refuses.
 *
 * addr_to_ascii() converts a UTF-8 domain to its A-label form with libidn2;
 * it returns 0, or -1 with the reason in err.
 */
#ifndef PH_ADDR_H
#define PH_ADDR_H

#include <stddef.h>

#include "str.h"

struct addr_span {
	char	*addr;		/* normalised addr-spec (malloc'd) */
	size_t	 start;		/* input offset of its first byte */
	size_t	 end;		/* input offset just past its last byte */
	size_t	 dom_start;	/* input offset of the domain, or end if none */
};

struct addr_list {
	struct addr_span *v;
	size_t	 n;
	size_t	 cap;
};

void	 addr_scan(const char *, size_t, struct addr_list *);
void	 addr_list_free(struct addr_list *);
const char *addr_domain(const char *);
int	 addr_qualify(const char *, const char *, struct str *);
int	 addr_to_ascii(const char *, struct str *, struct str *);
int	 addr_masquerade(const char *, char *const *, char *const *, struct str *);
int	 addr_domain_in(const char *, char *const *);
int	 addr_needs_quotes(const char *);
void	 addr_quote_phrase(const char *, struct str *);

#endif
