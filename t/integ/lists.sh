#!/bin/bash
# lists.sh - alias lists, :include: lists and .forward files with several
# targets: each member keeps its own delivery state, so a retry never
# repeats a member that has its copy; the bounce names only the member
# that failed; mailq shows what still waits; a kill in the middle costs at
# most one extra copy per member; sendmail -bv through owner- lists.
. "$SRCDIR/t/integ/lib.sh"
new_instance
mkdir -p "$D/out" && chmod 1777 "$D/out"	# alias targets run as default_privs
# copies FILE SUBJECT: how many copies of the message a file target holds
copies() { grep -c "^Subject: $2\$" "$1" 2>/dev/null || true; }
printf '%s/out/inc-a\n|"test -e %s/ok || exit 75; cat >> %s/out/inc-b"\n' "$D" "$D" "$D" > "$D/members"
cat > "$D/aliases" <<EOF
list1: $D/out/a1, |"exit 75"
list2: $D/out/a2, |"test -e $D/ok || exit 75; cat >> $D/out/b2", nosuchuser
owner-list2: $ME
list3: :include:$D/members
list4: $D/out/a4, |"sleep 3; exit 75"
list5: $D/out/a5, $D/out/b5
owner-list5: $ME
EOF
"$BUILD/newaliases" -C "$C" > /dev/null

# 1. A member that keeps deferring: the others get one copy, however
#    many runs.
printf 'Subject: one\n\nx\n' | sm list1
for _ in 1 2 3 4; do runq -q; done
check "list with a deferring member: the other member has exactly one copy after 5 runs" [ "$(copies "$D/out/a1" one)" = 1 ]
check "mailq shows the list as waiting, and why" bash -c "'$BUILD/mailq' -C '$C' | grep -q 'status 75'"
check "... saying the rest of the expansion was delivered" bash -c "'$BUILD/mailq' -C '$C' | grep -q 'only the rest is retried'"

# 2. Defer, bounce, success in one list: each member once; the bounce
#    names the failed member only, and comes when nothing waits any more.
printf 'Subject: two\n\nx\n' | sm -f "$ME" list2
runq -q; runq -q
check "mixed list: the good member delivered once" [ "$(copies "$D/out/a2" two)" = 1 ]
check "mixed list: no bounce while a member still waits" bash -c "! grep -qs 'Undelivered Mail' '$D/mail/$ME'"
touch "$D/ok"
runq -q; runq -q
check "mixed list: the deferred member delivered once it could" [ "$(copies "$D/out/b2" two)" = 1 ]
check "mixed list: the good member still has one copy" [ "$(copies "$D/out/a2" two)" = 1 ]
check "mixed list: one bounce to the sender" [ "$(grep -c '^Subject: Undelivered Mail' "$D/mail/$ME")" = 1 ]
check "... naming the unknown member" grep -q 'nosuchuser' "$D/mail/$ME"
check "... and not the members that got their copy" bash -c "! grep -q 'out/a2\|out/b2' '$D/mail/$ME'"
rm -f "$D/ok"

# 3. The same through an :include: file.
printf 'Subject: three\n\nx\n' | sm list3
runq -q; runq -q; runq -q
check ":include: list: the good member has one copy after 3 runs" [ "$(copies "$D/out/inc-a" three)" = 1 ]
touch "$D/ok"; runq -q
check ":include: list: the waiting member delivered once" [ "$(copies "$D/out/inc-b" three)" = 1 ]
check ":include: list: still one copy for the first" [ "$(copies "$D/out/inc-a" three)" = 1 ]
check ":include: list: done, nothing of it left in the queue" bash -c "! grep -qs 'list3@' $D/spool/queue/*/*.env"

# 4. Killed in the middle: at most one extra copy per member per kill.
printf 'Subject: four\n\nx\n' | sm -odq list4
for k in 1 2; do
	setsid "$BUILD/runq" -C "$C" -q & rp=$!
	sleep 1
	kill -KILL -- -$rp 2>/dev/null; wait $rp 2>/dev/null
	sleep 3	# the command of the killed run ends by itself
done
runq -q; runq -q
n=$(copies "$D/out/a4" four)
check "two kills in the middle: the good member has 1 to 3 copies ($n)" test "$n" -ge 1 -a "$n" -le 3
runq -q; runq -q
check "... and no more copies after further runs" [ "$(copies "$D/out/a4" four)" = "$n" ]

# 5. sendmail -bv through a list with an owner- alias (once crashed).
out=$(sm -bv list5 2>&1); rc=$?
check "sendmail -bv through an owner- list: exit 0" [ $rc = 0 ]
check "... names both members" bash -c "echo '$out' | grep -q 'out/a5' && echo '$out' | grep -q 'out/b5'"
out=$(sm -bv list5 list2 2>&1); rc=$?
check "sendmail -bv of two owner- lists (exit $rc)" test $rc = 67 -o $rc = 0
finish
