#!/bin/sh
# run-tests.sh - run the unit tests and every integration script; print
# one PASS/FAIL/SKIP line per check and "N passed, N failed" last.
#
# Environment: BUILD (build directory with the programs), SRCDIR (source
# tree). Integration scripts print "PASS: ..." / "FAIL: ..." lines (see
# t/integ/lib.sh), "SKIP: ..." for a check that cannot run, and exit 0,
# 1, or 77 to be skipped whole; the unit runner prints "SKIP: ..." lines
# for the cases it leaves out. Skipped checks are counted and shown, never
# counted as passed. Select scripts with TESTS="name ..." (names without
# .sh). t/linkrule.sh checks the link rule of the layout (README, "Layout")
# and reports as the integration scripts do.
: "${BUILD:?BUILD not set}"
: "${SRCDIR:?SRCDIR not set}"
passed=0 failed=0 skipped=0
log=$BUILD/t-results.log
: > "$log"


# Unit tests: Check prints one line per failure and a summary line
# "100%: Checks: N, Failures: F, Errors: E".
out=$(mktemp)
"$BUILD/t/unit/unit" > "$out" 2>&1
rc=$?
cat "$out" >> "$log"
summary=$(grep -E '^[0-9]+%: Checks: ' "$out" | tail -n 1)
if [ -n "$summary" ]; then
	n=$(echo "$summary" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$summary" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$summary" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	passed=$((passed + n - f - e))
	failed=$((failed + f + e))
	echo "unit: $summary"
	grep -E ':[EF]:' "$out" | sed 's/^/FAIL: unit: /'
	grep -E '^SKIP: ' "$out"
	skipped=$((skipped + $(grep -c '^SKIP: ' "$out")))
else
	echo "FAIL: unit: no summary from the unit test runner (exit $rc)"
	cat "$out"
	failed=$((failed + 1))
fi
rm -f "$out"

for t in "$SRCDIR"/t/linkrule.sh "$SRCDIR"/t/integ/*.sh; do
	name=$(basename "$t" .sh)
	case $name in lib|mkcerts|dnsenv|smtpenv|pop3env) continue ;; esac	# helpers, not tests
	if [ -n "${TESTS:-}" ]; then
		case " $TESTS " in *" $name "*) ;; *) continue ;; esac
	fi
	out=$(mktemp)
	start=$(date +%s)
	BUILD="$BUILD" SRCDIR="$SRCDIR" bash "$t" > "$out" 2>&1 < /dev/null
	rc=$?
	end=$(date +%s)
	cat "$out" >> "$log"
	if [ $rc = 77 ]; then
		skipped=$((skipped + 1))
		echo "SKIP: $name ($(grep -m1 '^SKIP' "$out" | cut -c7- ))"
		rm -f "$out"
		continue
	fi
	p=$(grep -c '^PASS: ' "$out")
	f=$(grep -c '^FAIL: ' "$out")
	s=$(grep -c '^SKIP: ' "$out")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	grep -E '^SKIP: ' "$out"
	if [ "$p" = 0 ] && [ "$f" = 0 ] && [ "$s" = 0 ] && [ "$rc" = 0 ]; then
		p=1	# a script that reports only its exit status
		passed=$((passed + 1))
	fi
	set -- "$p" "$f"
	grep -E '^(FAIL): ' "$out"
	if [ "$rc" != 0 ] && [ "$2" = 0 ]; then
		echo "FAIL: $name: exited $rc"
		tail -n 20 "$out" | sed 's/^/    /'
		failed=$((failed + 1))
	elif [ "$2" != 0 ]; then
		tail -n 30 "$out" | grep -v '^PASS' | sed 's/^/    /'
	fi
	echo "$name: $1 passed, $2 failed$([ "$s" = 0 ] || echo ", $s skipped") ($((end - start)) s)"
	rm -f "$out"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
