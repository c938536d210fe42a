#!/bin/bash
# select.sh - which queued messages one run delivers: runq -I (a queue ID,
# or part of one), -R (part of a pending recipient), -S (part of the
# sender), and the same through sendmail -qI, -qR, -qS, with the value
# attached or as the next word. Messages are queued with -odq; each run
# must deliver exactly the ones selected.
. "$SRCDIR/t/integ/lib.sh"
new_instance
MB=$D/mail/$ME
cat > "$D/aliases" <<EOF
postmaster: $ME
EOF
"$BUILD/newaliases" -C "$C" > /dev/null

# queue_three: three messages, a (alice, to ME), b (bob, to postmaster),
# c (carol, to ME); their IDs in ID_a, ID_b, ID_c
queue_three() {
	: > "$MB"
	rm -f "$D/spool/queue"/*/*.env "$D/spool/queue"/*/*.msg
	for m in a:alice:"$ME" b:bob:postmaster c:carol:"$ME"; do
		IFS=: read -r tag who to <<< "$m"
		printf 'Subject: sel-%s\n\nx\n' "$tag" | sm -odq -f "$who@example.net" "$to"
	done
	# pick them up without delivering anything (no sender matches)
	runq -q -S nobody-matches-this
	for tag in a b c; do
		f=$(grep -l "^Subject: sel-$tag" "$D/spool/queue"/*/*.msg)
		eval "ID_$tag=\$(basename \"\$f\" .msg)"
	done
}
# delivered: the tags delivered, sorted, one string ("a c")
delivered() { sed -n 's/^Subject: sel-//p' "$MB" | sort | tr '\n' ' ' | sed 's/ $//'; }

queue_three
check "setup: three messages queued, none delivered" test "$(queued)" = 3 -a -z "$(delivered)"
check "setup: three queue IDs" test -n "$ID_a" -a -n "$ID_b" -a -n "$ID_c"

runq -I "$ID_b"
check "runq -I ID delivers that message only" [ "$(delivered)" = b ]
runq -R postmaster
check "runq -R with no pending match delivers nothing" [ "$(delivered)" = b ]
runq -R "$ME@host"
check "runq -R delivers those with a matching recipient" [ "$(delivered)" = "a b c" ]

queue_three
runq -S carol
check "runq -S delivers that sender's message only" [ "$(delivered)" = c ]
runq -S CAROL@
check "runq -S is case-insensitive and finds nothing more" [ "$(delivered)" = c ]
runq -I "${ID_a:10}"
check "runq -I with part of an ID delivers the one it names" [ "$(delivered)" = "a c" ]
runq -I 0000000000000000000FF
check "runq -I with an unknown ID delivers nothing" [ "$(delivered)" = "a c" ]

queue_three
sm -qI"$ID_c"
check "sendmail -qIID delivers that message only" [ "$(delivered)" = c ]
sm -qR postmaster
check "sendmail -qR postmaster delivers that message only" [ "$(delivered)" = "b c" ]
sm -qS nomatch
check "sendmail -qS with no match delivers nothing" [ "$(delivered)" = "b c" ]
sm -qS alice
check "sendmail -qS alice delivers alice's message" [ "$(delivered)" = "a b c" ]

queue_three
sm -qI "$ID_a"
check "sendmail -qI ID (two words) delivers that message only" [ "$(delivered)" = a ]
sm -qSbob
check "sendmail -qSbob delivers bob's message only" [ "$(delivered)" = "a b" ]
sm -qR "$ME@"
check "sendmail -qR user@ delivers the rest" [ "$(delivered)" = "a b c" ]
check "the queue is empty" [ "$(queued)" = 0 ]
sm -qR > /dev/null 2>&1
check "sendmail -qR without a value: usage (64)" [ $? = 64 ]
finish
