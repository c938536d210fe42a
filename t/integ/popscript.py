#!/usr/bin/python3
# popscript.py PORT MODE READYFILE - a hostile or broken POP3 server for
# popfetch's tests: one connection, then it exits. It writes READYFILE
# once it listens. MODES:
#   longline   a greeting of 100000 bytes without a line end
#   noterm     RETR: half a message, then the connection closes
#   baduidl    UIDL answers with a UID holding a space-free 200-byte word
#   dupuidl    two messages with the same UID
#   statlie    STAT counts 5 messages, LIST lists 2
#   stall      RETR: the status line, then nothing (popfetch must time out)
#   hugelist   LIST numbers out of order
#   garbage    a reply that is neither +OK nor -ERR
#   trickle    RETR: a byte of the message every 0.3 s, for ever
#   sizelie    LIST says every message has 10 bytes
import socket, sys, time

port, mode, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(1)
s.settimeout(30)
open(ready, "w").close()
c, _ = s.accept()
f = c.makefile("rb")
log = open(ready + ".log", "w")

def send(b):
    c.sendall(b)

MSG = b"From: a@example.test\r\nSubject: hostile\r\n\r\nline one\r\n..dot\r\n"
msgs = [MSG, MSG]
uids = [b"uid-1", b"uid-2"]
if mode == "dupuidl":
    uids = [b"same", b"same"]
if mode == "baduidl":
    uids = [b"u" * 200, b"uid-2"]

if mode == "longline":
    send(b"+OK " + b"x" * 100000)
    time.sleep(2)
    sys.exit(0)
send(b"+OK hostile POP3 ready\r\n")
try:
    while True:
        line = f.readline()
        if not line:
            break
        cmd = line.strip().split(b" ")
        verb = cmd[0].upper()
        log.write(line.decode(errors="replace").strip() + "\n"); log.flush()
        if verb == b"CAPA":
            send(b"+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n")
        elif verb in (b"USER", b"PASS", b"NOOP", b"RSET"):
            send(b"+OK\r\n")
        elif verb == b"STAT":
            n = 5 if mode == "statlie" else len(msgs)
            send(b"+OK %d %d\r\n" % (n, sum(map(len, msgs))))
        elif verb == b"LIST":
            if mode == "garbage":
                send(b"OK maybe\r\n")
                continue
            send(b"+OK\r\n")
            order = [2, 1] if mode == "hugelist" else [1, 2]
            for i in order:
                send(b"%d %d\r\n" % (i, 10 if mode == "sizelie" else len(msgs[i - 1])))
            send(b".\r\n")
        elif verb == b"UIDL":
            send(b"+OK\r\n")
            for i, u in enumerate(uids):
                send(b"%d %s\r\n" % (i + 1, u))
            send(b".\r\n")
        elif verb == b"RETR":
            n = int(cmd[1])
            if mode == "stall":
                send(b"+OK\r\n" + msgs[n - 1][:20])
                time.sleep(60)
                break
            if mode == "trickle":
                send(b"+OK\r\n")
                for i in range(200):
                    send(msgs[n - 1][i % len(msgs[n - 1]):][:1])
                    time.sleep(0.3)
                break
            if mode == "noterm" and n == 2:
                send(b"+OK\r\n" + msgs[n - 1][:30])
                break
            send(b"+OK\r\n" + msgs[n - 1] + b".\r\n")
        elif verb == b"DELE":
            send(b"+OK\r\n")
        elif verb == b"QUIT":
            send(b"+OK bye\r\n")
            break
        else:
            send(b"-ERR what\r\n")
except (BrokenPipeError, ConnectionResetError):
    pass
c.close()
