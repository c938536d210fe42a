#!/usr/bin/python3
"""smtp.py - remote delivery: posthorn's runq beside Postfix (make bench only).

  1 destination     BENCH_SMTP_MESSAGES (default 10000) queued 4 KB
                    messages flushed to Postfix's smtp-sink on loopback
                    through relayhost = [127.0.0.1]:PORT; the same for
                    Postfix, same sink, interleaved rounds (BENCH_REPEAT).
  100 destinations  the same messages spread over d1..d100.bench.test:
                    posthorn routes them by MX through a loopback unbound
                    (t/integ/dnsenv.sh); Postfix gets a transport map with
                    smtp:[127.0.0.1]:PORT for each domain (no DNS at all).
  1 GB              one message of BENCH_BIG bytes (default 1 GiB) through
                    runq to the sink: peak RSS of the SMTP worker beside
                    the 4 KB figure (constant memory per worker).
  dead destination  10 live destinations and one whose MX accepts TCP and
                    never answers (smtp_helo_timeout 10s): how long the
                    live destinations' mail takes with and without it.

Submission is never timed: the queue is filled first (posthorn: sendmail
-odq into a private instance; Postfix: its sendmail while it is stopped),
then the flush is timed (runq -q until it exits; postfix start until the
queue is empty and the sink has every message). CPU is the same for both:
all CPU time of the machine during the flush (/proc/stat) minus the
sink's and this script's own, so posthorn's figure is runq and its
workers, Postfix's all its daemons; on a busy machine both carry the same
noise. Peak RSS is sampled from /proc (VmHWM of every process under runq,
or under Postfix's master).

Everything stays on loopback: posthorn resolves through the private
unbound only; Postfix never looks anything up. Postfix's main.cf is
changed for the run and put back afterwards (postfix stop, postsuper -d
ALL). Ports: BENCH_SMTP_PORT (default 44025, the sink; the dead MX
listens on 127.0.0.13 at the same port), PH_DNS_PORT (default 44053).
"""
import os, re, resource, shutil, socket, statistics, subprocess, sys, tempfile
import threading, time

BUILD = os.environ["BUILD"]
SRC = os.path.dirname(os.path.abspath(__file__))
NMSG = int(os.environ.get("BENCH_SMTP_MESSAGES", "10000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
BIG = int(os.environ.get("BENCH_BIG", str(1024 ** 3)))
DEAD_EACH = int(os.environ.get("BENCH_DEAD_MESSAGES", "200"))
ALT_PROCS = int(os.environ.get("BENCH_SMTP_PROCS_ALT", "20"))   # 0: skip
PORT = int(os.environ.get("BENCH_SMTP_PORT", "44025"))
DNS_PORT = int(os.environ.get("PH_DNS_PORT", "44053"))
DEAD_ADDR = "127.0.0.13"            # nomx.example.test in dnsenv.sh
HELO_TIMEOUT = "10s"
HZ = os.sysconf("SC_CLK_TCK")
MSG = (b"From: bench@bench.example.org\nTo: bench@bench.test\n"
       b"Subject: benchmark\n\n" + (b"x" * 71 + b"\n") * 56)      # about 4 KB
PF_MAIN = "/etc/postfix/main.cf"
PF_LOG = "/var/log/postfix-bench-smtp.log"
PF_PID = "/var/spool/postfix/pid/master.pid"
SENDER = "bench@bench.example.org"


def rcpts_one():
    return ["bench@sink.bench.test"]


def rcpts_many(n=100):
    # a local part of its own per domain: see postfix_conf()
    return [f"bench{i}@d{i}.bench.test" for i in range(1, n + 1)]


# --- measuring --------------------------------------------------------------

def machine_cpu():
    """CPU seconds the whole machine has spent busy (not idle, not iowait)"""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest is in user)
    return (v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)) / HZ


def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / HZ      # utime, stime


class Sampler(threading.Thread):
    """Every 50 ms, the peak RSS (VmHWM) of each process under root() and
    the largest sum of their current RSS. root is a function: Postfix's
    master has no PID until it is up."""

    def __init__(self, root):
        super().__init__(daemon=True)
        self.root, self.stop, self.procs, self.total = root, False, {}, 0
        self.parents = set()

    def scan(self):
        r = self.root()
        if r is None:
            return
        kids = {}
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                with open(f"/proc/{p}/stat") as f:
                    s = f.read()
            except OSError:
                continue
            ppid = int(s.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(p))
        todo, total = [(r, 0)], 0
        while todo:
            pid, depth = todo.pop()
            todo += [(k, depth + 1) for k in kids.get(pid, [])]
            if pid in kids:
                self.parents.add(pid)
            try:
                with open(f"/proc/{pid}/status") as f:
                    st = f.read()
            except OSError:
                continue
            m = re.search(r"VmHWM:\s+(\d+)", st)
            if not m:
                continue
            rss = int(re.search(r"VmRSS:\s+(\d+)", st).group(1))
            name = re.search(r"Name:\s+(\S+)", st).group(1)
            total += rss
            old = self.procs.get(pid, (name, depth, 0))
            self.procs[pid] = (name, depth, max(old[2], int(m.group(1))))
        self.total = max(self.total, total)

    def run(self):
        while not self.stop:
            self.scan()
            time.sleep(0.05)

    def finish(self):
        self.stop = True
        self.join()
        return self

    def peak(self, want):
        """largest VmHWM (KiB) of the processes for which want(name, depth,
        whether it had children)"""
        return max([h for p, (n, d, h) in self.procs.items()
                    if want(n, d, p in self.parents)] or [0])


class Sink:
    """smtp-sink on 127.0.0.1:PORT; count() is the messages received"""

    def __init__(self):
        self.n = 0
        # a terminal: into a pipe, its counters would wait in a buffer
        self.pty, tty = os.openpty()
        self.p = subprocess.Popen(["/usr/sbin/smtp-sink", "-u", "nobody", "-c",
                                   f"127.0.0.1:{PORT}", "1024"],
                                  stdout=tty, stderr=subprocess.DEVNULL)
        os.close(tty)
        threading.Thread(target=self.read, daemon=True).start()
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", PORT), 1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"smtp-sink did not start on port {PORT}")

    def read(self):
        buf = b""
        while True:
            try:
                b = os.read(self.pty, 4096)
            except OSError:
                b = b""
            if not b:
                return
            buf = (buf + b)[-200:]
            m = re.findall(rb"mesg=(\d+)", buf)
            if m:
                self.n = int(m[-1])

    def count(self):
        return self.n

    def cpu(self):
        return proc_cpu(self.p.pid)

    def close(self):
        self.p.terminate()
        self.p.wait()


class DeadMX(threading.Thread):
    """accepts connections on DEAD_ADDR:PORT and never says a word"""

    def __init__(self):
        super().__init__(daemon=True)
        self.s = socket.socket()
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind((DEAD_ADDR, PORT))
        self.s.listen(128)
        self.conns = []
        self.start()

    def run(self):
        try:
            while True:
                self.conns.append(self.s.accept()[0])
        except OSError:
            pass

    def close(self):
        for c in self.conns:
            c.close()
        self.s.close()


# --- filling the queue (not timed) ------------------------------------------

def fill(argv_for, n, msgfile):
    """run argv_for(i) < msgfile for i in 0..n-1, four at a time"""
    running = set()
    fa = [(os.POSIX_SPAWN_OPEN, 0, msgfile, os.O_RDONLY, 0),
          (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]

    def reap():
        pid, status = os.wait()
        running.discard(pid)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"queueing failed: status {status}")
    for i in range(n):
        if len(running) >= 4:
            reap()
        argv = argv_for(i)
        running.add(os.posix_spawn(argv[0], argv, os.environ, file_actions=fa))
    while running:
        reap()


# --- posthorn ---------------------------------------------------------------

def instance(relay, procs=10, extra=""):
    d = tempfile.mkdtemp(prefix="posthorn-smtp.", dir=os.environ.get("BENCH_DIR", "/var/tmp"))
    os.chmod(d, 0o755)
    os.makedirs(d + "/mail", mode=0o755)
    conf = d + "/posthorn.conf"
    with open(conf, "w") as f:
        f.write(f"spool_directory = {d}/spool\nmail_spool_directory = {d}/mail\n"
                f"maillog_file = {d}/log\ncommand_directory = {BUILD}\n"
                f"alias_maps =\nmyhostname = bench.example.org\n"
                f"relayhost = {relay}\nsmtp_port = {PORT}\n"
                f"dns_servers = 127.0.0.1:{DNS_PORT}\n"
                f"smtp_tls_security_level = none\n"
                f"default_process_limit = {procs}\n{extra}")
    return d, conf


def count_log(path, what, since=0):
    n = 0
    try:
        with open(path, "rb") as f:
            f.seek(since)
            for line in f:
                if what in line:
                    n += 1
    except FileNotFoundError:
        pass
    return n


PEAK = None


def peak_tool():
    global PEAK
    if PEAK is None:
        PEAK = tempfile.mkdtemp(prefix="posthorn-peak.") + "/peakrss"
        subprocess.run(["cc", "-O2", "-o", PEAK, SRC + "/../integ/peakrss.c"], check=True)
    return PEAK


def flush_posthorn(sink, conf, want, healthy=None):
    """time runq -q until it exits; want messages must reach the sink.
    Returns a dict: seconds, cpu (machine), cpu_runq (rusage of the runq
    tree), rss (largest SMTP worker VmHWM, KiB), rss_runq (ru_maxrss),
    total (largest sum of RSS), healthy_s (when `healthy` had arrived)."""
    base = sink.count()
    out = tempfile.mktemp()
    holder = {}
    smp = Sampler(lambda: holder.get("pid"))
    c0, s0, m0 = machine_cpu(), sink.cpu(), time.process_time()
    t0 = time.perf_counter()
    p = subprocess.Popen([peak_tool(), out, BUILD + "/runq", "-C", conf, "-q"])
    holder["pid"] = p.pid
    smp.start()
    th = th99 = None
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if healthy is not None:
            got = sink.count() - base
            if th99 is None and got >= healthy * 99 // 100:
                th99 = time.perf_counter() - t0
            if th is None and got >= healthy:
                th = time.perf_counter() - t0
        if pid:
            break
        time.sleep(0.01)
    t = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    for _ in range(100):                    # the sink's counter may lag
        if sink.count() - base >= want:
            break
        time.sleep(0.02)
    c1, s1, m1 = machine_cpu(), sink.cpu(), time.process_time()
    smp.finish()
    if healthy is not None and sink.count() - base >= healthy:
        th, th99 = th or t, th99 or t
    with open(out) as f:
        rss_runq = int(f.read())
    os.unlink(out)
    if p.returncode != 0:
        raise SystemExit(f"runq failed: exit {p.returncode}")
    got = sink.count() - base
    if got != want:
        raise SystemExit(f"posthorn: the sink got {got} of {want} messages")
    return {"s": t, "cpu": (c1 - c0) - (s1 - s0) - (m1 - m0),
            "cpu_runq": ru.ru_utime + ru.ru_stime,
            # depth 0 is peakrss, 1 runq, 2 queue workers, 3 their SMTP
            # workers; with one entry runq's own SMTP worker is at 2
            "rss": smp.peak(lambda n, d, kids: d >= 2 and not kids),
            "rss_qw": smp.peak(lambda n, d, kids: d == 2 and kids),
            "rss_runq": rss_runq, "total": smp.total, "healthy_s": th,
            "healthy99_s": th99}


def posthorn_round(sink, msgfile, relay, rcpts, procs=10):
    d, conf = instance(relay, procs)
    fill(lambda i: [BUILD + "/sendmail", "-C", conf, "-odq", "-i", "-f", SENDER,
                    rcpts[i % len(rcpts)]], NMSG, msgfile)
    r = flush_posthorn(sink, conf, NMSG)
    sent = count_log(d + "/log", b"status=sent")
    if sent != NMSG:
        raise SystemExit(f"posthorn: {sent} status=sent lines, not {NMSG}")
    shutil.rmtree(d)
    return r


# --- Postfix ----------------------------------------------------------------

def postfix_sendmail():
    for p in ("/usr/sbin/sendmail.postfix", "/usr/sbin/sendmail"):
        if os.path.exists(p) and shutil.which("postconf"):
            r = subprocess.run(["postconf", "-h", "mail_version"], capture_output=True)
            if r.returncode == 0:
                return p
    return None


def postfix_conf(tmp, many):
    """Postfix delivers over SMTP and looks nothing up. With 100 domains
    every next hop is [127.0.0.1]:PORT from the transport map, and Postfix
    names its destination queues after the next hop: they would all be one
    queue. smtp_destination_recipient_limit = 1 names them after the
    recipient instead (one per domain here, each domain has its own
    recipient), so Postfix keeps 100 destination queues as with MX."""
    tmap = ""
    if many:
        tmap = tmp + "/transport"
        with open(tmap, "w") as f:
            for i in range(1, 101):
                f.write(f"d{i}.bench.test smtp:[127.0.0.1]:{PORT}\n")
        os.chmod(tmp, 0o755)
        os.chmod(tmap, 0o644)
    subprocess.run(["postconf", "-e", "myorigin=bench.example.org",
                    "mydestination=localhost", f"maillog_file={PF_LOG}",
                    "alias_maps=", "alias_database=", "inet_interfaces=loopback-only",
                    "default_transport=smtp", "relay_transport=relay",
                    "relayhost=" + ("" if many else f"[127.0.0.1]:{PORT}"),
                    "transport_maps=" + (f"texthash:{tmap}" if many else ""),
                    "smtp_destination_recipient_limit=" + ("1" if many else "50"),
                    "smtp_tls_security_level=none"], check=True)


def postfix_round(sink, msgfile, rcpts, many):
    subprocess.run(["postfix", "stop"], capture_output=True)
    subprocess.run(["postsuper", "-d", "ALL"], capture_output=True)
    tmp = tempfile.mkdtemp(prefix="postfix-smtp.")
    postfix_conf(tmp, many)
    pf = postfix_sendmail()
    fill(lambda i: [pf, "-i", "-f", SENDER, rcpts[i % len(rcpts)]], NMSG, msgfile)
    base, logpos = sink.count(), os.path.getsize(PF_LOG) if os.path.exists(PF_LOG) else 0

    def master():
        try:
            with open(PF_PID) as f:
                return int(f.read())
        except (OSError, ValueError):
            return None
    if os.path.exists(PF_PID):
        os.unlink(PF_PID)
    smp = Sampler(master)
    smp.start()
    c0, s0, m0 = machine_cpu(), sink.cpu(), time.process_time()
    t0 = time.perf_counter()
    subprocess.run(["postfix", "start"], check=True, capture_output=True)
    while sink.count() - base < NMSG:
        time.sleep(0.01)
        if time.perf_counter() - t0 > 900:
            raise SystemExit(f"postfix: {sink.count() - base} of {NMSG} after 15 minutes")
    while subprocess.run(["postqueue", "-j"], capture_output=True).stdout.strip():
        time.sleep(0.01)
    t = time.perf_counter() - t0
    c1, s1, m1 = machine_cpu(), sink.cpu(), time.process_time()
    smp.finish()
    for _ in range(100):                    # postlogd writes a little later
        sent = count_log(PF_LOG, b"status=sent", logpos)
        if sent >= NMSG:
            break
        time.sleep(0.05)
    subprocess.run(["postfix", "stop"], capture_output=True)
    shutil.rmtree(tmp)
    if sent != NMSG or sink.count() - base != NMSG:
        raise SystemExit(f"postfix: {sent} status=sent, sink got {sink.count() - base}"
                         f" of {NMSG}")
    return {"s": t, "cpu": (c1 - c0) - (s1 - s0) - (m1 - m0),
            "rss": smp.peak(lambda n, d, kids: n == "smtp"), "total": smp.total}


# --- the report -------------------------------------------------------------

def med(rows, k):
    return statistics.median(r[k] for r in rows)


def report(title, ours, theirs, note=""):
    print(f"{title}:")
    for name, rows in (("posthorn", ours), ("postfix", theirs)):
        if not rows:
            continue
        s, cpu = med(rows, "s"), med(rows, "cpu")
        print(f"  {name:8s} {s:7.2f} s  {NMSG / s:6.0f} msg/s  CPU {cpu:6.2f} s"
              f" ({cpu * 1000 / NMSG:5.3f} ms/msg)  peak RSS {med(rows, 'rss') / 1024:5.2f} MB"
              f" per SMTP process, {med(rows, 'total') / 1024:6.1f} MB all processes")
        print("           runs: " + ", ".join(f"{r['s']:.2f} s/{r['cpu']:.2f} cpu" for r in rows))
        if name == "posthorn":
            print(f"           runq's own rusage (runq + workers): CPU {med(rows, 'cpu_runq'):.2f} s,"
                  f" ru_maxrss {med(rows, 'rss_runq') / 1024:.2f} MB;"
                  f" queue worker peak RSS {med(rows, 'rss_qw') / 1024:.2f} MB")
    if theirs:
        print(f"  ratio posthorn/postfix: time {med(ours, 's') / med(theirs, 's'):.2f},"
              f" CPU {med(ours, 'cpu') / med(theirs, 'cpu'):.2f},"
              f" SMTP process RSS {med(ours, 'rss') / med(theirs, 'rss'):.2f}")
    if note:
        print("  " + note)


def gen(path, size):
    line = b"0123456789abcdef" * 4 + b"\n"
    block = line * (1 << 14)
    with open(path, "wb") as f:
        f.write(b"From: bench@bench.example.org\nSubject: big\n\n")
        n = 0
        while n < size:
            f.write(block)
            n += len(block)


def big(sink, rss4k):
    d, conf = instance(f"[127.0.0.1]:{PORT}", extra="message_size_limit = 0\n")
    src = d + "/in"
    gen(src, BIG)
    size = os.path.getsize(src)
    fill(lambda i: [BUILD + "/sendmail", "-C", conf, "-odq", "-i", "-f", SENDER,
                    "bench@sink.bench.test"], 1, src)
    os.unlink(src)
    r = flush_posthorn(sink, conf, 1)
    shutil.rmtree(d)
    mb = size / 1024 ** 2
    print(f"one {mb:.0f} MB message to the sink (relayhost):")
    print(f"  posthorn {r['s']:7.2f} s  {mb / r['s']:6.1f} MB/s  CPU {r['cpu']:.2f} s;"
          f" peak RSS: SMTP worker {r['rss'] / 1024:.2f} MB"
          f" (4 KB messages: {rss4k / 1024:.2f} MB),"
          f" ru_maxrss of runq and all its children {r['rss_runq'] / 1024:.2f} MB")


def dead(sink, msgfile):
    live = [f"bench{i}@d{i}.bench.test" for i in range(1, 11)]
    res = {}
    for with_dead in (False, True):
        rc = live + (["bench@nomx.example.test"] if with_dead else [])
        d, conf = instance("", extra=f"smtp_helo_timeout = {HELO_TIMEOUT}\n")
        n = DEAD_EACH * len(rc)
        fill(lambda i: [BUILD + "/sendmail", "-C", conf, "-odq", "-i", "-f", SENDER,
                        rc[i % len(rc)]], n, msgfile)
        dm = DeadMX() if with_dead else None
        r = flush_posthorn(sink, conf, DEAD_EACH * 10, healthy=DEAD_EACH * 10)
        r["deferred"] = count_log(d + "/log", b"status=deferred")
        r["conns"] = len(dm.conns) if dm else 0
        if dm:
            dm.close()
        shutil.rmtree(d)
        res[with_dead] = r
    a, b = res[False], res[True]
    print(f"a dead destination (MX accepts TCP, never greets; smtp_helo_timeout = {HELO_TIMEOUT}),"
          f" {DEAD_EACH} messages to each of 10 live destinations, interleaved:")
    print(f"  without it: 99% of the live mail in {a['healthy99_s']:6.2f} s, all of it in"
          f" {a['healthy_s']:6.2f} s, runq done in {a['s']:6.2f} s")
    print(f"  with it:    99% of the live mail in {b['healthy99_s']:6.2f} s, all of it in"
          f" {b['healthy_s']:6.2f} s, runq done in {b['s']:6.2f} s;"
          f" {b['deferred']} deferred, {b['conns']} connection(s) to the dead MX")
    print(f"  ratio with/without: 99% of the live mail {b['healthy99_s'] / a['healthy99_s']:.2f},"
          f" all of it {b['healthy_s'] / a['healthy_s']:.2f}")


def main():
    if os.getuid() != 0:
        print("smtp.py: not root (smtp-sink, Postfix): skipped")
        return
    if not os.path.exists("/usr/sbin/smtp-sink"):
        print("smtp.py: /usr/sbin/smtp-sink not installed: skipped")
        return
    pf = postfix_sendmail()
    tmp = tempfile.mkdtemp(prefix="posthorn-smtpbench.")
    msgfile = tmp + "/msg"
    with open(msgfile, "wb") as f:
        f.write(MSG)
    dns = tmp + "/dns"
    env = dict(os.environ, PH_DNS_PORT=str(DNS_PORT))
    subprocess.run(["bash", SRC + "/../integ/dnsenv.sh", "start", dns], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    saved = None
    if pf:
        with open(PF_MAIN, "rb") as f:
            saved = f.read()
    sink = Sink()
    try:
        print(f"remote delivery of {NMSG} queued 4 KB messages to smtp-sink on 127.0.0.1,"
              f" {REPEAT} interleaved rounds, medians; no TLS on either side")
        print("  posthorn: default_process_limit 10, smtp_destination_concurrency_limit 4;"
              " Postfix: defaults (default_process_limit 100,"
              " smtp_destination_concurrency_limit 20)")
        print("  CPU: all CPU time on the machine during the flush (/proc/stat)"
              " minus the sink's and the benchmark's own")
        rss4k = None
        for many in (False, True):
            rc = rcpts_many() if many else rcpts_one()
            relay = "" if many else f"[127.0.0.1]:{PORT}"
            ours, theirs = [], []
            for _ in range(REPEAT):
                ours.append(posthorn_round(sink, msgfile, relay, rc))
                if pf:
                    theirs.append(postfix_round(sink, msgfile, rc, many))
            if many:
                report("100 destinations (d1..d100.bench.test, interleaved)", ours, theirs,
                       "posthorn: MX lookups through unbound on loopback;"
                       " Postfix skipped DNS: transport_maps smtp:[127.0.0.1]:PORT per domain,"
                       " smtp_destination_recipient_limit = 1 for one queue per domain")
            else:
                report("1 destination (relayhost = [127.0.0.1]:PORT)", ours, theirs)
                rss4k = med(ours, "rss")
            if ALT_PROCS:
                r = posthorn_round(sink, msgfile, relay, rc, ALT_PROCS)
                print(f"  posthorn with default_process_limit = {ALT_PROCS} (one run):"
                      f" {r['s']:.2f} s  {NMSG / r['s']:.0f} msg/s  CPU {r['cpu']:.2f} s")
            if not pf:
                print("  postfix: not installed: no comparison")
        big(sink, rss4k)
        dead(sink, msgfile)
    finally:
        sink.close()
        subprocess.run(["bash", SRC + "/../integ/dnsenv.sh", "stop", dns], env=env)
        if saved is not None:
            subprocess.run(["postfix", "stop"], capture_output=True)
            subprocess.run(["postsuper", "-d", "ALL"], capture_output=True)
            with open(PF_MAIN, "wb") as f:
                f.write(saved)
        shutil.rmtree(tmp, ignore_errors=True)
        if PEAK:
            shutil.rmtree(os.path.dirname(PEAK), ignore_errors=True)


if __name__ == "__main__":
    main()
