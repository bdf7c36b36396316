"""Packet-exact test of sluiced: crafted frames in through net_pcap ports,
the frames it sends compared field by field, and every checksum verified by
scapy (an independent decoder): NAT both ways for IPv4 TCP (with port
translation), UDP, IPv6 TCP and an ICMP error; an FTP control connection
(the passive reply rewritten to the VIP, one byte longer, and the server's
next segment shifted; PORT's active data connection from port 20); Direct
Routing; TUN in
ipip, GRE and GUE with checksums, IPv4 and IPv6, and the ICMP "too big"
a packet that does not fit the tunnel gets; malformed frames dropped and
counted. Then IPv4 and IPv6 UDP datagrams of 4,000 bytes in fragments, in
order, reordered, with a duplicate, overlapping and incomplete: each whole
one reaches the real server (and its reply the client) whole, with the
UDP checksum right; the others are dropped and counted.

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

from scapy.all import (GRE, ICMP, IP, IPerror, IPv6, TCP, TCPerror, UDP, Ether, ICMPv6PacketTooBig, IPv6ExtHdrFragment,
                       Raw, fragment, fragment6, rdpcap, wrpcap)

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
virtual_server fd00:10::1 53 {
    lb_algo rr
    lb_kind NAT
    protocol UDP
    real_server fd00:192:168:1::20 53 {
    }
}
virtual_server 203.0.113.100 21 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.20 21 {
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


PAYLOAD = bytes(range(256)) * 15 + bytes(160)  # 4,000 bytes


def datagrams(frames, v6):
    """The UDP datagrams the fragments in frames put back together, by their
    (source, destination, identification): {key: (src, dst, udp bytes)}, and
    how many fragments each had. Overlaps would show as a wrong length."""
    pieces = {}
    for p in frames:
        if v6:
            if IPv6ExtHdrFragment not in p:
                continue
            f = p[IPv6ExtHdrFragment]
            key = (p[IPv6].src, p[IPv6].dst, f.id)
            pieces.setdefault(key, []).append((f.offset * 8, f.m, bytes(f.payload)))
        else:
            if IP not in p or (p[IP].flags.MF == 0 and p[IP].frag == 0):
                continue
            key = (p[IP].src, p[IP].dst, p[IP].id)
            pieces.setdefault(key, []).append((p[IP].frag * 8, p[IP].flags.MF, bytes(p[IP].payload)))
    whole, counts = {}, {}
    for key, parts in pieces.items():
        parts.sort(key=lambda x: x[0])
        data = b""
        for offset, _, chunk in parts:
            if offset != len(data):
                data = None
                break
            data += chunk
        counts[key] = len(parts)
        if data is not None and parts[-1][1] == 0:
            whole[key] = (key[0], key[1], data)
    return whole, counts


def udp_checksum_ok(src, dst, data, v6):
    pkt = (IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst))/UDP(data)
    sent = pkt[UDP].chksum
    del pkt[UDP].chksum
    return (IPv6 if v6 else IP)(bytes(pkt))[UDP].chksum == sent


def check_fragments(sluiced, workdir, from_client, from_rs):
    """IPv4 and IPv6 datagrams of 4,000 bytes in fragments, through NAT."""
    def v4(sport, ident):
        return fragment(IP(src="10.0.0.101", dst="10.0.0.1", id=ident)/UDP(sport=sport, dport=53)/Raw(PAYLOAD),
                        fragsize=1480)

    def v6(sport, ident):
        return fragment6(IPv6(src="fd00:10::101", dst="fd00:10::1")/IPv6ExtHdrFragment(id=ident) /
                         UDP(sport=sport, dport=53)/Raw(PAYLOAD), 1280)

    in_order, reordered, duplicated, overlapping, incomplete = v4(6001, 1), v4(6002, 2), v4(6003, 3), v4(6004, 4), \
        v4(6005, 5)
    assert len(in_order) == 3
    shifted = overlapping[1].copy()
    shifted.frag += 1  # 8 bytes on: overlaps the next fragment
    ext_in = [from_client(f) for f in
              in_order + reordered[::-1] + [duplicated[0], duplicated[1], duplicated[1], duplicated[2]] +
              [overlapping[2], shifted, overlapping[0], overlapping[1]] + incomplete[1:] +
              v6(6001, 11) + v6(6002, 12)[::-1]]
    # IPv6: a duplicate, an overlap (after a held fragment), an incomplete datagram.
    dup6, over6, part6 = v6(6003, 13), v6(6004, 14), v6(6005, 15)
    shifted6 = over6[1].copy()
    shifted6[IPv6ExtHdrFragment].offset += 1  # 8 bytes on: overlaps the next fragment
    ext_in += [from_client(f) for f in
               dup6[:2] + [dup6[1]] + dup6[2:] + [over6[2], shifted6, over6[0], over6[1], over6[3]] + part6[1:]]
    # Held until their first fragment came (or for good): all but the first
    # of each reordered datagram, the overlapping one's last, the incomplete.
    held = (len(reordered) - 1) + 1 + (len(incomplete) - 1) + (len(v6(6002, 12)) - 1) + 1 + (len(part6) - 1)
    # The replies: 4,000 bytes back to the first client, last fragment first.
    reply = fragment(IP(src="192.168.1.20", dst="10.0.0.101", id=21)/UDP(sport=53, dport=6001)/Raw(PAYLOAD),
                     fragsize=1480)
    int_in = [from_rs(f) for f in reply[::-1]]
    _, stats, rc = run_sluiced(sluiced, workdir, ext_in, int_in, 3.0)  # past the 2 s a datagram is held
    check("fragments: sluiced stops with status 0", rc == 0, str(rc))
    int_out = rdpcap(os.path.join(workdir, "int_out.pcap"))
    ext_out = rdpcap(os.path.join(workdir, "ext_out.pcap"))
    whole4, counts4 = datagrams(int_out, False)
    whole6, _ = datagrams(int_out, True)

    def received(datagrams_, sport, server, v6_):
        for src, dst, data in datagrams_.values():
            if dst == server and len(data) == 8 + len(PAYLOAD) and UDP(data).sport == sport:
                return src, data
        return None, None

    for sport, what in ((6001, "in order"), (6002, "reordered"), (6003, "with a duplicate")):
        src, data = received(whole4, sport, "192.168.1.20", False)
        check("IPv4 fragments %s reach the real server as one datagram" % what,
              data is not None and UDP(data).dport == 53 and bytes(UDP(data).payload) == PAYLOAD, str(whole4.keys()))
        check("IPv4 fragments %s: the UDP checksum holds over the whole datagram" % what,
              data is not None and udp_checksum_ok(src, "192.168.1.20", data, False))
    check("the duplicate is not forwarded", counts4.get(("10.0.0.101", "192.168.1.20", 3)) == 3, str(counts4))
    check("nothing of the overlapping or the incomplete datagram is forwarded",
          not any(k[2] in (4, 5) for k in counts4), str(counts4))
    for sport, what in ((6001, "in order"), (6002, "reordered"), (6003, "with a duplicate")):
        src, data = received(whole6, sport, RS6, True)
        check("IPv6 fragments %s reach the real server as one datagram" % what,
              data is not None and bytes(UDP(data).payload) == PAYLOAD, str(whole6.keys()))
        check("IPv6 fragments %s: the UDP checksum holds" % what,
              data is not None and udp_checksum_ok(src, RS6, data, True))
    back, _ = datagrams(ext_out, False)
    src, data = received(back, 53, "10.0.0.101", False)
    check("the reply's fragments, last first, reach the client from the VIP as one datagram",
          src == "10.0.0.1" and data is not None and UDP(data).dport == 6001 and bytes(UDP(data).payload) == PAYLOAD,
          str(back.keys()))
    check("the reply's UDP checksum holds", data is not None and udp_checksum_ok("10.0.0.1", "10.0.0.101", data, False))
    _, counts6 = datagrams(int_out, True)
    check("IPv6: nothing of the overlapping or the incomplete datagram is forwarded",
          not any(k[2] in (14, 15) for k in counts6), str(counts6))
    drops = stats["drops"]
    check("one duplicate of each family counted", drops.get("fragment_duplicate", 0) == 2, str(drops))
    check("the overlapping datagrams' fragments counted (4 IPv4, 5 IPv6)",
          drops.get("fragment_overlap", 0) == 9, str(drops))
    check("the incomplete datagrams' held fragments counted after the timeout (2 IPv4, 3 IPv6)",
          drops.get("fragment_timeout", 0) == 2 + len(part6) - 1, str(drops))
    workers = stats["workers"]
    check("fragments and held fragments counted",
          sum(w["fragments"] for w in workers) == len(ext_in) + len(int_in) and
          sum(w["fragments_held"] for w in workers) == held + len(reply) - 1, json.dumps(workers))


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
        # FTP: every frame from the client comes first (one burst from eth0),
        # then the real server's (eth1), so the control connection is
        # established, and PORT read, before the server's replies.
        ftp_vip = "203.0.113.100"
        pasv = b"227 Entering Passive Mode (192,168,1,20,195,80).\r\n"
        ftp_client = [
            IP(src="10.0.0.101", dst=ftp_vip)/TCP(sport=45000, dport=21, flags="S", seq=100),
            IP(src="10.0.0.101", dst=ftp_vip)/TCP(sport=45000, dport=21, flags="A", seq=101, ack=7001),
            IP(src="10.0.0.101", dst=ftp_vip)/TCP(sport=45000, dport=21, flags="PA", seq=101, ack=7001) /
            Raw(b"PORT 10,0,0,101,175,201\r\n"),  # port 45001
        ]
        ftp_server = [
            IP(src="192.168.1.20", dst="10.0.0.101")/TCP(sport=21, dport=45000, flags="SA", seq=7000, ack=101),
            IP(src="192.168.1.20", dst="10.0.0.101")/TCP(sport=21, dport=45000, flags="PA", seq=7001, ack=126) /
            Raw(pasv),
            IP(src="192.168.1.20", dst="10.0.0.101")/TCP(sport=21, dport=45000, flags="PA", seq=7001 + len(pasv),
                                                       ack=126)/Raw(b"150 Opening.\r\n"),
            IP(src="192.168.1.20", dst="10.0.0.101")/TCP(sport=20, dport=45001, flags="S", seq=9000),
        ]
        ext_in = [from_client(p) for p in ftp_client] + [
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
        # The client's acknowledgement of the grown reply and an EPRT must
        # come after the server's frames: past a first burst of 32 (the
        # worker reads eth0's burst, then eth1's, then eth0's next), so
        # frames for another host fill it up.
        ext_in += [Ether(src=CLIENT_MAC, dst="02:00:00:00:99:99")/IP(src="10.0.0.101", dst="10.0.0.99")/UDP()
                   for _ in range(32 - len(ext_in))]
        seen = 7001 + len(pasv) + 1 + len(b"150 Opening.\r\n")  # the client's view: the reply one byte longer
        ext_in += [
            from_client(IP(src="10.0.0.101", dst=ftp_vip)/TCP(sport=45000, dport=21, flags="A", seq=126, ack=seen)),
            from_client(IP(src="10.0.0.101", dst=ftp_vip)/TCP(sport=45000, dport=21, flags="PA", seq=126, ack=seen) /
                        Raw(b"EPRT |1|10.0.0.101|45002|\r\n")),
        ]
        int_in = [from_rs(p) for p in ftp_server] + [
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
        p = find(ext_out, lambda p: TCP in p and p[TCP].sport == 21 and bytes(p[TCP].payload).startswith(b"227"))
        check("FTP passive reply: the VIP written over the server's address, one byte longer, seq kept",
              p is not None and bytes(p[TCP].payload) == b"227 Entering Passive Mode (203,0,113,100,195,80).\r\n"
              and p[IP].src == ftp_vip and p[IP].len == 20 + 20 + len(pasv) + 1 and p[TCP].seq == 7001, repr(p))
        p = find(ext_out, lambda p: TCP in p and p[TCP].sport == 21 and bytes(p[TCP].payload).startswith(b"150"))
        check("FTP: the server's next segment shifted by the byte the reply grew",
              p is not None and p[TCP].seq == 7001 + len(pasv) + 1, repr(p))
        p = find(int_out, lambda p: TCP in p and p[TCP].dport == 21 and bytes(p[TCP].payload).startswith(b"PORT"))
        check("FTP PORT: passed to the real server as it was",
              p is not None and p[IP].dst == "192.168.1.20" and bytes(p[TCP].payload) == b"PORT 10,0,0,101,175,201\r\n",
              repr(p))
        p = find(ext_out, lambda p: TCP in p and p[TCP].dport == 45001)
        check("FTP active data connection: the server's SYN from port 20 leaves from VIP:20",
              p is not None and p[IP].src == ftp_vip and p[TCP].sport == 20 and p[TCP].flags == "S", repr(p))
        p = find(int_out, lambda p: TCP in p and p[TCP].dport == 21 and p[TCP].flags == "A" and p[TCP].seq == 126)
        check("FTP: the client's acknowledgement shifted back by the byte the reply grew",
              p is not None and p[TCP].ack == seen - 1, repr(p))
        p = find(int_out, lambda p: TCP in p and p[TCP].dport == 21 and bytes(p[TCP].payload).startswith(b"EPRT"))
        check("FTP EPRT: passed to the real server as it was, its acknowledgement shifted back too",
              p is not None and bytes(p[TCP].payload) == b"EPRT |1|10.0.0.101|45002|\r\n" and p[TCP].ack == seen - 1,
              repr(p))
        worker = stats["workers"][0]
        check("FTP counters: one rewrite, three data entries (PORT, the 227, EPRT)",
              worker.get("ftp_rewrites") == 1 and worker.get("ftp_data_entries") == 3, json.dumps(worker))
        check("nothing else was forwarded", len(int_out) == 16 and len(ext_out) == 9,
              "%d out on eth1, %d on eth0" % (len(int_out), len(ext_out)))

        drops = stats["drops"]
        # A total length past the end of the frame reads as truncated.
        check("truncated header and too long total length counted", drops.get("truncated", 0) == 2, str(drops))
        check("bad IHL counted", drops.get("bad_ip_header", 0) == 1, str(drops))
        check("a fragment of 20 bytes with MF counted", drops.get("fragment_malformed", 0) == 1, str(drops))
        check("stray ACK counted as no_connection", drops.get("no_connection", 0) == 1, str(drops))
        svc = [s for s in stats["services"] if s.get("port") == 80 and s.get("address") == "10.0.0.1"][0]
        check("service counters: 1 connection, 2 packets in, 1 out",
              svc["conns"] == 1 and svc["inpkts"] == 2 and svc["outpkts"] == 1, json.dumps(svc))

        check_fragments(sluiced, workdir, from_client, from_rs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
