#!/usr/bin/python3
"""tlspeer.py - Python's ssl module as the peer of t/integ/tls.sh

  tlspeer.py inject-server PORT CERT KEY
      accept one connection; "220 go"; read STARTTLS; send "220 ready" and
      "injected" in ONE write, then TLS as the server; send "after tls"
  tlspeer.py inject-client PORT CAFILE NAME
      connect; read "220 go"; send "STARTTLS" and "injected" in ONE write;
      read "220 ready"; TLS as the client (CA and NAME verified); send
      "after tls"; print the reply line
  tlspeer.py inetd PORT PROGRAM ARGS...
      accept one connection and run PROGRAM with it as stdin and stdout

Each prints "ready" on stdout once it listens (the servers), and exits 0
when its side went as planned.
"""
import socket
import ssl
import subprocess
import sys


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    print("ready", flush=True)
    conn, _ = s.accept()
    s.close()
    conn.settimeout(10)
    return conn


def readline(sock):
    """one line, byte by byte: nothing past the LF may be consumed"""
    b = b""
    while not b.endswith(b"\n"):
        c = sock.recv(1)
        if not c:
            break
        b += c
    return b


def inject_server(port, cert, key):
    conn = listen(port)
    conn.sendall(b"220 go\r\n")
    if readline(conn) != b"STARTTLS\r\n":
        return 1
    conn.sendall(b"220 ready\r\ninjected\r\n")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    tls = ctx.wrap_socket(conn, server_side=True)
    tls.sendall(b"after tls\r\n")
    try:
        tls.recv(100)       # until the client closes
    except (OSError, ssl.SSLError):
        pass
    return 0


def inject_client(port, cafile, name):
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    if not readline(conn).startswith(b"220 "):
        return 1
    conn.sendall(b"STARTTLS\r\ninjected\r\n")
    if not readline(conn).startswith(b"220 "):
        return 1
    ctx = ssl.create_default_context(cafile=cafile)
    tls = ctx.wrap_socket(conn, server_hostname=name)
    tls.sendall(b"after tls\r\n")
    reply = readline(tls)
    print("reply: " + reply.decode("ascii", "replace").rstrip("\r\n"))
    return 0


def inetd(port, argv):
    conn = listen(port)
    r = subprocess.run(argv, stdin=conn.fileno(), stdout=conn.fileno())
    conn.close()
    return r.returncode


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "inject-server":
        return inject_server(port, sys.argv[3], sys.argv[4])
    if mode == "inject-client":
        return inject_client(port, sys.argv[3], sys.argv[4])
    if mode == "inetd":
        return inetd(port, sys.argv[3:])
    return 2


if __name__ == "__main__":
    sys.exit(main())
