#include "controlplane/sluiced/kernel_addresses.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "dataplane/kernel_interface.h"

namespace sluice::sluiced {
namespace {

// One RTM_NEWADDR / RTM_DELADDR and its acknowledgement; 0 or -errno.
int changeAddress(int fd, uint16_t type, int ifindex, const config::IpPrefix& p) {
  struct {
    nlmsghdr nh;
    ifaddrmsg ifa;
    char attrs[64];
  } req{};
  const bool v4 = p.address.isV4();
  const uint8_t* bytes = p.address.bytes.data();
  const unsigned len = v4 ? 4 : 16;
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(ifaddrmsg));
  req.nh.nlmsg_type = type;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0);
  req.ifa.ifa_family = v4 ? AF_INET : AF_INET6;
  req.ifa.ifa_prefixlen = static_cast<unsigned char>(p.length);
  req.ifa.ifa_index = static_cast<unsigned>(ifindex);
  req.ifa.ifa_flags = v4 ? 0 : IFA_F_NODAD;  // the address is ours already; no duplicate detection delay
  for (const unsigned short attr : {IFA_LOCAL, IFA_ADDRESS}) {
    auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&req) + NLMSG_ALIGN(req.nh.nlmsg_len));
    rta->rta_type = attr;
    rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
    std::memcpy(RTA_DATA(rta), bytes, len);
    req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
  }
  if (::send(fd, &req, req.nh.nlmsg_len, 0) < 0) return -errno;
  char buf[512];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n < 0) return -errno;
  const auto* nh = reinterpret_cast<const nlmsghdr*>(buf);
  if (nh->nlmsg_type == NLMSG_ERROR) return reinterpret_cast<const nlmsgerr*>(NLMSG_DATA(nh))->error;
  return 0;
}

// The kernel interface that carries a port's addresses: its exception TAP,
// else its own (net_af_packet, net_af_xdp); none for the others.
std::optional<std::string> kernelSideOf(const config::DataplanePort& port) {
  return port.exceptionTap ? port.exceptionTap : dp::kernelInterfaceOf(port.device);
}

bool configured(const config::Dataplane& dataplane, const std::string& iface, const config::IpPrefix& p) {
  for (const config::DataplanePort& port : dataplane.ports) {
    if (kernelSideOf(port) != iface) continue;
    if (std::find(port.addresses.begin(), port.addresses.end(), p) != port.addresses.end()) return true;
  }
  return false;
}

bool sysctlOn(const char* path) {
  std::ifstream in(path);
  int v = 0;
  return (in >> v) && v != 0;
}

}  // namespace

KernelAddresses::KernelAddresses(const config::Dataplane& dataplane, std::string stateFile,
                                 const common::LogSink& log)
    : stateFile_(std::move(stateFile)) {
  // What a killed predecessor added and this config does not have goes
  // first: removing an IPv4 primary address takes its secondaries with it.
  std::vector<Added> predecessor = inherited(log);
  std::erase_if(predecessor, [&](const Added& a) {
    if (configured(dataplane, a.iface, a.prefix)) return false;
    const int ifindex = static_cast<int>(::if_nametoindex(a.iface.c_str()));
    if (ifindex != 0 && changeAddress(netlink(), RTM_DELADDR, ifindex, a.prefix) == 0) {
      log({common::LogSource::kDaemon, LOG_INFO,
           "removed " + a.prefix.toString() + " from " + a.iface + ", left by a sluiced that did not stop"});
    }
    return true;
  });
  bool kernelSide = false;  // a port with a kernel interface seen
  for (std::size_t index = 0; index < dataplane.ports.size(); ++index) {
    const config::DataplanePort& port = dataplane.ports[index];
    const auto iface = kernelSideOf(port);
    if (!iface) {
      // No kernel interface behind the port: the kernel's sockets (health
      // checks) cannot reach the networks behind it.
      std::cerr << "sluiced: note: port " << port.name << " (" << port.device
                << ") has no kernel interface: health checks cannot reach real servers through it (give it an "
                   "exception_tap)\n";
      continue;
    }
    netlink();
    if (!kernelSide) {
      kernelSide = true;
      if (sysctlOn("/proc/sys/net/ipv4/ip_forward") || sysctlOn("/proc/sys/net/ipv6/conf/all/forwarding")) {
        std::cerr << "sluiced: warning: the kernel forwards in this namespace too; with net_af_packet and "
                     "net_af_xdp ports set "
                     "net.ipv4.ip_forward=0 and net.ipv6.conf.all.forwarding=0, or packets are forwarded twice\n";
      }
    }
    const int ifindex = static_cast<int>(::if_nametoindex(iface->c_str()));
    if (ifindex == 0) {
      undo();
      throw std::runtime_error("port " + port.name + ": no kernel interface '" + *iface + "'");
    }
    if (port.device.starts_with("net_af_xdp") && !port.exceptionTap) filtered_.push_back(index);
    const bool v6Enabled = !sysctlOn(("/proc/sys/net/ipv6/conf/" + *iface + "/disable_ipv6").c_str());
    for (const bool v6 : {false, true}) {
      if (!v6 || v6Enabled) holds_.emplace_back(index, v6);
    }
    for (const config::IpPrefix& p : port.addresses) {
      if (!p.address.isV4() && !v6Enabled) {
        std::cerr << "sluiced: IPv6 is disabled on " << *iface << ": sluice answers for " << p.toString()
                  << " itself; IPv6 health checks from the router cannot run there\n";
        continue;
      }
      const auto before = std::find_if(predecessor.begin(), predecessor.end(), [&](const Added& a) {
        return a.iface == *iface && a.prefix == p;
      });
      if (before != predecessor.end()) {  // a killed predecessor's: ours now
        predecessor.erase(before);
        added_.push_back(Added{ifindex, *iface, p});
        continue;
      }
      const int rc = changeAddress(netlink_, RTM_NEWADDR, ifindex, p);
      if (rc == -EEXIST) continue;  // there already (not ours to remove)
      if (rc != 0) {
        const std::string why = std::strerror(-rc);
        undo();
        throw std::runtime_error("cannot put " + p.toString() + " on " + *iface + ": " + why);
      }
      added_.push_back(Added{ifindex, *iface, p});
    }
  }
  writeState();
}

std::vector<KernelAddresses::Added> KernelAddresses::inherited(const common::LogSink& log) {
  std::vector<Added> found;
  std::ifstream in(stateFile_);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string iface, prefix;
    if (!(words >> iface >> prefix)) continue;
    const std::optional<config::IpPrefix> p = config::IpPrefix::parse(prefix);
    if (p) found.push_back(Added{0, iface, *p});
  }
  if (!found.empty()) {
    log({common::LogSource::kDaemon, LOG_WARNING,
         "the last sluiced with this pid file did not stop: taking over the " + std::to_string(found.size()) +
             " kernel address(es) it added (" + stateFile_ + ")"});
  }
  return found;
}

// Written whole, then renamed over the old one: a kill at any moment
// leaves the old list or the new one.
void KernelAddresses::writeState() const {
  if (stateFile_.empty()) return;
  if (added_.empty()) {
    std::remove(stateFile_.c_str());
    return;
  }
  const std::string partial = stateFile_ + ".new";
  {
    std::ofstream out(partial, std::ios::trunc);
    for (const Added& a : added_) out << a.iface << ' ' << a.prefix.toString() << '\n';
    if (!out) return;  // best effort: without the file, a kill -9 leaves the addresses as before
  }
  std::rename(partial.c_str(), stateFile_.c_str());
}

KernelAddresses::~KernelAddresses() { undo(); }

int KernelAddresses::netlink() {
  if (netlink_ < 0) netlink_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (netlink_ < 0) throw std::runtime_error(std::string("cannot open rtnetlink: ") + std::strerror(errno));
  return netlink_;
}

bool KernelAddresses::holds(std::size_t index, bool v6) const {
  for (const auto& h : holds_) {
    if (h.first == index && h.second == v6) return true;
  }
  return false;
}

bool KernelAddresses::filtered(std::size_t index) const {
  return std::find(filtered_.begin(), filtered_.end(), index) != filtered_.end();
}

void KernelAddresses::undo() noexcept {
  for (const Added& a : added_) changeAddress(netlink_, RTM_DELADDR, a.ifindex, a.prefix);
  added_.clear();
  if (!stateFile_.empty()) std::remove(stateFile_.c_str());
  if (netlink_ >= 0) ::close(netlink_);
  netlink_ = -1;
}

}  // namespace sluice::sluiced
