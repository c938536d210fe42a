/*
 * privs - set-id hygiene and switching users
 *
 * SECURITY: everything here runs before a set-id program looks at any
 * input. See privs.h.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privs.h"

extern char **environ;

/*
 * tz_ok - may a set-id program keep this TZ value? A POSIX rule ("CET-1"),
 * a zone name ("Europe/Berlin"), either with the leading ':' glibc allows,
 * or an absolute path inside the system's zoneinfo directory. Never "..",
 * never a path elsewhere: glibc would read that file with our privilege.
 */
static int
tz_ok(const char *tz)
{
	static const char zoneinfo[] = "/usr/share/zoneinfo/";
	const char *p = tz[0] == ':' ? tz + 1 : tz;
	size_t i;

	if (strlen(tz) >= 100 || *p == '\0' || strstr(p, "..") != NULL)
		return 0;
	for (i = 0; p[i]; i++)
		if (!(isalnum((unsigned char)p[i]) || strchr("/_+-,.:<>", p[i]) != NULL))
			return 0;
	if (p[0] == '/')
		return strncmp(p, zoneinfo, sizeof(zoneinfo) - 1) == 0 &&
		    p[sizeof(zoneinfo) - 1] != '\0';
	return 1;
}

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
	/* Keep the time zone (for Date: lines) when it is safe: see tz_ok. */
	tzbuf[0] = '\0';
	if (tz && tz_ok(tz))
		(void)snprintf(tzbuf, sizeof(tzbuf), "TZ=%s", tz);
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
	return privs_become_with(uid, gid, gid);
}

/*
 * privs_become_with - privs_become, keeping one more supplementary group
 * (extra; gid for none): the group of a mail spool directory such as
 * Debian's /var/mail (root:mail 2775), so that a mailbox delivery can
 * create and remove its dot-lock there itself, as the setgid dotlockfile
 * helper would, without running it for every message. Only our own
 * mailbox code runs with it: never a user's command.
 */
int
privs_become_with(uid_t uid, gid_t gid, gid_t extra)
{
	gid_t groups[2] = { gid, extra };

	if (geteuid() == 0 && setgroups(extra == gid ? 1 : 2, groups) < 0)
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

/*
 * Temporary identities. runq runs as root and must open a user's
 * ~/.forward and the :include: files it names with that user's rights,
 * not its own (a user who names /etc/shadow must get EACCES, as the
 * user would). privs_as_user switches the effective uid, gid and groups;
 * privs_as_root switches back. Only the effective ids change: the real
 * and saved uid stay 0, so the way back exists, and since the saved uid
 * is 0 the user cannot ptrace or signal the process meanwhile.
 */
static gid_t saved_groups[256];
static int nsaved_groups = -1;
static gid_t saved_egid;

/* privs_as_user - become uid/gid in the effective ids only */
int
privs_as_user(uid_t uid, gid_t gid)
{
	if (geteuid() != 0)
		return uid == geteuid() ? 0 : (errno = EPERM, -1);
	if ((nsaved_groups = getgroups((int)(sizeof(saved_groups) /
	    sizeof(saved_groups[0])), saved_groups)) < 0)
		return -1;
	saved_egid = getegid();
	if (setgroups(1, &gid) < 0)
		return -1;
	if (setegid(gid) < 0 || seteuid(uid) < 0) {
		int e = errno;

		(void)privs_as_root();
		errno = e;
		return -1;
	}
	return 0;
}

/* privs_as_root - undo privs_as_user; the caller exits if this fails */
int
privs_as_root(void)
{
	if (nsaved_groups < 0)
		return 0;
	if (seteuid(0) < 0 || setegid(saved_egid) < 0 ||
	    setgroups((size_t)nsaved_groups, saved_groups) < 0)
		return -1;
	nsaved_groups = -1;
	return 0;
}
