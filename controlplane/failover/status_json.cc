#include "controlplane/failover/status_json.h"

namespace sluice::failover {
namespace {

using nlohmann::json;

json countersJson(const Instance& inst) {
  json c = json::object();
  const vrrp::Counters& k = inst.machine.counters();
  for (std::size_t i = 0; i < vrrp::kCounterCount; ++i) {
    const auto counter = static_cast<vrrp::Counter>(i);
    c[std::string(vrrp::counterName(counter))] = k.get(counter);
  }
  // keepalived counts refusals under its own counters; the finer reason
  // is under "refused".
  json refused = json::object();
  for (std::size_t i = 0; i < vrrp::kDecodeErrorCount; ++i) {
    const auto e = static_cast<vrrp::DecodeError>(i);
    const uint64_t n = inst.refused[i];
    refused[std::string(vrrp::decodeErrorName(e))] = n;
    if (const auto counter = vrrp::keepalivedCounter(e)) {
      const std::string name(vrrp::counterName(*counter));
      c[name] = c[name].get<uint64_t>() + n;
    }
  }
  refused["unknown_peer"] = inst.unknownPeer;
  c["refused"] = std::move(refused);
  return c;
}

json instanceJson(const Instance& inst) {
  const vrrp::StateMachine& m = inst.machine;
  json vips = json::array();
  for (const config::VirtualIp& v : inst.config.virtualIpAddresses) vips.push_back(config::toString(v.address.address));
  json peers = json::array();
  for (const wire::IpAddress& p : inst.setup.peers) peers.push_back(config::toString(p));
  const auto master = m.masterAddress();
  const bool ever = inst.lastTransition != std::chrono::system_clock::time_point{};
  const std::optional<config::MacAddress> vmac = config::virtualMacOf(inst.config);  // use_vmac
  return {{"name", inst.config.name},
          {"interface", inst.config.interface ? json(*inst.config.interface) : json(nullptr)},
          {"virtual_router_id", inst.config.virtualRouterId},
          {"version", inst.config.version},
          {"state", std::string(vrrp::stateName(m.state()))},
          {"configured_state", config::toString(inst.config.state)},
          {"priority", inst.config.priority},
          {"effective_priority", m.priority()},
          {"track_weight", inst.trackWeight},
          {"master_address", master && m.state() != vrrp::State::kFault ? json(config::toString(*master))
                                                                        : json(nullptr)},
          {"source_address", config::toString(inst.setup.source)},
          {"virtual_mac", vmac ? json(vmac->toString()) : json(nullptr)},
          {"unicast_peers", std::move(peers)},
          {"advert_int_ms", inst.config.advertIntCs * 10},
          {"master_advert_int_ms", m.masterAdverIntervalCs() * 10},
          {"sync_group", inst.group ? json(*inst.group) : json(nullptr)},
          {"transitions", inst.transitions},
          {"last_transition_unix",
           ever ? json(std::chrono::duration_cast<std::chrono::seconds>(inst.lastTransition.time_since_epoch()).count())
                : json(nullptr)},
          {"last_error", inst.lastError ? json(*inst.lastError) : json(nullptr)},
          {"virtual_ipaddresses", std::move(vips)},
          {"counters", countersJson(inst)}};
}

}  // namespace

json vrrpJson(const Driver& driver) {
  json instances = json::array();
  for (const auto& inst : driver.instances()) instances.push_back(instanceJson(*inst));
  return {{"running", !driver.instances().empty()},
          {"instances", std::move(instances)},
          {"unknown_vrid", driver.unknownVrid()},
          {"own_adverts", driver.ownAdverts()}};
}

}  // namespace sluice::failover
