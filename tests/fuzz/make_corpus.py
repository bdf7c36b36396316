#!/usr/bin/python3
"""Writes the generated seed inputs of the fuzz targets into corpus/<target>/
(packet, api, vrrp and sync; config's seeds are keepalived.conf files copied
from the repository's tests, sync's first seeds are the datagrams the kernel
sent in tests/sync/vectors/). Deterministic: running it again rewrites the same
files. Files whose names start with "crash-" are findings kept as regression
inputs and are never touched.

Usage: tests/fuzz/make_corpus.py   (Debian's python3, with scapy)
"""
import json
import os
import shutil
import struct
import sys

from scapy.all import (ARP, ICMP, IP, IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, SCTP, SCTPChunkInit, TCP, UDP,
                       Dot1Q, Ether, Raw, IPOption_RR, fragment, fragment6)

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(os.path.dirname(here))
EXT_MAC, INT_MAC = "02:00:00:00:00:e0", "02:00:00:00:00:e1"
CLIENT_MAC, RS_MAC = "02:00:00:00:0a:65", "02:00:00:00:01:20"


def write(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- packet
def ext(pkt):
    return Ether(src=CLIENT_MAC, dst=EXT_MAC) / pkt


def internal(pkt):
    return Ether(src=RS_MAC, dst=INT_MAC) / pkt


def records(*frames):
    """frames: (port, advance, scapy packet): 0 external, 1 internal."""
    out = b""
    for port, advance, pkt in frames:
        raw = bytes(pkt)
        out += struct.pack("!BH", (advance << 1) | port, len(raw)) + raw
    return out


C4, C6 = "10.0.0.101", "fd00:10::101"
FRAGS4 = fragment(IP(src=C4, dst="10.0.0.1", id=7) / UDP(sport=5355, dport=53) / Raw(bytes(1200)), fragsize=400)
FRAGS6 = fragment6(IPv6(src=C6, dst="fd00:10::1") / IPv6ExtHdrFragment(id=8) / UDP(sport=5356, dport=53) /
                   Raw(bytes(1200)), 500)
REPLY4 = fragment(IP(src="192.168.1.20", dst=C4, id=9) / UDP(sport=53, dport=5355) / Raw(bytes(1200)), fragsize=400)
packet_seeds = {
    "fragments": records(
        *[(0, 0, ext(f)) for f in FRAGS4[::-1]],
        *[(1, 0, internal(f)) for f in REPLY4[1:] + REPLY4[:1]],
        (0, 0, ext(FRAGS4[1])),
        *[(0, 0, Ether(src=CLIENT_MAC, dst=EXT_MAC) / f) for f in FRAGS6[::-1]],
        (0, 0, ext(FRAGS4[2])),
        (0, 20, ext(FRAGS4[1]))),
    "nat_tcp_handshake": records(
        (0, 0, ext(IP(src=C4, dst="10.0.0.1") / TCP(sport=40000, dport=80, flags="S"))),
        (1, 0, internal(IP(src="192.168.1.20", dst=C4) / TCP(sport=80, dport=40000, flags="SA"))),
        (0, 0, ext(IP(src=C4, dst="10.0.0.1") / TCP(sport=40000, dport=80, flags="A") / Raw(b"GET / HTTP/1.0\r\n\r\n"))),
        (1, 0, internal(IP(src="192.168.1.20", dst=C4) / TCP(sport=80, dport=40000, flags="FA"))),
        (0, 0, ext(IP(src=C4, dst="10.0.0.1") / TCP(sport=40000, dport=80, flags="FA"))),
        (0, 127, ext(IP(src=C4, dst="10.0.0.1") / TCP(sport=40000, dport=80, flags="A")))),
    "nat_udp_both_ways": records(
        (0, 0, ext(IP(src=C4, dst="10.0.0.1") / UDP(sport=5353, dport=53) / Raw(b"query"))),
        (1, 0, internal(IP(src="192.168.1.20", dst=C4) / UDP(sport=53, dport=5353) / Raw(b"answer"))),
        (0, 0, ext(IP(src=C4, dst="10.0.0.1") / UDP(sport=5354, dport=53, chksum=0) / Raw(b"q")))),
    "nat_sctp_init": records(
        (0, 0, ext(IP(src=C4, dst="10.0.0.1") / SCTP(sport=5000, dport=36412) / SCTPChunkInit()))),
    "dr_tcp": records(
        (0, 0, ext(IP(src=C4, dst="10.0.0.3") / TCP(sport=41000, dport=443, flags="S"))),
        (0, 0, ext(IP(src=C4, dst="10.0.0.3") / TCP(sport=41000, dport=443, flags="A")))),
    "persistent_granularity": records(
        (0, 0, ext(IP(src=C4, dst="10.0.0.10") / TCP(sport=42000, dport=22, flags="S"))),
        (0, 3, ext(IP(src="10.0.0.102", dst="10.0.0.10") / TCP(sport=42001, dport=22, flags="S"))),
        (0, 40, ext(IP(src=C4, dst="10.0.0.10") / TCP(sport=42002, dport=22, flags="S")))),
    "fwmark_ports": records(
        (0, 0, ext(IP(src=C4, dst="10.0.0.11") / TCP(sport=43000, dport=7005, flags="S"))),
        (0, 0, ext(IP(src=C4, dst="10.0.0.11") / UDP(sport=43000, dport=5001) / Raw(b"x"))),
        (0, 0, ext(IP(src=C4, dst="10.0.0.11") / TCP(sport=43001, dport=81, flags="S")))),
    # FTP: a control connection whose replies and commands open data
    # entries (the passive reply rewritten shorter), then both data
    # connections' first segments.
    "ftp_control": records(
        (0, 0, ext(IP(src=C4, dst="10.0.0.1") / TCP(sport=46000, dport=21, flags="S", seq=100))),
        (1, 0, internal(IP(src="192.168.1.20", dst=C4) / TCP(sport=21, dport=46000, flags="SA", seq=700, ack=101))),
        (0, 0, ext(IP(src=C4, dst="10.0.0.1") / TCP(sport=46000, dport=21, flags="A", seq=101, ack=701))),
        (1, 0, internal(IP(src="192.168.1.20", dst=C4) / TCP(sport=21, dport=46000, flags="PA", seq=701, ack=101) /
                        Raw(b"227 Entering Passive Mode (192,168,1,20,195,80).\r\n"))),
        (1, 0, internal(IP(src="192.168.1.20", dst=C4) / TCP(sport=21, dport=46000, flags="PA", seq=751, ack=101) /
                        Raw(b"229 Entering Extended Passive Mode (|||50001|)\r\n"))),
        (0, 0, ext(IP(src=C4, dst="10.0.0.1") / TCP(sport=46000, dport=21, flags="PA", seq=101, ack=795) /
                   Raw(b"PORT 10,0,0,101,179,180\r\n"))),
        (0, 0, ext(IP(src=C4, dst="10.0.0.1") / TCP(sport=46000, dport=21, flags="PA", seq=126, ack=795) /
                   Raw(b"EPRT |1|10.0.0.101|46001|\r\n"))),
        (0, 0, ext(IP(src=C4, dst="10.0.0.1") / TCP(sport=46100, dport=50000, flags="S"))),
        (1, 0, internal(IP(src="192.168.1.20", dst=C4) / TCP(sport=20, dport=46004, flags="S")))),
    "sorry_server": records(
        (0, 0, ext(IP(src=C4, dst="10.0.0.12") / TCP(sport=44000, dport=80, flags="S")))),
    "ipv6_nat_hop_by_hop": records(
        (0, 0, Ether(src=CLIENT_MAC, dst=EXT_MAC) / IPv6(src=C6, dst="fd00:10::1") / IPv6ExtHdrHopByHop() /
         TCP(sport=45000, dport=80, flags="S")),
        (1, 0, Ether(src=RS_MAC, dst=INT_MAC) / IPv6(src="fd00:192:168:1::20", dst=C6) /
         TCP(sport=80, dport=45000, flags="SA")),
        (0, 0, Ether(src=CLIENT_MAC, dst=EXT_MAC) / IPv6(src=C6, dst="fd00:10::1") / UDP(sport=45001, dport=53) /
         Raw(b"q6"))),
    "icmp_error_for_a_flow": records(
        (0, 0, ext(IP(src=C4, dst="10.0.0.1") / TCP(sport=46000, dport=80, flags="S"))),
        (1, 0, internal(IP(src="192.168.1.20", dst=C4) / ICMP(type=3, code=4) /
                        bytes(IP(src=C4, dst="192.168.1.20") / TCP(sport=46000, dport=80, flags="S"))[:28]))),
    "vlan_and_ip_options": records(
        (0, 0, Ether(src=CLIENT_MAC, dst=EXT_MAC) / Dot1Q(vlan=10) / IP(src=C4, dst="10.0.0.1") /
         TCP(sport=47000, dport=80, flags="S")),
        (0, 0, ext(IP(src=C4, dst="10.0.0.1", options=[IPOption_RR()]) / TCP(sport=47001, dport=80, flags="S")))),
    "control_plane_frames": records(
        (0, 0, Ether(src=CLIENT_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=C4, pdst="10.0.0.1")),
        (0, 0, Ether(src=CLIENT_MAC, dst="01:00:5e:00:00:12") / IP(src="10.0.0.3", dst="224.0.0.18", proto=112, ttl=255) /
         Raw(bytes([0x21, 51, 100, 1, 0, 1, 0, 0, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]))),
        (0, 0, ext(IP(src=C4, dst="10.0.0.1") / ICMP(type=8) / Raw(b"ping"))),
        (0, 0, ext(IP(src=C4, dst="10.0.0.2") / TCP(sport=48000, dport=22, flags="S")))),
    "malformed": records(
        (0, 0, ext(IP(src=C4, dst="10.0.0.1", flags="MF") / TCP(sport=49000, dport=80, flags="S"))),
        (0, 0, ext(IP(src=C4, dst="10.0.0.1", ttl=1) / UDP(sport=49001, dport=53))),
        (0, 0, Raw(bytes(ext(IP(src=C4, dst="10.0.0.1") / TCP(sport=49002, dport=80, flags="S")))[:30]))),
    "spoofed_sources": records(
        (1, 0, internal(IP(src="10.0.0.1", dst="10.0.0.1") / UDP(sport=53, dport=53) / Raw(b"loop"))),
        (1, 0, internal(IP(src="192.168.1.20", dst="10.0.0.1") / UDP(sport=53, dport=53) / Raw(b"reply?"))),
        (0, 0, ext(IP(src="10.0.0.2", dst="10.0.0.1") / TCP(sport=80, dport=80, flags="S")))),
}

# ---------------------------------------------------------------- api
api_seeds = {
    "get_services": "GET\n/v1/services\n\n",
    "get_one_server": "GET\n/v1/services/tcp-10.0.0.1-80/servers/192.168.1.20-80\n\n",
    "post_service": 'POST\n/v1/services\n\n{"address": "10.0.0.7", "port": 25, "lvs_sched": "sh", '
                    '"real_servers": [{"address": "192.168.1.40", "weight": 3}]}',
    "post_server_with_check": 'POST\n/v1/services/tcp-10.0.0.1-80/servers\n\n{"address": "192.168.1.41", '
                              '"checks": [{"type": "TCP_CHECK", "connect_timeout": 3000}]}',
    "post_server_with_misc_check": 'POST\n/v1/services/tcp-10.0.0.1-80/servers\n\n{"address": "192.168.1.42", '
                                   '"checks": [{"type": "MISC_CHECK", "misc_path": "/bin/touch /tmp/x"}]}',
    "patch_notify": 'PATCH\n/v1/services/tcp-10.0.0.1-80/servers/192.168.1.21-80\n\n'
                    '{"notify_up": {"command": "/bin/sh -c id"}}',
    "patch_quorum": 'PATCH\n/v1/services/tcp-10.0.0.1-80\n\n{"quorum_down": {"command": "/bin/true"}, "quorum": 2}',
    "patch_weight": 'PATCH\n/v1/services/tcp-10.0.0.1-80/servers/192.168.1.20-80\n\n{"weight": 7}',
    "drain": "POST\n/v1/services/tcp-10.0.0.1-80/servers/192.168.1.20-80/drain\n\n",
    "delete_server": "DELETE\n/v1/services/tcp-10.0.0.1-80/servers/192.168.1.21-80\n\n",
    "delete_service": "DELETE\n/v1/services/fwmark-5\n\n",
    "connections_paged": "GET\n/v1/connections\nlimit=50&cursor=0:1:7\n",
    "stats_bad_query": "GET\n/v1/stats\nverbose=1\n",
    "reload": "POST\n/v1/config/reload\n\n",
    "metrics": "GET\n/metrics\n\n",
    "vrrp_health_status": "GET\n/v1/health\n\n",
    "bad_json": "PATCH\n/v1/services/tcp-10.0.0.1-80\n\n{\"lvs_sched\": ",
    "ipv6_service": 'POST\n/v1/services\n\n{"address": "2001:db8::9", "port": 443, "protocol": "TCP", '
                    '"persistence_timeout": 60000, "persistence_granularity": 64}',
}


# ---------------------------------------------------------------- vrrp
def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def advert(version, vrid, prio, addrs, v6=False, auth=0, interval=1, src=b"", dst=b"", password=b""):
    size = 16 if v6 else 4
    body = b"".join(addrs)
    if version == 2:
        head = struct.pack("!BBBBBBH", 0x21, vrid, prio, len(addrs), auth, interval, 0)
        tail = (password.ljust(8, b"\0") if auth == 1 else b"\0" * 8) if not v6 else b""
    else:
        head = struct.pack("!BBBBHH", 0x31, vrid, prio, len(addrs), interval * 100 & 0x0FFF, 0)
        tail = b""
    msg = head + body + tail
    if version == 3 or v6:
        pseudo = src + dst + (struct.pack("!IxxxB", len(msg), 112) if v6 else struct.pack("!xBH", 112, len(msg)))
        c = csum(pseudo + msg)
    else:
        c = csum(msg)
    return msg[:6] + struct.pack("!H", c) + msg[8:]


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip6(a):
    import ipaddress
    return ipaddress.IPv6Address(a).packed


def vrrp_input(flags, ttl, proto, vrid, src, dst, payload):
    return bytes([flags, ttl, proto, vrid, 0x42, 0x42]) + src + dst + payload


S4, G4 = ip4("192.168.1.10"), ip4("224.0.0.18")
S6, G6 = ip6("fe80::10"), ip6("ff02::12")
vips = [ip4("10.0.0.1"), ip4("10.0.0.2")]
vrrp_seeds = {
    "v2_none": vrrp_input(0x00, 255, 112, 51, S4, G4, advert(2, 51, 150, vips)),
    "v2_pass": vrrp_input(0x20, 255, 112, 51, S4, G4, advert(2, 51, 150, vips, auth=1, password=b"passw123")),
    "v2_pass_wrong": vrrp_input(0x20, 255, 112, 51, S4, G4, advert(2, 51, 150, vips, auth=1, password=b"nope")),
    "v2_skip_address_check": vrrp_input(0x10, 255, 112, 51, S4, G4, advert(2, 51, 100, [ip4("10.9.9.9")])),
    "v2_priority_zero": vrrp_input(0x00, 255, 112, 51, S4, G4, advert(2, 51, 0, vips)),
    "v3_ipv4": vrrp_input(0x08, 255, 112, 51, S4, G4, advert(3, 51, 200, vips, src=S4, dst=G4)),
    "v3_ipv4_unicast": vrrp_input(0x0C, 64, 112, 51, S4, ip4("192.168.1.2"),
                                  advert(3, 51, 200, vips, src=S4, dst=ip4("192.168.1.2"))),
    "v3_ipv6": vrrp_input(0x09, 255, 112, 52, S6, G6,
                          advert(3, 52, 120, [G6], v6=True, src=S6, dst=G6)),
    "v2_ipv6": vrrp_input(0x01, 255, 112, 52, S6, G6,
                          advert(2, 52, 120, [G6], v6=True, src=S6, dst=G6)),
    "wrong_ttl": vrrp_input(0x00, 64, 112, 51, S4, G4, advert(2, 51, 150, vips)),
    "truncated": vrrp_input(0x00, 255, 112, 51, S4, G4, advert(2, 51, 150, vips)[:13]),
    "ah_header_no_icv": vrrp_input(0x02, 255, 51, 51, S4, G4,
                                   bytes([112, 4, 0, 0, 0, 0, 0x10, 0x01, 0, 0, 0, 5]) + b"\0" * 12 +
                                   advert(2, 51, 150, vips, auth=2)),
}


def frame_input(flags, vrid, frame):
    return bytes([0x80 | flags, 0, 0, vrid]) + bytes(frame)


vrrp_frames = {
    "frame_v2_multicast": frame_input(0x00, 51, Ether(src="00:00:5e:00:01:33", dst="01:00:5e:00:00:12") /
                                      IP(src="192.168.1.10", dst="224.0.0.18", proto=112, ttl=255, tos=0xc0) /
                                      Raw(advert(2, 51, 150, vips))),
    "frame_v3_vlan": frame_input(0x08, 51, Ether(src="00:00:5e:00:01:33", dst="01:00:5e:00:00:12") / Dot1Q(vlan=7) /
                                 IP(src="192.168.1.10", dst="224.0.0.18", proto=112, ttl=255) /
                                 Raw(advert(3, 51, 200, vips, src=S4, dst=G4))),
    "frame_v3_ipv6": frame_input(0x09, 52, Ether(src="00:00:5e:00:02:34", dst="33:33:00:00:00:12") /
                                 IPv6(src="fe80::10", dst="ff02::12", nh=112, hlim=255) /
                                 Raw(advert(3, 52, 120, [G6], v6=True, src=S6, dst=G6))),
    "frame_padded_short": frame_input(0x00, 51, bytes(Ether(src="00:00:5e:00:01:33", dst="01:00:5e:00:00:12") /
                                      IP(src="192.168.1.10", dst="224.0.0.18", proto=112, ttl=255) /
                                      Raw(advert(2, 51, 150, vips[:1])))[:40] + b"\0" * 24),
}


# ---------------------------------------------------------------- sync
# Input: [expected sync id][builder maxLength selector][datagram].
def sync_input(syncid, selector, datagram):
    return bytes([syncid, selector]) + datagram


def sync_v1(syncid, entries):
    body = b""
    for e in entries:
        body += b"\0" * (-(8 + len(body)) % 4) + e
    return struct.pack("!BBHBbH", 0, syncid, 8 + len(body), len(entries), 1, 0) + body


def sync_entry(v6, proto, flags, state, ports, addrs, timeout, options=b""):
    size = (72 if v6 else 36) + len(options)
    head = struct.pack("!BBHIHHHHII", 1 if v6 else 0, proto, size, flags, state, *ports, 0, timeout)
    return head + b"".join(addrs) + options


def sync_seeds():
    seeds = {}
    vectors = os.path.join(top, "tests/sync/vectors")
    for f in sorted(os.listdir(vectors)):
        if f.endswith(".json"):
            with open(os.path.join(vectors, f)) as j:
                v = json.load(j)
            for i, d in enumerate(v["datagrams"]):
                seeds["%s_%d" % (f[:-5], i)] = sync_input(v["syncid"], 0x30, bytes.fromhex(d["hex"]))
    a4 = [ip4("10.0.0.101"), ip4("10.0.0.1"), ip4("192.168.1.20")]
    a6 = [ip6("fd00:10::101"), ip6("fd00:10::1"), ip6("fd00:192:168:1::20")]
    seq = struct.pack("!BB6I", 1, 24, 1, 2, 3, 4, 5, 6)
    pe = struct.pack("!BB", 2, 5) + b"call1" + struct.pack("!BB", 3, 3) + b"sip" + struct.pack("!BB", 0x44, 1) + b"x"
    seeds["seq_then_ipv6"] = sync_input(7, 0, sync_v1(7, [
        sync_entry(False, 6, 0x0600, 1, (40000, 80, 80), a4, 900, seq),
        sync_entry(True, 17, 0x0103, 0, (1234, 53, 53), a6, 300)]))
    seeds["pe_and_optional"] = sync_input(0, 1, sync_v1(9, [
        sync_entry(False, 17, 0x1100, 0, (5060, 5060, 5060), a4, 180, pe)]))
    v0 = struct.pack("!BBHHH", 0, 6, 40001, 80, 80) + b"".join(a4) + struct.pack("!HH", 0x0600, 1)
    v0 += struct.pack("<6I", 1, 2, 3, 4, 5, 6)
    seeds["v0_with_seq"] = sync_input(7, 0, struct.pack("!BBH", 1, 7, 4 + len(v0)) + v0)
    return seeds


def main():
    for name, data in packet_seeds.items():
        write("packet", name, data)
    for name, text in api_seeds.items():
        write("api", name, text.encode())
    for name, data in {**vrrp_seeds, **vrrp_frames}.items():
        write("vrrp", name, data)
    for name, data in sync_seeds().items():
        write("sync", name, data)
    sources = [os.path.join(top, "tests/controlplane/config/seeds"), os.path.join(top, "tests/lab/configs"),
               os.path.join(top, "docs/examples")]
    for src in sources:
        for f in sorted(os.listdir(src)) if os.path.isdir(src) else []:
            if f.endswith(".conf"):
                name = os.path.basename(src) + "-" + f  # seeds-, configs-, examples-: names collide
                shutil.copyfile(os.path.join(src, f), os.path.join(here, "corpus", "config", name))
    print("corpus written under", os.path.join(here, "corpus"))


if __name__ == "__main__":
    sys.exit(main())
