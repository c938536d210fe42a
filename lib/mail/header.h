/*
 * header - the header section of a message held in memory
 *
 * hdr_parse() indexes the header fields of a message whose lines end in
 * LF. A field is a name of printable ASCII other than ':', an optional run
 * of white space, ':', and its value with any continuation lines (lines
 * that start with a space or tab). The header section ends at the first
 * empty line; a line that is neither a field nor a continuation also ends
 * it, and then need_blank says that a separating empty line is missing
 * (the caller inserts one, as Postfix's cleanup does).
 *
 * Returns 0, or -1 with the reason in err when the header section is
 * larger than the limit given (0 means no limit).
 */
#ifndef PH_HEADER_H
#define PH_HEADER_H

#include <stddef.h>

#include "str.h"

struct hfield {
	size_t	 start;		/* offset of the field's first byte */
	size_t	 len;		/* bytes up to and including the last LF */
	size_t	 name_len;	/* bytes of the name */
	size_t	 value;		/* offset of the value (just past ':') */
	int	 drop;		/* the caller will leave it out */
};

struct headers {
	struct hfield *v;
	size_t	 n;
	size_t	 cap;
	size_t	 body;		/* offset of the body */
	int	 need_blank;	/* no empty line before the body */
};

int	 hdr_parse(const char *, size_t, size_t, struct headers *, struct str *);
void	 hdr_free(struct headers *);
int	 hdr_is(const char *, const struct hfield *, const char *);
int	 hdr_is_prefix(const char *, const struct hfield *, const char *);
struct hfield *hdr_find(const char *, struct headers *, const char *);
void	 hdr_value(const char *, const struct hfield *, const char **, size_t *);
int	 hdr_line_is_field(const char *, size_t);

#endif
