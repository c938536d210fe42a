# /etc/cron.d/posthorn - run the posthorn queue on systems without systemd;
# see runq(8).
#
# With systemd, posthorn-runq.path runs the queue as soon as mail is
# submitted and posthorn-runq.timer every 5 minutes for retries, and this
# line does nothing. Without systemd (containers, other init systems) it
# runs the queue every minute: mail from ordinary users waits in the
# maildrop at most that long, and retries are due at most a minute late.
# runq writes warnings and errors to standard error, which cron mails.
# After "apt-get remove posthorn" this file stays (it is a configuration
# file) and /usr/sbin/runq may be another mail system's (exim's is): the
# line runs it only while posthorn's runq unit file is there too.

SHELL=/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin

# m h dom mon dow user  command
*   * *   *   *   root  [ -d /run/systemd/system ] || [ ! -f /lib/systemd/system/posthorn-runq.service ] || /usr/sbin/runq
