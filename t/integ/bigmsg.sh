#!/bin/bash
# bigmsg.sh - a 50 MB message in constant memory: sendmail, mailq, runq's
# pickup and local delivery (mbox, Maildir, a |command alias, a forward
# to a remote address), each checked byte for byte, and the peak RSS of
# sendmail, mailq and runq for the 50 MB message within 1 MB of the
# figure for a 4 KB one. The peak RSS comes from wait4 through a small C
# launcher (peakrss), never from timing; there are no timing assertions.
. "$SRCDIR/t/integ/lib.sh"
PEAK=$BUILD/t/integ/peakrss
[ -x "$PEAK" ] || skip "$T: $PEAK not built"
new_instance "default_privs = $ME" "message_size_limit = 0"
MB=$D/mail/$ME
mkdir -p "$D/out" && chmod 1777 "$D/out"
cat > "$D/aliases" <<EOA
bigpipe: |"cat > $D/out/pipe"
bigfwd: someone@remote.example
EOA
"$BUILD/newaliases" -C "$C" > /dev/null

# Maildir needs a user whose home we own: as root, a throwaway one.
MDUSER=
if [ "$(id -u)" = 0 ] && command -v useradd > /dev/null; then
	MDUSER=phtbig$$
	mkdir -p "$D/home" && chmod 755 "$D/home"
	useradd -M -d "$D/home/$MDUSER" -s /bin/sh "$MDUSER" &&
	    mkdir -p "$D/home/$MDUSER" && chown "$MDUSER:" "$D/home/$MDUSER" || MDUSER=
	trap 'userdel "$MDUSER" 2>/dev/null; cleanup' EXIT
fi

# gen SIZE FILE: a message of about SIZE bytes; no line starts with
# "From " or is a lone dot, so every copy must hold the body unchanged
gen() {
	$PY - "$1" "$2" <<'EOP'
import sys
size, path = int(sys.argv[1]), sys.argv[2]
with open(path, "wb") as f:
    f.write(b"Subject: big\nX-Size: %d\n\n" % size)
    n, i = 0, 0
    while n < size:
        line = b"%08d %s\n" % (i, b"0123456789abcdef" * 4)
        f.write(line)
        n += len(line)
        i += 1
EOP
}
# body_sum FILE [mbox]: sha256 of what follows the first empty line; an
# mbox message loses the empty line that mbox format puts after it
body_sum() {
	$PY - "$@" <<'EOP'
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    head = b""
    while b"\n\n" not in head:
        c = f.read(65536)
        if not c:
            print("no-body"); sys.exit(0)
        head += c
    rest = head[head.index(b"\n\n") + 2:]
    prev = b""
    while True:
        c = f.read(1 << 20)
        if not c:
            break
        h.update(prev)
        prev = rest + c if rest else c
        rest = b""
    prev = prev or rest
    if len(sys.argv) > 2:
        prev = prev[:-1] if prev.endswith(b"\n\n") else prev + b"!"
    h.update(prev)
print(h.hexdigest())
EOP
}
# rss NAME SIZE COMMAND...: run COMMAND through peakrss, record its peak
rss() {
	local name=$1 size=$2 rc
	shift 2
	"$PEAK" "$D/rss.$name.$size" "$@"
	rc=$?
	echo "peak RSS: $name $size: $(cat "$D/rss.$name.$size" 2>/dev/null) KiB"
	return $rc
}

for size in 4096 52428800; do
	gen "$size" "$D/in.$size"
	want=$(body_sum "$D/in.$size")
	: > "$MB"
	rm -f "$D/out/pipe"
	rss sendmail "$size" "$BUILD/sendmail" -C "$C" -odq "$ME" bigpipe bigfwd < "$D/in.$size"
	check "$size: sendmail -odq exits 0" [ $? = 0 ]
	rss mailq "$size" "$BUILD/mailq" -C "$C" > "$D/mailq.out"
	check "$size: mailq lists the maildrop entry" grep -q "$ME@host.example.org" "$D/mailq.out"
	rss runq "$size" "$BUILD/runq" -C "$C" -q
	check "$size: runq -q exits 0" [ $? = 0 ]
	check "$size: mbox copy byte-exact" [ "$(body_sum "$MB" mbox)" = "$want" ]
	check "$size: |command copy byte-exact" [ "$(body_sum "$D/out/pipe")" = "$want" ]
	fwd=$(grep -rl '^Rsomeone@remote.example\|^R.*someone@remote.example' "$D/spool/queue" | head -n 1)
	fwdmsg=${fwd%.env}.msg
	check "$size: forwarded copy queued" test -n "$fwd" -a -f "$fwdmsg"
	check "$size: forwarded copy byte-exact" [ "$(body_sum "$fwdmsg")" = "$want" ]
	check "$size: forwarded copy has Delivered-To first" \
	    bash -c "head -n 1 '$fwdmsg' | grep -q '^Delivered-To: bigfwd@host.example.org'"
	rm -f "$fwd" "$fwdmsg"
	if [ -n "$MDUSER" ]; then
		echo "home_mailbox = Maildir/" >> "$C"
		sm -odq "$MDUSER" < "$D/in.$size"
		rss runq-maildir "$size" "$BUILD/runq" -C "$C" -q
		sed -i '/^home_mailbox/d' "$C"
		f=$(ls "$D/home/$MDUSER/Maildir/new/" 2>/dev/null | head -n 1)
		check "$size: Maildir copy byte-exact" \
		    [ "$(body_sum "$D/home/$MDUSER/Maildir/new/$f")" = "$want" ]
		rm -rf "$D/home/$MDUSER/Maildir"
	fi
	check "$size: spool empty afterwards" \
	    test -z "$(ls -A "$D/spool/maildrop")" -a "$(queued)" = 0
	rm -f "$D/in.$size"
done

# within 1 MB (1024 KiB) of the small message's figure
for p in sendmail mailq runq ${MDUSER:+runq-maildir}; do
	small=$(cat "$D/rss.$p.4096") big=$(cat "$D/rss.$p.52428800")
	check "$p: peak RSS for 50 MB ($big KiB) within 1 MB of 4 KB ($small KiB)" \
	    [ "$((big - small))" -le 1024 ]
done
finish
