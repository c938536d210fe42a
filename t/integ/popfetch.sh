#!/bin/bash
# popfetch.sh - popfetch against Dovecot's POP3 server (plain with STLS,
# and POP3S) and against a scripted hostile server
. "$(dirname "$0")/lib.sh"
T=popfetch
new_instance "message_size_limit = 209715200"
. "$SRCDIR/t/integ/pop3env.sh"
pop3_start
export HOME=$D/home
mkdir -p "$HOME"
HOST=ph-pop-$$
RC=$D/popfetchrc

# rc ACCOUNT-LINES...: the accounts file, mode 600
rc() {
	{
		echo "defaults"
		echo "host 127.0.0.1"
		echo "tls_trust_file $D/tls/ca.crt"
		echo "deliver_to $ME"
		echo "timeout 10"
		for l in "$@"; do echo "$l"; done
	} > "$RC"
	chmod 600 "$RC"
}
pf() { "$BUILD/popfetch" -C "$C" -f "$RC" -q "$@"; }
# msgs: the queued message files
msgs() { find "$D/spool/queue" -name '*.msg' | sort; }
nmsgs() { msgs | wc -l; }
# has_msgid ID: how many queued messages carry Message-ID <ID>
has_msgid() { cat $(msgs) /dev/null | grep -c "^Message-ID: <$1>"; }
drain() { find "$D/spool/queue" -name '*.msg' -o -name '*.env' | xargs -r rm -f; }

# 1. plain POP3 with STLS, USER/PASS, delete mode
pop3_put alice 3
rc "account a1" "port $POP_PORT" "tls stls" "user alice" "password secret" "auth user"
expect_rc "stls + USER/PASS: exit 0" 0 pf a1
check "stls: 3 messages queued" [ "$(nmsgs)" = 3 ]
check "stls: mailbox emptied (keep off)" [ "$(pop3_count alice)" = 0 ]
m=$(msgs | head -n 1)
check "Received: names the server and the account" \
	grep -q "account a1, user alice" "$m"
check "Received: says STLS" grep -q "with POP3 (STLS)" "$m"
check "queue entries have envelopes" [ "$(find "$D/spool/queue" -name '*.env' | wc -l)" = 3 ]
check "envelope sender from Return-Path" grep -q "^Ssender[123]@example.test" $(find "$D/spool/queue" -name '*.env' | head -n 1)

# 2. the message exactly as the server holds it: CR LF to LF, dots unstuffed
python3=/usr/bin/python3
f=$PD/home/alice/Maildir/new/dots.M1.test
printf 'Return-Path: <dots@example.test>\r\nSubject: dots\r\nMessage-ID: <dots@example.test>\r\n\r\n.\r\n..\r\n.leading dot\r\nbare\rCR inside\r\nlast line without dot\r\n' > "$f"
chown "$POP_UID:$POP_GID" "$f"
cp "$f" "$D/dots.orig"
drain
expect_rc "dots: exit 0" 0 pf a1
m=$(msgs | head -n 1)
$python3 - "$m" "$D/dots.orig" <<'EOP' && pass "dots: the queued message is the server's, byte for byte (LF ends, unstuffed)" || fail "dots: the queued message differs from the server's"
import sys
got = open(sys.argv[1], "rb").read()
want = open(sys.argv[2], "rb").read().replace(b"\r\n", b"\n")
# the Received: field is ours: drop it (its continuation lines start with a tab)
lines = got.split(b"\n")
assert lines[0].startswith(b"Received: ")
i = 1
while lines[i].startswith(b"\t"):
    i += 1
sys.exit(0 if b"\n".join(lines[i:]) == want else 1)
EOP

# 3. keep on: UIDL state across runs
drain
pop3_put alice 2
rc "account k" "port $POP_PORT" "tls stls" "user alice" "password secret" "keep on"
expect_rc "keep: first run exit 0" 0 pf k
check "keep: 2 messages queued" [ "$(nmsgs)" = 2 ]
check "keep: the mailbox keeps them" [ "$(pop3_count alice)" = 2 ]
check "keep: the state file records 2 UIDs" [ "$(grep -c '^U ' "$HOME/.popfetch/k.state")" = 2 ]
expect_rc "keep: second run exit 0" 0 pf k
check "keep: second run fetches nothing again" [ "$(nmsgs)" = 2 ]
pop3_put alice 1
expect_rc "keep: third run exit 0" 0 pf k
check "keep: third run fetches only the new message" [ "$(nmsgs)" = 3 ]
check "keep: each message once" [ "$(has_msgid msg$SEQ@example.test)" = 1 ]
rc "account k" "port $POP_PORT" "tls stls" "user alice" "password secret" "keep on" "only_new off"
expect_rc "only_new off: exit 0" 0 pf k
check "only_new off fetches all 3 again" [ "$(nmsgs)" = 6 ]
rc "account k" "port $POP_PORT" "tls stls" "user alice" "password secret"
expect_rc "keep off after keep on: exit 0" 0 pf k
check "keep off: known messages deleted, not fetched again" [ "$(nmsgs)" = 6 ]
check "keep off: mailbox empty" [ "$(pop3_count alice)" = 0 ]

# 4. POP3S and every login method
for auth in user plain apop auto; do
	drain
	pop3_put bob 2
	rc "account s" "port $POPS_PORT" "tls pop3s" "user bob" "password hunter2" "auth $auth"
	expect_rc "pop3s auth $auth: exit 0" 0 pf -v s 2> "$D/err"
	check "pop3s auth $auth: 2 queued" [ "$(nmsgs)" = 2 ]
	check "pop3s auth $auth: Received: says POP3S" grep -q "with POP3S" $(msgs | head -n 1)
	check "pop3s auth $auth: -v hides the password" sh -c "! grep -q hunter2 '$D/err'"
done
rc "account s" "port $POPS_PORT" "tls pop3s" "user bob" "password hunter2" "auth plain"
pf -v s 2> "$D/err"
check "auth plain: the dialogue shows AUTH PLAIN, not the credentials" grep -q -- "--> AUTH PLAIN <not shown>" "$D/err"
rc "account s" "port $POP_PORT" "tls none" "user bob" "password hunter2" "auth apop"
pop3_put bob 1
expect_rc "tls none + apop: exit 0" 0 pf s

# 5. failures: wrong password, wrong CA, no STLS on a POP3S port
drain
pop3_put bob 1
rc "account s" "port $POPS_PORT" "tls pop3s" "user bob" "password wrong"
expect_rc "wrong password: EX_NOPERM" 77 pf s 2> "$D/err"
check "wrong password: says the login was refused" grep -q "login as bob refused" "$D/err"
check "wrong password: nothing queued" [ "$(nmsgs)" = 0 ]
check "wrong password: mailbox intact" [ "$(pop3_count bob)" = 1 ]
rc "account s" "port $POPS_PORT" "tls pop3s" "user bob" "password hunter2" "tls_trust_file $D/tls/other-ca.crt"
expect_rc "wrong CA: EX_UNAVAILABLE" 69 pf s 2> "$D/err"
check "wrong CA: names the problem" grep -q "certificate verify failed" "$D/err"
check "wrong CA: nothing queued, mailbox intact" [ "$(nmsgs)" = 0 -a "$(pop3_count bob)" = 1 ]
rc "account s" "host localhost" "port $POP_PORT" "tls pop3s" "user bob" "password hunter2"
expect_rc "pop3s against a plain port: an error, not a downgrade" 69 pf s 2> "$D/err"
rc "account s" "host 127.0.0.2" "port $POPS_PORT" "tls pop3s" "user bob" "password hunter2"
expect_rc "connection refused: EX_TEMPFAIL" 75 pf s 2> "$D/err"

# 6. the accounts file
rc "account s" "port $POPS_PORT" "user bob" "password hunter2"
chmod 644 "$RC"
expect_rc "a password readable by others: EX_CONFIG" 78 pf s 2> "$D/err"
check "readable accounts file: says why" grep -q "chmod 600" "$D/err"
rc "account s" "port $POPS_PORT" "user bob" "passwordeval echo hunter2"
chmod 644 "$RC"
expect_rc "passwordeval in a readable file: fine" 0 pf s
rc "account s" "port $POPS_PORT" "user bob" "passwordeval exit 1"
expect_rc "a passwordeval that fails: EX_CONFIG" 78 pf s 2> "$D/err"
check "a passwordeval that fails: says so" grep -q "passwordeval failed" "$D/err"
rc "account s" "port $POPS_PORT" "user bob" "password hunter2" "tls plain"
expect_rc "tls plain: EX_CONFIG" 78 pf s 2> "$D/err"
check "bad tls value: file:line" grep -q "popfetchrc:10: tls must be pop3s, stls or none" "$D/err"
rc "account s" "port $POPS_PORT" "user bob" "password hunter2" "colour blue"
expect_rc "unknown key: EX_CONFIG" 78 pf s
rc "account s" "port $POPS_PORT" "user bob" "password hunter2"
expect_rc "unknown account: EX_USAGE" 64 pf nosuch
exec 9> "$HOME/.popfetch/s.lock"
flock 9
expect_rc "locked account: EX_TEMPFAIL" 75 pf s 2> "$D/err"
check "locked account: says another popfetch fetches it" grep -q "being fetched by another popfetch" "$D/err"
exec 9>&-

# 7. size_limit: TOP for the header, the message stays on the server
drain
find "$PD/home/bob/Maildir" -type f -delete
pop3_put bob 1 1
pop3_put bob 1 200
rc "account s" "port $POPS_PORT" "user bob" "password hunter2" "size_limit 4k"
expect_rc "size_limit: exit 0" 0 pf s 2> "$D/err"
check "size_limit: the small message queued" [ "$(nmsgs)" = 1 ]
check "size_limit: the large one left on the server" [ "$(pop3_count bob)" = 1 ]
check "size_limit: reported with its subject (TOP)" grep -q "larger than size_limit.*Subject: test message $SEQ" "$D/err"
check "size_limit: the next run reports it again, fetches nothing" sh -c "'$BUILD/popfetch' -C '$C' -f '$RC' -q s 2>&1 | grep -q 'larger than size_limit'"

# 8. into the mailbox: runq delivers what popfetch queued
drain
pop3_put alice 1
rc "account a1" "port $POP_PORT" "tls stls" "user alice" "password secret"
expect_rc "delivery: popfetch exit 0" 0 pf a1
expect_rc "delivery: runq -q exit 0" 0 "$BUILD/runq" -C "$C" -q
check "delivery: the message is in the mailbox" grep -q "^Subject: test message $SEQ" "$D/mail/$ME"
check "delivery: Return-Path is the message's" grep -q "^Return-Path: <sender$SEQ@example.test>" "$D/mail/$ME"

# 9. kill -9 in the middle of a download, then a rerun: no loss, no duplicate
# committed queue entries (an .msg without .env is not mail; runq removes it)
entries() { find "$D/spool/queue" -name '*.env' | sed 's/\.env$/.msg/'; }
count_id() { cat $(entries) /dev/null | grep -c "^Message-ID: <$1>"; }
drain
pop3_put alice 3
first=$((SEQ - 2))
pop3_put alice 1 400000
big=$SEQ
pop3_put alice 2
rc "account a1" "port $POP_PORT" "tls stls" "user alice" "password secret"
"$BUILD/popfetch" -C "$C" -f "$RC" -q a1 2> /dev/null &
pid=$!
# wait (without a time limit of its own) until the big message is being written
grown=
for _ in $(seq 600); do
	t=$(find "$D/spool/queue" -name '.*' -type f -size +2M 2>/dev/null | head -n 1)
	if [ -n "$t" ]; then grown=1; break; fi
	kill -0 $pid 2>/dev/null || break
	sleep 0.05
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
if [ -n "$grown" ]; then
	pass "kill -9: popfetch killed while writing the big message"
else
	fail "kill -9: the big message was never seen half written"
fi
check "kill -9: nothing deleted from the mailbox" [ "$(pop3_count alice)" = 6 ]
expect_rc "kill -9: the rerun exits 0" 0 pf a1
ok=1
for i in $(seq "$first" "$SEQ"); do
	[ "$(count_id "msg$i@example.test")" = 1 ] || { ok=0; echo "msg$i: $(count_id "msg$i@example.test") copies"; }
done
check "kill -9: each of the 6 messages queued exactly once" [ $ok = 1 ]
check "kill -9: the mailbox is empty after the rerun" [ "$(pop3_count alice)" = 0 ]

# 10. a 50 MB message: constant memory (its peak RSS is a 4 KB one's), byte-exact
drain
find "$D/spool/queue" -name '*.msg' -delete
pop3_put alice 1 50
"$BUILD/t/integ/peakrss" "$D/rss.small" "$BUILD/popfetch" -C "$C" -f "$RC" -q a1
check "4 KB: exit 0" [ $? = 0 ]
drain
pop3_put alice 1 700000
cp "$(find "$PD/home/alice/Maildir/new" -type f | head -n 1)" "$D/big.orig"
"$BUILD/t/integ/peakrss" "$D/rss" "$BUILD/popfetch" -C "$C" -f "$RC" -q a1
check "50 MB: exit 0" [ $? = 0 ]
small=$(cat "$D/rss.small") kb=$(cat "$D/rss")
echo "peak RSS: popfetch: 4 KB message $small KiB, $(stat -c %s "$D/big.orig") byte message $kb KiB"
check "50 MB: peak RSS within 4 MiB of a 4 KB message's ($kb KiB, $small KiB)" [ $((kb - small)) -lt 4096 ]
/usr/bin/python3 - "$(msgs | head -n 1)" "$D/big.orig" <<'EOP' && pass "50 MB: the queued message is the server's, byte for byte" || fail "50 MB: the queued message differs"
import sys
got = open(sys.argv[1], "rb").read()
want = open(sys.argv[2], "rb").read().replace(b"\r\n", b"\n")
i = got.index(b"\nReturn-Path: ") + 1
sys.exit(0 if got[i:] == want else 1)
EOP

# 11. an ordinary user and a spool that is not theirs: through sendmail
if [ "$(id -u)" != 0 ]; then
	skip_check "sendmail mode (an ordinary user)" "not root"
elif ! setpriv --reuid nobody --regid nogroup --clear-groups test -x "$BUILD/sendmail"; then
	skip_check "sendmail mode (an ordinary user)" "nobody cannot run $BUILD/sendmail"
else
	drain
	# the maildrop group as installed, but nobody's own group: the
	# sendmail in the build directory is not set-group-ID
	chgrp nogroup "$D/spool/maildrop"
	mkdir -p "$D/nhome" && chown nobody:nogroup "$D/nhome"
	find "$PD/home/bob/Maildir/new" "$PD/home/bob/Maildir/cur" -type f -delete
	pop3_put bob 2
	rc "account s" "port $POPS_PORT" "tls pop3s" "user bob" "password hunter2" "deliver_to $ME"
	chown nobody "$RC"
	setpriv --reuid nobody --regid nogroup --clear-groups env HOME="$D/nhome" \
		"$BUILD/popfetch" -C "$C" -f "$RC" s 2> "$D/err"
	check "sendmail mode: exit 0" [ $? = 0 ]
	[ -s "$D/err" ] && sed 's/^/    /' "$D/err"
	check "sendmail mode: 2 entries in the maildrop, none in the queue" \
		[ "$(ls "$D/spool/maildrop" | wc -l)" = 2 -a "$(nmsgs)" = 0 ]
	check "sendmail mode: the mailbox is emptied" [ "$(pop3_count bob)" = 0 ]
	check "sendmail mode: the entries are nobody's" [ "$(stat -c %U "$D/spool/maildrop"/* | sort -u)" = nobody ]
	check "sendmail mode: with the Received: line" grep -q "account s, user bob" $(ls -d "$D/spool/maildrop"/* | head -n 1)
	: > "$D/mail/$ME"
	expect_rc "sendmail mode: runq -q picks them up" 0 "$BUILD/runq" -C "$C" -q
	check "sendmail mode: both in the mailbox" [ "$(grep -c '^Subject: test message' "$D/mail/$ME")" = 2 ]
	chgrp "$(id -gn)" "$D/spool/maildrop"
	chown root "$RC"
fi

# 12. hostile and broken servers: a clean error, nothing half queued
HP=${PH_POP_HOSTILE_PORT:-23010}
hostile() {	# hostile MODE WANT-RC WHAT
	drain
	rm -f "$HOME/.popfetch/h.state" "$D/ready"
	/usr/bin/python3 "$SRCDIR/t/integ/popscript.py" "$HP" "$1" "$D/ready" &
	local spid=$!
	for _ in $(seq 100); do [ -e "$D/ready" ] && break; sleep 0.05; done
	rc "account h" "port $HP" "tls none" "user u" "password p" "auth user" "timeout 2" \
		${EXTRA:+"$EXTRA"}
	expect_rc "$1: $3" "$2" pf h 2> "$D/err"
	kill $spid 2>/dev/null
	wait $spid 2>/dev/null
}
hostile longline 76 "an endless line is a protocol error"
check "longline: nothing queued" [ "$(nmsgs)" = 0 ]
hostile baduidl 76 "a bogus UID is a protocol error"
hostile dupuidl 76 "two messages with one UID is a protocol error"
hostile statlie 76 "STAT and LIST disagree: protocol error"
hostile hugelist 76 "LIST out of order: protocol error"
hostile garbage 76 "a reply that is neither +OK nor -ERR: protocol error"
check "garbage: nothing queued" [ "$(nmsgs)" = 0 ]
hostile stall 75 "a server that stalls mid-message: timeout, EX_TEMPFAIL"
check "stall: nothing queued" [ "$(nmsgs)" = 0 ]
check "stall: no QUIT, so nothing deleted" sh -c "! grep -q QUIT '$D/ready.log'"
hostile trickle 75 "a server that sends a byte now and then: cut off, EX_TEMPFAIL"
check "trickle: says why" grep -q "session deadline passed" "$D/err"
check "trickle: nothing queued" [ "$(nmsgs)" = 0 ]
EXTRA="size_limit 30" hostile sizelie 0 "sizes that lie: size_limit holds for what arrives"
check "sizelie: nothing queued" [ "$(nmsgs)" = 0 ]
check "sizelie: reported" grep -q "message 1 is larger than size_limit (30 bytes; listed as 10): left on the server" "$D/err"
check "sizelie: not deleted" sh -c "! grep -q DELE '$D/ready.log'"
hostile noterm 75 "a message cut off: EX_TEMPFAIL"
check "noterm: the whole first message queued, the cut one not" [ "$(find "$D/spool/queue" -name '*.env' | wc -l)" = 1 ]
check "noterm: the queued one is whole" grep -q '^.dot$' $(entries)
check "noterm: no DELE, no QUIT: the mailbox stays whole" sh -c "! grep -qE 'DELE|QUIT' '$D/ready.log'"
check "noterm: the first message is remembered" grep -q "^U uid-1" "$HOME/.popfetch/h.state"
# a Return-Path: that is not the first field is the author's: not the sender
drain
f=$PD/home/alice/Maildir/new/rp.M1.test
printf 'Subject: rp\r\nReturn-Path: <forged@example.test>\r\nMessage-ID: <rp@example.test>\r\n\r\nbody\r\n' > "$f"
chown "$POP_UID:$POP_GID" "$f"
rc "account a1" "port $POP_PORT" "tls stls" "user alice" "password secret" "auth user"
expect_rc "Return-Path further down: exit 0" 0 pf a1
check "Return-Path further down: the null sender, not its address" \
	grep -qx "S" $(find "$D/spool/queue" -name '*.env' | head -n 1)

# root fetching into a spool of user posthorn (an installed system): the
# passwordeval runs as root, everything else as the spool owner, so a
# spool owner who turns queue/H into links gets nothing written as root
if [ "$(id -u)" = 0 ] && id posthorn > /dev/null 2>&1; then
	drain
	touch "$D/log"
	chown -R posthorn: "$D/spool" "$D/log"
	printf 'secret\n' > "$D/rootpw" && chmod 600 "$D/rootpw"
	pop3_put alice 2
	rc "account r1" "port $POP_PORT" "tls stls" "user alice" "passwordeval cat $D/rootpw"
	expect_rc "root, spool of posthorn: exit 0" 0 pf r1
	check "root, spool of posthorn: 2 messages queued" [ "$(nmsgs)" = 2 ]
	check "root, spool of posthorn: queue files are the spool owner's" \
		[ "$(find "$D/spool/queue" -name '*.msg' -o -name '*.env' | xargs stat -c %U | sort -u)" = posthorn ]
	check "root, spool of posthorn: state in SPOOL/popfetch, the spool owner's, 0700" \
		[ "$(stat -c '%U %a' "$D/spool/popfetch" "$D/spool/popfetch/r1.state" 2>&1 | tr '\n' ' ')" = "posthorn 700 posthorn 600 " ]
	check "root: a passwordeval that only root may run worked (read $D/rootpw)" [ "$(pop3_count alice)" = 0 ]
	mkdir -m 700 "$D/rootonly"
	for h in 0 1 2 3 4 5 6 7 8 9 A B C D E F; do
		mv "$D/spool/queue/$h" "$D/spool/queue/$h.real"
		ln -s "$D/rootonly" "$D/spool/queue/$h"
	done
	chown -h posthorn: "$D/spool/queue/"[0-9A-F]
	pop3_put alice 1
	pf r1 2> "$D/err"; rc=$?
	check "root, queue/H made links by the spool owner: refused (exit $rc)" [ "$rc" != 0 ]
	check "root, queue/H links: nothing written through them" [ -z "$(ls -A "$D/rootonly")" ]
	check "root, queue/H links: the message stays on the server" [ "$(pop3_count alice)" = 1 ]
	for h in 0 1 2 3 4 5 6 7 8 9 A B C D E F; do
		rm "$D/spool/queue/$h" && mv "$D/spool/queue/$h.real" "$D/spool/queue/$h"
	done
fi
finish
