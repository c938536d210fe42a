/*
 * smtpd - the ESMTP server for inetd, tcpserver and systemd sockets
 *
 * SUMMARY
 *	smtpd [-C config] [-v]
 *	smtpd [-C config] -S [-Q]
 *
 * DESCRIPTION
 *	Speaks SMTP on standard input and output, as inetd, xinetd,
 *	tcpserver or a systemd socket with Accept=yes start it, and writes
 *	each accepted message into the queue (lib/net/smtpd.c). The
 *	client's address comes from getpeername on descriptor 0 (IPv4 or
 *	IPv6), else from TCPREMOTEIP (tcpserver); with neither it is
 *	"unknown" and matches no mynetworks entry. With
 *	smtpd_peername_lookup its name is looked up (PTR, then the name's
 *	addresses must include the client's) before the greeting; the
 *	resolver (dns_servers) is opened once for this and for the checks
 *	of smtpd_dnsbl_sites and smtpd_reject_unknown_sender_domain.
 *
 *	-S is stand-alone mode for sendmail -bs: a local caller speaks
 *	SMTP on a pipe, each message goes into the maildrop as a
 *	submission of the calling user (runq's pickup takes it from
 *	there), the caller may send to any address as with sendmail
 *	itself, and neither STARTTLS nor AUTH is offered. A message
 *	without Date: or Message-ID: gets them. When the session queued
 *	anything and the caller is root or owns the instance, runq is
 *	started in the background afterwards, as sendmail does, unless -Q
 *	(sendmail -bs -odq) says to leave the mail queued.
 *
 * SECURITY
 *	Started as root, it reads what only root may read and then becomes
 *	the spool owner (privs_become: groups, gid, uid, verified) before
 *	it reads a byte from the network. Whose rights open what:
 *	  posthorn.conf                    root (or the caller)
 *	  smtpd_tls_cert_file, _key_file,  root, before the switch; kept
 *	  smtpd_sasl_password_file         in memory for the session
 *	  alias database, passwd           the spool owner
 *	  queue files                      the spool owner
 *	  the network (stdin/stdout)       the spool owner
 *	With -S it runs as the caller with the maildrop group that sendmail
 *	(setgid phdrop) kept for it across exec, with the environment
 *	sendmail cleared; it opens nothing else of root's and writes only
 *	the maildrop, which pickup treats as untrusted.
 *
 * DIAGNOSTICS
 *	0 when the session ran (whatever the client did); EX_CONFIG for a
 *	bad configuration, EX_NOPERM when started by neither root nor the
 *	spool owner, EX_TEMPFAIL (after a 421 to the client) when the
 *	spool or the TLS files cannot be used, EX_USAGE for bad options.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "dns.h"
#include "log.h"
#include "netio.h"
#include "privs.h"
#include "smtpd.h"
#include "spool.h"
#include "tls.h"
#include "util.h"

/* usage - the one usage message */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: smtpd [-C config] [-v]\n"
	    "       smtpd [-C config] -S [-Q]\n");
	exit(EX_USAGE);
}

/* set when descriptor 0 is a listening socket (see listen_loop) */
static int listening;

/*
 * refuse - tell the client we cannot serve now, then exit. A listener
 * answers every client that connects with the 421 until none has come
 * for ten seconds: exiting at once would only make inetd start another
 * smtpd for the same waiting connection, again and again.
 */
static void __attribute__((noreturn))
refuse(int code, const char *what)
{
	static const char msg[] = "421 4.3.0 Service not available: try again later\r\n";
	struct pollfd pfd;
	int fd;

	if (!listening) {
		(void)util_write_all(1, msg, sizeof(msg) - 1);
		die(code, "%s", what);
	}
	log_error("%s", what);
	if ((fd = fcntl(0, F_GETFL)) >= 0)
		(void)fcntl(0, F_SETFL, fd | O_NONBLOCK);
	pfd.fd = 0;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 10000) > 0) {
		if ((fd = accept4(0, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		(void)util_write_all(fd, msg, sizeof(msg) - 1);
		/* read what the client sent until it closes (2 s at most):
		 * closing with unread input would reset the connection,
		 * and the client might never see the 421 */
		(void)shutdown(fd, SHUT_WR);
		struct pollfd cfd = { .fd = fd, .events = POLLIN };
		char junk[512];
		while (poll(&cfd, 1, 2000) > 0 && read(fd, junk, sizeof(junk)) > 0)
			;
		close(fd);
	}
	exit(code);
}

/* client_addr - the peer of descriptor 0, or TCPREMOTEIP, or "unknown" */
static void
client_addr(struct smtpd_client *cl)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const char *env;
	unsigned char buf[16];

	util_strlcpy(cl->addr, "unknown", sizeof(cl->addr));
	util_strlcpy(cl->name, "unknown", sizeof(cl->name));
	if (getpeername(0, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET &&
		    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		    cl->addr, sizeof(cl->addr)) != NULL)
			return;
		if (ss.ss_family == AF_INET6 &&
		    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    cl->addr, sizeof(cl->addr)) != NULL)
			return;
	}
	/* tcpserver sets it; accepted only when it is an address */
	if ((env = getenv("TCPREMOTEIP")) != NULL &&
	    (inet_pton(AF_INET, env, buf) == 1 || inet_pton(AF_INET6, env, buf) == 1))
		util_strlcpy(cl->addr, env, sizeof(cl->addr));
}

/*
 * start_runq - sendmail -bs for root or a private instance: runq in the
 * background, detached, without the maildrop group, as sendmail starts
 * it after a submission.
 */
static void
start_runq(const char *conf, int named)
{
	char *path = xasprintf("%s/runq", conf_str("command_directory"));
	char *argv[4];
	pid_t pid;
	int n = 0, status;

	argv[n++] = (char *)"runq";
	if (conf != NULL) {
		argv[n++] = (char *)"-C";
		argv[n++] = (char *)conf;
	}
	argv[n] = NULL;
	if (named && conf == NULL) {
		log_warning("cannot resolve the configuration's path: not starting runq");
		free(path);
		return;
	}
	if ((pid = fork()) < 0) {
		log_warning("cannot fork to deliver: %s (the mail stays queued)",
		    strerror(errno));
		free(path);
		return;
	}
	if (pid == 0) {
		if (privs_is_setid() && privs_drop_setid() < 0)
			_exit(EX_OSERR);
		util_detach();
		execv(path, argv);
		_exit(EX_UNAVAILABLE);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	free(path);
}

/*
 * spool_owner - who smtpd runs as: the owner of queue/ (user posthorn
 * on an installed system). A queue owned by root is refused: SMTP is
 * never served as root.
 */
static void
spool_owner(uid_t *uid, gid_t *gid)
{
	struct str q = STR_INIT;
	struct stat st;

	spool_path(&q, "queue", NULL, NULL);
	if (stat(q.s, &st) < 0 || st.st_uid == 0)
		refuse(EX_TEMPFAIL, "the queue is missing or owned by root: "
		    "SMTP is not served as root");
	*uid = st.st_uid;
	*gid = st.st_gid;
	str_free(&q);
}

/* owns_spool - is this process the owner of queue/ (a private instance)? */
static int
owns_spool(void)
{
	struct str q = STR_INIT;
	struct stat st;
	int r;

	spool_path(&q, "queue", NULL, NULL);
	r = stat(q.s, &st) == 0 && st.st_uid == geteuid();
	str_free(&q);
	return r;
}

/*
 * serve - one session with the client on descriptors 0 and 1: its
 * address, the DNS checks' resolver and the client's name, the session.
 * Returns the number of messages accepted.
 */
static long
serve(struct smtpd_conf *c, struct smtpd_client *cl)
{
	struct netio *nio;
	struct str err = STR_INIT;
	long queued;

	if (!c->local) {
		client_addr(cl);
		if (c->peername_lookup || c->dnsbl[0] != NULL || c->reject_unknown_sender) {
			if ((c->dns = dns_open(&err)) == NULL)
				log_warning("no DNS: %s: client names and DNS checks are skipped",
				    err.s);
			if (c->dns != NULL && c->peername_lookup)
				smtpd_client_name(c->dns, cl);
		}
	}
	nio = netio_new(0, 1);
	queued = smtpd_session(nio, c, cl);
	(void)netio_shutdown(nio);
	netio_free(nio);
	if (c->dns)
		dns_close(c->dns);
	c->dns = NULL;
	str_free(&err);
	return queued;
}

/* is_listener - is descriptor 0 a listening socket (inetd "wait")? */
static int
is_listener(void)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on;
}

/* the files whose change ends a listener, and what they were at start */
struct watch {
	const char	*path;
	struct stat	 st;
	int		 had;
};

static void
watch_set(struct watch *w, const char *path)
{
	w->path = path;
	w->had = path != NULL && *path && stat(path, &w->st) == 0;
}

static int
watch_changed(const struct watch *w)
{
	struct stat st;
	int has;

	if (w->path == NULL || !*w->path)
		return 0;
	has = stat(w->path, &st) == 0;
	if (has != w->had)
		return 1;
	return has && (st.st_ino != w->st.st_ino || st.st_size != w->st.st_size ||
	    st.st_mtim.tv_sec != w->st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != w->st.st_mtim.tv_nsec ||
	    st.st_ctim.tv_sec != w->st.st_ctim.tv_sec ||
	    st.st_ctim.tv_nsec != w->st.st_ctim.tv_nsec);
}

static volatile sig_atomic_t stop_listening;

static void
on_term(int sig)
{
	(void)sig;
	stop_listening = 1;
}

static void
on_chld(int sig)
{
	(void)sig;	/* only to interrupt poll() */
}

/*
 * What a session process tells the listener on the status pipe: it took
 * a client (busy) or it waits in accept() again (idle). One write of
 * this size is atomic on a pipe, and every read takes whole messages.
 */
struct status_msg {
	int32_t	pid;
	int32_t	state;
};
#define ST_BUSY	1
#define ST_IDLE	2

/* the listener's session processes, and how many wait for a client */
struct kid {
	pid_t	pid;
	int	idle;
};
static struct kid *kids;
static long children, nidle;

static struct kid *
kid_find(pid_t pid)
{
	long i;

	for (i = 0; i < children; i++)
		if (kids[i].pid == pid)
			return &kids[i];
	return NULL;
}

static void
kid_set(pid_t pid, int idle)
{
	struct kid *k;

	if ((k = kid_find(pid)) == NULL || k->idle == idle)
		return;		/* one that has ended already */
	k->idle = idle;
	nidle += idle ? 1 : -1;
}

/*
 * reap - collect ended session processes. One that ended while it
 * waited for a client, other than by its own choice (killed, or it could
 * not wait), sets *lost: the loop waits a little before it forks the
 * next, so that one that cannot start does not make the listener spin.
 */
static void
reap(int *lost)
{
	struct kid *k;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) != 0) {
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				children = nidle = 0;
			return;
		}
		if ((k = kid_find(pid)) != NULL) {
			if (k->idle) {
				nidle--;
				if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
					*lost = 1;
			}
			*k = kids[--children];
		}
		if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM)
			log_warning("session process %ld killed by signal %d",
			    (long)pid, WTERMSIG(status));
	}
}

/* tell - one status message to the listener; a listener gone is no error */
static void
tell(int fd, int state)
{
	struct status_msg m;

	memset(&m, 0, sizeof(m));
	m.pid = (int32_t)getpid();
	m.state = state;
	(void)util_write_all(fd, &m, sizeof(m));
}

/*
 * session_proc - a session process: wait in accept() on the listening
 * socket lfd for a client, tell the listener it is busy (the listener
 * forks another waiting process if none is left), serve the client on
 * descriptors 0 and 1, then wait for the next, up to max_use clients
 * (Postfix's max_use), as Postfix's smtpd processes do. Each session
 * starts from nothing: its state lives in smtpd_session() and in the
 * netio, both gone (the netio wiped) when it ends; what stays is what
 * the listener set up for all of them (configuration, TLS context,
 * password hashes). max_use = 1 gives every client a fresh process.
 *
 * Waiting uses epoll with EPOLLEXCLUSIVE, so that a connection wakes one
 * waiting process and not all of them, and it watches alive, a pipe
 * whose other end only the listener holds: when the listener is gone
 * (stopped, or restarted for a changed configuration) the process ends
 * instead of taking clients for a configuration that is no longer
 * meant. The wait is at most a second, after which accept() is tried
 * anyway: an exclusive wake-up may go to a process that has not yet run
 * and then takes only one of two new clients, and the other must not
 * wait for the next connection to be noticed. A process that has served
 * and waits longer than max_idle ends; the first one waits as long as
 * the listener does. SIGTERM and SIGHUP end the process only while it
 * waits: one that comes after the accept is dropped, so stopping the
 * listener never loses a client.
 */
static void __attribute__((noreturn))
session_proc(struct smtpd_conf *c, int lfd, int status, int alive,
    long max_use, long idle_ms)
{
	struct epoll_event ev, got[2];
	struct smtpd_client cl;
	struct timespec since, now;
	sigset_t hold, waiting;
	long uses = 0;
	int ep, fd, n, i, gone, null;

	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&hold);
	sigaddset(&hold, SIGCHLD);
	sigprocmask(SIG_UNBLOCK, &hold, NULL);
	sigemptyset(&hold);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	sigprocmask(SIG_BLOCK, &hold, &waiting);
	sigdelset(&waiting, SIGTERM);
	sigdelset(&waiting, SIGHUP);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		_exit(EX_OSERR);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.fd = lfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		_exit(EX_OSERR);
	ev.events = EPOLLIN;
	ev.data.fd = alive;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, alive, &ev) < 0)
		_exit(EX_OSERR);
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		_exit(EX_OSERR);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &since);
		for (;;) {
			if (stop_listening)
				_exit(0);
			n = epoll_pwait(ep, got, 2, 1000, &waiting);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				_exit(EX_OSERR);
			}
			for (i = 0, gone = 0; i < n; i++)
				if (got[i].data.fd == alive)
					gone = 1;
			if (gone)
				_exit(0);
			if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
				break;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (uses > 0 && (now.tv_sec - since.tv_sec) * 1000L +
			    (now.tv_nsec - since.tv_nsec) / 1000000L >= idle_ms)
				_exit(0);	/* idle for max_idle */
			if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN &&
			    errno != EWOULDBLOCK) {
				/* out of descriptors or memory: not in a tight loop */
				log_warning("accept: %s", strerror(errno));
				(void)poll(NULL, 0, 1000);
			}
		}
		signal(SIGTERM, SIG_IGN);	/* drops one that is pending */
		signal(SIGHUP, SIG_IGN);
		tell(status, ST_BUSY);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigprocmask(SIG_UNBLOCK, &hold, NULL);
		listening = 0;
		if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0)
			_exit(EX_OSERR);
		close(fd);
		memset(&cl, 0, sizeof(cl));
		cl.rfd = 0;
		cl.uid = (long)getuid();
		(void)serve(c, &cl);
		/* the connection is closed when 0 and 1 no longer hold it */
		if (dup2(null, 0) < 0 || dup2(null, 1) < 0)
			_exit(EX_OSERR);
		if (++uses >= max_use)
			_exit(0);
		/* a listener that has gone meanwhile: the wait sees alive end */
		sigprocmask(SIG_BLOCK, &hold, NULL);
		tell(status, ST_IDLE);
	}
}

/*
 * listen_loop - descriptor 0 is a listening socket (inetd "wait",
 * xinetd "wait = yes", systemd Accept=no): serve the connections in
 * session processes forked from this one, which is already set up
 * (configuration, TLS, privileges), so a session starts without an
 * exec. One of them always waits in accept(); when the last waiting one
 * takes a client, the next is forked. Ends after max_idle without a
 * connection, on SIGTERM or SIGHUP, or when posthorn.conf or a TLS or
 * password file changed (their state taken before the switch to the
 * spool owner), so that the next connection finds a fresh smtpd: inetd
 * starts one again. At most smtpd_process_limit session processes
 * (waiting ones included) run at once; further clients wait in the
 * listen queue.
 */
static void
listen_loop(struct smtpd_conf *c, struct watch *w, size_t nw)
{
	struct sigaction sa;
	struct pollfd pfd;
	struct timespec ts;
	sigset_t chld, polling, before;
	struct status_msg msg[64];
	long limit, max_use, idle_ms, served = 0, left, j;
	struct timespec last, now;
	struct rusage ru;
	size_t i;
	ssize_t n;
	pid_t pid;
	int fd, lfd, r, status[2], alive[2], lost = 0;

	limit = conf_int("smtpd_process_limit");
	max_use = conf_int("max_use");
	if ((idle_ms = conf_time("max_idle") * 1000L) < 1000)
		idle_ms = 1000;
	kids = xcalloc((size_t)limit, sizeof(*kids));
	/* a reset connection must not leave accept() waiting for the next */
	if ((fd = fcntl(0, F_GETFL)) >= 0)
		(void)fcntl(0, F_SETFL, fd | O_NONBLOCK);
	/* status: the listener reads without blocking; a session process's
	 * write blocks rather than lose a message when the pipe is full */
	if ((lfd = fcntl(0, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    pipe2(status, O_CLOEXEC) < 0 ||
	    fcntl(status[0], F_SETFL, O_NONBLOCK) < 0 ||
	    pipe2(alive, O_CLOEXEC) < 0)
		refuse(EX_OSERR, "cannot make the session processes' descriptors");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	/* these signals come only during the wait: none is missed between
	 * the loop's checks and it */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigaddset(&chld, SIGTERM);
	sigaddset(&chld, SIGHUP);
	sigprocmask(SIG_BLOCK, &chld, &before);
	polling = before;
	sigdelset(&polling, SIGCHLD);
	sigdelset(&polling, SIGTERM);
	sigdelset(&polling, SIGHUP);
	/* descriptor 2 may be the listening socket too: nothing goes there */
	if ((fd = open("/dev/null", O_WRONLY)) >= 0) {
		if (fd != 2) {
			(void)dup2(fd, 2);
			close(fd);
		}
	}
	log_info("listening for connections (limit %ld processes, %ld clients each, idle %lds)",
	    limit, max_use, idle_ms / 1000);
	clock_gettime(CLOCK_MONOTONIC, &last);
	while (!stop_listening) {
		reap(&lost);
		if (nidle == 0 && children < limit) {
			if (lost)
				(void)poll(NULL, 0, 100);
			lost = 0;
			if ((pid = fork()) < 0) {
				log_warning("cannot fork for a session: %s", strerror(errno));
				(void)poll(NULL, 0, 1000);
			} else if (pid == 0) {
				close(status[0]);
				close(alive[1]);
				session_proc(c, lfd, status[1], alive[0], max_use, idle_ms);
			} else {
				kids[children].pid = pid;
				kids[children++].idle = 1;
				nidle++;
			}
		}
		for (i = 0; i < nw; i++)
			if (watch_changed(&w[i])) {
				log_info("%s changed: no more connections taken here",
				    w[i].path);
				goto out;
			}
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = idle_ms - ((now.tv_sec - last.tv_sec) * 1000L +
		    (now.tv_nsec - last.tv_nsec) / 1000000L);
		if (left <= 0)
			break;
		pfd.fd = status[0];
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (left > 1000)
			left = 1000;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000L;
		if ((r = ppoll(&pfd, 1, &ts, &polling)) <= 0) {
			if (r < 0 && errno != EINTR) {
				log_error("poll: %s", strerror(errno));
				break;
			}
			continue;
		}
		while ((n = read(status[0], msg, sizeof(msg))) > 0) {
			for (j = 0; j < n / (long)sizeof(msg[0]); j++) {
				if (msg[j].state == ST_BUSY) {
					served++;
					kid_set((pid_t)msg[j].pid, 0);
					clock_gettime(CLOCK_MONOTONIC, &last);
				} else if (msg[j].state == ST_IDLE)
					kid_set((pid_t)msg[j].pid, 1);
			}
		}
	}
out:
	/* with alive closed, the waiting ones end now and the busy ones when
	 * their client leaves: none is signalled, since one that looks idle
	 * here may have just taken a client */
	close(alive[1]);
	close(alive[0]);
	close(status[0]);
	close(status[1]);
	close(lfd);
	reap(&lost);
	sigprocmask(SIG_SETMASK, &before, NULL);
	if (getrusage(RUSAGE_CHILDREN, &ru) < 0)
		ru.ru_maxrss = 0;
	log_info("stopped listening after %ld sessions (largest session process %ld KB)",
	    served, (long)ru.ru_maxrss);
	free(kids);
	kids = NULL;
}

int
main(int argc, char **argv)
{
	struct smtpd_conf c;
	struct smtpd_client cl;
	struct str err = STR_INIT;
	const char *conf, *cert, *key, *users;
	char *conf_copy = NULL, *conf_abs = NULL, *conf_abs_early = NULL;
	struct watch w[4];
	uid_t uid;
	gid_t gid;
	long queued;
	int ch, local = 0, verbose = 0, setid, noqueue_run = 0, listener, rc;

	setid = privs_is_setid();
	conf = getenv("POSTHORN_CONF");
	if (setid) {
		/* sendmail -bs: keep nothing of the caller's environment */
		if (conf)
			conf = conf_copy = xstrdup(conf);
		privs_setid_start();
	}
	log_open("smtpd", 0);
	log_set_service("smtpd");
	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "C:QSv")) != -1) {
		switch (ch) {
		case 'C': conf = optarg; break;
		case 'Q': noqueue_run = 1; break;
		case 'S': local = 1; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	/* with the maildrop group, only sendmail's own configuration */
	if (setid && getuid() != 0 && conf != NULL && privs_drop_setid() < 0)
		die(EX_OSERR, "cannot drop privileges: %s", strerror(errno));
	listener = listening = !local && is_listener();
	/*
	 * Bad values have their defaults. The server refuses (421: clients
	 * retry) rather than judge relaying by a default; sendmail -bs
	 * accepts as sendmail does while the spool can be found.
	 */
	if ((rc = conf_start(conf ? conf : conf_default_path(), conf != NULL, &err)) < 0 ||
	    (rc > 0 && (!local || conf_is_bad("spool_directory"))))
		refuse(EX_CONFIG, err.s);
	if (verbose)
		log_set_flags(LOG_STDERR | LOG_VERBOSE);
	spool_setup(conf_str("spool_directory"));
	if (smtpd_conf_load(&c, local, &err) < 0)
		refuse(EX_CONFIG, err.s);
	memset(&cl, 0, sizeof(cl));
	cl.rfd = 0;
	if (local) {
		util_strlcpy(cl.addr, "local", sizeof(cl.addr));
		util_strlcpy(cl.name, "localhost", sizeof(cl.name));
		cl.rfd = -1;
	}

	/*
	 * A listener ends when one of these files changes: looked at now,
	 * while the files that only root may read can still be seen.
	 */
	if (listener) {
		watch_set(&w[0], conf_abs_early = realpath(conf ? conf : conf_default_path(), NULL));
		watch_set(&w[1], conf_str("smtpd_tls_cert_file"));
		watch_set(&w[2], conf_str("smtpd_tls_key_file"));
		watch_set(&w[3], conf_str("smtpd_sasl_password_file"));
	}

	/* Root's part: what only root may read, then the switch. */
	if (!local) {
		cert = conf_str("smtpd_tls_cert_file");
		key = conf_str("smtpd_tls_key_file");
		users = conf_str("smtpd_sasl_password_file");
		if (*cert && *key) {
			if (tls_init(&err) < 0 ||
			    (c.tls = tls_server_new(cert, key, &err)) == NULL)
				refuse(EX_TEMPFAIL, err.s);
		}
		if (c.auth && *users && smtpd_load_users(&c, users, &err) < 0)
			refuse(EX_TEMPFAIL, err.s);
		if (geteuid() == 0) {
			spool_owner(&uid, &gid);
			if (privs_become(uid, gid) < 0)
				refuse(EX_TEMPFAIL, "cannot switch to the spool owner");
		} else if (!owns_spool())
			refuse(EX_NOPERM, "smtpd must be started as root or as the spool owner");
	}
	cl.uid = (long)getuid();	/* local mode: the caller */
	if (conf != NULL)
		conf_abs = realpath(conf, NULL);	/* before the chdir */
	if (chdir(spool_dir()) < 0)
		refuse(EX_TEMPFAIL, "cannot enter the spool directory");
	umask(077);
	if (listener) {
		listen_loop(&c, w, sizeof(w) / sizeof(w[0]));
		queued = 0;
	} else
		queued = serve(&c, &cl);
	if (local && queued > 0 && !noqueue_run && (getuid() == 0 || owns_spool()))
		start_runq(conf ? conf_abs : NULL, conf != NULL);
	if (c.tls)
		tls_server_free(c.tls);
	c.tls = NULL;
	smtpd_conf_free(&c);
	str_free(&err);
	free(conf_copy);
	free(conf_abs);
	free(conf_abs_early);
	return 0;
}
