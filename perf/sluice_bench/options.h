// sluice-bench's own command line (what follows the EAL arguments and
// `--`). Pure: no DPDK, so it is tested without an EAL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::bench {

enum class TrafficMode : uint8_t {
  kSyn,          // TCP SYN only, random client endpoints: every packet a new connection
  kEstablished,  // TCP ACKs on N flows, each opened by one SYN during the warm-up
  kUdp,          // UDP datagrams on N flows
};

struct Range {
  uint32_t first = 0;  // host byte order
  uint32_t last = 0;   // inclusive
  uint64_t size() const { return uint64_t{last} - first + 1; }
};

struct Options {
  TrafficMode mode = TrafficMode::kUdp;
  std::string txPort = "0";  // port id or device name
  std::string rxPort = "1";  // the same as txPort: one port both ways
  Range srcIp{0x0A010000u, 0x0A01FFFFu};  // 10.1.0.0-10.1.255.255
  Range srcPort{1024, 65535};
  uint32_t dstIp = 0x0A000001u;  // 10.0.0.1
  uint16_t dstPort = 80;
  uint64_t flows = 1024;
  uint32_t frameSize = 64;   // bytes on the wire, FCS included (64..1518)
  double rateMpps = 0;       // 0: as fast as the link takes them
  double durationS = 10;
  double warmupMpps = 1.0;   // pace of the warm-up's one packet per flow
  bool warmup = true;        // established and udp modes: open every flow first
  bool probe = true;         // wait for a frame to come back before measuring (off: a flood)
  unsigned drainMs = 200;    // receive only, after the last packet is sent
  unsigned waitS = 10;       // for links up and the first frame back
  std::optional<std::string> dstMac;  // default: the TX port's peer is not known, broadcast
  std::optional<std::string> srcMac;  // default: the TX port's own
  bool json = false;
  bool progress = true;
  std::string label;         // copied into the JSON (a scenario name)
};

struct OptionsResult {
  std::optional<Options> options;
  std::string error;  // when options is empty; "help" for --help
};

// Parses the application arguments (without the program name).
OptionsResult parseOptions(const std::vector<std::string>& args);

// The usage text for --help.
const char* usage();

// "10.0.0.1" -> host-order address; nullopt when malformed.
std::optional<uint32_t> parseIpv4(const std::string& text);

// "aa:bb:cc:dd:ee:ff" -> 6 bytes; false when malformed.
bool parseMac(const std::string& text, uint8_t out[6]);

const char* modeName(TrafficMode m);

}  // namespace sluice::bench
