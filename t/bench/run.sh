#!/bin/sh
# run.sh - make bench: see bench.py (submission, delivery), big.py
# (1 GB throughput and peak RSS, a message over 2 GiB end to end) and
# smtp.py (remote delivery to smtp-sink beside Postfix)
/usr/bin/python3 "$SRCDIR/t/bench/bench.py" || exit 1
/usr/bin/python3 "$SRCDIR/t/bench/big.py" || exit 1
exec /usr/bin/python3 "$SRCDIR/t/bench/smtp.py"
