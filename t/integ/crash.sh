#!/bin/bash
# crash.sh - SIGKILL at every step of submission and delivery.
#
# strace -e inject=S:signal=KILL:when=J kills the program as it enters
# its Jth call of system call S (the call itself is not carried out).
# strace counts per process and per system call, so to kill a program
# before the Nth call of a set of system calls, the test takes the Nth
# call (S, and J: which call of S it is) from an uninjected trace of the
# same run (see positions); a loop over N is then a kill -9 at each point
# of the commit and delivery paths.
#
# 1. sendmail -odq, killed before each of its calls in SET_SM (every N
#    from 1 to the number of such calls in an uninjected run, plus one
#    run not killed). Then runq -q; checks:
#    every acknowledged submission (exit 0) is delivered exactly once and
#    complete; a submission killed before its rename arrives not at all,
#    one killed after it exactly once; nothing in the mailbox is a half
#    message; queue, corrupt/ and mailq are empty afterwards; the hidden
#    temporaries the kills left are removed by runq once they are older
#    than its grace period.
# 2. runq, parent killed: five messages wait (two already in the queue,
#    deferred after a failed mailbox write, three in the maildrop, one of
#    those about 300 KB so that it is written to the mailbox in several
#    pieces). For every N from 1 to the number of calls from SET_RQ the
#    parent makes in an uninjected run, a copy of that spool is run with
#    the parent killed at N, then a clean runq -q. Checks after each N:
#    every message is in the mailbox complete at least once; the extra
#    copies (complete or partial) are at most the kills that hit (one
#    kill hits one message); queue, maildrop, corrupt/ and mailq are
#    empty; debris is removed after the grace period. On every 4th N a
#    second kill at the same N hits the recovery run before the clean one
#    (at most two extra copies then).
#    Only the parent is traced (no -f), so only the parent is killed.
# 3. runq, delivery children killed: with -f and -P, counting (and so the
#    kill) is limited to the calls that touch the mailbox or its dot-lock,
#    which only the delivery children make; each child counts its own, so
#    one (S, J) kills every child that gets to its Jth call of S. Every
#    (S, J) that a child makes in an uninjected run is tried. Same checks,
#    a kill being one child killed (at most one per message and run).
# The loops of parts 2 and 3 run in two worker processes, each with its
# own instance, to stay well under a minute on two cores.
. "$SRCDIR/t/integ/lib.sh"
# LeakSanitizer cannot run under ptrace: in a sanitizer build, leave leak
# checks to the other tests.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

command -v strace > /dev/null 2>&1 || skip "$T: strace is not installed"
strace -f -o /dev/null -e trace=getpid -e inject=getpid:signal=KILL:when=1000 /bin/true \
    > /dev/null 2>&1 || skip "$T: strace cannot trace or inject signals here (ptrace not permitted?)"

new_instance
MB=$D/mail/$ME
SET_SM=openat,fchmod,write,pwrite64,fsync,syncfs,rename,close,unlink
SET_RQ=write,fsync,rename,unlink,openat,flock,fcntl
SET_CHILD=openat,write,fsync,unlink,link,close,fcntl,ftruncate

# mkmsg ID LINES: a test message: Subject names it, X-Test-Lines gives the
# body's length, the last body line is a trailer.
mkmsg() {
	printf 'Subject: crash-%s\nX-Test-Lines: %s\n\n' "$1" "$2"
	seq 1 "$2" | sed "s/^/$1 line /"
	echo "END-OF-MESSAGE $1"
}

# positions TRACE: for each traced call in an strace -o file, in order,
# "S J": the system call and which call of S (of that process) it is.
positions() {
	awk '{ pid = "" }
	match($0, /^[0-9]+ +/) { pid = substr($0, 1, RLENGTH); $0 = substr($0, RLENGTH + 1) }
	match($0, /^[a-z0-9_]+\(/) { s = substr($0, 1, RLENGTH - 1); print s, ++n[pid s] }' "$1"
}

# killrun N POSFILE TRACE ARGS...: run "strace ARGS..." killed before the
# Nth call listed in POSFILE ("S J" lines); returns the exit status (137
# when killed). Bash's "Killed" notice goes to /dev/null.
killrun() {
	local n=$1 pos=$2 tr=$3 s j
	shift 3
	read -r s j <<< "$(sed -n "${n}p" "$pos")"
	( strace -o "$tr" -e trace="$s" -e inject="$s:signal=KILL:when=$j" "$@" 2> /dev/null; exit $? ) 2> /dev/null
}

# analyze MBOX: one line per message in the mbox, "ID complete" or
# "ID partial" ("?" when it cannot be told whose it is). Complete: every
# body line in order, the trailer, and the empty line that ends an mbox
# message. Text before the first From_ line counts as a partial message.
# "! glued": a From_ line that does not start a line (it was appended to
# an unfinished line, so its message is hidden inside the one before).
analyze() {
	awk '
	function flush() {
		if (have)
			print (id == "" ? "?" : id), \
			    (id != "" && want != "" && n == want + 0 && trailer && !junk && blank ? \
			    "complete" : "partial")
		have = 0
	}
	NR == 1 && !/^From / { have = 1; id = ""; want = "" }
	/^From / { flush(); have = 1; id = ""; want = ""; n = 0; trailer = 0; junk = 0; hdr = 1; next }
	{ blank = ($0 == "") }
	/.From [^ ]+  (Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z][a-z] [ 0-9][0-9] / { print "! glued" }
	hdr && /^Subject: crash-/ { id = substr($0, 16) }
	hdr && /^X-Test-Lines: / { want = substr($0, 15) }
	hdr { if ($0 == "") hdr = 0; next }
	trailer && $0 != "" { junk = 1 }
	id != "" && $0 == id " line " (n + 1) { n++; next }
	id != "" && $0 == "END-OF-MESSAGE " id { trailer = 1 }
	END { flush() }
	' "$1"
}

# judge KILLS HITS ID...: read analyze output, print one line per problem:
# a message lost (no complete copy), a message with more extra copies
# (complete beyond the first, or partial) than HITS (the most kills that
# can have hit one message), more extra copies in all than KILLS, a
# message nobody sent. Last line: "extras E P" (E extra copies in all, P
# of them partial).
judge() {
	awk -v kills="$1" -v hits="$2" -v ids="${*:3}" '
	$1 == "!" { print "mailbox: a From_ line was appended to an unfinished last line (left by a killed delivery): that message is hidden in the fragment before it"; next }
	{ if ($2 == "complete") c[$1]++; else p[$1]++; seen[$1] = 1 }
	END {
		n = split(ids, want, " ")
		for (i = 1; i <= n; i++) {
			id = want[i]; known[id] = 1
			if (c[id] < 1) print "message " id " lost (" p[id] + 0 " partial copies)"
			x = (c[id] > 0 ? c[id] - 1 : 0) + p[id]
			if (x > hits) print "message " id ": " x " extra copies, but at most " hits " kills hit it"
			extras += x; partial += p[id]
		}
		if ("?" in seen) { extras += p["?"]; partial += p["?"]; known["?"] = 1 }
		for (id in seen)
			if (!(id in known)) {
				print "unexpected message " id
				extras += c[id] + p[id]; partial += p[id]
			}
		if (extras > kills) print extras " extra copies in all for " kills " kills"
		print "extras", extras + 0, partial + 0
	}'
}

# spool_state DIR CONF: problems left in a spool after a clean run
spool_state() {
	local s=$1/spool c=$2
	[ "$(find "$s/queue" -name '*.env' | wc -l)" = 0 ] || echo "queue entries left: $(find "$s/queue" -name '*.env' | tr '\n' ' ')"
	[ -z "$(ls "$s/maildrop")" ] || echo "maildrop entries left: $(ls "$s/maildrop" | tr '\n' ' ')"
	[ -z "$(ls -A "$s/corrupt")" ] || echo "corrupt/ not empty: $(ls -A "$s/corrupt" | tr '\n' ' ')"
	[ "$("$BUILD/mailq" -C "$c" 2>&1)" = "Mail queue is empty" ] || echo "mailq: $("$BUILD/mailq" -C "$c" 2>&1 | head -n 3 | tr '\n' ' ')"
}

# debris_gone DIR CONF: age every file left in the spool past runq's
# grace period (an hour); a runq must then remove them all. The
# maildrop stamp (mailq's, see runq(8)) is no debris.
debris_gone() {
	local s=$1/spool
	left() { find "$s" -type f ! -path "$s/queue/maildrop.stamp"; }
	[ -z "$(left)" ] && return 0
	left | xargs -r touch -d '-2 hours'
	"$BUILD/runq" -C "$2" -q
	[ -z "$(left)" ] || echo "debris not removed after the grace period: $(left | sed "s|^$s/||" | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------
# 1. sendmail killed at each call of its commit path
mkmsg warm 2 | sm -odq "$ME"		# creates the spool tree
runq -q
: > "$MB"
mkmsg ref 2 > "$D/msg"
strace -f -o "$D/ref.tr" -e trace=$SET_SM "$BUILD/sendmail" -C "$C" -odq "$ME" < "$D/msg"
check "sendmail reference run exits 0" [ $? = 0 ]
find "$D/spool/maildrop" -mindepth 1 -delete
positions "$D/ref.tr" > "$D/ref.pos"
K=$(wc -l < "$D/ref.pos")
# R: the rename that publishes the entry; killed at N <= R the entry was
# never renamed into place, killed at N > R it was.
R=$(grep -E '^[0-9]+ +[a-z0-9_]+\(' "$D/ref.tr" | grep -n "^[0-9]* *rename(\"$D/spool/maildrop/\." | cut -d: -f1)
check "sendmail reference trace has the rename ($K calls, rename is call $R)" [ -n "$R" ]
acked= killed_before= killed_after= others=
for N in $(seq 1 $((K + 1))); do
	mkmsg "s$N" 3 > "$D/msg"
	if [ "$N" -le "$K" ]; then
		killrun "$N" "$D/ref.pos" /dev/null -f "$BUILD/sendmail" -C "$C" -odq "$ME" < "$D/msg"
	else
		"$BUILD/sendmail" -C "$C" -odq "$ME" < "$D/msg"
	fi
	rc=$?
	if [ $rc = 0 ]; then
		acked="$acked s$N"
	elif [ $rc = 137 ]; then
		if [ "$N" -le "$R" ]; then killed_before="$killed_before s$N"; else killed_after="$killed_after s$N"; fi
	else
		others="$others s$N:$rc"
	fi
done
check "sendmail: every run is either killed or exits 0 (others:${others:- none})" [ -z "$others" ]
check "sendmail: killed at each of its $K calls" [ "$(echo $killed_before $killed_after | wc -w)" = "$K" ]
check "sendmail: no run killed before its rename is acknowledged" \
    [ -z "$(for id in $acked; do [ "${id#s}" -gt "$R" ] || echo "$id"; done)" ]
runq -q
analyze "$MB" > "$D/an"
count() { grep -c "^$1 complete\$" "$D/an"; }
check "sendmail: acknowledged submissions delivered exactly once ($(echo $acked | wc -w))" \
    [ -z "$(for id in $acked; do [ "$(count "$id")" = 1 ] || echo "$id"; done)" ]
check "sendmail: killed after the rename: delivered exactly once ($(echo $killed_after | wc -w))" \
    [ -z "$(for id in $killed_after; do [ "$(count "$id")" = 1 ] || echo "$id"; done)" ]
check "sendmail: killed before the rename: not delivered ($(echo $killed_before | wc -w))" \
    [ -z "$(for id in $killed_before; do grep -q "^$id " "$D/an" && echo "$id"; done)" ]
check "sendmail: no partial message in the mailbox" bash -c "! grep -q ' partial\$' '$D/an'"
check "sendmail: every message in the mailbox is one of ours" \
    [ "$(wc -l < "$D/an")" = "$(($(echo $acked $killed_after | wc -w)))" ]
spool_state "$D" "$C" > "$D/state"
check "sendmail: queue, maildrop, corrupt/ and mailq empty after runq" [ ! -s "$D/state" ]
[ -s "$D/state" ] && cat "$D/state"
debris=$(find "$D/spool" -type f ! -name maildrop.stamp | wc -l)
debris_gone "$D" "$C" > "$D/state"
check "sendmail: the $debris hidden temporaries left by kills removed after the grace period" [ ! -s "$D/state" ]
[ -s "$D/state" ] && cat "$D/state"

# ---------------------------------------------------------------------------
# 2 and 3: runq killed. The starting spool is built once in the instance
# $D/tpl and copied into the worker's instance for each iteration.
IDS="r1 r2 r3 r4 r5"
mkworker() {	# mkworker DIR: an instance in DIR (config DIR/posthorn.conf)
	mail_dir "$1/mail"
	sed -e "s|= $D/spool\$|= $1/spool|" -e "s|= $D/log\$|= $1/log|" \
	    -e "s|= $D/mail\$|= $1/mail|" "$C" > "$1/posthorn.conf"
}
TPL=$D/tpl
mkworker "$TPL"
TC=$TPL/posthorn.conf
mkmsg r1 3 | "$BUILD/sendmail" -C "$TC" -odq "$ME"
mkmsg r2 5 | "$BUILD/sendmail" -C "$TC" -odq "$ME"
# r1 and r2 are picked up and deferred: the mailbox write fails
strace -f -o /dev/null -P "$TPL/mail/$ME" -e trace=write -e inject=write:error=ENOSPC \
    "$BUILD/runq" -C "$TC" -q
mkmsg r3 3 | "$BUILD/sendmail" -C "$TC" -odq "$ME"
mkmsg r4 20000 | "$BUILD/sendmail" -C "$TC" -odq "$ME"
mkmsg r5 1 | "$BUILD/sendmail" -C "$TC" -odq "$ME"
check "runq: starting spool has 2 deferred entries and 3 in the maildrop" \
    [ "$(find "$TPL/spool/queue" -name '*.env' | wc -l)/$(ls "$TPL/spool/maildrop" | wc -l)" = 2/3 ]
rm -f "$TPL/mail/$ME" "$TPL/log"

# reset W: W's spool and mailbox as in the template
reset() {
	rm -rf "$1/spool" "$1/log"
	find "$1/mail" -mindepth 1 -delete
	cp -a "$TPL/spool" "$1/spool"
}

# reference runs: the calls of the parent, and of the delivery children
W=$D/ref
mkworker "$W"
reset "$W"
strace -o "$D/rq.tr" -e trace=$SET_RQ "$BUILD/runq" -C "$W/posthorn.conf" -q
positions "$D/rq.tr" > "$D/rq.pos"
P=$(wc -l < "$D/rq.pos")
analyze "$W/mail/$ME" | judge 0 0 $IDS > "$D/j"
check "runq reference run delivers all five once ($P parent calls)" \
    [ "$(cat "$D/j")" = "extras 0 0" ]
reset "$W"
strace -f -o "$D/rqc.tr" -P "$W/mail/$ME" -P "$W/mail/$ME.lock" -e trace=$SET_CHILD \
    "$BUILD/runq" -C "$W/posthorn.conf" -q
positions "$D/rqc.tr" | awk '!seen[$0]++' > "$D/child.pos"
M=$(wc -l < "$D/child.pos")
check "runq reference run: delivery children touch the mailbox ($M distinct calls)" [ "$M" -gt 3 ]

# iterate W KIND N: one iteration; prints problems as "KIND N: ..." lines
# and a line "stat KIND N kills extras partial"
iterate() {
	local w=$1 kind=$2 n=$3 wc=$1/posthorn.conf kills=0 hits rc
	reset "$w"
	if [ "$kind" = child ]; then
		killrun "$n" "$D/child.pos" "$w/tr" -f -P "$w/mail/$ME" -P "$w/mail/$ME.lock" \
		    "$BUILD/runq" -C "$wc" -q
		rc=$?
		kills=$(grep -c 'killed by SIGKILL' "$w/tr")
	else
		killrun "$n" "$D/rq.pos" "$w/tr" "$BUILD/runq" -C "$wc" -q
		rc=$?
		[ $rc = 137 ] && kills=1
		if [ "$kind" = parent2 ] && [ $rc = 137 ]; then
			killrun "$n" "$D/rq.pos" "$w/tr" "$BUILD/runq" -C "$wc" -q
			rc=$?
			[ $rc = 137 ] && kills=2
		fi
	fi
	[ $rc = 137 ] || [ $rc = 0 ] || echo "$kind $n: runq exit $rc"
	# a parent kill hits one message; a message has one delivery child a run
	hits=$kills
	[ "$kind" = child ] && [ "$kills" -gt 1 ] && hits=1
	# A killed runq takes its workers along, but a delivery child that
	# was writing finishes its one delivery (holding that entry's lock):
	# the next run, like the next cron run, comes after it.
	for _ in $(seq 1 200); do pgrep -f -- "-C $wc -q" > /dev/null || break; sleep 0.05; done
	"$BUILD/runq" -C "$wc" -q 2> "$w/err" || echo "$kind $n: clean runq failed: $(head -c 200 "$w/err")"
	[ -s "$w/err" ] && echo "$kind $n: clean runq said: $(head -c 200 "$w/err")"
	# A parent kill stops its queue workers too (up to four, each with at
	# most one delivery under way): each message may get one extra copy.
	allowed=$kills
	[ "$kind" != child ] && allowed=$((kills * 4))
	analyze "$w/mail/$ME" | judge "$allowed" "$hits" $IDS > "$w/j"
	grep -v '^extras ' "$w/j" | sed "s/^/$kind $n: /"
	spool_state "$w" "$wc" | sed "s/^/$kind $n: /"
	debris_gone "$w" "$wc" 2>&1 | sed "s/^/$kind $n: /"
	echo "stat $kind $n $kills $(grep '^extras ' "$w/j" | cut -d' ' -f2-)"
}

# worker I: the Ith share of the iterations (round robin over two)
worker() {
	local i=$1 w=$D/w$1 n k=0
	mkworker "$w"
	for n in $(seq 1 "$P"); do
		k=$((k + 1)); [ $((k % 2)) = "$i" ] || continue
		iterate "$w" parent "$n"
		[ $((n % 4)) = 0 ] && iterate "$w" parent2 "$n"
	done
	for n in $(seq 1 "$M"); do
		k=$((k + 1)); [ $((k % 2)) = "$i" ] || continue
		iterate "$w" child "$n"
	done
}
worker 0 > "$D/out0" 2>&1 &
w0=$!
worker 1 > "$D/out1" 2>&1
wait $w0
cat "$D/out0" "$D/out1" > "$D/out"

summary() {	# summary KIND WHAT
	local runs kills extras partial probs
	runs=$(grep -c "^stat $1 " "$D/out")
	kills=$(awk -v k="$1" '$1 == "stat" && $2 == k { s += $4 } END { print s + 0 }' "$D/out")
	extras=$(awk -v k="$1" '$1 == "stat" && $2 == k { s += $5 } END { print s + 0 }' "$D/out")
	partial=$(awk -v k="$1" '$1 == "stat" && $2 == k { s += $6 } END { print s + 0 }' "$D/out")
	probs=$(grep -c "^$1 [0-9]*: " "$D/out")
	if [ "$runs" -gt 0 ] && [ "$probs" = 0 ]; then
		pass "runq, $2: $runs runs, $kills kills, $extras extra copies ($partial partial): all messages delivered complete, at most one extra copy per kill, spool clean"
	else
		fail "runq, $2: $runs runs, $probs problems:"
		grep "^$1 [0-9]*: " "$D/out" | head -n 20
	fi
}
summary parent "parent killed at each of calls 1..$P"
summary parent2 "parent killed twice at every 4th of calls 1..$P"
summary child "every delivery child killed at each of its $M kinds of mailbox call"
# (a run may make a few calls fewer than the reference run: the maildrop
# stamp is written only once the file clock has moved past the pickup,
# so a kill meant for one of the last calls can find runq done)
check "runq: the parent kills really happened" \
    [ "$(awk '$1 == "stat" && $2 == "parent" { s += $4 } END { print s + 0 }' "$D/out")" -ge "$((P - 3))" ]
check "runq: the delivery children were really killed" \
    [ "$(awk '$1 == "stat" && $2 == "child" { s += $4 } END { print s + 0 }' "$D/out")" -ge "$M" ]
other=$(grep -vE '^(stat|parent|parent2|child) ' "$D/out" | head -n 5)
check "runq: workers printed nothing unexpected${other:+: $other}" [ -z "$other" ]
finish
