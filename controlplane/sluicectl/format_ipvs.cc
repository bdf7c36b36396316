// ipvsadm's own layouts (ipvsadm.c: print_title, print_service_entry,
// print_largenum, print_conn), so eyes and scripts used to them read ours.
#include <algorithm>
#include <array>
#include <string>
#include <tuple>
#include <vector>

#include "controlplane/config/address.h"
#include "controlplane/sluicectl/format.h"
#include "controlplane/sluicectl/json_fields.h"

namespace sluice::sluicectl {
namespace {

using nlohmann::json;

constexpr std::size_t kServiceWidth = 33;  // "%-33s"
constexpr std::size_t kServerWidth = 28;   // "  -> %-28s"

std::string forwardName(const std::string& method) {
  if (method == "NAT") return "Masq";
  if (method == "DR") return "Route";
  if (method == "TUN") return "Tunnel";
  return method;
}

// ipvsadm's print_largenum: 9 columns, exact below 100 million, then
// scaled down with a K, M, G or T suffix.
std::string largeNumber(std::uint64_t n) {
  struct Scale {
    std::uint64_t below;
    std::uint64_t divisor;
    const char* suffix;
  };
  static constexpr Scale kScales[] = {{1'000'000'000ULL, 1'000ULL, "K"},
                                      {100'000'000'000ULL, 1'000'000ULL, "M"},
                                      {100'000'000'000'000ULL, 1'000'000'000ULL, "G"}};
  if (n < 100'000'000ULL) return padLeft(std::to_string(n), 9);
  for (const auto& s : kScales) {
    if (n < s.below) return padLeft(std::to_string(n / s.divisor), 8) + s.suffix;
  }
  return padLeft(std::to_string(n / 1'000'000'000'000ULL), 8) + "T";
}

// The five counters of --stats and of --rate: their title and JSON key.
struct Counter {
  const char* title;
  const char* key;
};
using CounterSet = std::array<Counter, 5>;
constexpr CounterSet kStatsCounters = {{{"Conns", "conns"},
                                        {"InPkts", "inpkts"},
                                        {"OutPkts", "outpkts"},
                                        {"InBytes", "inbytes"},
                                        {"OutBytes", "outbytes"}}};
constexpr CounterSet kRateCounters = {
    {{"CPS", "cps"}, {"InPPS", "inpps"}, {"OutPPS", "outpps"}, {"InBPS", "inbps"}, {"OutBPS", "outbps"}}};

const CounterSet& countersOf(Columns columns) { return columns == Columns::kStats ? kStatsCounters : kRateCounters; }

// The order of libipvs' ipvs_cmp_services / ipvs_cmp_dests: address
// services before fwmarks, then family, protocol number, address, port.
using SortKey = std::tuple<std::uint64_t, int, int, std::array<std::uint8_t, 16>, std::uint64_t, std::string>;

int protocolNumber(const std::string& protocol) {
  if (protocol == "TCP") return 6;
  if (protocol == "UDP") return 17;
  if (protocol == "SCTP") return 132;
  return 256;
}

SortKey sortKey(const json& entry) {
  const auto ip = config::parseAddress(text(entry, "address"));
  const int family = ip ? static_cast<int>(ip->family) : 2;
  return {counter(entry, "fwmark"), family, protocolNumber(text(entry, "protocol")),
          ip ? ip->bytes : std::array<std::uint8_t, 16>{}, counter(entry, "port"), text(entry, "id")};
}

std::string title(Columns columns) {
  if (columns == Columns::kConnections) {
    return "Prot LocalAddress:Port Scheduler Flags\n"
           "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";
  }
  std::string line = padRight("Prot LocalAddress:Port", kServiceWidth);
  for (const auto& c : countersOf(columns)) line += " " + padLeft(c.title, 8);
  return line + "\n  -> RemoteAddress:Port\n";
}

std::string serviceLine(const json& s, Columns columns) {
  if (columns != Columns::kConnections) {
    std::string line = padRight(serviceName(s), kServiceWidth);
    for (const auto& c : countersOf(columns)) line += largeNumber(counter(s, c.key));
    return line;
  }
  std::string line = serviceName(s) + " " + text(s, "scheduler");
  if (field(s, "persistent").is_number()) line += " persistent " + std::to_string(counter(s, "persistent"));
  return line;
}

std::string serverLine(const json& r, Columns columns) {
  std::string line = "  -> " + padRight(endpointName(r, "address", "port"), kServerWidth);
  if (columns != Columns::kConnections) {
    const auto& counters = countersOf(columns);
    for (std::size_t i = 0; i < counters.size(); ++i) {
      const std::uint64_t n = counter(r, counters[i].key);
      // ipvsadm prints a real server's CPS, InPPS and OutPPS with " %8u", unscaled.
      line += columns == Columns::kRate && i < 3 ? " " + padLeft(std::to_string(n), 8) : largeNumber(n);
    }
    return line;
  }
  line += " " + padRight(forwardName(text(r, "method")), 7) + " " + padRight(std::to_string(counter(r, "weight")), 6) +
          " " + padRight(std::to_string(counter(r, "activeconns")), 10) + " " +
          padRight(std::to_string(counter(r, "inactconns")), 10);
  // ipvsadm pads the last column too; trailing blanks only get in the way.
  return trimRight(field(r, "sorry") == true ? line + " sorry" : line);
}

// "MM:SS" of ipvsadm -Lnc, from milliseconds (rounded down, as /proc gives seconds).
std::string expireText(std::uint64_t ms) {
  const std::uint64_t seconds = ms / 1000;
  const auto two = [](std::uint64_t n) { return n < 10 ? "0" + std::to_string(n) : std::to_string(n); };
  return two(seconds / 60) + ":" + two(seconds % 60);
}

}  // namespace

std::string endpointName(const json& obj, std::string_view addressKey, std::string_view portKey) {
  const std::string address = text(obj, addressKey);
  const std::string port = std::to_string(counter(obj, portKey));
  if (address.find(':') != std::string::npos) return "[" + address + "]:" + port;
  return address + ":" + port;
}

std::string serviceName(const json& s) {
  if (field(s, "fwmark").is_number()) return "FWM  " + std::to_string(counter(s, "fwmark"));
  const std::string protocol = field(s, "protocol").is_string() ? text(s, "protocol") + "  " : "";
  if (field(s, "address").is_string()) return protocol + endpointName(s, "address", "port");
  return protocol + text(s, "id");
}

std::vector<const json*> ipvsOrder(const json& entries) {
  std::vector<const json*> out;
  for (const auto& e : entries) out.push_back(&e);
  std::stable_sort(out.begin(), out.end(), [](const json* a, const json* b) { return sortKey(*a) < sortKey(*b); });
  return out;
}

std::string formatServices(const json& stats, Columns columns) {
  const json& services = list(stats, "services");
  std::string out = "sluice (IPVS-compatible) services=" + std::to_string(services.size()) + "\n" + title(columns);
  for (const json* s : ipvsOrder(services)) {
    out += serviceLine(*s, columns) + "\n";
    for (const json* r : ipvsOrder(list(*s, "real_servers"))) out += serverLine(*r, columns) + "\n";
  }
  return out;
}

std::string formatConnections(const json& connections, bool withTitle) {
  std::string out;
  if (withTitle) {
    out = "IPVS connection entries\npro expire " + padRight("state", 11) + " " + padRight("source", 18) + " " +
          padRight("virtual", 18) + " destination\n";
  }
  if (!connections.is_array()) return out;
  for (const auto& c : connections) {
    // A persistence template shows its service's protocol, a fwmark
    // service's template "IP", as Linux's ipvsadm -Lnc does.
    out += padRight(text(c, "protocol"), 3) + " " + padRight(expireText(counter(c, "expires_ms")), 6) + " " +
           padRight(text(c, "state"), 11) + " " + padRight(endpointName(c, "client_address", "client_port"), 18) + " " +
           padRight(endpointName(c, "virtual_address", "virtual_port"), 18) + " " +
           endpointName(c, "server_address", "server_port") + "\n";
  }
  return out;
}

}  // namespace sluice::sluicectl
