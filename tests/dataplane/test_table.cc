#include "tests/dataplane/test_table.h"

#include "tests/dataplane/packet_builder.h"

namespace sluice::dp::testing {
MacAddr mac(uint8_t last) { return MacAddr{{0x02, 0, 0, 0, 0, last}}; }

Prefix prefix(const std::string& text, uint8_t len) { return Prefix{address(text), len}; }

Lab::Lab() {
  table->ports = {PortConfig{mac(0xE0), {prefix("10.0.0.2", 24), prefix("fd00:10::2", 64)}},
                  PortConfig{mac(0xE1), {prefix("192.168.1.2", 24), prefix("fd00:192:168:1::2", 64)}}};
  table->routes = {Route{prefix("10.0.0.0", 24), {}, false, kExt},
                   Route{prefix("192.168.1.0", 24), {}, false, kInt},
                   Route{prefix("fd00:10::", 64), {}, false, kExt},
                   Route{prefix("fd00:192:168:1::", 64), {}, false, kInt}};
  for (int i = 0; i < 4; ++i) {
    const std::string v4 = "192.168.1." + std::to_string(20 + i);
    const std::string v6 = "fd00:192:168:1::" + std::to_string(20 + i);
    neighbours.add(Neighbour{address(v4), kInt, mac(static_cast<uint8_t>(0x20 + i))});
    neighbours.add(Neighbour{address(v6), kInt, mac(static_cast<uint8_t>(0x20 + i))});
  }
  neighbours.add(Neighbour{address("10.0.0.101"), kExt, mac(0x65)});
  neighbours.add(Neighbour{address("10.0.0.102"), kExt, mac(0x66)});
  neighbours.add(Neighbour{address("fd00:10::101"), kExt, mac(0x65)});
}

Service& Lab::addService(const std::string& vip, uint16_t port, uint8_t proto, const std::vector<int32_t>& weights,
                         const std::string& scheduler, FwdMethod method) {
  Service s;
  s.serviceId = static_cast<uint16_t>(table->services.size());
  s.vip = address(vip);
  s.port = port;
  s.proto = proto;
  s.scheduler = scheduler;
  s.firstServer = static_cast<uint32_t>(table->servers.size());
  s.serverCount = static_cast<uint32_t>(weights.size());
  for (std::size_t i = 0; i < weights.size(); ++i) {
    RealServer rs;
    rs.destId = static_cast<uint16_t>(table->servers.size());
    rs.addr = address((s.vip.isV6() ? "fd00:192:168:1::" : "192.168.1.") + std::to_string(20 + i));
    rs.port = port;
    rs.weight = weights[i];
    rs.method = method;
    table->servers.push_back(rs);
  }
  table->services.push_back(s);
  return table->services.back();
}

void Lab::attach(Forwarder& f) {
  table->prepareWorkers(1);
  f.setTable(table.get());
  f.setNeighbours(&neighbours);
}

}  // namespace sluice::dp::testing
