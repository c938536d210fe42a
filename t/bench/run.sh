#!/bin/sh
# run.sh - make bench: see bench.py (submission, delivery), big.py
# (1 GB throughput and peak RSS, a message over 2 GiB end to end),
# smtp.py (remote delivery to smtp-sink beside Postfix) and smtpd.py
# (the SMTP server beside Postfix's, driven by smtp-source) and popfetch.py
# (POP3 downloads from Dovecot beside fetchmail)
/usr/bin/python3 "$SRCDIR/t/bench/bench.py" || exit 1
/usr/bin/python3 "$SRCDIR/t/bench/big.py" || exit 1
/usr/bin/python3 "$SRCDIR/t/bench/smtp.py" || exit 1
/usr/bin/python3 "$SRCDIR/t/bench/smtpd.py" || exit 1
exec /usr/bin/python3 "$SRCDIR/t/bench/popfetch.py"
