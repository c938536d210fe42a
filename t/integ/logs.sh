#!/bin/bash
# logs.sh - the mail log as the field's tools read it: a small workload
# on a private instance (local deliveries, a deferral through a command
# that exits 75, a bounce to an unknown user whose notice is delivered, a
# forward to a remote address), then pflogsumm --syslog-name=posthorn
# over maillog_file must report the totals the workload implies. Every
# line of the file must have syslog's shape, host name included.
# Skips (77) when pflogsumm is not installed; PFLOGSUMM names another.
. "$SRCDIR/t/integ/lib.sh"
PFLOGSUMM=${PFLOGSUMM:-$(command -v pflogsumm || echo /usr/sbin/pflogsumm)}
[ -x "$PFLOGSUMM" ] || skip "pflogsumm not installed ($PFLOGSUMM)"
new_instance "default_privs = $ME"
cat > "$D/aliases" <<EOF
postmaster: $ME
tempfail: |"exit 75"
fwd: someone@remote.example
EOF
"$BUILD/newaliases" -C "$C" > /dev/null
: > "$D/log"

# 5 messages received from 4 senders in 3 domains.
printf 'Subject: one\n\nx\n' | sm -odi -f alice@example.net "$ME"
printf 'Subject: two\n\nx\n' | sm -odi -f bob@example.net "$ME" postmaster
printf 'Subject: three\n\nx\n' | sm -odi -f alice@example.net tempfail
printf 'Subject: four\n\nx\n' | sm -odi nosuchuser4711
printf 'Subject: five\n\nx\n' | sm -odi -f carol@example.org fwd
# one more attempt for the two that wait: deferrals, not new messages
runq -q
check "workload: the deferred message and the forwarded copy wait" [ "$(queued)" = 2 ]

# Every line: "Mon dd hh:mm:ss host posthorn/service[pid]: text"
host=$(hostname | cut -d. -f1)
check "every maillog_file line has syslog's shape with the host name" \
	bash -c "! grep -vE '^[A-Z][a-z]{2} [ 123][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} $host posthorn/[a-z]+\[[0-9]+\]: ' '$D/log'"
for s in pickup qmgr local bounce; do
	check "lines logged as posthorn/$s" grep -q " posthorn/$s\[[0-9]*\]: " "$D/log"
done
check "no delivery step logged as posthorn/runq" bash -c "! grep -q ' posthorn/runq\[' '$D/log'"

"$PFLOGSUMM" --syslog-name=posthorn "$D/log" > "$D/summary" 2> "$D/summary.err"
check "pflogsumm ran" [ $? = 0 ]
# total WHAT: the number in front of a line of the Grand Totals
total() { awk -v w="$1" '
	/^Per-Hour|^Per-Day/ { exit }
	{ n = $1; $1 = ""; sub(/^ +/, ""); if ($0 == w) { print n; exit } }' "$D/summary"; }
want() {
	got=$(total "$1")
	if [ "$got" = "$2" ]; then pass "pflogsumm: $2 $1"
	else fail "pflogsumm: $1: got '${got}', want $2"; fi
}
# one, two, three, four, five
want received 5
# one; two for two recipients (the alias one is a duplicate suppressed);
# the notice for four
want delivered 4
want forwarded 1
# three and the forwarded copy of five; each was tried twice
want "deferred (4 deferrals)" 2
want bounced 1
want senders 4
want "sending hosts/domains" 3
# ME and postmaster
want recipients 2
want "recipient hosts/domains" 1
# the size on the first (queue active) line of each message picked up
bytes=$(awk '$5 ~ /^posthorn\/pickup\[/ { picked[$6] = 1 }
	$5 ~ /^posthorn\/qmgr\[/ && $7 ~ /^from=/ && $8 ~ /^size=/ && picked[$6] && !seen[$6]++ {
		split($8, a, /[=,]/); sum += a[2] }
	END { print sum + 0 }' "$D/log")
want "bytes received" "$bytes"
if [ "$FAILED" != 0 ]; then
	echo "--- pflogsumm"; sed -n '1,/^Per-Hour/p' "$D/summary"; cat "$D/summary.err"
fi
finish
