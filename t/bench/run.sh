#!/bin/sh
# run.sh - make bench: see bench.py
exec /usr/bin/python3 "$SRCDIR/t/bench/bench.py"
