#include "controlplane/failover/driver.h"

#include <algorithm>
#include <array>
#include <set>
#include <stdexcept>

#include "controlplane/common/keepalived_lines.h"
#include "controlplane/neighbours/frames.h"
#include "controlplane/tables/table_builder.h"
#include "vrrp/ipsec_ah.h"
#include "vrrp/packet.h"

namespace sluice::failover {
namespace {

constexpr std::size_t kMaxMessage = vrrp::kHeaderSize + vrrp::kMaxAddresses * 16 + vrrp::kAuthDataSize;

namespace words = common::keepalived;

std::string addressText(const wire::IpAddress& a) { return config::toString(a); }

// keepalived logs every refused advert; a flood of them is logged at
// 1, 10, 100, ... so that the log stays readable.
bool worthLogging(uint64_t count) {
  while (count >= 10 && count % 10 == 0) count /= 10;
  return count == 1;
}

std::vector<std::unique_ptr<Instance>> makeInstances(const config::Config& config, const std::vector<PortInfo>& ports) {
  std::vector<std::unique_ptr<Instance>> out;
  for (const config::VrrpInstance& vi : config.vrrpInstances) {
    auto inst = std::make_unique<Instance>(vi, resolveInstance(vi, config.globalDefs, ports));
    if (const config::VrrpSyncGroup* g = config.syncGroupOf(vi.name)) inst->group = g->name;
    for (const auto& other : out) {
      if (other->setup.port == inst->setup.port && other->setup.family == inst->setup.family &&
          other->config.virtualRouterId == vi.virtualRouterId) {
        throw std::invalid_argument("vrrp_instance " + vi.name + ": virtual_router_id " +
                                    std::to_string(vi.virtualRouterId) + " is used by " + other->config.name +
                                    " on the same interface");
      }
    }
    out.push_back(std::move(inst));
  }
  return out;
}

// Whether a running instance can stay under a new configuration: its block,
// its sync group and the multicast groups are unchanged.
bool sameInstance(const config::Config& a, const Instance& running, const config::Config& b,
                  const config::VrrpInstance& next) {
  if (!(running.config == next)) return false;
  const config::VrrpSyncGroup* ga = a.syncGroupOf(next.name);
  const config::VrrpSyncGroup* gb = b.syncGroupOf(next.name);
  const bool sameGroup = ga == nullptr ? gb == nullptr : gb != nullptr && *ga == *gb;
  return sameGroup && a.globalDefs.vrrpMcastGroup4 == b.globalDefs.vrrpMcastGroup4 &&
         a.globalDefs.vrrpMcastGroup6 == b.globalDefs.vrrpMcastGroup6;
}

// The first byte of the VRRP message after an optional AH header: the
// VRID is the byte after it.
std::optional<uint8_t> peekVrid(const ReceivedFrame& f) {
  const std::size_t at = f.ip.protocol == vrrp::kProtocolAh ? vrrp::kAhHeaderSize + 1 : 1;
  if (f.payload.size() <= at) return std::nullopt;
  return f.payload[at];
}

}  // namespace

Driver::Driver(const config::Config& config, std::vector<PortInfo> ports, Io io)
    : config_(config), ports_(std::move(ports)), io_(std::move(io)), instances_(makeInstances(config_, ports_)) {
  io_.log = common::orStderr(std::move(io_.log));
}

void Driver::start(Millis now) {
  warnUnserved();
  started_ = true;
  applyTracking(now);
  for (auto& inst : instances_) execute(*inst, inst->machine.start(now), now);
}

void Driver::warnUnserved() const {
  if (instances_.empty()) return;
  std::set<wire::IpAddress> announced;
  for (const auto& inst : instances_) {
    for (const auto& a : inst->setup.announced) announced.insert(a.address);
  }
  for (const config::VirtualServer& vs : config_.virtualServers) {
    if (vs.kind == config::VirtualServerKind::kAddress && !announced.contains(vs.address)) {
      io_.log({common::LogSource::kVrrp, LOG_WARNING,
               "warning: virtual_server " + config::toString(vs.address) + " " + std::to_string(vs.port) +
                   ": its address is in no vrrp_instance, so no router serves it"});
    }
  }
}

void Driver::stop(Millis now) {
  for (auto& inst : instances_) execute(*inst, inst->machine.shutdown(now), now);
  started_ = false;
}

Instance* Driver::instanceFor(uint16_t port, const ReceivedFrame& frame) {
  const std::optional<uint8_t> vrid = peekVrid(frame);
  for (auto& inst : instances_) {
    if (inst->setup.port == port && inst->setup.family == frame.ip.family && vrid &&
        inst->config.virtualRouterId == *vrid) {
      return inst.get();
    }
  }
  return nullptr;
}

bool Driver::handleFrame(uint16_t port, std::span<const uint8_t> bytes, Millis now) {
  const std::optional<ReceivedFrame> frame = parseAdvertFrame(bytes);
  if (!frame) return false;
  for (const auto& inst : instances_) {
    if (inst->setup.port == port && inst->setup.source == frame->ip.source) {
      ++ownAdverts_;  // our own, looped back by the port
      return true;
    }
  }
  Instance* inst = instanceFor(port, *frame);
  if (inst == nullptr) {
    ++unknownVrid_;
    return true;
  }
  const bool ah = inst->setup.auth == vrrp::AuthType::kAh;
  const vrrp::ReceiveExpectations expected = inst->expectations();
  const auto advert = vrrp::receiveAdvert(frame->ip, frame->payload, expected, ah ? &inst->ah : nullptr);
  if (!advert) {
    refuse(*inst, advert.error());
    return true;
  }
  const std::vector<wire::IpAddress>& peers = inst->setup.peers;
  if (!peers.empty() && std::find(peers.begin(), peers.end(), frame->ip.source) == peers.end()) {
    if (worthLogging(++inst->unknownPeer)) {
      io_.log(words::aboutInstance(inst->config.name, "advert from " + addressText(frame->ip.source) +
                                                          ", which is not a unicast_peer: ignored"));
    }
    return true;
  }
  const vrrp::Step step = inst->machine.onAdvert(vrrp::ReceivedAdvert::from(advert.value(), frame->ip.source), now);
  if (ah) {
    if (step.note == vrrp::Note::kLowerPriorityMaster) {
      inst->ah.syncFromLowerPriority(inst->ah.last());
    } else if (inst->machine.state() == vrrp::State::kBackup) {
      inst->ah.clearCycle();
    }
  }
  execute(*inst, step, now);
  return true;
}

void Driver::refuse(Instance& inst, vrrp::DecodeError error) {
  const uint64_t n = ++inst.refused[static_cast<std::size_t>(error)];
  inst.lastError = "refused an advert: " + std::string(vrrp::decodeErrorName(error));
  if (worthLogging(n)) {
    io_.log(words::aboutInstance(inst.config.name, *inst.lastError + " (" + std::to_string(n) + " so far)"));
  }
}

void Driver::tick(Millis now) {
  sendPaced(now);
  for (auto& instPtr : instances_) {
    Instance& inst = *instPtr;
    const std::optional<Millis> deadline = inst.machine.nextDeadline();
    if (deadline && now >= *deadline) execute(inst, inst.machine.onTimer(now), now);
    if (inst.machine.state() != vrrp::State::kMaster || !inst.nextGarp || now < *inst.nextGarp) continue;
    const config::GlobalDefs& g = config_.globalDefs;
    const Millis refresh = inst.config.garpMasterRefresh.value_or(g.vrrpGarpMasterRefresh);
    if (!inst.secondBurstDone) {
      announce(inst, inst.config.garpMasterRepeat.value_or(g.vrrpGarpMasterRepeat), now);
      inst.secondBurstDone = true;
    } else {
      announce(inst, inst.config.garpMasterRefreshRepeat.value_or(g.vrrpGarpMasterRefreshRepeat), now);
    }
    inst.nextGarp = refresh > Millis{0} ? std::optional(now + refresh) : std::nullopt;
  }
}

void Driver::setTracked(const TrackedStates& states, Millis now) {
  tracked_ = states;
  if (started_) applyTracking(now);
}

void Driver::applyTracking(Millis now) {
  for (auto& inst : instances_) {
    const Tracking t = evaluateTracking(config_, inst->config, tracked_);
    inst->trackWeight = t.weight;
    if (t.fault && !inst->ownFault) {
      inst->lastError = *t.why;
      io_.log(words::aboutInstance(inst->config.name, *t.why));
    }
    inst->ownFault = t.fault;
    execute(*inst, inst->machine.setPriority(inst->config.priority + t.weight, now), now);
  }
  for (auto& inst : instances_) {
    inst->groupFault = false;
    if (!inst->group) continue;
    for (const auto& other : instances_) {
      if (other->group == inst->group && other->ownFault) inst->groupFault = true;
    }
  }
  for (auto& inst : instances_) {
    const bool fault = inst->ownFault || inst->groupFault;
    const bool faulted = inst->machine.state() == vrrp::State::kFault;
    if (inst->machine.state() == vrrp::State::kInit) {
      // Remembered by the machine: start() then goes to FAULT.
      if (fault) inst->machine.setFault(now);
      else inst->machine.clearFault(now);
    } else if (fault && !faulted) {
      execute(*inst, inst->machine.setFault(now), now);
    } else if (!fault && faulted) {
      execute(*inst, inst->machine.clearFault(now), now);
    }
  }
}

void Driver::execute(Instance& inst, const vrrp::Step& step, Millis now) {
  const config::GlobalDefs& g = config_.globalDefs;
  for (const vrrp::Action a : step.actions) {
    switch (a) {
      case vrrp::Action::kSendAdvert:
        sendAdvert(inst, inst.machine.priority());
        break;
      case vrrp::Action::kSendPriorityZero:
        sendAdvert(inst, vrrp::kPriorityResign);
        break;
      case vrrp::Action::kTakeOver: {
        inst.ah.onBecomeMaster();
        announce(inst, inst.config.garpMasterRepeat.value_or(g.vrrpGarpMasterRepeat), now);
        const Millis delay = inst.config.garpMasterDelay.value_or(g.vrrpGarpMasterDelay);
        const Millis refresh = inst.config.garpMasterRefresh.value_or(g.vrrpGarpMasterRefresh);
        inst.secondBurstDone = delay <= Millis{0};
        inst.nextGarp = !inst.secondBurstDone ? std::optional(now + delay)
                        : refresh > Millis{0} ? std::optional(now + refresh)
                                              : std::nullopt;
        ++ownershipVersion_;
        break;
      }
      case vrrp::Action::kRelease:
        inst.nextGarp.reset();
        dropPaced(inst);
        ++ownershipVersion_;
        break;
    }
  }
  if (step.note == vrrp::Note::kOwnerConflict || step.note == vrrp::Note::kSameAddress) {
    io_.log(words::aboutInstance(inst.config.name, vrrp::noteName(step.note), LOG_WARNING));
  }
  if (!step.changed()) return;
  ++inst.transitions;
  inst.lastTransition = std::chrono::system_clock::now();
  transitions_.push_back({inst.config.name, inst.group, step.from, step.to, inst.machine.priority()});
  // keepalived tells no stop (a shutdown, an instance a reload removes),
  // and marks the first BACKUP or FAULT after a start "(init)".
  if (step.to != vrrp::State::kInit) {
    const bool init = step.from == vrrp::State::kInit && step.to != vrrp::State::kMaster;
    io_.log(words::enteringState(inst.config.name, vrrp::stateName(step.to), init));
  }
  if (step.to == vrrp::State::kMaster || (step.from == vrrp::State::kMaster && step.to == vrrp::State::kBackup)) {
    followGroup(inst, now);
  }
}

void Driver::followGroup(const Instance& changed, Millis now) {
  if (!changed.group || inGroupStep_) return;
  inGroupStep_ = true;
  const bool master = changed.machine.state() == vrrp::State::kMaster;
  io_.log(words::syncingGroup(*changed.group, master ? "MASTER" : "BACKUP"));
  for (auto& other : instances_) {
    if (other.get() == &changed || other->group != changed.group) continue;
    execute(*other, master ? other->machine.syncMaster(now) : other->machine.syncBackup(now), now);
  }
  inGroupStep_ = false;
}

void Driver::sendAdvert(Instance& inst, uint8_t priority) {
  const InstanceSetup& s = inst.setup;
  const bool unicast = !s.peers.empty();
  const std::vector<wire::IpAddress> destinations = unicast ? s.peers : std::vector<wire::IpAddress>{s.group};
  for (const wire::IpAddress& to : destinations) {
    vrrp::AdvertFields f;
    f.version = s.version;
    f.vrid = inst.config.virtualRouterId;
    f.priority = priority;
    f.advertIntervalCs = inst.config.advertIntCs;
    f.family = s.family;
    f.addresses = s.addresses;
    f.authType = s.auth;
    f.password = s.key;
    f.source = s.source;
    f.destination = to;
    std::array<uint8_t, kMaxMessage> message;
    const auto size = vrrp::encodeAdvert(f, message);
    if (!size) {
      inst.lastError = "cannot encode an advert: " + std::string(vrrp::encodeErrorName(size.error()));
      continue;
    }
    AdvertHeader h;
    h.srcMac = s.advertMac;
    if (unicast) {
      const std::optional<dp::MacAddr> mac = io_.neighbour(s.port, to);
      if (!mac) continue;  // asked for; the next advert goes out
      h.dstMac = *mac;
    } else {
      h.dstMac = multicastMac(to);
    }
    h.source = s.source;
    h.destination = to;
    h.id = ++inst.ipId == 0 ? ++inst.ipId : inst.ipId;  // AH wants a non-zero id
    std::span<const uint8_t> payload(message.data(), size.value());
    std::array<uint8_t, vrrp::kAhHeaderSize + kMaxMessage> withAh;
    if (s.auth == vrrp::AuthType::kAh) {
      const vrrp::Ipv4Header ip{.source = s.source, .destination = to, .id = h.id};
      const auto ahSize = vrrp::encodeAh(ip, inst.ah.nextToSend(), payload, s.key, unicast, withAh);
      if (!ahSize) {
        inst.lastError = "cannot encode AH: " + std::string(vrrp::encodeErrorName(ahSize.error()));
        continue;
      }
      payload = std::span<const uint8_t>(withAh.data(), ahSize.value());
      h.protocol = vrrp::kProtocolAh;
    }
    io_.send(s.port, advertFrame(h, payload));
  }
}

void Driver::announce(const Instance& inst, uint32_t repeat, Millis now) {
  const config::GlobalDefs& g = config_.globalDefs;
  for (const auto& a : inst.setup.announced) {
    const dp::IpAddr ip = dp::IpAddr::of(a.address);
    const Frame frame = a.address.isV4() ? neighbours::gratuitousArp(a.mac, ip)
                                         : neighbours::unsolicitedNeighbourAdvert(a.mac, ip);
    const Millis interval = a.address.isV4() ? g.vrrpGarpInterval : g.vrrpGnaInterval;
    if (interval <= Millis{0}) {
      for (uint32_t i = 0; i < repeat; ++i) io_.send(a.port, frame);
      continue;
    }
    PacedQueue& queue = paced_[{a.port, a.address.isV6()}];
    queue.interval = interval;
    for (uint32_t i = 0; i < repeat; ++i) queue.frames.push_back({a.address, frame});
  }
  sendPaced(now);
}

void Driver::sendPaced(Millis now) {
  for (auto& [key, queue] : paced_) {
    if (queue.frames.empty() || now < queue.nextSlot) continue;
    io_.send(key.first, queue.frames.front().frame);
    queue.frames.pop_front();
    queue.nextSlot = now + queue.interval;
  }
}

void Driver::dropPaced(const Instance& inst) {
  for (const auto& a : inst.setup.announced) {
    const wire::IpAddress& address = a.address;
    const auto it = paced_.find({a.port, address.isV6()});
    if (it == paced_.end()) continue;
    std::erase_if(it->second.frames, [&address](const PacedFrame& f) { return f.address == address; });
  }
}

void Driver::reconfigure(const config::Config& next, Millis now) {
  std::vector<std::unique_ptr<Instance>> fresh = makeInstances(next, ports_);  // throws, nothing changed
  for (auto& candidate : fresh) {
    auto old = std::find_if(instances_.begin(), instances_.end(),
                            [&](const auto& i) { return i->config.name == candidate->config.name; });
    if (old != instances_.end() && sameInstance(config_, **old, next, candidate->config)) {
      candidate = std::move(*old);
      instances_.erase(old);
    }
  }
  for (auto& gone : instances_) execute(*gone, gone->machine.shutdown(now), now);
  instances_ = std::move(fresh);
  for (auto& inst : instances_) inst->machine.holdPreemption(preemptHold_);
  config_ = next;
  if (!started_) return;
  applyTracking(now);
  for (auto& inst : instances_) {
    if (inst->machine.state() == vrrp::State::kInit) execute(*inst, inst->machine.start(now), now);
  }
}

void Driver::holdPreemption(bool hold) {
  preemptHold_ = hold;
  for (auto& inst : instances_) inst->machine.holdPreemption(hold);
}

const Instance* Driver::instance(std::string_view name) const {
  for (const auto& inst : instances_) {
    if (inst->config.name == name) return inst.get();
  }
  return nullptr;
}

tables::VipOwnership Driver::ownership() const {
  tables::VipOwnership o;
  o.vrrp = !instances_.empty();
  for (const auto& inst : instances_) {
    if (inst->machine.state() != vrrp::State::kMaster) continue;
    for (const auto& a : inst->setup.announced) o.held.insert(a.address);
  }
  return o;
}

}  // namespace sluice::failover
