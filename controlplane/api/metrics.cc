#include "controlplane/api/metrics.h"

#include <sstream>

#include "controlplane/api/metric_sections.h"
#include "dataplane/conn_capacity.h"

namespace sluice::api {

MetricsSources metricsSources(const Backend& b) {
  MetricsSources in;
  in.stats = b.stats();
  in.status = b.status();
  in.health = b.health();
  in.vrrp = b.vrrp();
  in.sync = b.sync();
  // The size the workers were started with, which status gives (a reload
  // does not resize the tables); else the configuration's.
  if (const auto size = in.status.find("conn_table_size"); in.status.is_object() && size != in.status.end()) {
    in.connTableSize = size->is_number_integer() && size->get<int64_t>() > 0 ? size->get<uint32_t>() : 0;
  } else {
    const auto& block = b.config().dataplane;
    in.connTableSize = block && block->connTableSize ? *block->connTableSize : dp::kDefaultConnCapacity;
  }
  return in;
}

std::string prometheusText(const MetricsSources& in) {
  std::ostringstream out;
  metrics::writeTraffic(in.stats, out);
  metrics::writeWorkers(in.stats, in.connTableSize, out);
  metrics::writeHealth(in.health, in.stats, out);
  metrics::writeVrrp(in.vrrp, out);
  metrics::writeSync(in.sync, out);
  metrics::writeDaemon(in.status, out);
  return out.str();
}

}  // namespace sluice::api
