#!/bin/bash
# installed.sh - the installed system, as root after "make install": an
# unprivileged user submits through the setgid sendmail, runq (root)
# delivers into /var/mail, mailq (setgid) lists; users cannot read or
# tamper with each other's queued mail; -C drops the privilege.
# Prints PASS/FAIL lines and "N passed, N failed".
#
# The installation tested is that of "make install" in PREFIX (default
# /usr/local); PH_SBINDIR, PH_BINDIR, PH_CONF and PH_SPOOL name another
# one (t/debinstalled.sh: the Debian package's /usr/sbin, /usr/bin,
# /etc/posthorn/posthorn.conf, /var/spool/posthorn), PH_LABEL the word
# after PASS:/FAIL:, PH_SASL_PORT the smarthost's loopback port.
set -u
prefix=${PREFIX:-/usr/local}
SBIN=${PH_SBINDIR:-$prefix/sbin} BIN=${PH_BINDIR:-$prefix/bin}
CONF=${PH_CONF:-$prefix/etc/posthorn/posthorn.conf}
SPOOL=${PH_SPOOL:-$prefix/var/spool/posthorn}
label=${PH_LABEL:-installed}
sasl_port=${PH_SASL_PORT:-22125}
p=0 f=0
pass() { echo "PASS: $label: $*"; p=$((p + 1)); }
fail() { echo "FAIL: $label: $*"; f=$((f + 1)); }
check() { d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
[ "$(id -u)" = 0 ] || { echo "0 passed, 0 failed"; exit 0; }

U1=phci1$$ U2=phci2$$
useradd -m -s /bin/sh "$U1"; useradd -m -s /bin/sh "$U2"
as() { u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"; }
saved_conf=$(mktemp); cp "$CONF" "$saved_conf" 2>/dev/null
ALIASES=/tmp/posthorn-installed-aliases
cleanup() {
	userdel -r "$U1" 2>/dev/null; userdel -r "$U2" 2>/dev/null
	rm -f /var/mail/$U1 /var/mail/$U2 "$ALIASES" "$ALIASES.cdb"
	# the test's own leftovers in the queue (held remote mail)
	for e in "$SPOOL"/queue/*/*.env; do
		[ -e "$e" ] && grep -q '^S.*@host.example.org$' "$e" && rm -f "$e" "${e%.env}.msg"
	done
	cp "$saved_conf" "$CONF"; rm -f "$saved_conf"
}
trap cleanup EXIT
# remote mail stays here: a smarthost on a closed loopback port, and a
# resolver that does not answer (the machine's is never asked)
# (myorigin too: a build with a mailname file takes it from there)
printf 'myhostname = host.example.org\nmyorigin = host.example.org\nmaillog_file = /tmp/posthorn-installed.log\nalias_maps = %s\nrelayhost = [127.0.0.1]:9\ndns_servers = 127.0.0.1:9\n' "$ALIASES" > "$CONF"
echo "postmaster: root" > "$ALIASES"
"$SBIN/newaliases" > /dev/null
check "newaliases (installed) compiles the aliases" [ -s "$ALIASES.cdb" ]
# maillog_file as make install makes it: the set-id sendmail appends
rm -f /tmp/posthorn-installed.log
install -o posthorn -g phdrop -m 0620 /dev/null /tmp/posthorn-installed.log

check "sendmail is setgid phdrop" [ "$(stat -c '%G %A' "$SBIN/sendmail")" = "phdrop -rwxr-sr-x" ]
check "mailq is setgid posthorn" [ "$(stat -c '%G %A' "$BIN/mailq")" = "posthorn -rwxr-sr-x" ]
check "maildrop is 1730 posthorn:phdrop" [ "$(stat -c '%a %U %G' "$SPOOL/maildrop")" = "1730 posthorn phdrop" ]
check "queue is 0750 posthorn:posthorn" [ "$(stat -c '%a %U %G' "$SPOOL/queue")" = "750 posthorn posthorn" ]

printf 'To: %s\nSubject: from an ordinary user\n\nhello\n' "$U2" | as "$U1" "$SBIN/sendmail" -t
check "ordinary user submits: exit 0" [ $? = 0 ]
check "the set-id sendmail logged the user's submission" grep -q "posthorn/sendmail\[[0-9]*\]: [0-9A-F]*: uid=$(id -u "$U1") from=" /tmp/posthorn-installed.log
entry=$(ls "$SPOOL/maildrop" | head -n 1)
check "maildrop entry owned by the user, mode 0444" [ "$(stat -c '%U %a' "$SPOOL/maildrop/$entry")" = "$U1 444" ]
check "user cannot list the maildrop" bash -c "! setpriv --reuid=$U2 --regid=$(id -g "$U2") --init-groups ls '$SPOOL/maildrop' 2>/dev/null"
check "another user cannot read the entry" bash -c "! setpriv --reuid=$U2 --regid=$(id -g "$U2") --init-groups cat '$SPOOL/maildrop/$entry' 2>/dev/null"
as "$U2" "$BIN/mailq" > /tmp/posthorn-mq.out 2>&1
check "mailq runs for an ordinary user" [ $? = 0 ]
check "... and says that mail not yet picked up is not shown" \
	grep -q "not shown: mail submitted but not yet picked up by runq" /tmp/posthorn-mq.out
check "hold/ is 0750 posthorn:posthorn" [ "$(stat -c '%a %U %G' "$SPOOL/hold")" = "750 posthorn posthorn" ]
as "$U1" "$SBIN/posthorn" hold ALL > /tmp/posthorn-ph.out 2>&1
check "posthorn refuses an ordinary user (77)" [ $? = 77 ]

"$SBIN/runq" -q
check "runq as root delivers into /var/mail" grep -q '^Subject: from an ordinary user' "/var/mail/$U2"
check "mailbox owned by the recipient" [ "$(stat -c %U "/var/mail/$U2")" = "$U2" ]
check "Received: names the submitting uid" grep -q "from userid $(id -u "$U1")" "/var/mail/$U2"
check "envelope sender is the login name" grep -q "^Return-Path: <$U1@host.example.org>" "/var/mail/$U2"

printf 'Subject: held\n\nx\n' | as "$U1" "$SBIN/sendmail" someone@remote.example
"$SBIN/runq" -q
id=$(grep -l 'someone@remote.example' "$SPOOL"/queue/*/*.env | head -n 1 | xargs -r basename | cut -c1-21)
check "queued entry exists" [ -n "$id" ]
as "$U2" "$BIN/mailq" > /tmp/posthorn-mq.out 2>&1
check "mailq (setgid) shows queued mail to an ordinary user" grep -q 'someone@remote.example' /tmp/posthorn-mq.out
as "$U2" "$SBIN/sendmail" -bp > /tmp/posthorn-mq.out 2>&1
check "sendmail -bp (runs the installed mailq) for an ordinary user" grep -q 'someone@remote.example' /tmp/posthorn-mq.out
check "queue files belong to posthorn" [ "$(stat -c %U "$SPOOL"/queue/*/"$id".env)" = posthorn ]
check "an ordinary user cannot read a queued message" bash -c "! setpriv --reuid=$U2 --regid=$(id -g "$U2") --init-groups cat $SPOOL/queue/*/$id.msg 2>/dev/null"
"$SBIN/posthorn" hold "$id" 2> /dev/null
check "posthorn hold (root, the system spool): the entry is in hold/, still posthorn's" \
	[ "$(stat -c %U "$SPOOL/hold/$id.env" 2>/dev/null)" = posthorn ]
as "$U2" "$BIN/mailq" > /tmp/posthorn-mq.out 2>&1
check "mailq (setgid) shows the held entry with ! to an ordinary user" grep -q "^$id!" /tmp/posthorn-mq.out
"$SBIN/posthorn" release "$id" 2> /dev/null
check "posthorn release: back in the queue" [ -e "$(ls "$SPOOL"/queue/*/"$id".env 2>/dev/null)" ]

# Another configuration naming the real spool: with the privilege kept,
# sendmail could write the maildrop and mailq read the queue; dropped,
# neither can.
printf 'spool_directory = %s\nmaillog_file = /tmp/posthorn-installed.log\n' "$SPOOL" > /tmp/posthorn-evil.conf
chmod 644 /tmp/posthorn-evil.conf
before=$(ls "$SPOOL/maildrop" | wc -l)
printf 'Subject: evil\n\nx\n' | as "$U1" "$SBIN/sendmail" -odq -C /tmp/posthorn-evil.conf "$U2" 2> /tmp/posthorn-evil.err
rc=$?
check "-C from an ordinary user: privilege dropped, submission refused (75)" [ $rc = 75 ]
check "-C from an ordinary user: nothing written" [ "$(ls "$SPOOL/maildrop" | wc -l)" = "$before" ]
POSTHORN_CONF=/tmp/posthorn-evil.conf as "$U1" "$BIN/mailq" > /tmp/posthorn-mq.out 2>&1
rc=$?
check "mailq with POSTHORN_CONF from a user: privilege dropped (75)" [ $rc = 75 ]
check "... and the queue was not listed" bash -c "! grep -q someone@remote.example /tmp/posthorn-mq.out"
POSTHORN_CONF=/tmp/posthorn-evil.conf "$BIN/mailq" > /tmp/posthorn-mq.out 2>&1
check "root may name another configuration" grep -q someone@remote.example /tmp/posthorn-mq.out
rm -f /tmp/posthorn-evil.conf /tmp/posthorn-evil.err /tmp/posthorn-mq.out /tmp/posthorn-ph.out

"$SBIN/runq" -q -R remote.example

# ---- Attacks by a local user (U1) on root's runq, other users and the queue.
H1=$(getent passwd "$U1" | cut -d: -f6) H2=$(getent passwd "$U2" | cut -d: -f6)
SECRET=/home/posthorn-secret.$$	# beside the homes: a hard link can reach it
printf 'words with SPACES rootsecret-%s\nrootsecret2-%s\n' $$ $$ > "$SECRET"; chmod 600 "$SECRET"
printf 'victim words victimsecret-%s\n' $$ > "$H2/private"; chown "$U2:" "$H2/private"; chmod 600 "$H2/private"
# leaked WHAT: grep for a secret in everything a user or a sender can see
leaked() {
	as "$U2" "$BIN/mailq" > /tmp/posthorn-mq.out 2>&1
	grep -rqs -e "$1" /var/mail/ "$SPOOL/queue" /tmp/posthorn-installed.log /tmp/posthorn-mq.out
}
fwd() { printf '%s\n' "$@" > "$H1/.forward"; chown "$U1:" "$H1/.forward"; chmod 644 "$H1/.forward"; }
deliver_to_u1() { printf 'Subject: %s\n\nx\n' "$1" | as "$U2" "$SBIN/sendmail" "$U1"; timeout 300 "$SBIN/runq" -q; }

fwd "\\$U1" ":include:$SECRET"
deliver_to_u1 inc-root
not_leaked() { if leaked "$2"; then fail "$1"; else pass "$1"; fi; }
not_leaked "include of a root-only file in ~/.forward: no line of it anywhere" rootsecret
check "... the bounce says why, naming the file" grep -q "cannot open :include: file" "/var/mail/$U2"
check "... U1 still gets the copy for \\$U1" grep -q '^Subject: inc-root' "/var/mail/$U1"
chmod 644 "$SECRET"
deliver_to_u1 inc-root-readable
not_leaked "include of root's (readable) file in ~/.forward is refused: it is not U1's" rootsecret
chmod 600 "$SECRET"
fwd "\\$U1" ":include:$H2/private"
deliver_to_u1 inc-other
not_leaked "include of another user's file: no line of it anywhere" victimsecret
chmod 644 "$H2/private"
deliver_to_u1 inc-other-readable
not_leaked "include of another user's readable file: refused, nothing of it anywhere" victimsecret
chmod 600 "$H2/private"
printf 'nosuchuser-%s\n' $$ > "$H1/list"; chown "$U1:" "$H1/list"
fwd ":include:$H1/list"
deliver_to_u1 inc-own
not_leaked "a bad target in U1's own include: nothing of its text anywhere" "nosuchuser-$$"
check "... the bounce names the file and line" grep -q "unknown user ($H1/list, line 1)" "/var/mail/$U2"
rm -f "$H1/.forward"; ln -s "$SECRET" "$H1/.forward"
deliver_to_u1 fwd-symlink
check "~/.forward as a symlink to a root file: ignored, mail in the mailbox" grep -q '^Subject: fwd-symlink' "/var/mail/$U1"
not_leaked "... and nothing of the file anywhere" rootsecret
rm -f "$H1/.forward"; ln "$SECRET" "$H1/.forward"
deliver_to_u1 fwd-hardlink
check "~/.forward as a hard link to a root-only file: not read, mail waits" \
	bash -c "! grep -q '^Subject: fwd-hardlink' /var/mail/$U1 && grep -q 'cannot open $H1/.forward' /tmp/posthorn-installed.log"
chmod 644 "$SECRET"
deliver_to_u1 fwd-hardlink2
check "~/.forward as a hard link to a readable root file: ignored, mail in the mailbox" grep -q '^Subject: fwd-hardlink2' "/var/mail/$U1"
not_leaked "... and nothing of the file anywhere" rootsecret
chmod 600 "$SECRET"
rm -f "$H1/.forward"

# A command that leaves children behind (in its session or a new one)
# must not hold runq: the other user's mail goes out, runq ends.
sed -i '/^command_time_limit/d' "$CONF"; echo "command_time_limit = 30s" >> "$CONF"
fwd '"|setsid sleep 3600 </dev/null >/dev/null 2>&1 &"' '"|sleep 3600 &"' '"|setsid sleep 3600 &"'
printf 'Subject: to-u1-cmd\n\nx\n' | as "$U2" "$SBIN/sendmail" -odq "$U1"
printf 'Subject: to-u2-meanwhile\n\nx\n' | as "$U1" "$SBIN/sendmail" -odq "$U2"
start=$(date +%s)
timeout 600 "$SBIN/runq" -q; rc=$?
took=$(( $(date +%s) - start ))
check "commands leaving children behind: runq finishes (exit $rc, ${took}s)" [ $rc = 0 ]
check "... within command_time_limit, not the children's hour" [ $took -lt 100 ]
check "... the other user's mail was delivered" grep -q '^Subject: to-u2-meanwhile' "/var/mail/$U2"
pkill -u "$U1" sleep 2>/dev/null
rm -f "$H1/.forward"

# A stopped mailq must not freeze a queue entry. The entry is deferred
# (dot-locked mailbox), then mailq is stopped at every lock call it makes
# on that entry's envelope while runq delivers it.
printf 'Subject: frozen?\n\nx\n' | as "$U1" "$SBIN/sendmail" -odq "$U2"
touch "/var/mail/$U2.lock"
"$SBIN/runq" -q
rm -f "/var/mail/$U2.lock"
envf=$(grep -l "^R.*$U2@" "$SPOOL"/queue/*/*.env | head -n 1)
check "stopped mailq: an entry is waiting" [ -n "$envf" ]
for n in 1 2 3; do
	[ -n "$envf" ] && [ -e "$envf" ] || break
	strace -qq -f -o /dev/null -u "$U2" -P "$envf" -e trace=flock,fcntl \
	    -e inject=flock,fcntl:signal=STOP:when=$n "$BIN/mailq" > /dev/null 2>&1 &
	sp=$!; sleep 1
	"$SBIN/runq" -q
	kill -KILL $sp 2>/dev/null; pkill -KILL -u "$U2" mailq 2>/dev/null; wait $sp 2>/dev/null
done
check "stopped mailq: runq still delivered the entry" grep -q '^Subject: frozen?' "/var/mail/$U2"

# A full file system: sendmail refuses (75) before the reserve, and
# everything accepted is delivered, the maildrop drained.
FS=/tmp/posthorn-fs.$$
mkdir -p "$FS" && mount -t tmpfs -o size=6m,mode=755 tmpfs "$FS" 2>/dev/null
if mountpoint -q "$FS"; then
	install -d -o "$U1" "$FS/spool" "$FS/mail"
	printf 'spool_directory = %s/spool\nmail_spool_directory = %s/mail\nmaillog_file = %s/mail/log\nmessage_size_limit = 1m\nalias_maps =\n' "$FS" "$FS" "$FS" > "$FS/conf"
	body=$(head -c 150000 /dev/zero | tr '\0' 'x' | fold -w 70)
	ok=0 refused=0
	for i in $(seq 1 60); do
		printf 'Subject: fill-%s\n\n%s\n' "$i" "$body" | as "$U1" "$SBIN/sendmail" -C "$FS/conf" -odq "$U1" 2> "$FS/err"
		rc=$?
		if [ $rc = 0 ]; then ok=$((ok + 1)); elif [ $rc = 75 ]; then refused=1; break; else break; fi
	done
	check "full file system: sendmail refuses with 75 after $ok messages" test $refused = 1 -a $ok -gt 5
	check "... and says why" grep -q 'insufficient free space' "$FS/err"
	as "$U1" "$SBIN/runq" -C "$FS/conf" -q
	check "... every accepted message delivered from the full disk ($ok)" [ "$(grep -c '^Subject: fill-' "$FS/mail/$U1")" = "$ok" ]
	check "... the maildrop drained" [ -z "$(ls "$FS/spool/maildrop")" ]
	umount "$FS"
else
	echo "SKIP: $label: cannot mount a tmpfs for the full file system test"
fi
rmdir "$FS" 2>/dev/null
rm -f "$SECRET"

# Untrusted maildrop files and remote recipients are handled by children
# that run as the spool owner, not root.
PHUID=$(id -u posthorn)
printf 'Subject: as-owner\n\nx\n' | as "$U1" "$SBIN/sendmail" someone@remote.example
strace -f -qq -e trace=setresuid -o /tmp/posthorn-ids.tr "$SBIN/runq" -q
check "pickup and the remote transport switch to the spool owner ($PHUID)" \
	[ "$(grep -cE "setresuid\($PHUID, $PHUID, $PHUID\) +=  *0" /tmp/posthorn-ids.tr)" -ge 2 ]
rm -f /tmp/posthorn-ids.tr
"$SBIN/runq" -q -R remote.example

# Remote delivery through a smarthost that wants AUTH: the password map
# is root's (0600), read before the SMTP worker drops root; the worker
# that connects runs as the spool owner.
if /usr/bin/python3 -c 'import aiosmtpd' 2> /dev/null; then
	SINKD=$(mktemp -d)
	/usr/bin/python3 "$(dirname "$0")/integ/smtpsink.py" --out "$SINKD/out" --listen "127.0.0.1:$sasl_port" \
		--auth --pidfile "$SINKD/pid" > "$SINKD/log" 2>&1 &
	for _ in $(seq 100); do [ -s "$SINKD/pid" ] && break; sleep 0.1; done
	printf '[127.0.0.1]:%s alice:secret\n' "$sasl_port" > /etc/posthorn-test-sasl
	chmod 600 /etc/posthorn-test-sasl
	printf 'relayhost = [127.0.0.1]:%s\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = /etc/posthorn-test-sasl\nsmtp_sasl_allow_cleartext = yes\n' "$sasl_port" >> "$CONF"
	printf 'Subject: smarthost\n\nx\n' | as "$U1" "$SBIN/sendmail" someone@remote.example
	strace -f -qq -e trace=setresuid,connect -o /tmp/posthorn-smtp.tr "$SBIN/runq" -q
	check "remote mail went to the smarthost, authenticated with root's password map" \
		grep -q '"auth": "alice"' "$SINKD/out/envelopes.jsonl"
	check "the process that connected to the smarthost runs as the spool owner" \
		/usr/bin/python3 -c '
import re, sys
uid, seen = sys.argv[2], {}
for l in open(sys.argv[1]):
    m = re.match(r"(\d+) +(\w+)\((.*)", l)
    if not m:
        continue
    pid, call, rest = m.groups()
    if call == "setresuid" and rest.startswith("%s, %s, %s)" % (uid, uid, uid)):
        seen[pid] = True
    if call == "connect" and sys.argv[3] in rest:
        sys.exit(0 if seen.get(pid) else 1)
sys.exit(1)' /tmp/posthorn-smtp.tr "$PHUID" "$sasl_port"
	kill "$(cat "$SINKD/pid")" 2> /dev/null
	rm -rf "$SINKD" /etc/posthorn-test-sasl /tmp/posthorn-smtp.tr
	sed -i "/^relayhost = \[127.0.0.1\]:$sasl_port\$/d; /^smtp_sasl/d" "$CONF"
fi

# TZ survives the set-id start when it is a zone, not a file elsewhere.
for tz in ":Europe/Berlin|+0100" "/usr/share/zoneinfo/Asia/Tokyo|+0900" "/etc/shadow|+0000" ":../../../etc/shadow|+0000"; do
	printf 'Subject: tz %s\n\nx\n' "${tz%%|*}" | TZ=${tz%%|*} as "$U1" "$SBIN/sendmail" "$U2"
	"$SBIN/runq" -q
	check "TZ=${tz%%|*} in setgid sendmail: Date: ends ${tz#*|}" \
		bash -c "grep -A3 '^Subject: tz ${tz%%|*}\$' /var/mail/$U2 | grep -q '^Date: .* ${tz#*|}\$'"
done

# authorized_mailq_users limits who may list the queue.
echo "authorized_mailq_users = $U1" >> "$CONF"
as "$U2" "$BIN/mailq" > /tmp/posthorn-mq.out 2>&1; rc=$?
check "authorized_mailq_users: another user is refused (77)" [ $rc = 77 ]
as "$U1" "$BIN/mailq" > /tmp/posthorn-mq.out 2>&1; rc=$?
check "authorized_mailq_users: a listed user may look" [ $rc = 0 ]
sed -i '/^authorized_mailq_users/d' "$CONF"
rm -f /tmp/posthorn-mq.out

echo "$p passed, $f failed"
[ "$f" = 0 ]
