#!/bin/bash
# delivery.sh - runq's local delivery on a private instance: aliases
# (commands, files, :include:, \user, owner-), loops, unknown users,
# retries with back-off, expiry, delay warnings, bounces, -R/-S, parallel
# runners, corrupt maildrop entries.
. "$SRCDIR/t/integ/lib.sh"
new_instance "default_privs = $ME"
MB=$D/mail/$ME
mkdir -p "$D/out" && chmod 1777 "$D/out"
printf '# an include file\n%s\n' "$ME" > "$D/inc"
chmod 644 "$D/inc"
cat > "$D/aliases" <<EOF
postmaster: $ME
team: $ME, |"env > $D/out/env; cat > $D/out/cmd", $D/out/file
viainc: :include:$D/inc
self: \\$ME
loop1: loop2
loop2: loop1
tempfail: |"exit 75"
permfail: |"echo nope; exit 3"
remote: someone@remote.example
first: $ME
second: $ME
EOF
"$BUILD/newaliases" -C "$C" > /dev/null
check "newaliases compiled the aliases" [ -s "$D/aliases.cdb" ]

printf 'Subject: team\n\nhello team\n' | sm -odi -f sender@example.net team
check "alias with command, file and user: exit 0" [ $? = 0 ]
check "alias delivered to the mailbox" grep -q '^Subject: team' "$MB"
check "X-Original-To names the alias" grep -q '^X-Original-To: team@host.example.org' "$MB"
check "command got the message" grep -q '^hello team' "$D/out/cmd"
check "command saw SENDER" grep -qx 'SENDER=sender@example.net' "$D/out/env"
check "command saw RECIPIENT" grep -qx 'RECIPIENT=team@host.example.org' "$D/out/env"
check "command saw a fixed PATH" grep -qx 'PATH=/usr/bin:/bin' "$D/out/env"
check "file target appended in mbox format" grep -q '^From sender@example.net ' "$D/out/file"
: > "$MB"

printf 'Subject: twice\n\nx\n' | sm -odi first second
check "two aliases to one mailbox in one message: one copy" [ "$(grep -c '^Subject: twice' "$MB")" = 1 ]
printf 'Subject: inc\n\nx\n' | sm -odi viainc
check ":include: delivers" grep -q '^Subject: inc' "$MB"
printf 'Subject: self\n\nx\n' | sm -odi self
check "\\user goes to the mailbox" grep -q '^Subject: self' "$MB"
: > "$MB"

printf 'Subject: loop\n\nx\n' | sm -odi loop1 2> "$D/err"
check "alias loop bounces (EX_UNAVAILABLE)" [ $? = 69 ]
check "-odi: the loop's reason on stderr" \
    grep -qx 'loop1@host.example.org... failed: 5.4.6 alias expansion of loop1@host.example.org leads nowhere (loop?)' "$D/err"
check "alias loop: bounce to the sender" grep -q '^Subject: Undelivered Mail Returned to Sender' "$MB"
: > "$MB"

printf 'Subject: unknown\n\nx\n' | sm -odi nosuchuser4711 2> "$D/err"
check "unknown user: EX_NOUSER" [ $? = 67 ]
check "-odi: unknown user said on stderr, as sendmail 8 says it" \
    [ "$(cat "$D/err")" = "nosuchuser4711@host.example.org... User unknown" ]
check "bounce is a multipart/report DSN" grep -q 'Content-Type: multipart/report; report-type=delivery-status' "$MB"
check "bounce names the recipient" grep -q '^Final-Recipient: rfc822; nosuchuser4711@host.example.org' "$MB"
check "bounce has status 5.1.1" grep -q '^Status: 5.1.1' "$MB"
check "bounce comes from the null sender" grep -q '^Return-Path: <>' "$MB"
check "bounce log line" grep -q 'sender non-delivery notification' "$D/log"
if [ ! -x "$PY" ]; then
	skip_check "bounce parses as MIME with delivery-status and the message" "no $PY"
elif "$PY" - "$MB" <<'PY'
import mailbox, sys
msgs = list(mailbox.mbox(sys.argv[1]))
b = [m for m in msgs if m.get_content_type() == 'multipart/report']
assert b, "no report"
parts = [p.get_content_type() for p in b[-1].walk()]
assert 'message/delivery-status' in parts, parts
assert 'message/rfc822' in parts, parts
PY
then pass "bounce parses as MIME with delivery-status and the message"
else fail "bounce parses as MIME"; fi
: > "$MB"

# Never a bounce for a bounce.
printf 'Subject: null\n\nx\n' | sm -odi -f '<>' nosuchuser4711
check "bounce of null-sender mail is discarded" [ ! -s "$MB" ]
check "discard is logged" grep -q 'null sender discarded' "$D/log"

printf 'Subject: permfail\n\nx\n' | sm -odi permfail 2> "$D/err"
check "command failure bounces" [ $? = 69 ]
check "-odi: the command's failure on stderr" \
    grep -qx 'permfail@host.example.org... failed: 5.3.0 Command died with status 3. Command output: nope?' "$D/err"
check "bounce carries the command output" grep -q 'Command output: nope' "$MB"
: > "$MB"

# -N never: no bounce; -R hdrs: headers only.
printf 'Subject: never\n\nx\n' | sm -odi -N never nosuchuser4711
check "-N never: no bounce" [ ! -s "$MB" ]
printf 'Subject: hdrs\n\nSECRETBODY\n' | sm -odi -R hdrs -V myenvid nosuchuser4711
check "-R hdrs returns headers only" bash -c "grep -q '^Subject: hdrs' '$MB' && ! grep -q SECRETBODY '$MB'"
check "-V envid in the report" grep -q '^Original-Envelope-Id: myenvid' "$MB"
: > "$MB"

# Temporary failure: deferred, retried with back-off, visible in mailq.
printf 'Subject: temp\n\nx\n' | sm -odi tempfail 2> "$D/err"
check "exit 75 defers; -odi still exits 0 (queued)" [ $? = 0 ]
check "-odi: a deferral prints nothing" [ ! -s "$D/err" ]
check "deferred message stays queued" [ "$(queued)" = 1 ]
check "mailq shows the deferral reason" bash -c "'$BUILD/mailq' -C '$C' | grep -q 'temporary failure'"
env1=$(find "$D/spool/queue" -name '*.env')
field() { sed -n "s/^$1//p" "$env1"; }
check "first retry after minimal_backoff_time (300s)" [ $(( $(field W) - $(field L) )) = 300 ]
runq
check "runq without -q leaves a message that is not due" [ "$(field A)" = 1 ]
runq -q
check "runq -q retries now; back-off doubles" [ $(( $(field W) - $(field L) )) = 600 ]
for i in 1 2 3 4; do runq -q; done
check "back-off capped at maximal_backoff_time (1800s)" [ $(( $(field W) - $(field L) )) = 1800 ]

# Delay warning once delay_warning_time has passed (arrival moved back).
echo "delay_warning_time = 4h" >> "$C"
t=$(field T | cut -d' ' -f1); u=$(field T | cut -d' ' -f2)
sed -i "s/^T.*/T$((t - 5 * 3600)) $u/" "$env1"
runq -q
check "delay warning sent" grep -q '^Subject: Delayed Mail (still being retried)' "$MB"
check "delay warning says delayed" grep -q '^Action: delayed' "$MB"
runq -q
check "only one delay warning" [ "$(grep -c '^Subject: Delayed Mail' "$MB")" = 1 ]
: > "$MB"

# Expiry after maximal_queue_lifetime: bounce, entry removed.
sed -i "s/^T.*/T$((t - 6 * 86400)) $u/" "$env1"
runq -q
check "expired message bounced" grep -q '^Subject: Undelivered Mail Returned to Sender' "$MB"
check "expiry reason in the bounce" grep -q 'message expired after' "$MB"
check "expired entry removed" [ "$(queued)" = 0 ]
check "expiry logged" grep -q 'status=expired' "$D/log"
sed -i '/^delay_warning_time/d' "$C"
: > "$MB"

# Remote recipients wait, visibly.
printf 'Subject: remote\n\nx\n' | sm -odi someone@elsewhere.example
check "remote recipient deferred; -odi exits 0 (queued)" [ $? = 0 ]
mq > "$D/mq.out"; check "mailq says why" grep -q 'connect to 127.0.0.1\[127.0.0.1\]:9: Connection refused' "$D/mq.out" || cat "$D/mq.out"
check "mailq lists the recipient" bash -c "'$BUILD/mailq' -C '$C' | grep -q 'someone@elsewhere.example'"

# Alias to a remote address: forwarded as a new queue entry with Delivered-To.
printf 'Subject: fwd\n\nx\n' | sm -odi remote
check "alias to a remote address accepted" [ $? = 0 ]
check "forwarded copy queued" bash -c "'$BUILD/mailq' -C '$C' | grep -q 'someone@remote.example'"
check "forwarded copy carries Delivered-To" bash -c "grep -rq '^Delivered-To: remote@host.example.org' '$D/spool/queue'"

# Selection: -R, -S. Two local messages wait in the queue (-odq), one for
# the user and one for postmaster (an alias of the user).
: > "$MB"
printf 'Subject: rsel-user\n\nx\n' | sm -odq "$ME"
printf 'Subject: rsel-pm\n\nx\n' | sm -odq postmaster
n_before=$(queued)
runq -q -R nomatch.example
check "-R with no match delivers nothing" [ "$(grep -c '^Subject: rsel' "$MB")" = 0 ]
check "-R with no match: both picked up and queued" [ "$(queued)" = $((n_before + 2)) ]
runq -q -R postmaster
check "-R postmaster delivers that message" [ "$(grep -c '^Subject: rsel-pm' "$MB")" = 1 ]
check "-R postmaster delivers only that one" [ "$(grep -c '^Subject: rsel-user' "$MB")" = 0 ]
runq -q -R "$ME@"
check "-R user@ delivers the other" [ "$(grep -c '^Subject: rsel-user' "$MB")" = 1 ]
check "each delivered once" [ "$(grep -c '^Subject: rsel' "$MB")" = 2 ]
check "the queue holds what it held before" [ "$(queued)" = "$n_before" ]
printf 'Subject: sel\n\nx\n' | sm -odq -f picky@example.net "$ME"
runq -S nobody@nowhere
check "-S with no match leaves the message" [ "$(grep -c '^Subject: sel' "$MB")" = 0 ]
runq -S picky
check "-S picky delivers it" [ "$(grep -c '^Subject: sel' "$MB")" = 1 ]

# Forwarding loop via Delivered-To.
printf 'Delivered-To: %s@host.example.org\nSubject: dt\n\nx\n' "$ME" | sm -odi "$ME"
check "Delivered-To loop bounces" grep -q 'mail forwarding loop' "$MB"

# Several runners at once never deliver twice.
: > "$MB"
for i in $(seq 1 20); do printf 'Subject: par%s\n\nx\n' "$i" | sm -odq "$ME"; done
runq -q & runq -q & runq -q & wait
runq -q
check "parallel runners: 20 messages delivered" [ "$(grep -c '^Subject: par' "$MB")" = 20 ]
check "parallel runners: no duplicates" [ "$(grep '^Subject: par' "$MB" | sort -u | wc -l)" = 20 ]

# Corrupt maildrop entries are moved aside, with a log line.
printf 'V1\nIBADBADBAD\n' > "$D/spool/maildrop/0000000000000000000AA"
runq -q
check "corrupt maildrop entry moved to corrupt/" [ -f "$D/spool/corrupt/0000000000000000000AA" ]
check "corrupt entry logged" grep -q 'invalid maildrop entry moved to corrupt' "$D/log"
finish
