#!/bin/bash
# queueops.sh - posthorn delete, hold, release, requeue (postsuper's
# operations), the sendmail -q variants that retry chosen messages at
# once, and what mailq tells a user who cannot see the maildrop.
#
# Local mail is kept waiting with a dot-lock on the mailbox (deferred);
# remote mail waits for the closed smarthost of lib.sh. As root, the
# refusal for an ordinary user and mailq's note run as "nobody".
. "$(dirname "$0")/lib.sh"
new_instance "myorigin = host.example.org"
PH=$BUILD/posthorn
ph() { "$PH" -C "$C" "$@"; }
BOX=$D/mail/$ME
lockpid=
trap 'kill $lockpid 2>/dev/null; cleanup' EXIT

# local recipients, all delivered into $ME's mailbox
for a in a1 a2 a3 b1 b2 b3; do echo "$a: $ME"; done > "$D/aliases"
"$BUILD/newaliases" -C "$C" > /dev/null
# smi: submit and wait for the attempt (no runq left running behind)
smi() { sm -odi "$@"; }
# last_id: the queue ID of the last submission
last_id() { grep 'posthorn/sendmail\[' "$D/log" | tail -n 1 | sed 's/.*: \([0-9A-F]\{21\}\): uid=.*/\1/'; }
where() {	# where ID: queue, hold, gone
	if [ -e "$D/spool/queue/$(echo "$1" | cut -c13)/$1.env" ]; then echo queue
	elif [ -e "$D/spool/hold/$1.env" ]; then echo hold
	else echo gone; fi
}
attempts() { sed -n 's/^A//p' "$D/spool/$( [ "$(where "$1")" = hold ] && echo hold || echo "queue/$(echo "$1" | cut -c13)")/$1.env"; }

touch "$BOX.lock"
printf 'Subject: l1\n\nx\n' | smi a1@host.example.org; l1=$(last_id)
printf 'Subject: l2\n\nx\n' | smi a2@host.example.org; l2=$(last_id)
printf 'Subject: l3\n\nx\n' | smi a3@host.example.org; l3=$(last_id)
printf 'Subject: r1\n\nx\n' | smi x@remote.example; r1=$(last_id)
printf 'Subject: r2\n\nx\n' | smi x@remote.example y@other.example; r2=$(last_id)
printf 'Subject: r3\n\nx\n' | smi z@other.example; r3=$(last_id)
check "six messages queued and deferred" [ "$(queued)" = 6 ]
rm -f "$BOX.lock"

# ---- hold: runq leaves it, mailq marks it
expect_rc "hold one: exit 0" 0 ph hold "$l1"
check "hold: the entry is in hold/" [ "$(where "$l1")" = hold ]
check "hold: logged as Postfix does" grep -q "posthorn/postsuper\[[0-9]*\]: $l1: placed on hold" "$D/log"
mq > "$D/mq.out" 2>&1
check "mailq marks a held entry with !" grep -q "^$l1! " "$D/mq.out"
mq -j > "$D/mq.out" 2>&1
check "mailq -j: queue_name hold" grep -q "\"queue_name\": \"hold\", \"queue_id\": \"$l1\"" "$D/mq.out"
runq -q 2> "$D/err"
check "runq -q delivers the others, not the held one" \
	bash -c "grep -q '^Subject: l2' '$BOX' && ! grep -q '^Subject: l1' '$BOX'"
runq -q -I "$l1" 2> "$D/err"
check "runq -I on a held entry: not delivered" bash -c "! grep -q '^Subject: l1' '$BOX'"
check "... and says it is on hold" grep -q "$l1: on hold, not delivered" "$D/err"
check "a held entry does not age: no attempt counted" [ "$(attempts "$l1")" = 1 ]
expect_rc "hold again: nothing to do, exit 0" 0 ph hold "$l1"

# ---- release
expect_rc "release: exit 0" 0 ph release "$l1"
check "release: back in the queue" [ "$(where "$l1")" = queue ]
check "release: logged" grep -q "postsuper\[[0-9]*\]: $l1: released from hold" "$D/log"
runq -q
check "a released entry is delivered" grep -q '^Subject: l1' "$BOX"

# ---- requeue: due at once, new lifetime; held ones released
n_before=$(grep -c "$r1: to=<x@remote.example>.*status=deferred" "$D/log")
runq
check "plain runq: a deferred entry is not due yet" \
	[ "$(grep -c "$r1: to=<x@remote.example>.*status=deferred" "$D/log")" = "$n_before" ]
expect_rc "requeue: exit 0" 0 ph requeue "$r1"
check "requeue: logged" grep -q "postsuper\[[0-9]*\]: $r1: requeued" "$D/log"
check "requeue: attempts start again" [ "$(attempts "$r1")" = 0 ]
runq
check "requeue: the next plain runq attempts it" \
	[ "$(grep -c "$r1: to=<x@remote.example>.*status=deferred" "$D/log")" -gt "$n_before" ]
ph hold "$r3" 2> /dev/null
expect_rc "requeue of a held entry: exit 0" 0 ph requeue "$r3"
check "... it is released" [ "$(where "$r3")" = queue ]

# ---- unknown and bad IDs
expect_rc "delete of an unknown ID: exit 66 (EX_NOINPUT)" 66 ph delete 0000000000000000000AB
ph delete 0000000000000000000AB 2> "$D/err"
check "... with a message naming it" grep -q "0000000000000000000AB: no such message in the queue" "$D/err"
expect_rc "hold of something that is no queue ID: exit 65" 65 ph hold ../../etc/passwd
expect_rc "no ID at all: exit 64" 64 ph hold
expect_rc "unknown command: exit 64" 64 ph frobnicate
expect_rc "ALL in lower case is no queue ID: exit 65" 65 ph delete all
check "... and nothing was deleted" [ "$(queued)" = 3 ]

# ---- an entry runq is delivering is never touched
e=$D/spool/queue/$(echo "$r1" | cut -c13)/$r1.env
"$PY" -c 'import fcntl, struct, sys, time
f = open(sys.argv[1], "r+b")
fcntl.fcntl(f, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
open(sys.argv[2], "w").close(); time.sleep(60)' "$e" "$D/locked" &
lockpid=$!
for _ in $(seq 100); do [ -e "$D/locked" ] && break; sleep 0.05; done
expect_rc "delete of a locked entry: exit 75" 75 ph delete "$r1"
expect_rc "hold of a locked entry: exit 75" 75 ph hold "$r1"
check "... the entry is still in the queue" [ -e "$e" ] && [ "$(where "$r1")" = queue ]
kill $lockpid; wait $lockpid 2>/dev/null; lockpid=

# ---- delete by recipient: only entries for nobody else
ph delete -r x@REMOTE.example 2> "$D/err"; rc=$?
check "delete -r: exit 0" [ $rc = 0 ]
check "delete -r: the entry only for that address is gone" [ "$(where "$r1")" = gone ]
check "delete -r: one with another recipient stays" [ "$(where "$r2")" = queue ]
check "... and stderr names it" grep -q "$r2: not removed: it has other pending recipients" "$D/err"
check "delete -r: counted" grep -q "Deleted: 1 message$" "$D/err"
expect_rc "delete -r @domain -r address" 0 ph delete -r @other.example -r x@remote.example
check "... both entries gone" [ "$(where "$r2")$(where "$r3")" = gonegone ]

# ---- delete: no bounce; IDs from standard input with mailq's marks
printf 'Subject: d1\n\nx\n' | smi q1@remote.example; d1=$(last_id)
printf 'Subject: d2\n\nx\n' | smi q2@remote.example; d2=$(last_id)
printf 'Subject: d3\n\nx\n' | smi q3@remote.example; d3=$(last_id)
ph hold "$d2" 2> /dev/null
expect_rc "delete one: exit 0" 0 ph delete "$d1"
check "delete one: gone, logged" \
	bash -c "[ ! -e '$D/spool/queue/$(echo "$d1" | cut -c13)/$d1.msg' ] && grep -q 'postsuper\[[0-9]*\]: $d1: removed' '$D/log'"
mq | awk '/^[0-9A-F]/ { print $1 }' > "$D/ids"
check "the listing has the held ID with its mark" grep -q "^$d2!\$" "$D/ids"
ph delete - < "$D/ids" 2> "$D/err"; rc=$?
check "delete - (IDs from stdin, with marks): exit 0" [ $rc = 0 ]
check "... held and queued entries gone" [ "$(where "$d2")$(where "$d3")" = gonegone ]
runq -q
check "delete sends no bounce" bash -c "! grep -qi 'undeliver' '$BOX'"

# ---- delete ALL: queue, hold and maildrop
printf 'Subject: a1\n\nx\n' | smi q4@remote.example; a1=$(last_id)
printf 'Subject: a2\n\nx\n' | smi q5@remote.example; a2=$(last_id)
ph hold "$a2" 2> /dev/null
printf 'Subject: a3\n\nx\n' | sm -odq "$ME"
check "one entry waits in the maildrop" [ "$(ls "$D/spool/maildrop" | wc -l)" = 1 ]
ph delete ALL 2> "$D/err"; rc=$?
check "delete ALL: exit 0" [ $rc = 0 ]
check "delete ALL: queue, hold and maildrop empty" \
	[ "$(queued)$(ls "$D/spool/hold" | wc -l)$(ls "$D/spool/maildrop" | wc -l)" = 000 ]
check "delete ALL: counted" grep -q "Deleted: 3 messages" "$D/err"

# ---- a crash between hold's two renames: runq finishes the move
printf 'Subject: c1\n\nx\n' | smi q6@remote.example; c1=$(last_id)
h=$(echo "$c1" | cut -c13)
mv "$D/spool/queue/$h/$c1.env" "$D/spool/hold/"
touch -d '3 hours ago' "$D/spool/queue/$h/$c1.msg"
runq -q
check "crash after the envelope moved: runq moves the message file to hold/" \
	[ -e "$D/spool/hold/$c1.msg" ] && [ ! -e "$D/spool/queue/$h/$c1.msg" ]
expect_rc "... and it can be released" 0 ph release "$c1"
check "... whole" [ -e "$D/spool/queue/$h/$c1.msg" ] && [ "$(where "$c1")" = queue ]

# ---- sendmail -q variants: several -qI at once, -qR, -qf
touch "$BOX.lock"
printf 'Subject: q1\n\nx\n' | smi b1@host.example.org; q1=$(last_id)
printf 'Subject: q2\n\nx\n' | smi b2@host.example.org; q2=$(last_id)
printf 'Subject: q3\n\nx\n' | smi b3@host.example.org; q3=$(last_id)
rm -f "$BOX.lock"
expect_rc "sendmail -qI id -qI id: exit 0" 0 sm -qI "$q1" -qI"$q2"
check "... both named messages delivered at once, the third not" \
	bash -c "grep -q '^Subject: q1' '$BOX' && grep -q '^Subject: q2' '$BOX' && ! grep -q '^Subject: q3' '$BOX'"
expect_rc "sendmail -qR b3@host: exit 0" 0 sm -qR b3@host
check "... the message for that recipient delivered" grep -q '^Subject: q3' "$BOX"
expect_rc "sendmail -qf (sendmail 8: in the foreground)" 0 sm -qf
expect_rc "sendmail -q with a recipient: exit 64" 64 sm -q someone

# ---- who may: root or the spool owner
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	printf 'Subject: p1\n\nx\n' | smi q7@remote.example; p1=$(last_id)
	chmod 755 "$D"; chmod 644 "$C"
	nob() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"; }
	nob "$PH" -C "$C" hold "$p1" 2> "$D/err"; rc=$?
	check "an ordinary user is refused: exit 77" [ $rc = 77 ]
	check "... with a message" grep -q "only root or the owner of" "$D/err"
	check "... and the entry is untouched" [ "$(where "$p1")" = queue ]
	# item: mailq tells a user that maildrop entries are not shown
	chmod 755 "$D/spool" "$D/spool/queue" "$D/spool/queue/"? "$D/spool/hold"
	chmod 644 "$D"/spool/queue/?/*.env
	printf 'Subject: m1\n\nx\n' | sm -odq m1rcpt@host.example.org
	nob "$BUILD/mailq" -C "$C" > "$D/mq.out" 2> "$D/err"; rc=$?
	check "mailq as a user who cannot see the maildrop: exit 0, queue listed" \
		[ $rc = 0 ] && grep -q q7@remote.example "$D/mq.out"
	check "... and it says that mail not yet picked up is waiting, not shown" \
		grep -q "not shown: mail submitted but not yet picked up by runq may be waiting in the maildrop" "$D/err"
	check "... but not the maildrop entry" bash -c "! grep -q m1rcpt '$D/mq.out'"
	mq > "$D/mq.out" 2> "$D/err"
	check "mailq as the owner: the maildrop entry listed, no such note" \
		bash -c "grep -q m1rcpt '$D/mq.out' && ! grep -q 'not shown' '$D/err'"
	# the pickup empties the maildrop; a later run finds it empty and
	# unchanged and stamps it (the pause lets the file clock, which
	# ticks every few milliseconds, move past the pickup's last change)
	runq; sleep 0.1; runq
	nob "$BUILD/mailq" -C "$C" > "$D/mq.out" 2> "$D/err"
	check "maildrop found empty by runq since: no note" [ ! -s "$D/err" ]
	printf 'Subject: m2\n\nx\n' | sm -odq "$ME"
	nob "$BUILD/mailq" -C "$C" > "$D/mq.out" 2> "$D/err"
	check "a new submission: the note again" grep -q "may be waiting in the maildrop" "$D/err"
else
	skip_check "an ordinary user is refused" "needs root and setpriv"
	skip_check "mailq's note to a user who cannot see the maildrop" "needs root and setpriv"
fi
finish
