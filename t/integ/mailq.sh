#!/bin/bash
# mailq.sh - drive the real mailq (and sendmail -bp) against a private instance
#
# Needs $BUILD, the directory that holds the sendmail and mailq binaries.
# Checks: a missing spool (75, directory named), the empty queue, maildrop
# entries submitted with sendmail -odq, queue entries written by hand (the
# envelope format of spool/envelope.c) with deferral reasons, the '*' of an
# entry whose envelope is locked as runq does, an entry with nothing
# pending left out, a malformed envelope skipped with a warning, the exact
# Postfix layout (header, columns, reason lines, blank lines, totals), -j
# parsed by python3 with its escapes, sendmail -bp, and the exit codes for
# bad options and configuration. As root it also checks that a user who
# cannot list the maildrop gets the queue without it, and a note on stderr.
# KEEP=1 keeps the scratch directory. Exit 0 pass, 1 fail, 77 skip.
set -eu

BUILD=${BUILD:-}
if [ -z "$BUILD" ] || [ ! -x "$BUILD/mailq" ] || [ ! -x "$BUILD/sendmail" ]; then
	echo "SKIP: \$BUILD/mailq or \$BUILD/sendmail not found (set BUILD)" >&2
	exit 77
fi
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
	echo "SKIP: needs $PY" >&2
	exit 77
fi

d=$(mktemp -d "${TMPDIR:-/tmp}/mailq.XXXXXX")
lockpid=
cleanup() {
	[ -n "$lockpid" ] && kill "$lockpid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$d"
}
trap cleanup EXIT
conf=$d/conf
fails=0
export TZ=UTC

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# run_mq ARGS - run mailq, keep stdout, stderr and the exit status
run_mq() {
	rc=0
	"$BUILD/mailq" "$@" >"$d/out" 2>"$d/err" || rc=$?
}

# same NAME WANT GOT - compare two files, show the difference
same() {
	if ! cmp -s "$2" "$3"; then
		fail "$1 differs (want, got):"
		diff -u "$2" "$3" | sed 's/^/    /' >&2 || true
	fi
}

cat >"$conf" <<EOF
spool_directory = $d/spool
maillog_file = $d/log
mailq_path = $BUILD/mailq
command_directory = $BUILD
myhostname = host.example.org
mail_spool_directory = $d/mail
EOF

# 1. No spool yet: EX_TEMPFAIL naming the directory.
run_mq -C "$conf"
[ "$rc" -eq 75 ] || fail "missing spool: exit $rc, want 75"
grep -q "$d/spool" "$d/err" || fail "missing spool: directory not named: $(cat "$d/err")"

# 2. An empty tree: "Mail queue is empty"; -j prints nothing.
mkdir -p "$d/spool/maildrop" "$d/spool/corrupt"
for h in 0 1 2 3 4 5 6 7 8 9 A B C D E F; do mkdir -p "$d/spool/queue/$h"; done
chmod 1730 "$d/spool/maildrop"
run_mq -C "$conf"
[ "$rc" -eq 0 ] || fail "empty: exit $rc: $(cat "$d/err")"
[ "$(cat "$d/out")" = "Mail queue is empty" ] || fail "empty: got '$(cat "$d/out")'"
run_mq -C "$conf" -j
[ "$rc" -eq 0 ] && [ ! -s "$d/out" ] || fail "empty -j: exit $rc, output '$(cat "$d/out")'"

# 3. Two submissions, queued only: maildrop entries.
printf 'Subject: one\n\nbody one\n' |
	"$BUILD/sendmail" -C "$conf" -odq -f alice@example.org bob@example.net ||
	fail "sendmail 1 failed"
printf 'Subject: two\n\nbody two\n' |
	"$BUILD/sendmail" -C "$conf" -odq -f '' carol@example.com dave@example.com ||
	fail "sendmail 2 failed"
[ "$(ls "$d/spool/maildrop" | wc -l)" -eq 2 ] || fail "maildrop does not hold 2 entries"

# 4. Queue entries written by hand (spool/envelope.c). ID = 8 hex seconds,
# 5 usec, 6 pid, 2 counter; the subdirectory is the 13th character.
# $1 id, $2 records between the header and the recipients, $3.. recipients
put_env() {
	local id=$1 extra=$2 h
	h=$(printf %s "$id" | cut -c13)
	shift 2
	{
		printf 'V1\nI%s\nT%d 0\n' "$id" "$((16#${id:0:8}))"
		printf '%b' "$extra"
		printf 'U0\nN0\nW0\nL0\nD0\n'
		printf '%b\n' "$@"
		printf '.\n'
	} >"$d/spool/queue/$h/$id.env"
	printf 'Received: x\n\nbody\n' >"$d/spool/queue/$h/$id.msg"
}
R1='connect to mx.example.com[192.0.2.1]:25: Connection refused'
R2='host mx.example.net[192.0.2.2] said: 451 4.3.0 try again later (in reply to RCPT TO command)'
ID1=6553F1000000100012300	# active: locked below
ID2=6553F1640000200012300	# deferred, odd bytes in its reason
ID3=6553F1640000300012300	# nothing pending: not listed
ID4=6553F1640000400012300	# malformed: skipped with a warning
put_env $ID1 'S"a\\"b"@example.org\nZ2048\nA2\n' \
	"RP40\tx@example.com\t\t4.4.1\t$R1" \
	"RP40\ty@example.com\t\t\t" \
	"RP40\tw@example.com\t\t4.3.0\t$R2" \
	"RP40\tv@example.com\t\t4.4.1\t$R1" \
	"RS41\tz@example.com\t\t2.0.0\t250 ok"
# (controls in a reason become spaces when the envelope is read: spool/envelope.c)
put_env $ID2 'S\nZ3000\nA1\n' "RP40\tu@example.com\t\t4.0.0\tbad\001text\377end"
put_env $ID3 'Sme@example.org\nZ100\nA3\n' "RS40\tt@example.com\t\t2.0.0\t250 ok" \
	"RF40\ts@example.com\t\t5.1.1\tno such user"
put_env $ID4 'Sme@example.org\nZ100\nA1\nQbogus\n' "RP40\tr@example.com\t\t\t"

# runq holds the write lock (an OFD lock) on ID.env while it delivers.
h1=$(printf %s $ID1 | cut -c13)
"$PY" -c 'import fcntl, struct, sys, time
f = open(sys.argv[1], "r+b")
fcntl.fcntl(f, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
open(sys.argv[2], "w").close(); time.sleep(30)' "$d/spool/queue/$h1/$ID1.env" "$d/locked" &
lockpid=$!
for _ in $(seq 100); do [ -e "$d/locked" ] && break; sleep 0.02; done
[ -e "$d/locked" ] || fail "could not take the lock"

# 5. The listing, exactly.
run_mq -C "$conf" -j
[ "$rc" -eq 0 ] || fail "-j: exit $rc: $(cat "$d/err")"
cp "$d/out" "$d/json"
run_mq -C "$conf"
[ "$rc" -eq 0 ] || fail "listing: exit $rc: $(cat "$d/err")"
grep -q "$ID4: queue entry skipped: envelope record 7 (Q) is malformed" "$d/err" ||
	fail "no warning for the malformed entry: '$(cat "$d/err")'"
grep -q "$ID4" "$d/out" && fail "malformed entry listed"
grep -q "$ID3" "$d/out" && fail "entry with nothing pending listed"

# maildrop IDs and sizes come from the -j output (sendmail adds headers)
"$PY" - "$d/json" >"$d/md" <<'EOF' || fail "cannot read maildrop entries from -j"
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    if o["queue_name"] == "maildrop":
        print(o["queue_id"], o["message_size"], o["arrival_time"])
EOF
[ "$(wc -l <"$d/md")" -eq 2 ] || fail "-j: want 2 maildrop entries, got $(wc -l <"$d/md")"
{
	printf '%-11s %7s %-20s %s\n' -Queue\ ID- --Size-- ----Arrival\ Time---- -Sender/Recipient-------
	printf '%s* %7d %-20s %s\n' $ID1 2048 'Tue Nov 14 22:13:20' '"a\"b"@example.org'
	printf '%*s(%s)\n' $((76 - ${#R1})) '' "$R1"
	printf '%41s%s\n' '' x@example.com '' v@example.com
	printf '%s(%s)\n' '' "$R2"	# longer than 76: no padding
	printf '%41s%s\n' '' w@example.com
	printf '%*s(%s)\n' $((76 - 18)) '' 'reason unavailable'
	printf '%41s%s\n' '' y@example.com
	printf '\n'
	printf '%s  %7d %-20s %s\n' $ID2 3000 'Tue Nov 14 22:15:00' MAILER-DAEMON
	printf '%*s(%s)\n' $((76 - 12)) '' 'bad text?end'
	printf '%41s%s\n' '' u@example.com
	total=$((2048 + 3000))
	n=0
	while read -r id size when; do
		printf '\n%s  %7d %-20s %s\n' "$id" "$size" \
			"$(date -d "@$when" '+%a %b %e %H:%M:%S')" \
			"$([ $n -eq 0 ] && echo alice@example.org || echo MAILER-DAEMON)"
		if [ $n -eq 0 ]; then
			printf '%41s%s\n' '' bob@example.net
		else
			printf '%41s%s\n' '' carol@example.com '' dave@example.com
		fi
		total=$((total + size))
		n=$((n + 1))
	done <"$d/md"
	printf '\n-- %d Kbytes in 4 Requests.\n' $((total / 1024))
} >"$d/want"
same "listing" "$d/want" "$d/out"

# 6. -j: valid JSON lines, the fields of postqueue -j, escapes undone.
"$PY" - "$d/json" "$ID1" "$ID2" "$R1" "$R2" <<'EOF' || fail "-j content (see above)"
import json, sys
path, id1, id2, r1, r2 = sys.argv[1:]
raw = open(path, "rb").read()
raw.decode("utf-8")                      # must be valid UTF-8
objs = [json.loads(l) for l in raw.decode().splitlines()]
keys = ["queue_name", "queue_id", "arrival_time", "message_size",
        "forced_expire", "sender", "recipients"]
bad = []
for o in objs:
    if list(o) != keys:
        bad.append("keys %r" % list(o))
ids = [o["queue_id"] for o in objs]
if ids != sorted(ids) or len(ids) != 4:
    bad.append("ids %r" % ids)
by = {o["queue_id"]: o for o in objs}
a, b = by.get(id1), by.get(id2)
if a != {"queue_name": "active", "queue_id": id1, "arrival_time": 1700000000,
         "message_size": 2048, "forced_expire": False,
         "sender": '"a\\"b"@example.org',
         "recipients": [{"address": "x@example.com", "delay_reason": r1},
                        {"address": "v@example.com", "delay_reason": r1},
                        {"address": "w@example.com", "delay_reason": r2},
                        {"address": "y@example.com"}]}:
    bad.append("active entry %r" % a)
if b != {"queue_name": "deferred", "queue_id": id2, "arrival_time": 1700000100,
         "message_size": 3000, "forced_expire": False, "sender": "MAILER-DAEMON",
         "recipients": [{"address": "u@example.com",
                         "delay_reason": "bad text?end"}]}:
    bad.append("deferred entry %r" % b)
for m in bad:
    print("  -j:", m, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

# 7. Unlocked and not yet tried: no '*', queue_name incoming.
kill "$lockpid" 2>/dev/null; wait "$lockpid" 2>/dev/null || true
lockpid=
sed -i 's/^A2$/A0/' "$d/spool/queue/$h1/$ID1.env"
run_mq -C "$conf" -j
grep -q "\"queue_name\": \"incoming\", \"queue_id\": \"$ID1\"" "$d/out" ||
	fail "unlocked, untried entry not incoming: $(grep "$ID1" "$d/out")"
run_mq -C "$conf"
grep -q "^$ID1     2048 " "$d/out" || fail "unlocked entry: $(grep "^$ID1" "$d/out")"

# 8. sendmail -bp is the same program; POSTHORN_CONF works as -C does.
rc=0
"$BUILD/sendmail" -C "$conf" -bp >"$d/bp" 2>/dev/null || rc=$?
[ "$rc" -eq 0 ] || fail "sendmail -bp: exit $rc"
same "sendmail -bp" "$d/out" "$d/bp"
rc=0
POSTHORN_CONF=$conf "$BUILD/mailq" >"$d/env_out" 2>/dev/null || rc=$?
[ "$rc" -eq 0 ] || fail "POSTHORN_CONF: exit $rc"
same "POSTHORN_CONF" "$d/out" "$d/env_out"

# 9. Options and configuration.
run_mq -C "$conf" -x
[ "$rc" -eq 64 ] || fail "bad option: exit $rc, want 64"
grep -q usage "$d/err" || fail "bad option: no usage message"
run_mq -C "$conf" extra
[ "$rc" -eq 64 ] || fail "operand: exit $rc, want 64"
run_mq -C
[ "$rc" -eq 64 ] || fail "-C without argument: exit $rc, want 64"
run_mq -C "$d/absent.conf"
[ "$rc" -eq 78 ] || fail "missing -C file: exit $rc, want 78"
# an unknown name is a warning; a bad value refuses (its default for
# authorized_mailq_users would be "anyone")
{ cat "$conf"; printf 'no_such_setting = 1\n'; } >"$d/warn.conf"
run_mq -C "$d/warn.conf"
[ "$rc" -eq 0 ] || fail "unknown setting: exit $rc, want 0"
grep -q 'warning: .*unknown setting "no_such_setting"' "$d/err" ||
	fail "unknown setting: no warning: $(cat "$d/err")"
{ cat "$conf"; printf 'authorized_mailq_users = $nothere\n'; } >"$d/bad.conf"
run_mq -C "$d/bad.conf"
[ "$rc" -eq 78 ] || fail "bad configuration: exit $rc, want 78"

# 10. As root: a user who may read the queue but not list the maildrop
# gets the queue entries only, and on stderr one line saying that mail
# not yet picked up is not shown (the listing itself stays Postfix's).
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
	id nobody >/dev/null 2>&1; then
	chmod 755 "$d" "$d/spool" "$d/spool/queue" "$d/spool/queue/"?
	chmod 644 "$d/conf" "$d/spool/queue/"?/*.env
	rc=0
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		"$BUILD/mailq" -C "$conf" >"$d/out" 2>"$d/err" || rc=$?
	[ "$rc" -eq 0 ] || fail "as nobody: exit $rc: $(cat "$d/err")"
	grep -q "not shown: mail submitted but not yet picked up by runq" "$d/err" ||
		fail "as nobody: no note about the maildrop: $(cat "$d/err")"
	# (nobody cannot write the test's log file: mailq says so once)
	[ -s "$d/err" ] && grep -v -e "$ID4" -e "not shown: mail submitted" -e 'warning: cannot log to ' "$d/err" >/dev/null &&
		fail "as nobody: unexpected stderr: $(cat "$d/err")"
	grep -q "in 2 Requests" "$d/out" || fail "as nobody: $(tail -1 "$d/out")"
	grep -q alice@example.org "$d/out" && fail "as nobody: maildrop entry listed"
fi

if [ "$fails" -ne 0 ]; then
	echo "mailq.sh: $fails failure(s)" >&2
	exit 1
fi
echo "mailq.sh: all passed"
exit 0
