# pop3env.sh - Dovecot's POP3 server on loopback for the popfetch tests
# (sourced after lib.sh and new_instance; adapted from the recipe that
# starts Dovecot by hand, without systemd)
#
#   pop3_start        127.0.0.1:$POP_PORT plain POP3 with STLS, and
#                     127.0.0.1:$POPS_PORT POP3S; users alice and bob
#                     (passwords secret and hunter2), certificates from
#                     mkcerts.sh in $D/tls (CA $D/tls/ca.crt)
#   pop3_stop         stops it by its pid
#   pop3_put USER N [SIZE]  N messages into USER's Maildir/new
#   pop3_count USER   messages left in USER's mailbox
POP_PORT=${PH_POP_PORT:-23000}
POPS_PORT=${PH_POPS_PORT:-23001}
PD=$D/dovecot

pop3_start() {
	command -v dovecot > /dev/null || skip "$T: dovecot is not installed (dovecot-core, dovecot-pop3d)"
	[ -x /usr/lib/dovecot/pop3 ] || skip "$T: dovecot-pop3d is not installed"
	mkdir -p "$PD/run"
	bash "$SRCDIR/t/integ/mkcerts.sh" "$D/tls" > /dev/null
	if [ "$(id -u)" = 0 ]; then
		login_user=dovenull internal_user=dovecot mail_uid=nobody mail_gid=nogroup
		chmod 755 "$PD"
	else
		login_user=$(id -un) internal_user=$(id -un) mail_uid=$(id -un) mail_gid=$(id -gn)
	fi
	POP_UID=$(id -u $mail_uid) POP_GID=$(getent group $mail_gid | cut -d: -f3)
	: > "$PD/users"
	for u in alice:secret bob:hunter2; do
		mkdir -p "$PD/home/${u%%:*}/Maildir"/{new,cur,tmp}
		echo "${u%%:*}:{PLAIN}${u#*:}:$POP_UID:$POP_GID::$PD/home/${u%%:*}::" >> "$PD/users"
	done
	chown -R "$POP_UID:$POP_GID" "$PD/home"
	cat > "$PD/dovecot.conf" <<EOC
protocols = pop3
listen = 127.0.0.1
base_dir = $PD/run
state_dir = $PD/run
log_path = $PD/dovecot.log
instance_name = posthorn-test-pop3-$$
default_login_user = $login_user
default_internal_user = $internal_user
default_internal_group = $(id -gn $internal_user)
ssl = yes
ssl_cert = <$D/tls/server-rsa-chain.crt
ssl_key = <$D/tls/server-rsa.key
disable_plaintext_auth = no
auth_failure_delay = 0
auth_mechanisms = plain login apop
passdb {
  driver = passwd-file
  args = scheme=PLAIN $PD/users
}
userdb {
  driver = passwd-file
  args = $PD/users
}
mail_location = maildir:~/Maildir
first_valid_uid = 1
pop3_uidl_format = %08Xu%08Xv
service pop3-login {
  chroot =
  inet_listener pop3 {
    port = $POP_PORT
  }
  inet_listener pop3s {
    port = $POPS_PORT
    ssl = yes
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
EOC
	chmod 644 "$D/tls/ca.crt"
	dovecot -c "$PD/dovecot.conf" || skip "$T: dovecot did not start"
	for _ in $(seq 100); do [ -s "$PD/run/master.pid" ] && break; sleep 0.1; done
	trap 'pop3_stop; cleanup' EXIT
}

pop3_stop() {
	[ -s "$PD/run/master.pid" ] || return 0
	local pid
	pid=$(cat "$PD/run/master.pid")
	kill "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	rm -f "$PD/run/master.pid"
}

# pop3_put USER N [BODYLINES]: N test messages (CRLF, as Dovecot keeps them)
pop3_put() {
	local u=$1 n=$2 lines=${3:-1} i
	for i in $(seq "$n"); do
		SEQ=$((${SEQ:-0} + 1))
		/usr/bin/python3 - "$PD/home/$u/Maildir/new/$(date +%s).M${SEQ}P$$.test" "$SEQ" "$lines" <<'EOP'
import sys
path, seq, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "wb") as f:
    f.write(b"Return-Path: <sender%d@example.test>\r\nFrom: sender%d@example.test\r\n"
            b"To: alice@example.test\r\nSubject: test message %d\r\n"
            b"Message-ID: <msg%d@example.test>\r\n\r\n" % (seq, seq, seq, seq))
    line = b"Body line %%d of message %d: 0123456789 abcdefghijklmnopqrstuvwxyz.\r\n" % seq
    for i in range(lines):
        f.write(line % i)
EOP
	done
	chown -R "$POP_UID:$POP_GID" "$PD/home/$u"
}

pop3_count() {
	find "$PD/home/$1/Maildir/new" "$PD/home/$1/Maildir/cur" -type f | wc -l
}
