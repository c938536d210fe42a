#!/bin/bash
# lists_mlmmj.sh - mailing lists end to end with a real list manager:
# mlmmj's mlmmj-receive behind an alias pipe, its mlmmj-send handing one
# copy per subscriber back over SMTP to smtpd (under tcpserver on a
# loopback port), VERP bounce addresses (list+bounces-...) reaching the
# list through recipient_delimiter. A post reaches every subscriber
# exactly once with the list's headers; a subscription by mail (request,
# confirmation, welcome) works and the new member gets the next post; a
# bounce of one subscriber's copy goes back to mlmmj. runq is run by hand
# between the steps.
# port: PH_LISTS_SMTPD_PORT (default 25027), smtpd under tcpserver
PORT=${PH_LISTS_SMTPD_PORT:-25027}
. "$SRCDIR/t/integ/lib.sh"
[ -x /usr/bin/mlmmj-receive ] && [ -x /usr/bin/mlmmj-send ] ||
	skip "$T: mlmmj is not installed"
command -v tcpserver > /dev/null || skip "$T: tcpserver (ucspi-tcp) is not installed"
if [ "$(id -u)" = 0 ]; then
	id posthorn > /dev/null 2>&1 || skip "$T: user posthorn is missing"
fi

new_instance "smtpd_greet_pause = 0" "mynetworks = 127.0.0.1/32" \
	"recipient_delimiter = +"
L=host.example.org
LD=$D/lists/list
# Subscribers are aliases to files under $D/out: no system users needed.
# Alias targets run as default_privs when runq is root: a sticky,
# world-writable directory for them, and the list directory is theirs.
mkdir -p "$D/out" && chmod 1777 "$D/out"
cat > "$D/aliases" <<EOF
list: "|/usr/bin/mlmmj-receive -L $LD"
sub1: $D/out/sub1
sub2: $D/out/sub2
sub3: $D/out/sub3
newbie: $D/out/newbie
gone: |"exit 67"
owner: $D/out/owner
postmaster: $D/out/postmaster
EOF
"$BUILD/newaliases" -C "$C" > /dev/null || { fail "newaliases"; finish; }

# the list, made by hand as mlmmj-make-ml would (it only asks questions)
mkdir -p "$LD"
for d in incoming queue queue/discarded archive text subconf unsubconf \
    bounce control moderation subscribers.d digesters.d requeue nomailsubs.d; do
	mkdir -p "$LD/$d"
done
: > "$LD/index"
cp /usr/share/mlmmj/text.skel/en/* "$LD/text/"
echo "list@$L" > "$LD/control/listaddress"
echo "owner@$L" > "$LD/control/owner"
echo 127.0.0.1 > "$LD/control/relayhost"
echo "$PORT" > "$LD/control/smtpport"
echo "+" > "$LD/control/delimiter"
echo "[test]" > "$LD/control/prefix"
printf 'List-Id: Test list <list.%s>\nList-Post: <mailto:list@%s>\n' "$L" "$L" > "$LD/control/customheaders"
echo localhost > "$LD/control/smtphelo"
for s in sub1 sub2 sub3 gone; do
	/usr/bin/mlmmj-sub -L "$LD" -a "$s@$L" -q -f > /dev/null 2>&1 ||
		fail "mlmmj-sub $s"
done
if [ "$(id -u)" = 0 ]; then
	chown -R nobody "$D/lists"
fi

runq -q		# creates the spool
# As root, smtpd serves as the spool owner, never as root: a spool of
# user posthorn, as an installed system has.
if [ "$(id -u)" = 0 ]; then
	touch "$D/log"
	chown -R posthorn: "$D/spool" "$D/log"
fi

waitport() { for _ in $(seq 50); do "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
TPID=
trap '[ -n "$TPID" ] && kill "$TPID" 2>/dev/null; cleanup' EXIT
tcpserver -q -H -R -l0 -c 10 127.0.0.1 "$PORT" "$BUILD/smtpd" -C "$C" 2> "$D/tcpserver.err" &
TPID=$!
# listening, and it is ours (not another server left on the port)
waitport "$PORT" && sleep 0.2 && kill -0 "$TPID" 2> /dev/null ||
	{ fail "tcpserver listens on $PORT: $(cat "$D/tcpserver.err")"; finish; }

# mlmmj works in the background (mlmmj-receive forks, then execs
# mlmmj-process and mlmmj-send): settled when, five times in a row, no
# mlmmj program of this list runs, incoming/ is empty and queue/ holds
# no message (a process is briefly nameless while it execs)
settle() {
	quiet=0
	for _ in $(seq 300); do
		if ! pgrep -f -- "$LD" > /dev/null &&
		    [ -z "$(ls -A "$LD/incoming")" ] &&
		    [ -z "$(find "$LD/queue" -maxdepth 1 -type f)" ]; then
			quiet=$((quiet + 1))
			[ "$quiet" -ge 5 ] && return 0
		else
			quiet=0
		fi
		sleep 0.1
	done
	return 1
}
# step: deliver what is queued, let mlmmj send, and deliver what it sent
step() {
	runq -q
	settle || fail "mlmmj still busy after 30 s"
	runq -q
}
# (mlmmj encodes the subjects of its own messages: =?utf-8?q?...?=)
# copies FILE SUBJECT: how many messages with that subject FILE holds
copies() { grep -c "^Subject: .*$2\$" "$1" 2>/dev/null || true; }
smtpd_queued() { grep -c "posthorn/smtpd.*: client=.*127.0.0.1" "$D/log" 2>/dev/null || true; }

# --- a post reaches every subscriber once ------------------------------------
printf 'From: poster@example.org\nTo: list@%s\nSubject: first post\nMessage-ID: <p1@example.org>\n\nhello list\n' "$L" |
	sm -f poster@example.org "list@$L"
step
for s in sub1 sub2 sub3; do
	check "post delivered to $s exactly once" [ "$(copies "$D/out/$s" 'first post')" = 1 ]
done
check "mlmmj-send handed the copies to smtpd over SMTP" [ "$(smtpd_queued)" -ge 4 ]
check "the list's subject prefix is there" grep -q '^Subject: \[test\] first post$' "$D/out/sub1"
check "the list's List-Id and List-Post headers are there" \
	bash -c "grep -q '^List-Id: Test list <list.$L>' '$D/out/sub2' && grep -q '^List-Post: <mailto:list@$L>' '$D/out/sub2'"
check "VERP envelope sender per subscriber (Return-Path list+bounces-...)" \
	grep -Eq "^Return-Path: <list\+bounces-[0-9]+-sub3=$L@$L>" "$D/out/sub3"
check "the post is in the list's archive" [ -s "$LD/archive/1" ]
check "nothing left in posthorn's queue" [ "$(queued)" = 0 ]

# --- a bounce goes back to the list through list+bounces-... ------------------
# gone's copy fails (exit 67); runq's bounce goes to the VERP address,
# which recipient_delimiter hands to the list alias, and mlmmj records it.
check "the failing subscriber's bounce reached mlmmj (bounce/gone=$L)" \
	[ -s "$LD/bounce/gone=$L" ]
check "no bounce went to the poster or the postmaster" \
	bash -c "! grep -qs 'Undelivered' '$D/out/postmaster' '$D/out/owner'"

# --- subscription by mail ----------------------------------------------------
printf 'From: newbie@%s\nTo: list+subscribe@%s\nSubject: subscribe\n\nsubscribe\n' "$L" "$L" |
	sm -f "newbie@$L" "list+subscribe@$L"
step
check "mlmmj sent a confirmation request to newbie" grep -q "^Subject: =?utf-8?q?Confirm_subscription_to_list=40$L?=" "$D/out/newbie"
conf=$(grep -Eo "list\+confsub-[^@ <>]+@$L" "$D/out/newbie" | head -1)
check "the confirmation names a list+confsub- address" [ -n "$conf" ]
check "not subscribed before the confirmation" \
	bash -c "! /usr/bin/mlmmj-list -L '$LD' | grep -qx 'newbie@$L'"
printf 'From: newbie@%s\nTo: %s\nSubject: Re: confirm\n\nyes\n' "$L" "$conf" |
	sm -f "newbie@$L" "$conf"
step
check "replying to the confirm address subscribed newbie" \
	bash -c "/usr/bin/mlmmj-list -L '$LD' | grep -qx 'newbie@$L'"
check "newbie got a welcome message" grep -q "^Subject: =?utf-8?q?Welcome_to_list=40$L?=" "$D/out/newbie"

printf 'From: poster@example.org\nTo: list@%s\nSubject: second post\n\nagain\n' "$L" |
	sm -f poster@example.org "list@$L"
step
for s in sub1 sub2 sub3 newbie; do
	check "second post delivered to $s exactly once" [ "$(copies "$D/out/$s" 'second post')" = 1 ]
done
check "the first post still once each (no repeat)" [ "$(copies "$D/out/sub1" 'first post')" = 1 ]
check "nothing left in posthorn's queue at the end" [ "$(queued)" = 0 ]
finish
