/*
 * privs - set-id hygiene and switching users
 *
 * privs_setid_start() is the first thing a set-id program does: it makes
 * sure descriptors 0-2 are open (on /dev/null if not), clears the
 * environment and sets a safe umask, as Postfix's postdrop does.
 * privs_drop_setid() gives up the set-id privilege for good (used when an
 * ordinary user asks for another configuration or for debugging).
 * privs_become() switches to a user: setgroups, setresgid, setresuid, in
 * that order, then verifies that no way back is left. privs_as_user()
 * and privs_as_root() switch only the effective ids for a moment (root
 * opening a file with a user's rights). Functions return 0,
 * or -1 with errno set; callers exit with EX_TEMPFAIL / EX_OSERR.
 */
#ifndef PH_PRIVS_H
#define PH_PRIVS_H

#include <sys/types.h>

void	 privs_setid_start(void);
int	 privs_is_setid(void);
int	 privs_drop_setid(void);
int	 privs_become(uid_t, gid_t);
int	 privs_become_with(uid_t, gid_t, gid_t);
int	 privs_as_user(uid_t, gid_t);
int	 privs_as_root(void);

#endif
