#include "dataplane/xdp_steering.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "dataplane/xdp/steer_maps.h"

namespace sluice::dp {
namespace {

static_assert(sizeof(sluice_dst_key) == 24);
static_assert(sizeof(sluice_server_key) == 20);

std::string errnoText(int err) { return std::strerror(err < 0 ? -err : err); }

std::array<uint8_t, 24> dstKey(const wire::IpAddress& addr, uint8_t len) {
  sluice_dst_key k{};
  k.prefixlen = 8u + len;
  k.family = addr.isV6() ? SLUICE_FAMILY_V6 : SLUICE_FAMILY_V4;
  const IpAddr masked = maskAddress(IpAddr::of(addr), len);
  std::memcpy(k.addr, masked.b, addr.size());
  std::array<uint8_t, 24> raw{};
  std::memcpy(raw.data(), &k, sizeof k);
  return raw;
}

std::array<uint8_t, 20> serverKey(const wire::IpAddress& addr, uint8_t proto, uint16_t port) {
  sluice_server_key k{};
  k.family = addr.isV6() ? SLUICE_FAMILY_V6 : SLUICE_FAMILY_V4;
  k.proto = proto;
  k.port = htobe16(port);
  std::memcpy(k.addr, addr.bytes.data(), addr.size());
  std::array<uint8_t, 20> raw{};
  std::memcpy(raw.data(), &k, sizeof k);
  return raw;
}

// The map of program `progFd` called `name`, or -1.
int mapByName(int progFd, const char* name) {
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(progFd, &info, &len) != 0) return -1;
  std::vector<uint32_t> ids(info.nr_map_ids);
  info = bpf_prog_info{};
  info.nr_map_ids = static_cast<uint32_t>(ids.size());
  info.map_ids = reinterpret_cast<uint64_t>(ids.data());
  len = sizeof info;
  if (bpf_obj_get_info_by_fd(progFd, &info, &len) != 0) return -1;
  for (uint32_t id : ids) {
    const int fd = bpf_map_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_map_info mi{};
    uint32_t mlen = sizeof mi;
    if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0 && std::strncmp(mi.name, name, sizeof mi.name) == 0) return fd;
    ::close(fd);
  }
  return -1;
}

}  // namespace

std::string steeringProgramPath() {
  // The installed object first, relative to this program's directory
  // (sbindir -> libdir/sluice, computed by meson) unless the build was
  // configured with absolute directories; then the build tree's, for
  // sluiced run from build/ (the lab, the tests).
  std::filesystem::path installed = SLUICE_XDP_PROGRAM_INSTALLED;
  std::error_code ec;
  if (installed.is_relative()) {
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) installed = (exe.parent_path() / installed).lexically_normal();
  }
  if (std::filesystem::exists(installed, ec)) return installed.string();
  const std::string built = SLUICE_XDP_PROGRAM_BUILT;
  if (std::filesystem::exists(built, ec)) return built;
  return installed.string();
}

std::string withSteeringProgram(const std::string& device) {
  if (!device.starts_with("net_af_xdp") || device.find("xdp_prog=") != std::string::npos) return device;
  return device + ",xdp_prog=" + steeringProgramPath();
}

std::optional<std::string> attachedXdpProgram(const std::string& ifname) {
  const int ifindex = static_cast<int>(::if_nametoindex(ifname.c_str()));
  uint32_t progId = 0;
  if (ifindex == 0 || bpf_xdp_query_id(ifindex, 0, &progId) != 0 || progId == 0) return std::nullopt;
  const int fd = bpf_prog_get_fd_by_id(progId);
  if (fd < 0) return std::string("id ") + std::to_string(progId);
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  const bool named = bpf_obj_get_info_by_fd(fd, &info, &len) == 0;
  ::close(fd);
  return named ? std::string(info.name) : std::string("id ") + std::to_string(progId);
}

std::unique_ptr<XdpSteering> XdpSteering::find(const std::string& portName, const std::string& ifname) {
  const int ifindex = static_cast<int>(::if_nametoindex(ifname.c_str()));
  if (ifindex == 0) throw std::runtime_error("port " + portName + ": no kernel interface '" + ifname + "'");
  uint32_t progId = 0;
  if (int rc = bpf_xdp_query_id(ifindex, 0, &progId); rc != 0) {
    throw std::runtime_error("port " + portName + ": cannot query the XDP program on " + ifname + ": " +
                             errnoText(rc));
  }
  if (progId == 0) return nullptr;
  const int progFd = bpf_prog_get_fd_by_id(progId);
  if (progFd < 0) {
    throw std::runtime_error("port " + portName + ": cannot open XDP program " + std::to_string(progId) + " on " +
                             ifname + ": " + errnoText(errno));
  }
  const int dsts = mapByName(progFd, SLUICE_DST_MAP);
  const int servers = mapByName(progFd, SLUICE_SERVER_MAP);
  ::close(progFd);
  if (dsts < 0 || servers < 0) {
    if (dsts >= 0) ::close(dsts);
    if (servers >= 0) ::close(servers);
    return nullptr;
  }
  return std::unique_ptr<XdpSteering>(new XdpSteering(portName, progId, dsts, servers));
}

XdpSteering::~XdpSteering() {
  ::close(dstMap_);
  ::close(serverMap_);
}

template <class Key>
unsigned XdpSteering::sync(int fd, std::map<Key, uint32_t>& have, const std::map<Key, uint32_t>& want) {
  unsigned failed = 0;
  for (auto it = have.begin(); it != have.end();) {
    if (want.contains(it->first)) {
      ++it;
      continue;
    }
    if (bpf_map_delete_elem(fd, it->first.data()) != 0 && errno != ENOENT) ++failed;
    it = have.erase(it);
  }
  for (const auto& [key, value] : want) {
    const auto at = have.find(key);
    if (at != have.end() && at->second == value) continue;
    if (bpf_map_update_elem(fd, key.data(), &value, BPF_ANY) != 0) {
      ++failed;
      continue;
    }
    have[key] = value;
  }
  return failed;
}

unsigned XdpSteering::update(const ForwardingTable& table, std::span<const std::array<bool, 2>> kernelHolds) {
  std::map<DstKey, uint32_t> dsts;
  std::map<ServerKey, uint32_t> servers;
  auto addServer = [&](const RealServer& rs, uint8_t serviceProto) {
    if (rs.method != FwdMethod::kNat) return;  // DR replies do not come back through the router
    for (const uint8_t proto : {uint8_t{6}, uint8_t{17}, uint8_t{132}}) {
      // A real server port of 0 (fwmark services) stands for any source port.
      if (serviceProto == 0 || proto == serviceProto) servers[serverKey(rs.addr, proto, rs.port)] = 1;
    }
    servers[serverKey(rs.addr, 0, 0)] = 1;  // the host, for its ICMP errors
  };
  for (const Prefix& v : table.ownedVips) dsts[dstKey(v.addr, static_cast<uint8_t>(v.addr.bitCount()))] = SLUICE_DST_TO_SLUICE;
  for (const Service& s : table.services) {
    if (!s.byMark) dsts[dstKey(s.vip, static_cast<uint8_t>(s.vip.bitCount()))] = SLUICE_DST_TO_SLUICE;
    for (uint32_t i = s.firstServer; i < s.firstServer + s.serverCount && i < table.servers.size(); ++i) {
      addServer(table.servers[i], s.proto);
    }
    if (s.sorryServer >= 0 && static_cast<std::size_t>(s.sorryServer) < table.servers.size()) {
      addServer(table.servers[static_cast<std::size_t>(s.sorryServer)], s.proto);
    }
  }
  for (const FwmarkRule& r : table.fwmarkRules) dsts[dstKey(r.dst.addr, r.dst.len)] = SLUICE_DST_TO_SLUICE;
  // The router's own addresses: to the kernel where its interface holds
  // them, else to sluice (which answers ARP/ND and pings for them).
  for (std::size_t i = 0; i < table.ports.size(); ++i) {
    for (const Prefix& a : table.ports[i].addresses) {
      const bool kernel = i < kernelHolds.size() && kernelHolds[i][a.addr.isV6() ? 1 : 0];
      dsts[dstKey(a.addr, static_cast<uint8_t>(a.addr.bitCount()))] = kernel ? SLUICE_DST_TO_KERNEL : SLUICE_DST_TO_SLUICE;
    }
  }
  return sync(dstMap_, dsts_, dsts) + sync(serverMap_, servers_, servers);
}

}  // namespace sluice::dp
