#!/bin/bash
# newaliases.sh - drive the real newaliases against a scratch directory
#
# Needs $BUILD, the directory that holds the newaliases binary. Checks the
# summary line, the exit codes (0, 65 with file:line on a syntax error while
# the old .cdb stays, 66 for a missing source, 64 for a bad option, 78 for
# bad configuration) and the database contents with tinycdb's cdb(1) when it
# is installed. Reports "PASS: newaliases: ..." / "FAIL: ..." lines like the
# other integration tests. Exit 0 pass, 1 fail, 77 skip.
set -eu

T=newaliases
BUILD=${BUILD:-}
if [ -z "$BUILD" ] || [ ! -x "$BUILD/newaliases" ]; then
	echo "SKIP: $T: \$BUILD/newaliases not found (set BUILD)"
	exit 77
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/newaliases.XXXXXX")
trap 'rm -rf "$dir"' EXIT
conf=$dir/posthorn.conf
FAILED=0

pass() { echo "PASS: $T: $*"; }
fail() { echo "FAIL: $T: $*"; FAILED=1; }
# check DESCRIPTION COMMAND...: pass if the command succeeds
check() {
	d=$1
	shift
	if "$@"; then pass "$d"; else fail "$d"; fi
}
# run_na ARGS...: run newaliases; keep stdout, stderr and the status in $rc
run_na() {
	rc=0
	"$BUILD/newaliases" "$@" >"$dir/out" 2>"$dir/err" || rc=$?
}
# expect_rc DESCRIPTION WANT: the last run_na exited WANT
expect_rc() {
	if [ "$rc" = "$2" ]; then
		pass "$1"
	else
		fail "$1 (exit $rc, want $2: $(head -c 300 "$dir/err"))"
	fi
}
# shellcheck disable=SC2317 # both are called through check
# stored NAME VALUE: the database maps NAME to VALUE
stored() { [ "$(cdb -q "$dir/aliases.cdb" "$1")" = "$2" ]; }
# absent NAME: the database has no NAME (cdb -q exits 100)
# shellcheck disable=SC2317
absent() { ! cdb -q "$dir/aliases.cdb" "$1" >/dev/null; }
has_cdb() { command -v cdb >/dev/null 2>&1; }

cat >"$conf" <<EOF
alias_maps = hash:$dir/aliases
maillog_file = $dir/log
EOF
cat >"$dir/aliases" <<'EOF'
# test aliases
postmaster: root
Root: \root, admin@example.org
staff: alice,
	bob
EOF

# 1. A good file: the summary line exactly as sendmail prints it.
run_na -C "$conf"
expect_rc "good file" 0
want="$dir/aliases: 3 aliases, longest 24 bytes, 57 bytes total"
check "summary line" [ "$(cat "$dir/out")" = "$want" ]
check "summary logged" grep -q "3 aliases, longest 24 bytes" "$dir/log"
check "database written" [ -f "$dir/aliases.cdb" ]
if has_cdb; then
	check "lookup root (name lowercased)" stored root '\root, admin@example.org'
	check "lookup continued list" stored staff 'alice, bob'
	check "lookup postmaster" stored postmaster root
	check "absent name" absent nobody
else
	echo "note: cdb(1) not installed (package tinycdb); contents unchecked"
	# cdb stores keys verbatim; that much grep can see.
	check "key in database" grep -q postmaster "$dir/aliases.cdb"
fi

# 2. POSTHORN_CONF names the file as well as -C does.
rc=0
POSTHORN_CONF=$conf "$BUILD/newaliases" >"$dir/out" 2>"$dir/err" || rc=$?
expect_rc "POSTHORN_CONF" 0

# 3. A syntax error: 65, file:line, the old database kept, no debris.
ino=$(stat -c %i "$dir/aliases.cdb" 2>/dev/null || echo none)
printf 'root: bob\nbroken line\n' >"$dir/aliases"
run_na -C "$conf"
expect_rc "syntax error" 65
check "error names file:line" grep -q "$dir/aliases:2: " "$dir/err"
check "no summary on error" [ ! -s "$dir/out" ]
check "old database kept" \
	[ "$(stat -c %i "$dir/aliases.cdb" 2>/dev/null || echo gone)" = "$ino" ]
if has_cdb; then
	check "old contents kept" stored staff 'alice, bob'
fi
debris=("$dir"/aliases.cdb.tmp*)
check "no temporary left" [ ! -e "${debris[0]}" ]

# 4. The source missing: 66.
rm -f "$dir/aliases"
run_na -C "$conf"
expect_rc "missing source" 66

# 5. An empty file is fine: no aliases.
: >"$dir/aliases"
run_na -C "$conf"
expect_rc "empty file" 0
check "empty summary" grep -q ": 0 aliases, longest 0 bytes, 0 bytes total" "$dir/out"

# 6. Bad options and bad configuration.
run_na -x
expect_rc "bad option" 64
run_na -C "$dir/absent.conf"
expect_rc "missing -C file" 78
printf 'alias_maps = nis:mail.aliases\n' >"$dir/bad.conf"
run_na -C "$dir/bad.conf"
expect_rc "unsupported map type" 78

exit $FAILED
