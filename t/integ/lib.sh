# lib.sh - shared helpers for the integration tests (sourced, not run)
#
# Each test creates a private instance in a scratch directory, drives the
# real programs in $BUILD, and reports one line per check:
#   PASS: <test>: <what>      FAIL: <test>: <what>
# A check that cannot run here says so: SKIP: <test>: <what> (why).
# It exits 0 when everything passed, 1 otherwise, 77 to skip it all.
# Servers that tests start listen on loopback ports below 32768, outside
# Linux's ephemeral range (ip_local_port_range), so that no client
# connection of another test can be holding the port; each script names
# its ports and an environment variable to move them.
set -u
T=$(basename "$0" .sh)
FAILED=0
: "${BUILD:?}" "${SRCDIR:?}"
PY=${PYTHON3:-/usr/bin/python3}

pass() { echo "PASS: $T: $*"; }
fail() { echo "FAIL: $T: $*"; FAILED=1; }
skip() { echo "SKIP: $*"; exit 77; }
# skip_check DESCRIPTION WHY: one check that cannot run here
skip_check() { echo "SKIP: $T: $1 ($2)"; }
# check DESCRIPTION COMMAND...: pass if the command succeeds
check() {
	d=$1; shift
	if "$@"; then pass "$d"; else fail "$d"; fi
}
# expect_rc DESCRIPTION WANT COMMAND...: pass if the command exits WANT
expect_rc() {
	d=$1; want=$2; shift 2
	"$@"; got=$?
	if [ "$got" = "$want" ]; then pass "$d"; else fail "$d (exit $got, want $want)"; fi
}
finish() { exit $FAILED; }

# mail_dir DIR: a mailbox directory as Debian's /var/mail (root:mail 2775)
# when root, so that users' dot-locks go through the setgid helper; the
# user's own otherwise. Never world-writable: runq warns about that.
mail_dir() {
	mkdir -p "$1"
	if [ "$(id -u)" = 0 ] && getent group mail > /dev/null; then
		chgrp mail "$1" && chmod 2775 "$1"
	else
		chmod 755 "$1"
	fi
}

# new_instance [extra conf lines...]: a private instance in $D, config $C
new_instance() {
	D=$(mktemp -d /tmp/posthorn-t.XXXXXX)
	chmod 755 "$D"
	mail_dir "$D/mail"
	C=$D/posthorn.conf
	cat > "$C" <<EOC
spool_directory = $D/spool
maillog_file = $D/log
command_directory = $BUILD
mailq_path = $BUILD/mailq
myhostname = host.example.org
mydomain = example.org
mail_spool_directory = $D/mail
alias_maps = $D/aliases
# remote mail stays on this machine: a smarthost on a closed loopback
# port (connection refused: deferred), and no resolver but a closed one
relayhost = [127.0.0.1]:9
dns_servers = 127.0.0.1:9
EOC
	for line in "$@"; do echo "$line" >> "$C"; done
	: > "$D/aliases"
	"$BUILD/newaliases" -C "$C" > /dev/null
	trap 'cleanup' EXIT
}
cleanup() {
	if [ "$FAILED" != 0 ] && [ -f "$D/log" ]; then
		echo "--- log of $T"; tail -n 40 "$D/log"
	fi
	rm -rf "$D"
}
sm() { "$BUILD/sendmail" -C "$C" "$@"; }
runq() { "$BUILD/runq" -C "$C" "$@"; }
mq() { "$BUILD/mailq" -C "$C" "$@"; }
# count of queued entries
queued() { find "$D/spool/queue" -name '*.env' | wc -l; }
# whoami as a name we can deliver to
ME=$(id -un)
