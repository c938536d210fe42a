#!/bin/bash
# installed.sh - the installed system, as root after "make install": an
# unprivileged user submits through the setgid sendmail, runq (root)
# delivers into /var/mail, mailq (setgid) lists; users cannot read or
# tamper with each other's queued mail; -C drops the privilege.
# Prints PASS/FAIL lines and "N passed, N failed".
set -u
prefix=${PREFIX:-/usr/local}
SBIN=$prefix/sbin BIN=$prefix/bin
CONF=$prefix/etc/posthorn/posthorn.conf
SPOOL=$prefix/var/spool/posthorn
p=0 f=0
pass() { echo "PASS: installed: $*"; p=$((p + 1)); }
fail() { echo "FAIL: installed: $*"; f=$((f + 1)); }
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
printf 'myhostname = host.example.org\nmaillog_file = /tmp/posthorn-installed.log\nalias_maps = %s\n' "$ALIASES" > "$CONF"
echo "postmaster: root" > "$ALIASES"
"$SBIN/newaliases" > /dev/null
check "newaliases (installed) compiles the aliases" [ -s "$ALIASES.cdb" ]
: > /tmp/posthorn-installed.log; chmod 666 /tmp/posthorn-installed.log

check "sendmail is setgid phdrop" [ "$(stat -c '%G %A' "$SBIN/sendmail")" = "phdrop -rwxr-sr-x" ]
check "mailq is setgid posthorn" [ "$(stat -c '%G %A' "$BIN/mailq")" = "posthorn -rwxr-sr-x" ]
check "maildrop is 1730 posthorn:phdrop" [ "$(stat -c '%a %U %G' "$SPOOL/maildrop")" = "1730 posthorn phdrop" ]
check "queue is 0750 posthorn:posthorn" [ "$(stat -c '%a %U %G' "$SPOOL/queue")" = "750 posthorn posthorn" ]

printf 'To: %s\nSubject: from an ordinary user\n\nhello\n' "$U2" | as "$U1" "$SBIN/sendmail" -t
check "ordinary user submits: exit 0" [ $? = 0 ]
entry=$(ls "$SPOOL/maildrop" | head -n 1)
check "maildrop entry owned by the user, mode 0444" [ "$(stat -c '%U %a' "$SPOOL/maildrop/$entry")" = "$U1 444" ]
check "user cannot list the maildrop" bash -c "! setpriv --reuid=$U2 --regid=$(id -g "$U2") --init-groups ls '$SPOOL/maildrop' 2>/dev/null"
check "another user cannot read the entry" bash -c "! setpriv --reuid=$U2 --regid=$(id -g "$U2") --init-groups cat '$SPOOL/maildrop/$entry' 2>/dev/null"
as "$U2" "$BIN/mailq" > /tmp/posthorn-mq.out 2>&1
check "mailq runs for an ordinary user" [ $? = 0 ]

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
rm -f /tmp/posthorn-evil.conf /tmp/posthorn-evil.err /tmp/posthorn-mq.out

"$SBIN/runq" -q -R remote.example
echo "$p passed, $f failed"
[ "$f" = 0 ]
