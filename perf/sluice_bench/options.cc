#include "perf/sluice_bench/options.h"

#include <charconv>
#include <cstdio>

namespace sluice::bench {
namespace {

template <class T>
bool parseNumber(const std::string& s, T& out) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end;
}

// "A" or "A-B", each part parsed by `one`.
template <class One>
std::optional<Range> parseRange(const std::string& s, One&& one) {
  const auto dash = s.find('-');
  const auto first = one(s.substr(0, dash));
  const auto last = dash == std::string::npos ? first : one(s.substr(dash + 1));
  if (!first || !last || *last < *first) return std::nullopt;
  return Range{*first, *last};
}

std::optional<uint32_t> parsePortNumber(const std::string& s) {
  uint32_t v = 0;
  if (!parseNumber(s, v) || v > 65535) return std::nullopt;
  return v;
}

}  // namespace

std::optional<uint32_t> parseIpv4(const std::string& text) {
  uint32_t parts[4];
  std::size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    const auto dot = i < 3 ? text.find('.', pos) : text.size();
    if (dot == std::string::npos) return std::nullopt;
    if (!parseNumber(text.substr(pos, dot - pos), parts[i]) || parts[i] > 255) return std::nullopt;
    pos = dot + 1;
  }
  return parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3];
}

bool parseMac(const std::string& text, uint8_t out[6]) {
  unsigned b[6];
  char tail;
  if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
    return false;
  for (int i = 0; i < 6; ++i) {
    if (b[i] > 255) return false;
    out[i] = static_cast<uint8_t>(b[i]);
  }
  return true;
}

const char* modeName(TrafficMode m) {
  switch (m) {
    case TrafficMode::kSyn: return "syn";
    case TrafficMode::kEstablished: return "established";
    case TrafficMode::kUdp: return "udp";
  }
  return "?";
}

const char* usage() {
  return "usage: sluice-bench [EAL options] -- [options]\n"
         "Sends on one DPDK port, receives on another, and reports rates, loss and latency.\n"
         "  --tx-port P          port id or device name to send on (default 0)\n"
         "  --rx-port P          port id or device name to receive on (default 1; the same: one port)\n"
         "  --mode M             syn | established | udp (default udp)\n"
         "  --flows N            flows (established, udp; default 1024)\n"
         "  --src-ip A[-B]       client addresses (default 10.1.0.0-10.1.255.255)\n"
         "  --src-port P[-Q]     client ports (default 1024-65535)\n"
         "  --dst-ip A           the VIP (default 10.0.0.1)\n"
         "  --dst-port P         (default 80)\n"
         "  --size BYTES         frame size with FCS, 64..1518 (default 64)\n"
         "  --rate MPPS          target rate; 0 = as fast as possible (default 0)\n"
         "  --duration S         seconds of measured traffic (default 10)\n"
         "  --warmup-rate MPPS   pace of the warm-up, one packet per flow (default 1)\n"
         "  --no-warmup          measure from the first packet\n"
         "  --no-probe           send without waiting for the device to answer first (a flood)\n"
         "  --drain-ms MS        receive only after the last packet (default 200)\n"
         "  --wait S             for links up and the first frame back (default 10)\n"
         "  --dst-mac MAC        destination MAC of sent frames (default broadcast)\n"
         "  --src-mac MAC        source MAC (default the TX port's)\n"
         "  --label TEXT         scenario name copied into the JSON\n"
         "  --json               print the result as JSON on stdout\n"
         "  --quiet              no progress line\n";
}

OptionsResult parseOptions(const std::vector<std::string>& args) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    auto bad = [&](const std::string& why) { return OptionsResult{std::nullopt, a + ": " + why}; };
    if (a == "--help" || a == "-h") return {std::nullopt, "help"};
    if (a == "--json") { o.json = true; continue; }
    if (a == "--quiet") { o.progress = false; continue; }
    if (a == "--no-warmup") { o.warmup = false; continue; }
    if (a == "--no-probe") { o.probe = false; continue; }
    const auto v = value();
    if (!v) return bad("needs a value");
    if (a == "--tx-port") {
      o.txPort = *v;
    } else if (a == "--rx-port") {
      o.rxPort = *v;
    } else if (a == "--mode") {
      if (*v == "syn") o.mode = TrafficMode::kSyn;
      else if (*v == "established") o.mode = TrafficMode::kEstablished;
      else if (*v == "udp") o.mode = TrafficMode::kUdp;
      else return bad("syn, established or udp");
    } else if (a == "--flows") {
      if (!parseNumber(*v, o.flows) || o.flows == 0) return bad("a positive number");
    } else if (a == "--src-ip") {
      const auto r = parseRange(*v, parseIpv4);
      if (!r) return bad("an IPv4 address or range A-B");
      o.srcIp = *r;
    } else if (a == "--src-port") {
      const auto r = parseRange(*v, parsePortNumber);
      if (!r) return bad("a port or range P-Q");
      o.srcPort = *r;
    } else if (a == "--dst-ip") {
      const auto ip = parseIpv4(*v);
      if (!ip) return bad("an IPv4 address");
      o.dstIp = *ip;
    } else if (a == "--dst-port") {
      const auto p = parsePortNumber(*v);
      if (!p) return bad("0..65535");
      o.dstPort = static_cast<uint16_t>(*p);
    } else if (a == "--size") {
      if (!parseNumber(*v, o.frameSize) || o.frameSize < 64 || o.frameSize > 1518) return bad("64..1518");
    } else if (a == "--rate") {
      if (!parseNumber(*v, o.rateMpps) || o.rateMpps < 0) return bad("Mpps, 0 or more");
    } else if (a == "--duration") {
      if (!parseNumber(*v, o.durationS) || o.durationS <= 0 || o.durationS > 86400) return bad("seconds, 0-86400");
    } else if (a == "--warmup-rate") {
      if (!parseNumber(*v, o.warmupMpps) || o.warmupMpps <= 0) return bad("Mpps, more than 0");
    } else if (a == "--drain-ms") {
      if (!parseNumber(*v, o.drainMs) || o.drainMs > 60000) return bad("0..60000");
    } else if (a == "--wait") {
      if (!parseNumber(*v, o.waitS) || o.waitS == 0 || o.waitS > 3600) return bad("1..3600");
    } else if (a == "--dst-mac" || a == "--src-mac") {
      uint8_t mac[6];
      if (!parseMac(*v, mac)) return bad("a MAC address aa:bb:cc:dd:ee:ff");
      (a == "--dst-mac" ? o.dstMac : o.srcMac) = *v;
    } else if (a == "--label") {
      o.label = *v;
    } else {
      return {std::nullopt, "unknown option " + a};
    }
  }
  if (o.mode != TrafficMode::kSyn && o.flows > o.srcIp.size() * o.srcPort.size()) {
    return {std::nullopt, "--flows " + std::to_string(o.flows) + " is more than the client endpoints (" +
                              std::to_string(o.srcIp.size() * o.srcPort.size()) + ")"};
  }
  return {o, ""};
}

}  // namespace sluice::bench
