#!/bin/bash
# faults.sh - I/O failures in the commit paths, injected with strace.
#
# 1. sendmail -odq: the maildrop entry is durable before exit 0 (the
#    temporary is written: envelope, header section, body, then the size
#    record filled in with pwrite; fsync'ed, renamed to its ID and the directory
#    fsync'ed, in that order, before the process exits), and a failure of
#    any step of that commit (create, chmod, write, fsync, rename, the
#    directory open or fsync, the syncfs fallback, the final close) gives
#    EX_TEMPFAIL (75), a clear message on stderr, and leaves nothing in
#    the maildrop: neither the final name nor the hidden temporary.
# 2. runq's mbox delivery: a failing write or fsync of the mailbox defers
#    the message (it stays queued, mailq gives the reason), the mailbox is
#    truncated back to its old contents exactly, and the next run delivers
#    it exactly once.
# 3. runq's own commits: a failing write, fsync, rename or unlink while it
#    picks up a maildrop entry or rewrites an envelope loses nothing: the
#    message stays in the maildrop or the queue, mailq lists it, and later
#    runs deliver it exactly once. A finished entry whose files cannot be
#    removed is not lost either, and is delivered again at most once even
#    when the removal fails in two runs in a row.
#
# No hooks in the code: strace -e inject makes the chosen system call fail.
# The call to fail is found at run time from an uninjected trace of the
# same command (see ord and rq_fault below), so the test does not depend
# on how many files the C library or the configuration code open first.
# strace counts calls per process and per system call, so "when=N" means
# the Nth call of that system call by that process. For the mailbox, -P
# restricts tracing (and so counting and injection) to the calls that
# touch it, which only runq's delivery child makes; for runq's own files
# only the runq process is traced (no -f), with -y to see fd paths.
. "$SRCDIR/t/integ/lib.sh"
# LeakSanitizer cannot run under ptrace: in a sanitizer build, leave leak
# checks to the other tests.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

command -v strace > /dev/null 2>&1 || skip "$T: strace is not installed"
strace -f -o /dev/null -e trace=getpid -e inject=getpid:error=EIO /bin/true \
    > /dev/null 2>&1 || skip "$T: strace cannot trace or inject faults here (ptrace not permitted?)"

new_instance
MD=$D/spool/maildrop
MB=$D/mail/$ME
TRACED=openat,write,pwrite64,fsync,syncfs,rename,fchmod,close,unlink

printf 'Subject: faults\nTo: %s\n\nline 1\nline 2\nEND-OF-MESSAGE\n' "$ME" > "$D/msg"

# Warm-up: the first submission creates the spool tree; deliver it so the
# maildrop is empty and the mailbox exists.
sm -odq "$ME" < "$D/msg"
runq -q
check "setup: maildrop empty, mailbox written" \
    bash -c "[ -z \"\$(ls -A '$MD')\" ] && [ -s '$MB' ]"
ok_subs=1	# submissions that exited 0, delivered at the end

# md_empty: no entry at all in the maildrop, hidden or not
md_empty() { [ -z "$(ls -A "$MD")" ]; }
md_clear() { find "$MD" -mindepth 1 -delete; }

# --- the reference trace of a successful submission ------------------------
strace -f -o "$D/ref.tr" -e trace=$TRACED,exit_group \
    "$BUILD/sendmail" -C "$C" -odq "$ME" < "$D/msg"
check "reference submission exits 0" [ $? = 0 ]
ENTRY=$(ls "$MD")
check "reference submission left one entry named by its queue ID" \
    bash -c "[ \"\$(ls -A '$MD' | wc -l)\" = 1 ] && echo '$ENTRY' | grep -qxE '[0-9A-F]{21}'"
md_clear

# ord NAME K [TEXT]: the number strace's when= needs to hit the K-th call of
# NAME (whose line contains TEXT, when given) after sendmail creates the
# maildrop temporary; K=0 with openat: the creation itself. Empty if none.
ord() {
	awk -v name="$1" -v k="$2" -v text="${3-}" -v tmp="\"$MD/." '
	{ sub(/^[0-9]+ +/, "") }
	{ is = index($0, name "(") == 1 }
	is { n++ }
	!seen && index($0, "openat(") == 1 && index($0, tmp) {
		seen = 1
		if (k == 0) { print n; exit }
		next
	}
	seen && is && (text == "" || index($0, text)) && ++m == k { print n; exit }
	' "$D/ref.tr"
}
TMPFD=$(awk -v tmp="\"$MD/." 'index($0, "openat(") && index($0, tmp) { print $NF; exit }' "$D/ref.tr")

# --- durability: the order of the commit in the reference trace ----------
# Every write to the temporary precedes its fsync, the fsync precedes the
# rename to the final name, the directory is opened and fsync'ed after the
# rename, and only then does the process exit (with 0).
awk -v md="$MD" -v fd="$TMPFD" '
	{ sub(/^[0-9]+ +/, ""); i++ }
	index($0, "openat(") == 1 && index($0, "\"" md "/.") { created = i }
	index($0, "close(" fd ")") == 1 && created && !closed { closed = i }
	(index($0, "write(" fd ",") == 1 || index($0, "pwrite64(" fd ",") == 1) && created && !closed { lastwrite = i }
	index($0, "fsync(" fd ")") == 1 && created && !closed && !filesync { filesync = i }
	index($0, "rename(") == 1 && index($0, "\"" md "/.") && $0 ~ ("\"" md "/[0-9A-F]+\"") { renamed = i }
	index($0, "openat(") == 1 && index($0, "\"" md "\"") && renamed && !dirfd { dirfd = $NF; diropen = i }
	dirfd != "" && index($0, "fsync(" dirfd ")") == 1 && !dirsync { dirsync = i }
	/^\+\+\+ exited with 0 \+\+\+/ { exited = i }
	END {
		ok = created && lastwrite > created && filesync > lastwrite &&
		    renamed > filesync && diropen > renamed && dirsync > diropen &&
		    closed > dirsync && exited > closed
		if (!ok)
			printf "order: create %d, last write %d, fsync %d, rename %d, dir open %d, dir fsync %d, close %d, exit %d\n",
			    created, lastwrite, filesync, renamed, diropen, dirsync, closed, exited > "/dev/stderr"
		exit !ok
	}' "$D/ref.tr"
check "exit 0 only after write, fsync, rename, directory fsync (in that order)" [ $? = 0 ]

# --- one injected failure per step of the commit ----------------------------
# inject WHAT SYSCALL K TEXT ERRNO STEP ERRTEXT [EXTRA STRACE ARGS...]
# runs sendmail with the K-th SYSCALL (see ord) failing with ERRNO and
# checks exit 75, "cannot queue the message: STEP ...: ERRTEXT" on stderr,
# that the intended call was the one that failed, and an empty maildrop.
inject() {
	local what=$1 sc=$2 k=$3 text=$4 e=$5 step=$6 etext=$7 n rc
	shift 7
	n=$(ord "$sc" "$k" "$text")
	if [ -z "$n" ]; then
		fail "$what: no such call in the reference trace (ord $sc $k '$text')"
		return
	fi
	md_clear
	strace -f -o "$D/inj.tr" -e trace="$sc" -e inject="$sc:error=$e:when=$n" "$@" \
	    "$BUILD/sendmail" -C "$C" -odq "$ME" < "$D/msg" 2> "$D/err"
	rc=$?
	if [ "$rc" = 75 ]; then pass "$what: EX_TEMPFAIL"; else fail "$what: exit $rc, want 75"; fi
	check "$what: the failing call was the intended one" \
	    bash -c "grep '^[0-9]* *$sc(.*(INJECTED)' '$D/inj.tr' | grep -qF -- '$text'"
	if grep -q "^sendmail: .*cannot queue the message: $step $MD/.*: $etext\$" "$D/err"; then
		pass "$what: clear error on stderr"
	else
		fail "$what: error on stderr: $(cat "$D/err")"
	fi
	if md_empty; then pass "$what: no entry left"; else fail "$what: left: $(ls -A "$MD" | tr '\n' ' ')"; fi
}
DIRTXT="\"$MD\""
inject "create temporary ENOSPC" openat 0 "\"$MD/." ENOSPC create "No space left on device"
inject "create temporary EDQUOT" openat 0 "\"$MD/." EDQUOT create "Disk quota exceeded"
inject "fchmod EIO" fchmod 1 "" EIO chmod "Input/output error"
inject "envelope write EIO" write 1 "write($TMPFD," EIO write "Input/output error"
inject "envelope write ENOSPC" write 1 "write($TMPFD," ENOSPC write "No space left on device"
inject "message write ENOSPC" write 2 "write($TMPFD," ENOSPC write "No space left on device"
inject "message write EDQUOT" write 2 "write($TMPFD," EDQUOT write "Disk quota exceeded"
inject "body write ENOSPC" write 3 "write($TMPFD," ENOSPC write "No space left on device"
inject "size record write EIO" pwrite64 1 "pwrite64($TMPFD," EIO write "Input/output error"
inject "file fsync EIO" fsync 1 "fsync($TMPFD)" EIO fsync "Input/output error"
inject "rename EIO" rename 1 "" EIO rename "Input/output error"
inject "rename EXDEV" rename 1 "" EXDEV rename "Invalid cross-device link"
inject "directory open EIO" openat 1 "$DIRTXT" EIO "fsync directory" "Input/output error"
inject "directory fsync EIO (second fsync)" fsync 2 "" EIO "fsync directory" "Input/output error"
inject "directory fsync ENOSPC" fsync 2 "" ENOSPC "fsync directory" "No space left on device"
inject "close EIO" close 1 "close($TMPFD)" EIO close "Input/output error"
# A directory that cannot be opened (setgid sendmail and the 1730
# maildrop) is made durable with syncfs: a failing syncfs fails too.
inject "directory unreadable, syncfs EIO" openat 1 "$DIRTXT" EACCES "fsync directory" \
    "Input/output error" -e trace=openat,syncfs -e inject=syncfs:error=EIO

# ... and when syncfs works, the submission succeeds and is durable.
n=$(ord openat 1 "$DIRTXT")
md_clear
strace -f -o "$D/inj.tr" -e trace=openat,rename,syncfs,exit_group -e inject=openat:error=EACCES:when="$n" \
    "$BUILD/sendmail" -C "$C" -odq "$ME" < "$D/msg" 2> "$D/err"
check "directory unreadable, syncfs works: exit 0" [ $? = 0 ]
ok_subs=$((ok_subs + 1))
check "directory unreadable, syncfs works: rename, then syncfs, then exit" \
    awk '/^[0-9]* *rename\(/ { r = NR } /^[0-9]* *syncfs\(.*= 0$/ && r { s = NR }
	/exited with 0/ && s { e = 1 } END { exit !e }' "$D/inj.tr"
check "directory unreadable, syncfs works: one entry, no temporary" \
    bash -c "[ \"\$(ls -A '$MD' | wc -l)\" = 1 ] && [ -z \"\$(ls -A '$MD' | grep '^\\.')\" ]"

# Everything that exited 0 is delivered; nothing from a failed submission.
runq -q
got=$(grep -c '^Subject: faults$' "$MB")
check "all exit-0 submissions delivered, no failed one ($got of $ok_subs)" [ "$got" = "$ok_subs" ]
# spool files but the maildrop stamp (mailq's, see runq(8))
spool_files() { find "$D/spool${1:-}" -type f ! -name maildrop.stamp; }
spool_empty() { md_empty && [ "$(spool_files /queue | wc -l)" = 0 ]; }
check "maildrop and queue empty after runq" spool_empty

# --- runq: failures writing the mailbox --------------------------------------
# mbox_fault WHAT SYSCALL N ERRNO ERRTEXT MSGFILE: the N-th SYSCALL that
# touches the mailbox fails while runq delivers MSGFILE's message.
body_lines() {	# body_lines SUBJECT COUNT: a message with COUNT body lines
	printf 'Subject: %s\n\n' "$1"
	seq 1 "$2" | sed "s/^/line of $1 number /"
	echo "END-OF-MESSAGE $1"
}
mbox_fault() {
	local what=$1 sc=$2 n=$3 e=$4 etext=$5 subj=$6 lines=$7 q
	body_lines "$subj" "$lines" | sm -odq "$ME"
	cp "$MB" "$D/mb.before"
	strace -f -o "$D/rq.tr" -P "$MB" -e trace="$sc" -e inject="$sc:error=$e:when=$n" \
	    "$BUILD/runq" -C "$C" -q 2> "$D/err"
	check "$what: the mailbox $sc failed" grep -q "^[0-9]* *$sc(.*(INJECTED)" "$D/rq.tr"
	check "$what: mailbox has its old contents exactly (truncated back)" cmp -s "$MB" "$D/mb.before"
	check "$what: message still queued" [ "$(queued)" = 1 ]
	mq > "$D/mq" 2>&1
	check "$what: mailq lists it with the reason" \
	    grep -q "cannot write $MB: $etext" "$D/mq"
	check "$what: mailq -j: queue_name deferred" grep -q '^{"queue_name": "deferred",' <(mq -j)
	check "$what: deferred in the log" \
	    grep -q "to=<$ME@host.example.org>, relay=local, .*status=deferred (cannot write $MB: $etext" "$D/log"
	runq -q
	check "$what: next run delivers it" [ "$(queued)" = 0 ]
	check "$what: delivered exactly once" [ "$(grep -c "^Subject: $subj\$" "$MB")" = 1 ]
	check "$what: delivered complete" \
	    [ "$(grep -c "^line of $subj number " "$MB")" = "$lines" ]
	check "$what: old mailbox contents kept in front" \
	    cmp -s -n "$(stat -c %s "$D/mb.before")" "$MB" "$D/mb.before"
	check "$what: new message follows the old ones directly" \
	    bash -c "[ \$(stat -c %s '$MB') -gt \$(stat -c %s '$D/mb.before') ] && tail -c +\$((\$(stat -c %s '$D/mb.before') + 1)) '$MB' | head -n 1 | grep -q '^From '"
}
# write 1 is the From_ line, write 2 the message; a 300 KB message is
# written in 64 KB pieces, so write 3 fails after a part of it is in.
mbox_fault "mbox From_ line write ENOSPC" write 1 ENOSPC "No space left on device (mailbox full)" mb1 3
mbox_fault "mbox message write ENOSPC" write 2 ENOSPC "No space left on device (mailbox full)" mb2 3
mbox_fault "mbox message write EDQUOT" write 2 EDQUOT "Disk quota exceeded (mailbox full)" mb3 3
mbox_fault "mbox third write of a large message ENOSPC" write 3 ENOSPC "No space left on device" mb4 10000
mbox_fault "mbox fsync EIO" fsync 1 EIO "Input/output error" mb5 3
# --- runq: failures in its own commits (pickup, envelope update, removal) --
# Only the runq process is traced (no -f), with -y so that descriptors show
# their paths; the call to fail is found in a reference run on a copy of
# the spool. With the mailbox dot-locked (by this shell, alive), delivery
# defers, so an entry stays queued and its envelope is rewritten.
# rq_fault WHAT SUBJ SYSCALL PATTERN ERRNO [PRE]: queue a message SUBJ
# (PRE=deferred: picked up and deferred first); fail the first SYSCALL
# whose strace -y line matches the extended regex PATTERN (@ID@ and @Q@
# stand for the queue ID and its queue directory); check that the message
# is still in the maildrop or the queue and listed by mailq; then unlock
# and check that runq delivers it exactly once and leaves the spool clean.
rq_fault() {
	local what=$1 subj=$2 sc=$3 pat=$4 e=$5 pre=${6-} id q j
	echo $$ > "$MB.lock"
	body_lines "$subj" 3 | sm -odq "$ME"
	id=$(ls "$MD")
	q=$D/spool/queue/${id:12:1}
	[ "$pre" = deferred ] && runq -q
	[ "$pre" = unlocked ] && rm -f "$MB.lock"
	pat=${pat//@ID@/$id}
	pat=${pat//@Q@/$q}
	rm -rf "$D/spool.ref" "$D/mb.ref"
	cp -a "$D/spool" "$D/spool.ref"
	cp -a "$MB" "$D/mb.ref"
	strace -y -o "$D/ref.tr" -e trace="$sc" "$BUILD/runq" -C "$C" -q
	j=$(grep -E "^$sc\\(" "$D/ref.tr" | grep -nE "$pat" | head -n 1 | cut -d: -f1)
	rm -rf "$D/spool"
	mv "$D/spool.ref" "$D/spool"
	mv "$D/mb.ref" "$MB"
	if [ -z "$j" ]; then
		fail "$what: no call matching $pat in the reference run"
		rm -f "$MB.lock"
		runq -q
		return
	fi
	strace -y -o "$D/inj.tr" -e trace="$sc" -e inject="$sc:error=$e:when=$j" \
	    "$BUILD/runq" -C "$C" -q 2> "$D/err"
	check "$what: the failing call was the intended one" \
	    bash -c "grep '(INJECTED)' '$D/inj.tr' | grep -qE '$pat'"
	if [ "$pre" != unlocked ]; then
		check "$what: message still in the maildrop or the queue" \
		    bash -c "[ -e '$MD/$id' ] || [ -e '$q/$id.env' ]"
		check "$what: mailq lists it" bash -c "'$BUILD/mailq' -C '$C' | grep -q '^$id'"
	fi
	rm -f "$MB.lock"
	runq -q
	runq -q
	check "$what: delivered exactly once afterwards" \
	    [ "$(grep -c "^Subject: $subj\$" "$MB")" = 1 ]
	check "$what: queue, maildrop and corrupt/ empty afterwards" spool_clean
	check "$what: mailq empty afterwards" [ "$(mq)" = "Mail queue is empty" ]
	check "$what: debris removed once older than the grace period" debris_gone
}
# spool_clean: no queue entry, nothing visible in the maildrop or corrupt/
spool_clean() {
	[ -z "$(find "$D/spool/queue" -name '*.env')" ] && [ -z "$(ls "$MD")" ] &&
	    [ -z "$(ls -A "$D/spool/corrupt")" ]
}
# debris_gone: files left in the spool (hidden temporaries, message files
# without an envelope) go once older than runq's grace period (an hour)
debris_gone() {
	[ -z "$(spool_files)" ] && return 0
	spool_files | xargs -r touch -d '-2 hours'
	runq -q
	[ -z "$(spool_files)" ]
}
rq_fault "pickup: message file write ENOSPC" rq1 write '^write\([0-9]+<@Q@/\.@ID@\.msg\.' ENOSPC
# Pickup writes a batch of entries without fsyncs and makes them durable
# with one syncfs before it removes the maildrop files (spool_batch_end).
rq_fault "pickup: batch syncfs EIO" rq2 syncfs '^syncfs\(' EIO
rq_fault "pickup: message file rename EIO" rq3 rename '^rename\("@Q@/\.@ID@\.msg\.' EIO
rq_fault "pickup: envelope write EDQUOT" rq4 write '^write\([0-9]+<@Q@/\.@ID@\.env\.' EDQUOT
rq_fault "pickup: envelope rename EIO" rq5 rename '^rename\("@Q@/\.@ID@\.env\.' EIO
rq_fault "pickup: maildrop directory fsync EIO" rq6 fsync "^fsync\\([0-9]+<$MD>\\)" EIO
rq_fault "pickup: maildrop unlink EIO" rq7 unlink "^unlink\\(\"$MD/@ID@\"" EIO
rq_fault "envelope update: write ENOSPC" rq8 write '^write\([0-9]+<@Q@/\.@ID@\.env\.' ENOSPC deferred
rq_fault "envelope update: fsync EIO" rq9 fsync '^fsync\([0-9]+<@Q@/\.@ID@\.env\.' EIO deferred
rq_fault "envelope update: rename EIO" rq10 rename '^rename\("@Q@/\.@ID@\.env\.' EIO deferred
rq_fault "envelope update: directory fsync EIO" rq11 fsync '^fsync\([0-9]+<@Q@>\)' EIO deferred
rq_fault "removal after delivery: message unlink EIO" rq13 unlink '^unlink\("@Q@/@ID@\.msg"' EIO unlocked

# Removal after delivery: the envelope cannot be unlinked, in this run and
# the next (say a damaged directory block). Nothing is lost, and the
# message must not go out again with every run while the unlink fails:
# at most one repeat in all.
body_lines rq12 3 | sm -odq "$ME"
id=$(ls "$MD")
q=$D/spool/queue/${id:12:1}
for i in 1 2; do
	strace -f -o "$D/inj.tr" -P "$q/$id.env" -e trace=unlink -e inject=unlink:error=EIO \
	    "$BUILD/runq" -C "$C" -q 2> /dev/null
done
check "removal after delivery: envelope unlink fails: the failure was injected" grep -q 'INJECTED' "$D/inj.tr"
runq -q
n=$(grep -c '^Subject: rq12$' "$MB")
check "removal after delivery: envelope unlink fails in two runs: delivered, at most one repeat ($n copies)" \
    [ "$n" = 1 -o "$n" = 2 ]
check "removal after delivery: envelope unlink fails: spool clean afterwards" spool_clean
finish
