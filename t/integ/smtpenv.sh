# smtpenv.sh - receivers for the SMTP client tests (sourced)
#
#   smtp_need_tools                    skip the test without python3-aiosmtpd
#   sink_start NAME DIR ARGS...        t/integ/smtpsink.py (aiosmtpd) in the
#                                      background; waits until it listens
#   script_start NAME MODE ADDR:PORT [DIR]   t/integ/smtpscript.py (extra
#                                      arguments in $SMTPSCRIPT_ARGS)
#   sink_stop NAME / script_stop NAME  stop it by its PID
#   smtp_stop_all                      stop every one still running
# Everything listens on loopback addresses only; $D is the test's scratch
# directory (lib.sh).
SMTP_PIDS=""

smtp_need_tools() {
	"$PY" -c 'import aiosmtpd' 2> /dev/null || skip "$T: python3-aiosmtpd is not installed"
}

# wait_pidfile FILE: up to 10 s for a server to write its pid file
wait_pidfile() {
	for _ in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

sink_start() {
	name=$1 dir=$2; shift 2
	mkdir -p "$dir"
	rm -f "$D/$name.pid"
	"$PY" "$SRCDIR/t/integ/smtpsink.py" --out "$dir" --pidfile "$D/$name.pid" "$@" \
		> "$D/$name.out" 2>&1 &
	if ! wait_pidfile "$D/$name.pid"; then
		echo "sink $name did not start:"; cat "$D/$name.out"
		return 1
	fi
	SMTP_PIDS="$SMTP_PIDS $(cat "$D/$name.pid")"
}

script_start() {
	name=$1 mode=$2 listen=$3 dir=${4:-$D/$1}
	mkdir -p "$dir"
	rm -f "$D/$name.pid"
	"$PY" "$SRCDIR/t/integ/smtpscript.py" --mode "$mode" --listen "$listen" --out "$dir" \
		--pidfile "$D/$name.pid" ${SMTPSCRIPT_ARGS:-} > "$D/$name.out" 2>&1 &
	if ! wait_pidfile "$D/$name.pid"; then
		echo "script $name did not start:"; cat "$D/$name.out"
		return 1
	fi
	SMTP_PIDS="$SMTP_PIDS $(cat "$D/$name.pid")"
}

# stop_pid PID: TERM, then wait for it to go (KILL after 5 s)
stop_pid() {
	kill "$1" 2> /dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$1" 2> /dev/null || return 0
		sleep 0.1
	done
	kill -9 "$1" 2> /dev/null
}

sink_stop() {
	[ -f "$D/$1.pid" ] || return 0
	stop_pid "$(cat "$D/$1.pid")"
	rm -f "$D/$1.pid"
}
script_stop() { sink_stop "$1"; }

smtp_stop_all() {
	for p in $SMTP_PIDS; do stop_pid "$p"; done
	SMTP_PIDS=""
}
