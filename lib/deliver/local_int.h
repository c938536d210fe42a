/*
 * local_int - what the two parts of local delivery share
 *
 * local.c expands a recipient (aliases, .forward, :include:) and keeps
 * the expansion's result; local_child.c opens users' files with their
 * rights and runs each final delivery in a child. Internal to
 * lib/deliver; not for programs.
 *
 * Error contract: nothing here returns an error to its caller. Every
 * outcome, good or bad, is noted in the struct local_expand with
 * local_note() or local_note_named() (the worst wins: defer, bounce,
 * ok), and becomes the recipient's struct dresult at the end (local.h).
 * local_read_list_file() also says whether there is a list to expand:
 * the number of targets, 0 for none, -1 when it noted a failure.
 */
#ifndef PH_LOCAL_INT_H
#define PH_LOCAL_INT_H

#include <pwd.h>

#include "local.h"
#include "str.h"

/* one envelope recipient's expansion */
struct local_expand {
	struct local_ctx	*ctx;
	const char		*rcpt;		/* the envelope recipient */
	struct str		*report;	/* verify mode: describe, do nothing */
	struct str		 unchecked;	/* verify mode: files the caller
						   may not read, ", "-separated */
	char			**visited;
	size_t			 nvisited;
	int			 status;
	char			 dsn[16];
	struct str		 text;
	int			 delivered;
	const char		*ext;		/* address extension, for commands */
	const char		*src_file;	/* the target came from this file */
	int			 src_line;	/* ... at this line */
};

/* the final targets of an expansion */
enum local_leaf { LEAF_MBOX, LEAF_MAILDIR, LEAF_FILE, LEAF_COMMAND };

/* local.c: the result of the expansion */
void	 local_note(struct local_expand *, int, const char *, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
void	 local_note_named(struct local_expand *, int, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
const char *local_generic_text(int, const char *);
const char *local_sep(const struct str *);

/* local_child.c: with whose rights */
void	 local_leaf(struct local_expand *, enum local_leaf, const char *,
	    const struct passwd *, const char *);
int	 local_read_list_file(struct local_expand *, const char *,
	    const struct passwd *, uid_t, int, char ***, int **);

#endif
