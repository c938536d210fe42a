#!/bin/bash
# stall.sh - nothing one recipient does holds everyone's mail: a slow
# command holds one queue worker while the others deliver; a command that
# leaves a child holding its output is not waited for; an entry locked by
# another process is skipped and logged, and one locked far longer than a
# delivery may take is reported; a deferral's reason holds no command
# output.
. "$SRCDIR/t/integ/lib.sh"
new_instance "command_time_limit = 60s"
mkdir "$D/det" && chmod 1777 "$D/det"	# alias commands run as default_privs
cat > "$D/aliases" <<EOF
slow: "|sleep 20"
leaver: "|sleep 37 & echo started"
detacher: "|(sleep 1; touch $D/det/done) > /dev/null 2>&1 < /dev/null & echo started"
chatty: "|echo private-output-$$; exit 75"
EOF
"$BUILD/newaliases" -C "$C" > /dev/null

# A slow command and an ordinary message: the ordinary one is delivered
# while the slow one still runs.
printf 'Subject: slow\n\nx\n' | sm -odq slow
printf 'Subject: meanwhile\n\nx\n' | sm -odq "$ME"
runq -q & rp=$!
for _ in $(seq 1 100); do grep -qs '^Subject: meanwhile' "$D/mail/$ME" && break; sleep 0.1; done
check "a slow command holds one worker: other mail delivered meanwhile" grep -qs '^Subject: meanwhile' "$D/mail/$ME"
check "... while the slow delivery is still running" kill -0 $rp
wait $rp

# A command whose child keeps the output pipe open: runq does not wait
# for the child (37 s), and the delivery counts.
printf 'Subject: leaver\n\nx\n' | sm -odq leaver
start=$(date +%s)
runq -q
took=$(( $(date +%s) - start ))
check "a command leaving a child behind: runq is done in ${took}s, not 37" [ "$took" -lt 20 ]
check "... and the delivery counted" grep -q 'to=<leaver@host.example.org>.*status=sent' "$D/log"
check "... the child was killed with the command's process group" bash -c "! pgrep -xf 'sleep 37' > /dev/null"

# A child that let go of the output (a list manager forking into the
# background) has left the delivery: it is not killed.
printf 'Subject: detacher\n\nx\n' | sm -odq detacher
runq -q
for _ in $(seq 50); do [ -e "$D/det/done" ] && break; sleep 0.1; done
check "a child that closed the command's output runs on after it" [ -e "$D/det/done" ]

# A deferral's reason (shown by mailq to everyone) holds no output.
printf 'Subject: chatty\n\nx\n' | sm -odq chatty
runq -q
check "command exit 75: deferred with a reason" bash -c "'$BUILD/mailq' -C '$C' | grep -q 'status 75'"
check "... the reason holds no command output" bash -c "! '$BUILD/mailq' -C '$C' | grep -q private-output"

# An entry locked by another process is skipped and logged.
env=$(ls "$D"/spool/queue/*/*.env | head -n 1)
lockit() {	# lockit FILE SECONDS-AGO: hold the lock as runq would
	"$PY" -c 'import fcntl, os, struct, sys, time
f = open(sys.argv[1], "r+b")
fcntl.fcntl(f, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
t = time.time() - int(sys.argv[2]); os.utime(f.fileno(), (t, t))
open(sys.argv[3], "w").close(); time.sleep(30)' "$1" "$2" "$D/locked" & lp=$!
	for _ in $(seq 1 100); do [ -e "$D/locked" ] && break; sleep 0.05; done
	rm -f "$D/locked"
}
lockit "$env" 0
runq -q
check "a locked entry is skipped and logged" grep -q "skipped: being delivered by another process" "$D/log"
kill $lp; wait $lp 2>/dev/null
lockit "$env" 7200
runq -q 2> /dev/null
check "an entry locked for hours is reported" grep -q "locked by another process for .* seconds" "$D/log"
kill $lp; wait $lp 2>/dev/null
finish
