/*
 * aliases - the sendmail aliases(5) file and its constant database
 *
 * An aliases file maps local names to lists of targets:
 *
 *	name: target, target
 *	      target		(a line that starts with white space continues)
 *	"quoted name": "|/usr/bin/prog arg, x"
 *
 * A target is a local name, user@domain, \user (deliver to the mailbox,
 * no further expansion), |command, /path/file or :include:/path. The same
 * target syntax is used by .forward and :include: files, where commas and
 * newlines both separate targets and '#' starts a comment line.
 *
 * newaliases compiles SRC into SRC.cdb (tinycdb): keys are the lowercased
 * names without a NUL, values the normalised target lists (targets joined
 * by ", ", quoted where needed), which aliases_split takes apart again.
 *
 * The syntax (aliases_parse, aliases_split, aliases_split_file,
 * aliases_free) is in aliases_parse.c; the database (aliases_compile,
 * aliases_lookup, aliases_map_path, aliases_check_age) in aliases.c.
 *
 * Error contract: every function writes a human-readable message into err
 * (appended, never freed here) when it fails. aliases_parse and
 * aliases_split return -1 on error; aliases_lookup returns 1 found,
 * 0 absent, -1 error; aliases_map_path returns 1 with the path, 0 when
 * alias_maps is empty, -1 error; aliases_check_age returns 1 with a
 * message when the database is older than its source, else 0. aliases_compile returns 0, or -1 with
 * the kind of failure in *why (enum aliases_fail), which newaliases maps
 * to its exit status. On failure the old .cdb is left untouched and no
 * temporary remains.
 */
#ifndef PH_ALIASES_H
#define PH_ALIASES_H

#include <stddef.h>

#include "str.h"

#define ALIASES_MAX_LINE	(64 * 1024)		/* one physical line */
#define ALIASES_MAX_NAME	256			/* one alias name */
#define ALIASES_MAX_VALUE	(4 * 1024 * 1024)	/* one alias's list */
#define ALIASES_MAX_FILE	(64L * 1024 * 1024)	/* the whole source */

/* Why aliases_compile failed. */
enum aliases_fail {
	ALIASES_OK = 0,
	ALIASES_NOINPUT,	/* the source is missing or cannot be opened */
	ALIASES_BADINPUT,	/* syntax error (message is "FILE:LINE: ..."),
				   not a regular file, too big */
	ALIASES_CANTCREATE,	/* the temporary or the .cdb cannot be created
				   or renamed */
	ALIASES_IOERR		/* any other I/O error (read, write, fsync):
				   worth trying again */
};

/* Called once per alias, after duplicates were warned about. -1 aborts. */
typedef int (*aliases_cb)(const char *name, const char *value, int lineno,
    void *arg);

/*
 * What sendmail's newaliases prints: aliases stored (duplicates count
 * once), the longest value in bytes, and the total bytes of names plus
 * values ("N aliases, longest L bytes, T bytes total").
 */
struct aliases_stats {
	long		entries;
	long		longest;
	long long	total;
};

int	 aliases_parse(const char *, size_t, const char *, aliases_cb, void *,
	    struct str *);
int	 aliases_split(const char *, char ***, struct str *);
int	 aliases_split_file(const char *, char ***, int **, struct str *);
void	 aliases_free(char **);
int	 aliases_compile(const char *, struct aliases_stats *,
	    enum aliases_fail *, struct str *);
int	 aliases_lookup(const char *, const char *, struct str *, struct str *);
int	 aliases_map_path(const char *, struct str *, struct str *);
int	 aliases_check_age(const char *, struct str *);

#endif
