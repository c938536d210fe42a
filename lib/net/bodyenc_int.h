/*
 * bodyenc_int.h - what bodyenc.c and bodyenc_mime.c share
 *
 * The encoder is three stages:
 *
 *   bodyenc.c	  line ends: LF, CR LF and a lone CR each end a line;
 *		  lines are handed on as runs of bytes and line ends;
 *   bodyenc_mime.c (BODYENC_7BIT only) the MIME walker: gathers each
 *		  line's start (up to LINE_CHUNK bytes) to see header fields
 *		  and boundaries, keeps the header section of one entity,
 *		  and quoted-printable-encodes the bodies that need it;
 *   bodyenc.c	  the wire: CR LF, dot-stuffing, the 998-byte line limit,
 *		  and an output buffer in front of emit().
 *
 * Memory is constant: the output buffer, one line chunk, the header of the
 * entity being read (at most BODYENC_HEADER_MAX) and the boundaries of
 * the open multiparts (at most MIME_DEPTH_MAX).
 */
#ifndef PH_BODYENC_INT_H
#define PH_BODYENC_INT_H

#include <stddef.h>

#include "bodyenc.h"
#include "str.h"

#define BODYENC_LINE_MAX	998	/* bytes before CR LF on the wire */
#define BODYENC_HEADER_MAX	(1024 * 1024)	/* one entity's header */
#define LINE_CHUNK		1024	/* line start seen as a whole */
#define OUT_BUF			16384
#define MIME_DEPTH_MAX		16	/* nested entities */
#define BOUNDARY_MAX		200	/* RFC 2046 says 70: some tolerance */

struct mime_level {			/* an open multipart */
	char		 boundary[BOUNDARY_MAX + 1];
	size_t		 blen;
	int		 digest;	/* multipart/digest: parts default to message/rfc822 */
	int		 is_signed;	/* multipart/signed */
	int		 nest;		/* entity nesting of its parts */
};

struct bodyenc {
	int		 flags;
	int		 (*emit)(void *, const char *, size_t);
	void		*arg;
	int		 failed;	/* could not convert to 7 bit */
	int		 ioerr;		/* emit() failed */
	const char	*err;

	char		 out[OUT_BUF];	/* bytes not yet given to emit() */
	size_t		 outlen;
	size_t		 col;		/* bytes on the current wire line */
	size_t		 line_max;	/* fold after this many (bodyenc_set_line_max) */
	int		 cr;		/* the last byte pushed was a CR */

	/* BODYENC_7BIT: the MIME walker */
	char		 line[LINE_CHUNK];	/* the current line, or its latest chunk */
	size_t		 linelen;
	int		 line_cont;	/* an earlier chunk of this line went on */
	int		 state;		/* MS_* */
	int		 kind;		/* body handling: MK_* */
	struct str	 hdr;		/* the header section being read, LF ends */
	int		 ent_message;	/* the entity is a message (top, rfc822) */
	int		 ent_digest;	/* its default type is message/rfc822 */
	int		 nest;		/* entity nesting depth */
	struct mime_level lev[MIME_DEPTH_MAX];
	int		 depth;		/* open multiparts */
	char		 qbuf[80];	/* the quoted-printable line being made */
	size_t		 qlen;
	int		 qws;		/* a held space or TAB, or -1 */
};

/* bodyenc.c: the wire */
void	 bodyenc_wire_write(struct bodyenc *, const char *, size_t);
void	 bodyenc_wire_eol(struct bodyenc *);
int	 bodyenc_stopped(const struct bodyenc *);
void	 bodyenc_fail(struct bodyenc *, const char *);

/* bodyenc_mime.c: the walker */
void	 bodyenc_mime_init(struct bodyenc *);
void	 bodyenc_mime_data(struct bodyenc *, const char *, size_t);
void	 bodyenc_mime_eol(struct bodyenc *);
void	 bodyenc_mime_end(struct bodyenc *);
void	 bodyenc_mime_free(struct bodyenc *);

#endif
