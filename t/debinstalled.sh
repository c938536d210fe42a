#!/bin/bash
# debinstalled.sh - the Debian package installed into the system, as root:
# apt-get installs it over an installed exim; bsd-mailx and s-nail, run
# by ordinary users, submit through /usr/sbin/sendmail; the cron line
# delivers into /var/mail; mailq, newaliases, /etc/mailname, the systemd
# units' enabled state and syslog are checked; t/installed.sh runs again
# against the package's paths. Then the package is removed (exim comes
# back; the queue and the configuration stay), installed again (the
# queued mail is still listed) and purged, and what is left is reported.
#
# Usage: bash t/debinstalled.sh DEB   (DEB: posthorn_*.deb from t/deb.sh)
# Changes the system while it runs: installs exim4-daemon-light,
# bsd-mailx and the package's recommends (cron) with apt-get; at the end
# removes what it installed, except exim when no other MTA was installed
# before (packages such as mlmmj need one), and installs again the MTA
# that was there (postfix, say).
# /etc/mailname, /etc/aliases and users made for the test are restored or
# removed at the end. Services are not started (policy-rc.d). Loopback
# ports: PH_DEB_PORT (default 27001, nothing listens: the smarthost that
# holds remote mail) and PH_DEB_PORT + 24 (t/installed.sh's smarthost).
# Prints PASS:/FAIL: lines and last "N passed, N failed"; exits 0 when
# all passed, 1 otherwise, 77 when it cannot run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
deb=${1:-}
port=${PH_DEB_PORT:-27001}
np=0 nf=0
pass() { echo "PASS: debinstalled: $*"; np=$((np + 1)); }
fail() { echo "FAIL: debinstalled: $*"; nf=$((nf + 1)); }
check() { d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
finish() { echo "$np passed, $nf failed"; [ "$nf" = 0 ]; exit $?; }

if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
	echo "SKIP: debinstalled: needs root and apt-get"; exit 77
fi
case $deb in
/*) ;;
?*) deb=$PWD/$deb ;;
esac
[ -f "$deb" ] || { fail "no package file: '$deb' (usage: debinstalled.sh DEB)"; finish; }

# The installed MTA is replaced: not while its daemon runs (something
# on this machine uses it)
if pgrep -x master > /dev/null || pgrep -x exim4 > /dev/null || pgrep -x sendmail-mta > /dev/null; then
	echo "SKIP: debinstalled: an MTA daemon runs here (postfix, exim or sendmail); stop it first"
	exit 77
fi
export DEBIAN_FRONTEND=noninteractive
W=$(mktemp -d /tmp/posthorn-debinst.XXXXXX)
chmod 755 "$W"
apt() { apt-get -y -q -o Dpkg::Use-Pty=0 "$@" >> "$W/apt.log" 2>&1; }
status() { dpkg-query -W -f '${db:Status-Abbrev}' "$1" 2>/dev/null | tr -d ' '; }
installed() { [ "$(status "$1")" = ii ]; }

# services must not start on the machine's ports
made_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	made_policy=1
fi
saved_mailname=
[ -f /etc/mailname ] && cp -p /etc/mailname "$W/mailname.orig" && saved_mailname=1
# the packages this test installs are removed again at the end unless
# they were there before; the MTA that was there before comes back
# (on a machine with exim, as .ci/run's first stage leaves it, exim stays)
mta_before=$(dpkg -S /usr/sbin/sendmail 2> /dev/null | cut -d: -f1 | head -n 1)
case $mta_before in posthorn|exim4-daemon-light) mta_before= ;; esac
added=
for pk in exim4-daemon-light exim4-base exim4-config bsd-mailx cron cron-daemon-common; do
	[ "$(status $pk)" = ii ] || added="${added:-} $pk"
done
restore_packages() {
	if [ -n "$mta_before" ]; then
		apt install "$mta_before" || { echo "could not install $mta_before again:"; tail -n 20 "$W/apt.log"; }
	else
		added=$(echo $added | tr ' ' '\n' | grep -v '^exim4' | tr '\n' ' ')
	fi
	[ -n "$(echo $added)" ] && { apt purge $added || { echo "could not purge $added:"; tail -n 20 "$W/apt.log"; }; }
}
U1=phdeb1$$ U2=phdeb2$$
cleanup() {
	restore_packages
	userdel -r "$U1" 2> /dev/null; userdel -r "$U2" 2> /dev/null
	rm -f "/var/mail/$U1" "/var/mail/$U2"
	if [ -n "$saved_mailname" ]; then cp -p "$W/mailname.orig" /etc/mailname; else rm -f /etc/mailname; fi
	if [ -f "$W/aliases.orig" ]; then cp -p "$W/aliases.orig" /etc/aliases
	elif [ -n "${made_aliases:-}" ]; then rm -f /etc/aliases; fi
	[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
	[ -n "${logpid:-}" ] && kill "$logpid" 2> /dev/null
	[ -n "${made_devlog:-}" ] && rm -f /dev/log
	rm -rf "$W"
}
trap cleanup EXIT

# ---- an installed MTA first: exim, as Debian installs it by default
mlmmj_before=$(status mlmmj)
case $(status posthorn) in
''|un) ;;
*)	echo "(posthorn was installed: purging it first)"
	apt remove posthorn exim4-daemon-light+ && apt purge posthorn || { fail "purge the installed posthorn"; finish; } ;;
esac
if apt install exim4-daemon-light; then
	pass "apt-get install exim4-daemon-light (its postinst does not need the daemon started)"
else
	fail "apt-get install exim4-daemon-light (see below)"; tail -n 20 "$W/apt.log"
fi
check "exim is the MTA: /usr/sbin/sendmail -> exim4" [ "$(readlink /usr/sbin/sendmail)" = exim4 ]
check "the exim daemon was not started" bash -c '! pgrep -x exim4 > /dev/null'

# ---- the package replaces it
: > "$W/apt.log"
if apt install "$deb"; then
	pass "apt-get install ./$(basename "$deb") over exim"
else
	fail "apt-get install ./$(basename "$deb") (see below)"; tail -n 30 "$W/apt.log"; finish
fi
check "posthorn installed, exim4-daemon-light removed" \
	bash -c '[ "$(dpkg-query -W -f "\${db:Status-Abbrev}" posthorn)" = "ii " ] && [ "$(dpkg-query -W -f "\${db:Status-Abbrev}" exim4-daemon-light)" != "ii " ]'
check "apt-get check: every dependency satisfied (posthorn provides mail-transport-agent)" apt-get -qq check
[ "$mlmmj_before" = ii ] && check "mlmmj (needs an MTA) still installed" installed mlmmj
check "the package's recommends installed (cron)" installed cron
: > "$W/apt.log"
check "apt-get install bsd-mailx keeps posthorn as the MTA" \
	bash -c 'apt-get -y -q install bsd-mailx >> "$1" 2>&1 && [ "$(dpkg-query -W -f "\${db:Status-Abbrev}" posthorn)" = "ii " ]' _ "$W/apt.log"
check "s-nail installed (a client)" installed s-nail

# ---- what the package and its maintainer scripts set up
mode() { stat -c '%U %G %a' "$1" 2> /dev/null; }
check "/usr/sbin/sendmail root:phdrop 2755" [ "$(mode /usr/sbin/sendmail)" = "root phdrop 2755" ]
check "/usr/bin/mailq root:posthorn 2755" [ "$(mode /usr/bin/mailq)" = "root posthorn 2755" ]
for f in /usr/sbin/runq /usr/sbin/smtpd /usr/sbin/newaliases; do
	check "$f root:root 755" [ "$(mode $f)" = "root root 755" ]
done
check "/usr/lib/sendmail and /usr/bin/newaliases lead to the package's programs" \
	[ "$(readlink -f /usr/lib/sendmail) $(readlink -f /usr/bin/newaliases)" = "/usr/sbin/sendmail /usr/sbin/newaliases" ]
check "/usr/sbin/runq is runq (not a link to another MTA)" bash -c '[ ! -L /usr/sbin/runq ] && dpkg -S /usr/sbin/runq | grep -q "^posthorn:"'
check "dpkg-statoverride: sendmail and mailq recorded" \
	bash -c 'dpkg-statoverride --list /usr/sbin/sendmail | grep -qx "root phdrop 2755 /usr/sbin/sendmail" && dpkg-statoverride --list /usr/bin/mailq | grep -qx "root posthorn 2755 /usr/bin/mailq"'
check "user posthorn: system user, group posthorn, no login shell" \
	bash -c 'e=$(getent passwd posthorn) && [ "$(echo "$e" | cut -d: -f3)" -lt 1000 ] && [ "$(echo "$e" | cut -d: -f7)" = /usr/sbin/nologin ] && [ "$(id -gn posthorn)" = posthorn ]'
check "group phdrop: system group, no members" \
	bash -c 'e=$(getent group phdrop) && [ "$(echo "$e" | cut -d: -f3)" -lt 1000 ] && [ -z "$(echo "$e" | cut -d: -f4)" ]'
check "spool /var/spool/posthorn root 755" [ "$(mode /var/spool/posthorn)" = "root root 755" ]
check "maildrop posthorn:phdrop 1730" [ "$(mode /var/spool/posthorn/maildrop)" = "posthorn phdrop 1730" ]
check "queue and its 16 subdirectories posthorn:posthorn 750" \
	bash -c '[ "$(stat -c "%U %G %a" /var/spool/posthorn/queue /var/spool/posthorn/queue/? | sort -u)" = "posthorn posthorn 750" ] && [ "$(ls /var/spool/posthorn/queue | wc -l)" = 16 ]'
check "corrupt posthorn:posthorn 700" [ "$(mode /var/spool/posthorn/corrupt)" = "posthorn posthorn 700" ]
check "/etc/posthorn/posthorn.conf root 644 (a conffile)" \
	bash -c '[ "$(stat -c "%U %G %a" /etc/posthorn/posthorn.conf)" = "root root 644" ] && dpkg-query -W -f "\${Conffiles}" posthorn | grep -q " /etc/posthorn/posthorn.conf "'
check "/etc/cron.d/posthorn root 644 (a conffile)" \
	bash -c '[ "$(stat -c "%U %G %a" /etc/cron.d/posthorn)" = "root root 644" ] && dpkg-query -W -f "\${Conffiles}" posthorn | grep -q " /etc/cron.d/posthorn "'
[ -e /etc/aliases ] && check "postinst compiled /etc/aliases (newaliases)" [ -s /etc/aliases.cdb -a /etc/aliases.cdb -nt /etc/aliases ]
for u in posthorn-runq.path posthorn-runq.service posthorn-runq.timer posthorn-smtpd.socket posthorn-smtpd@.service posthorn-smtpd-listen.socket posthorn-smtpd-listen.service; do
	check "unit /lib/systemd/system/$u" [ -f /lib/systemd/system/$u ]
done
check "posthorn-runq.path enabled (multi-user.target.wants)" \
	[ "$(readlink /etc/systemd/system/multi-user.target.wants/posthorn-runq.path)" = /lib/systemd/system/posthorn-runq.path ]
check "posthorn-runq.timer enabled (timers.target.wants)" \
	[ "$(readlink /etc/systemd/system/timers.target.wants/posthorn-runq.timer)" = /lib/systemd/system/posthorn-runq.timer ]
check "deb-systemd-helper: path and timer enabled, smtpd socket not" \
	env DPKG_MAINTSCRIPT_PACKAGE=posthorn bash -c 'deb-systemd-helper --quiet is-enabled posthorn-runq.path && deb-systemd-helper --quiet is-enabled posthorn-runq.timer && ! deb-systemd-helper --quiet is-enabled posthorn-smtpd.socket'
check "posthorn-smtpd.socket not enabled: nothing listens on port 25" \
	bash -c '! ls /etc/systemd/system/*.wants/posthorn-smtpd* > /dev/null 2>&1'
if [ -d /run/systemd/system ]; then
	check "systemd: posthorn-runq.path active" systemctl is-active --quiet posthorn-runq.path
else
	echo "(no systemd running: the units are enabled, not started; the cron line runs the queue)"
fi
check "sendmail -bP: the package's paths" bash -c '[ "$(/usr/sbin/sendmail -bP spool_directory mailq_path)" = "spool_directory = /var/spool/posthorn
mailq_path = /usr/bin/mailq" ]'

# ---- the mail name
echo "mail.deb-test.example" > /etc/mailname
check "/etc/mailname is myorigin's default" [ "$(/usr/sbin/sendmail -bP myorigin)" = "myorigin = mail.deb-test.example" ]
check "... and a local domain (in mydestination's default)" \
	bash -c '/usr/sbin/sendmail -bP mydestination | grep -q "[ =]mail.deb-test.example,"'

# remote mail stays in the queue: a smarthost on a closed loopback port,
# a resolver that does not answer; the log goes to syslog (the default)
cat >> /etc/posthorn/posthorn.conf << EOF
# added by debinstalled.sh
relayhost = [127.0.0.1]:$port
dns_servers = 127.0.0.1:$port
EOF
check "posthorn.conf checks (sendmail -bP)" bash -c '/usr/sbin/sendmail -bP relayhost > /dev/null'

useradd -m -s /bin/sh "$U1"; useradd -m -s /bin/sh "$U2"
as() { u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups env HOME="$(getent passwd "$u" | cut -d: -f6)" USER="$u" LOGNAME="$u" "$@"; }
# cronline: run the queue as /etc/cron.d/posthorn does, in cron's
# environment (no systemd here, so the line runs runq)
cronline() {
	cmd=$(grep -E '^[*] +[*] +[*] +[*] +[*] +root ' /etc/cron.d/posthorn | sed -E 's/^([^ ]+ +){6}//')
	[ -n "$cmd" ] || return 1
	(cd / && env -i SHELL=/bin/sh PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LOGNAME=root /bin/sh -c "$cmd")
}

# ---- ordinary users' mail clients
echo "from bsd-mailx $$" | as "$U1" bsd-mailx -s "bsd-mailx subject $$" "$U2"
check "bsd-mailx as an ordinary user: exit 0" [ $? = 0 ]
check "... the message waits in the maildrop" [ -n "$(ls /var/spool/posthorn/maildrop)" ]
echo "from s-nail $$" | as "$U2" s-nail -s "s-nail subject $$" "$U1"
check "s-nail as an ordinary user: exit 0" [ $? = 0 ]
check "the cron file's line runs runq: exit 0" cronline
check "... and empties the maildrop" [ -z "$(ls /var/spool/posthorn/maildrop)" ]
check "bsd-mailx's message in /var/mail/$U2" grep -q "^Subject: bsd-mailx subject $$" "/var/mail/$U2"
check "... owned by $U2, mode 600" [ "$(stat -c '%U %a' "/var/mail/$U2")" = "$U2 600" ]
check "... sender $U1@mail.deb-test.example (myorigin from /etc/mailname)" \
	bash -c 'grep -q "^Return-Path: <$1@mail.deb-test.example>" "$2" && grep -q "^From: .*$1@mail.deb-test.example" "$2"' _ "$U1" "/var/mail/$U2"
check "s-nail's message in /var/mail/$U1" grep -q "^Subject: s-nail subject $$" "/var/mail/$U1"
as "$U2" s-nail -N -H -f "/var/mail/$U2" > "$W/list" 2>&1
check "s-nail reads the mailbox (as $U2)" grep -q "bsd-mailx subject $$" "$W/list"
printf 'p 1\nx\n' | as "$U1" bsd-mailx -N -f "/var/mail/$U1" > "$W/read" 2>&1
check "bsd-mailx reads the mailbox (as $U1)" grep -q "^from s-nail $$" "$W/read"

# /usr/lib/sendmail, the path old programs use
printf 'To: %s\nSubject: via lib %s\n\nx\n' "$U2" $$ | as "$U1" /usr/lib/sendmail -oi -t
check "/usr/lib/sendmail -t as a user: exit 0" [ $? = 0 ]

# ---- newaliases with /etc/aliases
[ -f /etc/aliases ] && cp -p /etc/aliases "$W/aliases.orig" || made_aliases=1
echo "phdebalias$$: $U2" >> /etc/aliases
check "newaliases (root): exit 0" bash -c '/usr/bin/newaliases > /dev/null'
echo "to an alias" | as "$U1" bsd-mailx -s "alias $$" "phdebalias$$"

# ---- syslog, mail facility: a datagram socket at /dev/log for one run
# of runq (bound in a private mount namespace over the system's, if there
# is one; else made at /dev/log and removed after the run)
devlog=/dev/log
[ -e /dev/log ] && devlog=$W/devlog
python3 - "$devlog" "$W/syslog" << 'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n")
EOF
logpid=$!
[ "$devlog" = /dev/log ] && made_devlog=1
for _ in $(seq 100); do [ -S "$devlog" ] && break; sleep 0.1; done
if [ "$devlog" = /dev/log ]; then
	/usr/sbin/runq
else
	unshare -m sh -c 'mount --bind "$1" /dev/log && exec /usr/sbin/runq' _ "$devlog"
fi
# (the listener writes what it received; wait for it, within 10 s)
for _ in $(seq 100); do grep -q "phdebalias$$" "$W/syslog" 2> /dev/null && break; sleep 0.1; done
kill "$logpid" 2> /dev/null; wait "$logpid" 2> /dev/null; logpid=
[ -n "${made_devlog:-}" ] && rm -f /dev/log; made_devlog=
check "the alias delivered to $U2 (newaliases took it)" grep -q "^Subject: alias $$" "/var/mail/$U2"
check "/usr/lib/sendmail's message delivered" grep -q "^Subject: via lib $$" "/var/mail/$U2"
check "delivery logged to syslog, facility mail (priority 16..23)" \
	grep -qE '^<(1[6-9]|2[0-3])>.* posthorn/local\[[0-9]+\]: .*phdebalias'"$$"'.*status=sent' "$W/syslog"
grep -m 2 "phdebalias$$" "$W/syslog" | sed 's/^/  syslog: /'

# ---- the installed-system tests, against the package's paths
cp -p /etc/posthorn/posthorn.conf "$W/conf.mine"
PH_SBINDIR=/usr/sbin PH_BINDIR=/usr/bin PH_CONF=/etc/posthorn/posthorn.conf \
PH_SPOOL=/var/spool/posthorn PH_LABEL=debinstalled PH_SASL_PORT=$((port + 24)) \
	bash "$here/installed.sh" > "$W/installed.log" 2>&1
grep -E '^(PASS|FAIL|SKIP):' "$W/installed.log"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$W/installed.log" | tail -n 1)
if [ -n "$line" ]; then
	np=$((np + $(echo "$line" | awk '{print $1}')))
	nf=$((nf + $(echo "$line" | awk '{print $3}')))
else
	fail "installed.sh produced no result line"; tail -n 20 "$W/installed.log"
fi
check "installed.sh put the configuration back" cmp -s "$W/conf.mine" /etc/posthorn/posthorn.conf

# ---- mailq as a user; a message that waits (kept across remove; after
# installed.sh, whose smarthost would take it)
echo "held" | as "$U1" bsd-mailx -s "held $$" "held$$@remote.example"
cronline
as "$U2" /usr/bin/mailq > "$W/mq" 2>&1
check "mailq (setgid) as an ordinary user lists the held message" grep -q "held$$@remote.example" "$W/mq"
held=$(grep -l "held$$@remote.example" /var/spool/posthorn/queue/*/*.env 2> /dev/null | head -n 1)
check "the held message is in the queue" [ -n "$held" ]

# ---- remove: exim comes back (packages that need an MTA stay), the
# queue and the configuration stay
: > "$W/apt.log"
if apt remove posthorn exim4-daemon-light+; then
	pass "apt-get remove posthorn (exim4-daemon-light back in its place)"
else
	fail "apt-get remove posthorn (see below)"; tail -n 30 "$W/apt.log"
fi
check "posthorn removed, its configuration files kept (rc)" [ "$(status posthorn)" = rc ]
check "apt-get check after remove" apt-get -qq check
check "remove keeps the queued message" [ -n "$held" -a -f "$held" -a -f "${held%.env}.msg" ]
check "remove keeps the configuration (with the local changes)" grep -qx "relayhost = \[127.0.0.1\]:$port" /etc/posthorn/posthorn.conf
check "remove keeps /etc/cron.d/posthorn (a conffile)" [ -f /etc/cron.d/posthorn ]
check "/usr/sbin/runq is exim's now" [ "$(readlink /usr/sbin/runq)" = exim4 ]
strace -f -qq -e trace=execve -o "$W/cron.tr" bash -c "$(declare -f cronline); cronline"
check "the cron line after remove: exit 0, and exim's runq not run" \
	bash -c '[ $1 = 0 ] && ! grep -q "execve(\"/usr/sbin/runq\"" "$2"' _ $? "$W/cron.tr"
check "remove drops the set-id overrides (exim's files keep their modes)" \
	bash -c '! dpkg-statoverride --list /usr/sbin/sendmail && ! dpkg-statoverride --list /usr/bin/mailq'
check "exim4 still setuid root" [ "$(mode /usr/sbin/exim4)" = "root root 4755" ]
check "/usr/sbin/sendmail is exim's again" [ "$(readlink /usr/sbin/sendmail)" = exim4 ]

# ---- install again: the queue is picked up where it was
: > "$W/apt.log"
check "apt-get install ./$(basename "$deb") again" apt install "$deb"
as "$U2" /usr/bin/mailq > "$W/mq" 2>&1
check "the message held before remove is listed again" grep -q "held$$@remote.example" "$W/mq"
check "the local changes to posthorn.conf kept" grep -qx "relayhost = \[127.0.0.1\]:$port" /etc/posthorn/posthorn.conf
check "set-id overrides back" [ "$(mode /usr/sbin/sendmail) $(mode /usr/bin/mailq)" = "root phdrop 2755 root posthorn 2755" ]

# ---- purge
: > "$W/apt.log"
apt remove posthorn exim4-daemon-light+ || { fail "apt-get remove before purge"; tail -n 30 "$W/apt.log"; }
: > "$W/apt.log"
if apt purge posthorn; then pass "apt-get purge posthorn"; else fail "apt-get purge posthorn"; tail -n 30 "$W/apt.log"; fi
check "posthorn gone from dpkg's database" [ -z "$(status posthorn)" -o "$(status posthorn)" = un ]
check "purge removes /var/spool/posthorn (and the queued mail)" [ ! -e /var/spool/posthorn ]
check "purge removes /etc/posthorn" [ ! -e /etc/posthorn ]
check "purge removes /etc/cron.d/posthorn" [ ! -e /etc/cron.d/posthorn ]
check "purge removes /etc/aliases.cdb (made by its newaliases)" [ ! -e /etc/aliases.cdb ]
check "no statoverride left" bash -c '! dpkg-statoverride --list | grep -E " (/usr/sbin/sendmail|/usr/bin/mailq)$"'
check "no unit symlink left" bash -c '! ls /etc/systemd/system/*.wants/posthorn-* > /dev/null 2>&1'
check "no deb-systemd-helper state left" bash -c '! ls /var/lib/systemd/deb-systemd-helper-enabled/ /var/lib/systemd/deb-systemd-helper-masked/ 2> /dev/null | grep -q posthorn'
check "exim is the MTA after purge; dependencies hold" bash -c '[ "$(readlink /usr/sbin/sendmail)" = exim4 ] && apt-get -qq check'
check "the users' mailboxes stay" [ -s "/var/mail/$U2" ]

# what is left: users and files of the package's users and groups
echo "left after purge:"
for n in posthorn phdrop; do
	getent passwd "$n" > /dev/null && echo "  user $n (kept on purge, as documented)"
	getent group "$n" > /dev/null && echo "  group $n"
done
uid=$(id -u posthorn 2> /dev/null) pg=$(getent group posthorn | cut -d: -f3) dg=$(getent group phdrop | cut -d: -f3)
if [ -n "$uid$pg$dg" ]; then
	find /etc /var /usr /lib /run /home -xdev -path /usr/local -prune -o \
		\( ${uid:+-uid $uid -o} ${pg:+-gid $pg -o} ${dg:+-gid $dg -o} -false \) -print 2> /dev/null | sed 's/^/  file /' | head -n 20 > "$W/left"
	cat "$W/left"
	check "no file of posthorn's users left outside /usr/local" [ ! -s "$W/left" ]
fi
dpkg -L posthorn > /dev/null 2>&1 && echo "  dpkg still lists files of posthorn"
ls -d /etc/posthorn* /var/spool/posthorn* /var/lib/posthorn* /var/log/posthorn* 2> /dev/null | sed 's/^/  path /'
finish
