#!/usr/bin/python3
"""Long-lived flows through a virtual service, for the connection-sync lab.

  sync_streams.py VIP PORT --tcp N --udp M --seconds S --out FILE [--stop FILE]

Opens N TCP connections to VIP:PORT (the lab servers' TCP echo) and, from
M fixed source ports, UDP flows to the same port (the lab servers' UDP
echo, which answers "name?" with the server's name). Every 0.2 s each TCP
stream sends a numbered line and reads the echo back; each UDP flow asks
for the server's name. A line not echoed within --patience seconds (TCP
retransmits through a takeover meanwhile) ends that stream as lost; a
reset or a closed connection ends it too. Runs S seconds, or until the
--stop file exists, then writes one JSON object to --out:

  {"tcp": [{"lines", "echoed", "lost", "error", "max_gap_ms"}...],
   "udp": [{"asked", "answered", "servers": [...], "max_gap_ms"}...],
   "gaps": [[second, longest_ms]...]}

where "gaps" lists the stalls of over a second: when (seconds since the
start, when the echo came) and the longest wait for an echo then, over
all TCP streams, one entry per stall.

Standard library only; every wait is bounded.
"""

import argparse
import json
import os
import selectors
import socket
import time

INTERVAL_S = 0.2
STALL_MS = 1000
STARTED = time.monotonic()
GAPS = {}  # second after the start -> the longest wait for an echo ending then


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vip")
    ap.add_argument("port", type=int)
    ap.add_argument("--tcp", type=int, default=20)
    ap.add_argument("--udp", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--patience", type=float, default=10)
    ap.add_argument("--out", required=True)
    ap.add_argument("--stop")
    ap.add_argument("--udp-base-port", type=int, default=41000)
    args = ap.parse_args()

    sel = selectors.DefaultSelector()
    streams = []
    for i in range(args.tcp):
        s = {"lines": 0, "echoed": 0, "lost": False, "error": None, "max_gap_ms": 0, "buf": b"",
             "pending": None, "last_echo": time.monotonic()}
        try:
            sock = socket.create_connection((args.vip, args.port), timeout=5)
            sock.setblocking(False)
            s["sock"] = sock
            sel.register(sock, selectors.EVENT_READ, ("tcp", i))
        except OSError as e:
            s["error"] = f"connect: {e}"
            s["sock"] = None
        streams.append(s)
    flows = []
    for i in range(args.udp):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("", args.udp_base_port + i))
        sock.connect((args.vip, args.port))
        sock.setblocking(False)
        sel.register(sock, selectors.EVENT_READ, ("udp", i))
        flows.append({"asked": 0, "answered": 0, "servers": [], "max_gap_ms": 0, "sock": sock,
                      "last_answer": time.monotonic()})

    end = time.monotonic() + args.seconds
    next_tick = time.monotonic()
    while time.monotonic() < end and not (args.stop and os.path.exists(args.stop)):
        now = time.monotonic()
        if now >= next_tick:
            next_tick = now + INTERVAL_S
            for s in streams:
                if s["sock"] is None or s["pending"] is not None:
                    continue
                s["lines"] += 1
                line = f"line {s['lines']}\n".encode()
                s["pending"] = (line, now)
                try:
                    s["sock"].send(line)
                except OSError as e:
                    close(sel, s, f"send: {e}")
            for f in flows:
                f["asked"] += 1
                try:
                    f["sock"].send(b"name?")
                except OSError:
                    pass
        for s in streams:
            if s["sock"] is not None and s["pending"] is not None and now - s["pending"][1] > args.patience:
                s["lost"] = True
                close(sel, s, f"no echo for {args.patience} s")
        for key, _ in sel.select(timeout=max(0.0, min(next_tick, end) - time.monotonic())):
            kind, i = key.data
            if kind == "tcp":
                read_tcp(sel, streams[i])
            else:
                read_udp(flows[i])

    # Stalls of all streams ending within two seconds are one stall.
    gaps = []
    for second in sorted(GAPS):
        if gaps and second - gaps[-1][0] <= 2:
            gaps[-1] = [gaps[-1][0], max(gaps[-1][1], GAPS[second])]
        else:
            gaps.append([second, GAPS[second]])
    out = {"tcp": [], "udp": [], "gaps": gaps}
    for s in streams:
        if s["sock"] is not None:
            s["sock"].close()
        out["tcp"].append({k: s[k] for k in ("lines", "echoed", "lost", "error", "max_gap_ms")})
    for f in flows:
        f["sock"].close()
        out["udp"].append({k: f[k] for k in ("asked", "answered", "servers", "max_gap_ms")})
    with open(args.out, "w") as fh:
        json.dump(out, fh)


def close(sel, s, error):
    if s["sock"] is not None:
        try:
            sel.unregister(s["sock"])
        except (KeyError, ValueError):
            pass
        s["sock"].close()
        s["sock"] = None
    s["error"] = s["error"] or error


def read_tcp(sel, s):
    try:
        data = s["sock"].recv(4096)
    except BlockingIOError:
        return
    except OSError as e:
        close(sel, s, f"recv: {e}")
        return
    if not data:
        close(sel, s, "closed by the peer")
        return
    s["buf"] += data
    while s["pending"] is not None and len(s["buf"]) >= len(s["pending"][0]):
        line, _sent = s["pending"]
        if s["buf"][: len(line)] != line:
            close(sel, s, "echo does not match")
            return
        s["buf"] = s["buf"][len(line):]
        now = time.monotonic()
        gap = int((now - s["last_echo"]) * 1000)
        s["max_gap_ms"] = max(s["max_gap_ms"], gap)
        if gap > STALL_MS:
            second = int(now - STARTED)
            GAPS[second] = max(GAPS.get(second, 0), gap)
        s["last_echo"] = now
        s["echoed"] += 1
        s["pending"] = None


def read_udp(f):
    try:
        data = f["sock"].recv(65535)
    except OSError:
        return
    now = time.monotonic()
    f["max_gap_ms"] = max(f["max_gap_ms"], int((now - f["last_answer"]) * 1000))
    f["last_answer"] = now
    f["answered"] += 1
    name = data.decode(errors="replace").strip()
    if name not in f["servers"]:
        f["servers"].append(name)


if __name__ == "__main__":
    main()
