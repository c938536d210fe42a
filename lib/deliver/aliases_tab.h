/*
 * aliases_tab - the name table that aliases_parse.c and aliases.c share:
 * duplicate detection while parsing, last-one-wins while compiling.
 * Internal to the aliases module; nothing outside lib/deliver/aliases*.c
 * includes it. Allocation failure exits through x*alloc.
 */
#ifndef PH_ALIASES_TAB_H
#define PH_ALIASES_TAB_H

#include <stddef.h>

/* One alias in a name table: duplicate detection and compilation. */
struct aliases_ent {
	struct aliases_ent	 *chain;	/* next in the hash bucket */
	struct aliases_ent	 *order;	/* next in file order */
	char			 *name;
	char			 *value;	/* NULL in the parser's table */
	int			  lineno;
};

struct aliases_tab {
	struct aliases_ent	**tab;
	size_t			  size;
	size_t			  count;
	struct aliases_ent	 *head;
	struct aliases_ent	**tailp;
};

void	 aliases_tab_init(struct aliases_tab *);
void	 aliases_tab_free(struct aliases_tab *);
struct aliases_ent *aliases_tab_get(struct aliases_tab *, const char *, int,
	    int *);

#endif
