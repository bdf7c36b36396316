// The frames sluice-bench sends: Ethernet / IPv4 / TCP or UDP from a
// client endpoint to the VIP, with a 48-bit TSC timestamp in the first six
// payload bytes (a 64-byte TCP frame has exactly six) and the run phase in
// the IPv4 identification (a DUT's NAT or DR leaves both alone). Checksums
// are valid: the constant part is summed once, each packet adds its own
// words. Pure: no DPDK.
#pragma once

#include <array>
#include <cstdint>

namespace sluice::bench {

inline constexpr uint32_t kEthHeader = 14;
inline constexpr uint32_t kFcs = 4;
inline constexpr uint32_t kStampBytes = 6;
inline constexpr uint64_t kStampMask = (uint64_t{1} << 48) - 1;

// Phases of a run, kept in the IPv4 identification under a marker byte.
enum class Phase : uint16_t { kProbe = 0x5B01, kWarmup = 0x5B02, kMeasure = 0x5B03 };

struct FrameSpec {
  uint8_t dstMac[6];
  uint8_t srcMac[6];
  uint32_t dstIp;    // host order
  uint16_t dstPort;
  bool tcp;
  uint8_t tcpFlags;  // for tcp
  uint32_t frameSize;  // with FCS, 64..1518
};

class FrameTemplate {
 public:
  explicit FrameTemplate(const FrameSpec& spec);

  // Bytes of the frame in a buffer (the FCS is the NIC's).
  uint32_t length() const { return len_; }

  // Writes a whole frame to `out` (length() bytes) from client srcIp:srcPort.
  void write(uint8_t* out, uint32_t srcIp, uint16_t srcPort, Phase phase, uint64_t tsc) const;

 private:
  std::array<uint8_t, 1518> bytes_{};
  uint32_t len_;
  uint32_t l4_;
  uint32_t l4Check_;  // offset of the L4 checksum
  bool tcp_;
  uint32_t ipSum_;    // header words but id, checksum and source
  uint32_t l4Sum_;    // pseudo-header and segment but source, port, checksum and stamp
};

// Reads the phase and stamp of a received frame (802.1Q tag allowed, IPv4,
// TCP or UDP, six payload bytes at least). False for any other frame.
bool readStamp(const uint8_t* data, uint32_t len, uint16_t& phase, uint64_t& stamp);

}  // namespace sluice::bench
