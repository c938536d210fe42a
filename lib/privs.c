/*
 * privs - set-id hygiene and switching users
 *
 * SECURITY: everything here runs before a set-id program looks at any
 * input. See privs.h.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privs.h"

extern char **environ;

/* privs_setid_start - descriptors, environment, umask */
void
privs_setid_start(void)
{
	static char *empty_env[] = { NULL };
	char *tz = getenv("TZ");
	static char tzbuf[128];
	int fd;

	/* A closed 0, 1 or 2 would let the next open() become our stdout. */
	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);

			if (nfd < 0)
				_exit(71);	/* EX_OSERR: nothing safe to do */
			if (nfd != fd) {
				dup2(nfd, fd);
				close(nfd);
			}
		}
	}
	/* Keep the time zone (for Date: lines) if it is a plain name. */
	if (tz && tz[0] != '/' && tz[0] != '.' && strlen(tz) < 60) {
		size_t i;
		int ok = 1;

		for (i = 0; tz[i]; i++)
			if (tz[i] == '.' && tz[i + 1] == '.')
				ok = 0;
		tzbuf[0] = '\0';
		if (ok) {
			memcpy(tzbuf, "TZ=", 3);
			memcpy(tzbuf + 3, tz, strlen(tz) + 1);
		}
	} else
		tzbuf[0] = '\0';
	environ = empty_env;
	if (tzbuf[0])
		putenv(tzbuf);
	umask(077);
}

/* privs_is_setid - is this process running with set-id privilege? */
int
privs_is_setid(void)
{
	return getuid() != geteuid() || getgid() != getegid();
}

/* privs_drop_setid - become the real user and group for good */
int
privs_drop_setid(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return -1;
	if (getegid() != gid || geteuid() != uid)
		return -1;
	return 0;
}

/* privs_become - switch to uid/gid permanently and verify */
int
privs_become(uid_t uid, gid_t gid)
{
	if (geteuid() == 0 && setgroups(1, &gid) < 0)
		return -1;
	if (setresgid(gid, gid, gid) < 0)
		return -1;
	if (setresuid(uid, uid, uid) < 0)
		return -1;
	/* no way back */
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		errno = EPERM;
		return -1;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid) {
		errno = EPERM;
		return -1;
	}
	return 0;
}
