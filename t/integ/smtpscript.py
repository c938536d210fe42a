#!/usr/bin/python3
"""smtpscript.py: a scripted SMTP server for the cases a well-behaved
receiver never produces.

  smtpscript.py --mode MODE --listen ADDR:PORT --out DIR [--pidfile FILE]

Modes:
  hang          accept the connection, never say anything
  greet421      greet with 421 and close
  nohelo        reply 502 to EHLO and 250 to HELO (a pre-ESMTP server)
  drop-data     accept MAIL/RCPT, then close the connection after 100 bytes
                of message data (no reply to the end of data)
  dsn           offer DSN, 8BITMIME, PIPELINING; record the commands
  seven         offer neither 8BITMIME nor SMTPUTF8 (a 7-bit server)
  nostarttls    like dsn, but never offers STARTTLS (a stripping attacker)
  size          offer SIZE 1000
  inject        offer STARTTLS (needs --cert, --key); after "220 Ready" put an
                extra "250 injected" line in the same write, then start TLS:
                a client that reads it after the handshake is fooled
  data250       answer DATA with 250 instead of 354 (a broken server)
  rcpt2         take at most 2 recipients per message, then 452 4.5.3
  oauth         offer AUTH XOAUTH2 and accept any AUTH (235)
  oauthbearer   offer AUTH OAUTHBEARER XOAUTH2 and accept any AUTH
Each session appends its commands and the message data (bytes exactly as
received) to DIR/session-N.log and DIR/data-N.raw; DIR/count holds the
number of messages accepted (a reply 250 to the end of data).
"""
import argparse
import os
import signal
import socket
import sys
import threading

ap = argparse.ArgumentParser()
ap.add_argument("--mode", required=True)
ap.add_argument("--listen", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--pidfile")
ap.add_argument("--cert")
ap.add_argument("--key")
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)
lock = threading.Lock()
nsess = [0]
naccepted = [0]


def ehlo_lines(mode):
    kws = ["ENHANCEDSTATUSCODES"]
    if mode in ("dsn", "nostarttls", "drop-data", "size", "data250", "rcpt2"):
        kws += ["PIPELINING", "8BITMIME", "DSN", "SMTPUTF8"]
    if mode == "size":
        kws += ["SIZE 1000"]
    if mode == "seven":
        kws += ["PIPELINING"]
    if mode == "inject":
        kws += ["PIPELINING", "8BITMIME", "STARTTLS"]
    if mode == "oauth":
        kws += ["AUTH XOAUTH2"]
    if mode == "oauthbearer":
        kws += ["AUTH OAUTHBEARER XOAUTH2"]
    return ["mx.script.test"] + kws


def serve(conn):
    with lock:
        nsess[0] += 1
        n = nsess[0]
    log = open(os.path.join(args.out, "session-%d.log" % n), "ab")
    f = conn.makefile("rb")
    nrcpt = 0

    def send(s):
        conn.sendall(s.encode() + b"\r\n")

    try:
        if args.mode == "hang":
            conn.recv(1)
            return
        if args.mode == "greet421":
            send("421 4.3.2 service not available (scripted)")
            return
        send("220 mx.script.test ESMTP scripted")
        while True:
            line = f.readline(8192)
            if not line:
                return
            log.write(line)
            log.flush()
            cmd = line.strip().upper()
            if cmd.startswith(b"EHLO"):
                if args.mode == "nohelo":
                    send("502 5.5.2 EHLO not implemented")
                    continue
                kws = ehlo_lines(args.mode)
                for k in kws[:-1]:
                    send("250-" + k)
                send("250 " + kws[-1])
            elif cmd.startswith(b"HELO"):
                send("250 mx.script.test")
            elif cmd.startswith(b"MAIL"):
                nrcpt = 0
                send("250 2.1.0 OK")
            elif cmd.startswith(b"RCPT"):
                nrcpt += 1
                if args.mode == "rcpt2" and nrcpt > 2:
                    send("452 4.5.3 Too many recipients")
                else:
                    send("250 2.1.5 OK")
            elif cmd == b"DATA" and args.mode == "data250":
                send("250 2.0.0 Ok: this is not how it works")
            elif cmd == b"DATA":
                send("354 go ahead")
                data = b""
                while True:
                    l = f.readline(1 << 20)
                    if not l:
                        return
                    data += l
                    if args.mode == "drop-data" and len(data) > 100:
                        with open(os.path.join(args.out, "data-%d.raw" % n), "ab") as d:
                            d.write(data)
                        conn.shutdown(socket.SHUT_RDWR)
                        return
                    if l == b".\r\n":
                        break
                with open(os.path.join(args.out, "data-%d.raw" % n), "ab") as d:
                    d.write(data)
                with lock:
                    naccepted[0] += 1
                    with open(os.path.join(args.out, "count"), "w") as c:
                        c.write("%d\n" % naccepted[0])
                send("250 2.0.0 Ok: queued")
            elif cmd == b"STARTTLS" and args.mode == "inject":
                import ssl
                conn.sendall(b"220 2.0.0 Ready to start TLS\r\n250 injected\r\n")
                ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                ctx.load_cert_chain(args.cert, args.key)
                conn = ctx.wrap_socket(conn, server_side=True)
                f = conn.makefile("rb")
                log.write(b"-- TLS started\n")

                def send(s, c=conn):
                    c.sendall(s.encode() + b"\r\n")
            elif cmd.startswith(b"AUTH"):
                send("235 2.7.0 Authentication successful")
            elif cmd == b"RSET" or cmd == b"NOOP":
                send("250 2.0.0 OK")
            elif cmd == b"QUIT":
                send("221 2.0.0 Bye")
                return
            else:
                send("502 5.5.2 not implemented")
    except OSError:
        return
    finally:
        log.close()
        conn.close()


host, port = args.listen.rsplit(":", 1)
host = host.strip("[]")
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
srv = socket.socket(fam, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((host, int(port)))
srv.listen(64)
if args.pidfile:
    with open(args.pidfile + ".tmp", "w") as p:
        p.write("%d\n" % os.getpid())
    os.rename(args.pidfile + ".tmp", args.pidfile)
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
