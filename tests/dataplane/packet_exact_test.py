"""Packet-exact test of sluiced: crafted frames in through net_pcap ports,
the frames it sends compared field by field, and every checksum verified by
scapy (an independent decoder): NAT both ways for IPv4 TCP (with port
translation), UDP, IPv6 TCP and an ICMP error; Direct Routing; TUN in
ipip, GRE and GUE with checksums, IPv4 and IPv6, and the ICMP "too big"
a packet that does not fit the tunnel gets; malformed frames and fragments
dropped and counted.

Usage: /usr/bin/python3 packet_exact_test.py SLUICED   (root; exit 77 = skipped)
Runs no network namespace and sends nothing anywhere: pcap files only.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from scapy.all import (GRE, ICMP, IP, IPerror, IPv6, TCP, TCPerror, UDP, Ether, ICMPv6PacketTooBig, Raw, rdpcap,
                       wrpcap)

CLIENT_MAC = "02:00:00:00:0c:01"
RS_MAC = "02:00:00:00:05:01"
RS6 = "fd00:192:168:1::20"

CONFIG = """
virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.20 8080 {
    }
}
virtual_server 10.0.0.1 53 {
    lb_algo rr
    lb_kind NAT
    protocol UDP
    real_server 192.168.1.20 53 {
    }
}
virtual_server fd00:10::1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server fd00:192:168:1::20 80 {
    }
}
virtual_server 10.0.0.5 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 192.168.1.20 80 {
    }
}
virtual_server 10.0.0.6 80 {
    lb_algo rr
    lb_kind TUN
    protocol TCP
    real_server 192.168.1.30 80 {
    }
}
virtual_server 10.0.0.7 80 {
    lb_algo rr
    lvs_method TUN type gre csum
    protocol TCP
    real_server 192.168.1.31 80 {
    }
}
virtual_server 10.0.0.8 80 {
    lb_algo rr
    lvs_method TUN type gue port 6080 csum
    protocol TCP
    real_server 192.168.1.32 80 {
    }
}
virtual_server fd00:10::6 80 {
    lb_algo rr
    lb_kind TUN
    protocol TCP
    real_server fd00:192:168:1::30 80 {
    }
}
virtual_server fd00:10::7 80 {
    lb_algo rr
    lvs_method TUN type gre csum
    protocol TCP
    real_server fd00:192:168:1::31 80 {
    }
}
virtual_server fd00:10::8 80 {
    lb_algo rr
    lvs_method TUN type gue port 6080 csum
    protocol TCP
    real_server fd00:192:168:1::32 80 {
    }
}
dataplane {
    lcores 0-1
    no_huge
    memory 512
    conn_table_size 4096
    port eth0 {
        device net_pcap0,rx_pcap=%(dir)s/ext_in.pcap,tx_pcap=%(dir)s/ext_out.pcap
        address 10.0.0.2/24
        address fd00:10::2/64
    }
    port eth1 {
        device net_pcap1,rx_pcap=%(dir)s/int_in.pcap,tx_pcap=%(dir)s/int_out.pcap
        address 192.168.1.2/24
        address fd00:192:168:1::2/64
        mtu 1400
    }
    neighbor 10.0.0.101 lladdr 02:00:00:00:0c:01 dev eth0
    neighbor fd00:10::101 lladdr 02:00:00:00:0c:01 dev eth0
    neighbor 192.168.1.20 lladdr 02:00:00:00:05:01 dev eth1
    neighbor fd00:192:168:1::20 lladdr 02:00:00:00:05:01 dev eth1
    neighbor 192.168.1.30 lladdr 02:00:00:00:05:01 dev eth1
    neighbor 192.168.1.31 lladdr 02:00:00:00:05:01 dev eth1
    neighbor 192.168.1.32 lladdr 02:00:00:00:05:01 dev eth1
    neighbor fd00:192:168:1::30 lladdr 02:00:00:00:05:01 dev eth1
    neighbor fd00:192:168:1::31 lladdr 02:00:00:00:05:01 dev eth1
    neighbor fd00:192:168:1::32 lladdr 02:00:00:00:05:01 dev eth1
}
"""

failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else ": " + detail))
    if not ok:
        failures.append(what)


def run_sluiced(sluiced, workdir, ext_in, int_in, wait_s):
    """Runs sluiced on the pcaps; returns (port MACs, counters JSON)."""
    wrpcap(os.path.join(workdir, "ext_in.pcap"), ext_in or [Ether()/IP()], linktype=1)
    wrpcap(os.path.join(workdir, "int_in.pcap"), int_in or [Ether()/IP()], linktype=1)
    conf = os.path.join(workdir, "pcap.conf")
    with open(conf, "w") as f:
        f.write(CONFIG % {"dir": workdir})
    pidfile = os.path.join(workdir, "sluiced.pid")
    log = open(os.path.join(workdir, "sluiced.log"), "w+")
    proc = subprocess.Popen([sluiced, "-f", conf, "--pidfile", pidfile], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        text = ""
        while time.monotonic() < deadline and "running" not in text and proc.poll() is None:
            time.sleep(0.1)
            log.seek(0)
            text = log.read()
        if "running" not in text:
            raise RuntimeError("sluiced did not start:\n" + text)
        time.sleep(wait_s)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log.seek(0)
    text = log.read()
    macs = re.findall(r"(eth[01]) ([0-9a-f:]{17})", text)
    with open(os.path.join(workdir, "sluiced.stats.json")) as f:
        stats = json.load(f)
    return dict(macs), stats, proc.returncode


def checksums_ok(frame):
    """Every outer checksum recomputed by scapy equals the one sent."""
    raw = bytes(frame)
    pkt = Ether(raw)
    for layer in (IP, TCP, UDP, ICMP):
        if layer in pkt and not isinstance(pkt[layer], (IPerror, TCPerror)):
            copy = Ether(raw)
            del copy[layer].chksum
            if Ether(bytes(copy))[layer].chksum != pkt[layer].chksum:
                return False, layer.__name__
    if IPv6 in pkt and TCP in pkt:
        copy = Ether(raw)
        del copy[TCP].chksum
        if Ether(bytes(copy))[TCP].chksum != pkt[TCP].chksum:
            return False, "TCP/IPv6"
    if ICMPv6PacketTooBig in pkt:
        copy = Ether(raw)
        del copy[ICMPv6PacketTooBig].cksum
        if Ether(bytes(copy))[ICMPv6PacketTooBig].cksum != pkt[ICMPv6PacketTooBig].cksum:
            return False, "ICMPv6"
    if IPerror in pkt:  # the quoted IPv4 header of an ICMP error
        copy = Ether(raw)
        del copy[IPerror].chksum
        if Ether(bytes(copy))[IPerror].chksum != pkt[IPerror].chksum:
            return False, "quoted IP"
    return True, ""


def main():
    if os.geteuid() != 0:
        print("SKIP: DPDK needs root")
        return 77
    sluiced = sys.argv[1]
    workdir = tempfile.mkdtemp(prefix="sluice-pcap-")
    try:
        # First run: learn the MAC addresses net_pcap gives the ports.
        macs, _, _ = run_sluiced(sluiced, workdir, [], [], 0.2)
        ext_mac, int_mac = macs["eth0"], macs["eth1"]

        def from_client(l3):
            return Ether(src=CLIENT_MAC, dst=ext_mac)/l3

        def from_rs(l3):
            return Ether(src=RS_MAC, dst=int_mac)/l3

        syn = IP(src="10.0.0.101", dst="10.0.0.1", id=1)/TCP(sport=40000, dport=80, flags="S", seq=1000)
        reply_seen_by_client = IP(src="10.0.0.1", dst="10.0.0.101")/TCP(sport=80, dport=40000, flags="SA")
        ext_in = [
            from_client(syn),
            from_client(IP(src="10.0.0.101", dst="10.0.0.1")/UDP(sport=5353, dport=53)/Raw(b"query")),
            from_client(IPv6(src="fd00:10::101", dst="fd00:10::1")/TCP(sport=40000, dport=80, flags="S")),
            from_client(IP(src="10.0.0.101", dst="10.0.0.5")/TCP(sport=41000, dport=80, flags="S")),
            # The client's router says the reply was too big: goes to the real server.
            from_client(IP(src="10.0.0.101", dst="10.0.0.1")/ICMP(type=3, code=4, nexthopmtu=1400) /
                        bytes(reply_seen_by_client)[:28]),
            # TUN: ipip, GRE and GUE, IPv6 in IPv6; then two too big for eth1's MTU of 1400.
            from_client(IP(src="10.0.0.101", dst="10.0.0.6")/TCP(sport=42000, dport=80, flags="S")),
            from_client(IP(src="10.0.0.101", dst="10.0.0.7")/TCP(sport=42001, dport=80, flags="S")/Raw(b"x" * 33)),
            from_client(IP(src="10.0.0.101", dst="10.0.0.8")/TCP(sport=42002, dport=80, flags="S")),
            from_client(IPv6(src="fd00:10::101", dst="fd00:10::6")/TCP(sport=42003, dport=80, flags="S")),
            from_client(IPv6(src="fd00:10::101", dst="fd00:10::7")/TCP(sport=42006, dport=80, flags="S")),
            from_client(IPv6(src="fd00:10::101", dst="fd00:10::8")/TCP(sport=42007, dport=80, flags="S")),
            from_client(IP(src="10.0.0.101", dst="10.0.0.6", flags="DF")/TCP(sport=42004, dport=80, flags="S") /
                        Raw(b"y" * 1390)),
            from_client(IPv6(src="fd00:10::101", dst="fd00:10::6")/TCP(sport=42005, dport=80, flags="S") /
                        Raw(b"z" * 1390)),
            # Malformed and unwanted: each must be dropped and counted.
            Ether(bytes(from_client(syn))[:14 + 12]),                           # truncated IPv4 header
            Ether(bytes(from_client(syn))[:14] + bytes([0x43]) + bytes(from_client(syn))[15:]),  # IHL 3
            from_client(IP(src="10.0.0.101", dst="10.0.0.1", len=400)/TCP(sport=40002, dport=80, flags="S")),
            from_client(IP(src="10.0.0.101", dst="10.0.0.1", flags="MF")/TCP(sport=40003, dport=80, flags="S")),
            from_client(IP(src="10.0.0.101", dst="10.0.0.1")/TCP(sport=40004, dport=80, flags="A")),  # stray ACK
        ]
        int_in = [
            from_rs(IP(src="192.168.1.20", dst="10.0.0.101")/TCP(sport=8080, dport=40000, flags="SA", seq=5000,
                                                                  ack=1001)),
            from_rs(IP(src="192.168.1.20", dst="10.0.0.101")/UDP(sport=53, dport=5353)/Raw(b"answer")),
            from_rs(IPv6(src=RS6, dst="fd00:10::101")/TCP(sport=80, dport=40000, flags="SA")),
        ]
        _, stats, rc = run_sluiced(sluiced, workdir, ext_in, int_in, 1.5)
        check("sluiced stops with status 0", rc == 0, str(rc))
        ext_out = [p for p in rdpcap(os.path.join(workdir, "ext_out.pcap")) if IP in p or IPv6 in p]
        int_out = [p for p in rdpcap(os.path.join(workdir, "int_out.pcap")) if IP in p or IPv6 in p]

        for p in ext_out + int_out:
            ok, which = checksums_ok(p)
            check("checksums of " + p.summary(), ok, which)

        def find(pkts, pred):
            return next((p for p in pkts if pred(p)), None)

        p = find(int_out, lambda p: IP in p and TCP in p and p[TCP].flags == "S" and p[IP].dst == "192.168.1.20"
                 and p[TCP].sport == 40000)
        check("NAT v4 TCP in: to 192.168.1.20:8080, client kept, MACs of the path",
              p is not None and p[TCP].dport == 8080 and p[IP].src == "10.0.0.101" and p.dst == RS_MAC
              and p.src == int_mac and p[IP].ttl == 63 and p[TCP].seq == 1000, repr(p))
        p = find(ext_out, lambda p: IP in p and TCP in p and p[TCP].dport == 40000)
        check("NAT v4 TCP out: from 10.0.0.1:80 to the client",
              p is not None and p[IP].src == "10.0.0.1" and p[TCP].sport == 80 and p[IP].dst == "10.0.0.101"
              and p.dst == CLIENT_MAC and p.src == ext_mac and p[TCP].ack == 1001, repr(p))
        p = find(int_out, lambda p: UDP in p and p[IP].dst == "192.168.1.20")
        check("NAT v4 UDP in", p is not None and p[UDP].dport == 53 and bytes(p[UDP].payload) == b"query", repr(p))
        p = find(ext_out, lambda p: UDP in p)
        check("NAT v4 UDP out: from 10.0.0.1:53",
              p is not None and p[IP].src == "10.0.0.1" and p[UDP].sport == 53 and bytes(p[UDP].payload) == b"answer",
              repr(p))
        p = find(int_out, lambda p: IPv6 in p and TCP in p)
        check("NAT v6 TCP in: to " + RS6, p is not None and p[IPv6].dst == RS6 and p[IPv6].hlim == 63, repr(p))
        p = find(ext_out, lambda p: IPv6 in p and TCP in p)
        check("NAT v6 TCP out: from fd00:10::1", p is not None and p[IPv6].src == "fd00:10::1", repr(p))
        p = find(int_out, lambda p: IP in p and TCP in p and p[TCP].sport == 41000)
        check("DR: L3 untouched, real server's MAC",
              p is not None and p[IP].dst == "10.0.0.5" and p[IP].ttl == 64 and p.dst == RS_MAC and p.src == int_mac,
              repr(p))
        p = find(int_out, lambda p: ICMP in p)
        check("NAT ICMP error in: to the real server, the quoted packet rewritten to 192.168.1.20:8080",
              p is not None and p[IP].dst == "192.168.1.20" and p[IPerror].src == "192.168.1.20"
              and p[TCPerror].sport == 8080, repr(p))
        def tunnelled(proto, check_inner):
            return find(int_out, lambda p: IP in p and p[IP].proto == proto and check_inner(p))

        p = tunnelled(4, lambda p: True)
        check("TUN ipip: outer 192.168.1.2 -> 192.168.1.30, the client's packet inside untouched",
              p is not None and p[IP].src == "192.168.1.2" and p[IP].dst == "192.168.1.30" and p.dst == RS_MAC
              and p[IP].payload[IP].dst == "10.0.0.6" and p[IP].payload[TCP].sport == 42000
              and p[IP].payload[IP].ttl == 64, repr(p))
        p = find(int_out, lambda p: IPv6 in p and GRE in p)
        gre6_ok = False
        if p is not None:
            copy = Ether(bytes(p))
            del copy[GRE].chksum
            gre6_ok = (p[IPv6].nh == 47 and p[GRE].proto == 0x86DD and Ether(bytes(copy))[GRE].chksum == p[GRE].chksum
                       and p[GRE].payload[IPv6].dst == "fd00:10::7")
        check("TUN gre csum over IPv6: IPv6 inside, the GRE checksum right", gre6_ok, repr(p))
        p = find(int_out, lambda p: IPv6 in p and UDP in p and p[UDP].dport == 6080)
        udp6_ok = False
        if p is not None:
            copy = Ether(bytes(p))
            del copy[UDP].chksum
            inner6 = IPv6(bytes(p[UDP].payload)[4:])
            udp6_ok = (Ether(bytes(copy))[UDP].chksum == p[UDP].chksum and bytes(p[UDP].payload)[:4] == b"\x00\x29\x00\x00"
                       and inner6.dst == "fd00:10::8")
        check("TUN gue csum over IPv6: the UDP checksum right, GUE for IPv6 (41)", udp6_ok, repr(p))
        p = find(int_out, lambda p: IP in p and GRE in p)
        gre_ok = False
        if p is not None:
            copy = Ether(bytes(p))
            del copy[GRE].chksum
            gre_ok = (p[GRE].chksum_present == 1 and p[GRE].proto == 0x0800
                      and Ether(bytes(copy))[GRE].chksum == p[GRE].chksum and p[GRE].payload[IP].dst == "10.0.0.7")
        check("TUN gre csum: GRE with a correct checksum around the client's packet", gre_ok, repr(p))
        p = find(int_out, lambda p: UDP in p and p[UDP].dport == 6080)
        inner = IP(bytes(p[UDP].payload)[4:]) if p is not None else None
        check("TUN gue: UDP to 6080, GUE header for IPv4, the client's packet inside",
              p is not None and bytes(p[UDP].payload)[:4] == b"\x00\x04\x00\x00" and p[UDP].chksum != 0
              and inner[IP].dst == "10.0.0.8" and inner[TCP].sport == 42002, repr(p))
        p = find(int_out, lambda p: IPv6 in p and p[IPv6].nh == 41)
        check("TUN ipip IPv6 in IPv6",
              p is not None and p[IPv6].src == "fd00:192:168:1::2" and p[IPv6].dst == "fd00:192:168:1::30"
              and p[IPv6].payload[IPv6].dst == "fd00:10::6", repr(p))
        p = find(ext_out, lambda p: ICMP in p and p[ICMP].type == 3 and p[ICMP].code == 4)
        check("too big for the tunnel: fragmentation needed, MTU 1380, from the VIP to the client",
              p is not None and p[IP].src == "10.0.0.6" and p[IP].dst == "10.0.0.101" and p[ICMP].nexthopmtu == 1380
              and p[TCPerror].sport == 42004, repr(p))
        p = find(ext_out, lambda p: ICMPv6PacketTooBig in p)
        check("too big for the IPv6 tunnel: packet too big, MTU 1360",
              p is not None and p[IPv6].src == "fd00:10::6" and p[ICMPv6PacketTooBig].mtu == 1360, repr(p))
        check("nothing else was forwarded", len(int_out) == 11 and len(ext_out) == 5,
              "%d out on eth1, %d on eth0" % (len(int_out), len(ext_out)))

        drops = stats["drops"]
        # A total length past the end of the frame reads as truncated.
        check("truncated header and too long total length counted", drops.get("truncated", 0) == 2, str(drops))
        check("bad IHL counted", drops.get("bad_ip_header", 0) == 1, str(drops))
        check("fragment counted", drops.get("fragment", 0) == 1, str(drops))
        check("stray ACK counted as no_connection", drops.get("no_connection", 0) == 1, str(drops))
        svc = [s for s in stats["services"] if s.get("port") == 80 and s.get("address") == "10.0.0.1"][0]
        check("service counters: 1 connection, 2 packets in, 1 out",
              svc["conns"] == 1 and svc["inpkts"] == 2 and svc["outpkts"] == 1, json.dumps(svc))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
