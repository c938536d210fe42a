#!/usr/bin/python3
"""smtpd.py - the SMTP server: posthorn's smtpd beside Postfix's (make bench only).

Postfix's smtp-source sends 4 KB messages (-l 4096) to each server on a
loopback port; both only queue them (posthorn: into a private instance
whose runq is never run; Postfix: its smtpd on a test port, every
message put on hold by check_recipient_access static:HOLD, so that its
queue manager stays idle too). posthorn's smtpd runs two ways:

  nowait          under tcpserver (as under inetd "nowait"): a new smtpd
                  process, exec'ed, for every connection;
  wait            under openbsd-inetd "wait": one smtpd takes the
                  listening socket and forks session processes (no
                  exec) that accept the connections, each serving up to
                  max_use (100) clients one after another;
  wait max_use=1  the same with max_use = 1: a forked process per
                  connection.

  throughput      smtp-source -s 10 -m BENCH_SMTPD_MESSAGES (default
                  5000): ten parallel sessions, a new connection for
                  every message (smtp-source's default): messages/s.
  per connection  smtp-source -s 1 -m BENCH_SMTPD_CONN (default 1000),
                  a connection per message, and the same with -d (all
                  messages over one connection): the difference per
                  message is what a connection costs, in wall time and
                  in CPU.
  peak RSS        of one smtpd process: posthorn nowait's from wait4
                  (each smtpd started by t/integ/peakrss in a separate
                  run of 200 messages); posthorn wait's the largest
                  session process, as the listener logs it when it ends
                  (getrusage RUSAGE_CHILDREN); Postfix's the VmHWM of its smtpd
                  processes after the throughput runs (they serve up to
                  max_use = 100 clients each).

CPU is the server's own: all CPU time of the process tree under
tcpserver or Postfix's master (utime + stime of the live processes,
cutime + cstime of the ones that exited), so other load on the machine
and smtp-source do not count. Neither server looks up client names
(smtpd_peername_lookup = no for both): the benchmark measures the
servers, not a resolver. Rounds are interleaved (BENCH_REPEAT,
default 3), medians reported. Postfix's main.cf and master.cf are saved
and put back, its queue emptied (postsuper -d ALL) and Postfix stopped;
it logs to /var/log/postfix-bench-smtpd.log. Ports: BENCH_SMTPD_PORT
(default 44125, posthorn nowait), the next one (Postfix), the one after
(posthorn wait) and the next (posthorn wait max_use=1). Run as root.
"""
import glob, os, pwd, shutil, statistics, subprocess, sys, tempfile, time

BUILD = os.environ["BUILD"]
NMSG = int(os.environ.get("BENCH_SMTPD_MESSAGES", "5000"))
NCONN = int(os.environ.get("BENCH_SMTPD_CONN", "1000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
PORT = int(os.environ.get("BENCH_SMTPD_PORT", "44125"))
PF_PORT = PORT + 1
WAIT_PORT = PORT + 2
WAIT1_PORT = PORT + 3
SOURCE = "/usr/sbin/smtp-source"
PF_MAIN, PF_MASTER = "/etc/postfix/main.cf", "/etc/postfix/master.cf"
PF_LOG = "/var/log/postfix-bench-smtpd.log"
PF_PID = "/var/spool/postfix/pid/master.pid"
PF_HOLD = "/var/spool/postfix/hold"
HOST = "host.example.org"
RCPT = f"postmaster@{HOST}"
SENDER = "bench@client.example.org"
HZ = os.sysconf("SC_CLK_TCK")


def children():
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        kids.setdefault(ppid, []).append(int(p))
    return kids


def tree(root):
    kids, todo, out = children(), [root], []
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def tree_cpu(root):
    """CPU seconds of root and its descendants, living and reaped"""
    total = 0
    for p in tree(root):
        try:
            with open(f"/proc/{p}/stat") as f:
                v = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in v[11:15])     # utime stime cutime cstime
    return total / HZ


def status_field(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return line.split()[1]
    except OSError:
        pass
    return None


def wait_port(port):
    import socket
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


def source(port, sessions, n, reuse=False):
    argv = [SOURCE, "-s", str(sessions), "-m", str(n), "-l", "4096",
            "-f", SENDER, "-t", RCPT, "-M", "client.example.org"]
    if reuse:
        argv.append("-d")
    t0 = time.perf_counter()
    r = subprocess.run(argv + [f"127.0.0.1:{port}"], capture_output=True)
    t = time.perf_counter() - t0
    if r.returncode != 0 or r.stderr.strip():
        raise SystemExit(f"smtp-source {' '.join(argv[1:])}: exit {r.returncode}:"
                         f" {r.stderr.decode(errors='replace')[:500]}")
    return t


class Posthorn:
    def __init__(self, tmp, wait=False, port=PORT, extra=""):
        self.wait, self.port = wait, port
        self.d = tmp + ("/posthorn-wait" if wait else "/posthorn") + extra.split(" ")[-1]
        os.makedirs(self.d + "/mail")
        os.chmod(self.d, 0o755)
        self.conf = self.d + "/posthorn.conf"
        with open(self.conf, "w") as f:
            f.write(f"""spool_directory = {self.d}/spool
maillog_file = {self.d}/log
command_directory = {BUILD}
mailq_path = {BUILD}/mailq
myhostname = {HOST}
mydomain = example.org
mail_spool_directory = {self.d}/mail
alias_maps = {self.d}/aliases
relayhost = [127.0.0.1]:9
dns_servers = 127.0.0.1:9
mynetworks = 127.0.0.1/32
smtpd_greet_pause = 0
smtpd_peername_lookup = no
{extra}
""")
        with open(self.d + "/aliases", "w") as f:
            f.write("postmaster: root\n")
        subprocess.run([BUILD + "/newaliases", "-C", self.conf], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([BUILD + "/runq", "-C", self.conf, "-q"], check=True)
        open(self.d + "/log", "a").close()
        pw = pwd.getpwnam("posthorn")
        for p in [self.d + "/log"] + glob.glob(self.d + "/spool/**", recursive=True):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        self.tcp = None

    def start(self, wrap=None):
        cmd = [BUILD + "/smtpd", "-C", self.conf]
        if self.wait:
            with open(self.d + "/inetd.conf", "w") as f:
                f.write(f"127.0.0.1:{self.port} stream tcp wait root {cmd[0]} smtpd"
                        f" -C {self.conf}\n")
            self.tcp = subprocess.Popen(["inetd", "-i", self.d + "/inetd.conf"])
            wait_port(self.port)
            return
        if wrap:
            cmd = ["/bin/sh", "-c", f'exec {BUILD}/t/integ/peakrss {wrap}/rss.$$ "$@"',
                   "sh"] + cmd
        self.tcp = subprocess.Popen(["tcpserver", "-q", "-H", "-R", "-l0", "-c", "40",
                                     "127.0.0.1", str(self.port)] + cmd)
        wait_port(self.port)

    def stop(self):
        if self.tcp:
            if self.wait:       # the listener first: it logs its sessions' peak RSS
                for p in children().get(self.tcp.pid, []):
                    os.kill(p, 15)
                for _ in range(200):
                    if not children().get(self.tcp.pid):
                        break
                    time.sleep(0.01)
            self.tcp.terminate()
            self.tcp.wait()
            self.tcp = None

    def root(self):
        return self.tcp.pid

    def idle(self):
        kids = children()
        busy = lambda k: (kids.get(self.tcp.pid) if not self.wait else
                          [c for p in kids.get(self.tcp.pid, []) for c in kids.get(p, [])])
        for _ in range(200):
            if not busy(kids):
                return
            time.sleep(0.01)
            kids = children()

    def session_rss(self):
        """the largest session's RSS in KB, from the listener's last log line"""
        rss = 0
        with open(self.d + "/log") as f:
            for line in f:
                if "stopped listening" in line and "largest session process" in line:
                    rss = int(line.split("largest session process ")[1].split()[0])
        return rss

    def queued(self):
        return len(glob.glob(self.d + "/spool/queue/*/*.env"))

    def empty(self):
        for f in glob.glob(self.d + "/spool/queue/*/*"):
            os.unlink(f)


class Postfix:
    def __init__(self):
        self.saved = {}
        for p in (PF_MAIN, PF_MASTER):
            with open(p, "rb") as f:
                self.saved[p] = f.read()

    def start(self):
        subprocess.run(["postfix", "stop"], capture_output=True)
        subprocess.run(["postconf", "-e", f"myhostname={HOST}", f"mydestination={HOST}",
                        "inet_interfaces=loopback-only", "inet_protocols=ipv4",
                        "smtpd_peername_lookup=no",
                        f"maillog_file={PF_LOG}", "mynetworks=127.0.0.0/8",
                        "smtpd_recipient_restrictions=check_recipient_access static:HOLD,"
                        " permit_mynetworks, reject_unauth_destination"], check=True)
        subprocess.run(["postconf", "-M#", "smtp/inet"], check=True)
        subprocess.run(["postconf", "-Me", f"127.0.0.1:{PF_PORT}/inet="
                        f"127.0.0.1:{PF_PORT} inet n - n - - smtpd"], check=True)
        subprocess.run(["postsuper", "-d", "ALL"], capture_output=True)
        subprocess.run(["postfix", "start"], check=True, capture_output=True)
        wait_port(PF_PORT)

    def restore(self):
        subprocess.run(["postfix", "stop"], capture_output=True)
        subprocess.run(["postsuper", "-d", "ALL"], capture_output=True)
        for p, b in self.saved.items():
            with open(p, "wb") as f:
                f.write(b)

    def root(self):
        with open(PF_PID) as f:
            return int(f.read())

    def idle(self):
        time.sleep(0.2)     # cleanup's last files; its smtpd processes stay

    def queued(self):
        for _ in range(100):            # cleanup may still be writing
            n = sum(len(fs) for _, _, fs in os.walk(PF_HOLD))
            incoming = sum(len(fs) for _, _, fs in os.walk("/var/spool/postfix/incoming"))
            if incoming == 0:
                return n
            time.sleep(0.05)
        return n

    def empty(self):
        subprocess.run(["postsuper", "-d", "ALL"], capture_output=True)

    def smtpd_rss(self):
        return max([int(status_field(p, "VmHWM") or 0) for p in tree(self.root())
                    if status_field(p, "Name") == "smtpd"] or [0])


def run(srv, name, port, sessions, n, reuse=False):
    srv.empty()
    c0 = tree_cpu(srv.root())
    t = source(port, sessions, n, reuse)
    srv.idle()
    cpu = tree_cpu(srv.root()) - c0
    got = srv.queued()
    if got != n:
        raise SystemExit(f"{name}: {got} of {n} messages queued")
    return {"s": t, "cpu": cpu}


def med(rows, k):
    return statistics.median(r[k] for r in rows)


def main():
    if os.getuid() != 0:
        print("smtpd.py: not root (tcpserver as root, Postfix): skipped")
        return
    for tool in (SOURCE, shutil.which("tcpserver") or "/nonexistent"):
        if not os.path.exists(tool):
            print(f"smtpd.py: {tool} not installed: skipped")
            return
    try:
        pwd.getpwnam("posthorn")
    except KeyError:
        print("smtpd.py: user posthorn missing: skipped")
        return
    have_pf = shutil.which("postfix") and os.path.exists(PF_MAIN)
    tmp = tempfile.mkdtemp(prefix="posthorn-smtpdbench.")
    os.chmod(tmp, 0o755)
    have_inetd = shutil.which("inetd")
    ph, pf = Posthorn(tmp), Postfix() if have_pf else None
    pw = Posthorn(tmp, wait=True, port=WAIT_PORT) if have_inetd else None
    pw1 = Posthorn(tmp, wait=True, port=WAIT1_PORT, extra="max_use = 1") if have_inetd else None
    res = {"posthorn nowait": {}, "posthorn wait": {}, "posthorn wait max_use=1": {}, "postfix": {}}
    tests = [("tput", 10, NMSG, False), ("conn", 1, NCONN, False), ("reuse", 1, NCONN, True)]
    try:
        ph.start()
        if pw:
            pw.start()
            pw1.start()
        if pf:
            pf.start()
        for _ in range(REPEAT):
            for key, s, n, reuse in tests:
                res["posthorn nowait"].setdefault(key, []).append(
                    run(ph, "posthorn", PORT, s, n, reuse))
                if pw:
                    res["posthorn wait"].setdefault(key, []).append(
                        run(pw, "posthorn wait", WAIT_PORT, s, n, reuse))
                    res["posthorn wait max_use=1"].setdefault(key, []).append(
                        run(pw1, "posthorn wait max_use=1", WAIT1_PORT, s, n, reuse))
                if pf:
                    res["postfix"].setdefault(key, []).append(run(pf, "postfix", PF_PORT, s, n, reuse))
        pf_rss = pf.smtpd_rss() if pf else 0
        ph.stop()
        pw_rss = pw1_rss = 0
        if pw:
            pw.stop()
            pw_rss = pw.session_rss()
            pw1.stop()
            pw1_rss = pw1.session_rss()
        rssdir = tmp + "/rss"
        os.mkdir(rssdir)
        ph.start(wrap=rssdir)
        run(ph, "posthorn", PORT, 10, 200)
        ph.stop()
        ph_rss = max(int(open(f).read().split()[0]) for f in glob.glob(rssdir + "/rss.*"))
    finally:
        ph.stop()
        if pw:
            pw.stop()
            pw1.stop()
        if pf:
            pf.restore()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"smtpd: smtp-source -l 4096 to 127.0.0.1, queue only; {REPEAT} interleaved"
          " rounds, medians; CPU = the server's process tree")
    print("  posthorn nowait: smtpd under tcpserver (a process exec'ed per connection);"
          " posthorn wait: smtpd under openbsd-inetd \"wait\" (forked session processes,"
          " each serving up to max_use = 100 clients; with max_use = 1 a fork per connection);"
          " Postfix: its smtpd (processes reused, max_use 100), messages on hold")
    rows = {}
    for name in ("posthorn nowait", "posthorn wait", "posthorn wait max_use=1", "postfix"):
        r = res[name]
        if not r:
            print(f"  {name}: not installed: no comparison")
            continue
        tput = NMSG / med(r["tput"], "s")
        conn_ms = med(r["conn"], "s") * 1000 / NCONN
        reuse_ms = med(r["reuse"], "s") * 1000 / NCONN
        conn_cpu = med(r["conn"], "cpu") * 1000 / NCONN
        reuse_cpu = med(r["reuse"], "cpu") * 1000 / NCONN
        rows[name] = (tput, conn_ms - reuse_ms, conn_cpu - reuse_cpu, conn_ms, conn_cpu)
        print(f"  {name}:")
        print(f"    throughput  -s 10 -m {NMSG}: {tput:7.0f} msg/s"
              f"  ({med(r['tput'], 's'):.2f} s, CPU {med(r['tput'], 'cpu'):.2f} s,"
              f" {med(r['tput'], 'cpu') * 1000 / NMSG:.3f} ms/msg)")
        print("                runs: " + ", ".join(f"{x['s']:.2f} s/{x['cpu']:.2f} cpu"
                                                  for x in r["tput"]))
        print(f"    -s 1 -m {NCONN}, a connection per message: {conn_ms:6.3f} ms/msg wall,"
              f" {conn_cpu:6.3f} ms CPU")
        print(f"    -s 1 -m {NCONN} -d, one connection:          {reuse_ms:6.3f} ms/msg wall,"
              f" {reuse_cpu:6.3f} ms CPU")
        print(f"    per-connection cost (difference):         {conn_ms - reuse_ms:6.3f} ms wall,"
              f" {conn_cpu - reuse_cpu:6.3f} ms CPU")
        rss, how = {"posthorn nowait": (ph_rss, "ru_maxrss, max of 200 processes"),
                    "posthorn wait": (pw_rss, "largest session process, RUSAGE_CHILDREN"),
                    "posthorn wait max_use=1": (pw1_rss, "largest session process, RUSAGE_CHILDREN"),
                    "postfix": (pf_rss, "VmHWM, largest smtpd after the runs")}[name]
        print(f"    peak RSS of one smtpd: {rss / 1024:.2f} MB ({how})")
    for name, rss in (("posthorn nowait", ph_rss), ("posthorn wait", pw_rss),
                      ("posthorn wait max_use=1", pw1_rss)):
        if name not in rows or "postfix" not in rows or not rss:
            continue
        a, b = rows[name], rows["postfix"]
        print(f"  ratio {name}/postfix: throughput {a[0] / b[0]:.2f} (goal >= 0.80),"
              f" per-connection cost wall {a[1] / b[1]:.2f}, CPU {a[2] / b[2]:.2f}"
              f" (goal < 1), a whole one-message connection wall {a[3] / b[3]:.2f},"
              f" CPU {a[4] / b[4]:.2f}; smtpd RSS {rss / pf_rss:.2f}")


if __name__ == "__main__":
    main()
