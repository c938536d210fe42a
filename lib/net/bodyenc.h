/*
 * bodyenc - a stored message as it goes on the wire after DATA
 *
 * The spool keeps messages with LF line ends. bodyenc turns the bytes it
 * is pushed into SMTP DATA content, streaming, in constant memory:
 *
 *  - every LF becomes CR LF; a CR that is not followed by LF becomes CR LF
 *    as well, so that only CR LF ever ends a line on the wire and no
 *    receiver can read a different message end than ours (SMTP smuggling);
 *  - a line starting with "." gets another "." (RFC 5321 4.5.2);
 *  - a line longer than 998 bytes is broken by inserting CR LF SPACE
 *    (as Postfix's smtp_line_length_limit does), which keeps header
 *    folding and MIME intact;
 *  - BODYENC_7BIT: the message has 8-bit bytes and the server lacks
 *    8BITMIME: it is converted to 7 bit as RFC 6152 allows: each MIME
 *    part (multipart nesting followed by boundary) whose
 *    Content-Transfer-Encoding is 8bit or absent and whose body has 8-bit
 *    bytes is encoded quoted-printable and its header says so; a part
 *    that cannot be converted (8-bit bytes in a header, in a
 *    message/... or multipart/... body, or a binary encoding) makes the
 *    encoder fail with bodyenc_failed() true, and the caller bounces the
 *    message with 5.6.3 before it sends the end of data.
 *  - bodyenc_end() writes the final CR LF if the message did not end in
 *    a line end; the caller sends the ".CRLF" itself.
 *
 * Output goes to emit(arg, bytes, len), which returns 0 or -1 (an I/O
 * error: the encoder stops and bodyenc_push returns -1).
 */
#ifndef PH_BODYENC_H
#define PH_BODYENC_H

#include <stddef.h>

#define BODYENC_7BIT	0x01

struct bodyenc;

struct bodyenc *bodyenc_new(int flags, int (*emit)(void *, const char *, size_t), void *arg);
void	 bodyenc_set_line_max(struct bodyenc *, size_t);	/* default 998 */
int	 bodyenc_push(struct bodyenc *, const char *, size_t);	/* 0 or -1 */
int	 bodyenc_end(struct bodyenc *);				/* 0 or -1 */
int	 bodyenc_failed(const struct bodyenc *);	/* 1: could not convert to 7 bit */
const char *bodyenc_error(const struct bodyenc *);
void	 bodyenc_free(struct bodyenc *);

#endif
