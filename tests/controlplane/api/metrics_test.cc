#include "controlplane/api/metrics.h"

#include <gtest/gtest.h>

#include "api_test_support.h"

namespace sluice::api {
namespace {

TEST(Metrics, ServicesRealServersDropsAndWorkersInTextFormat) {
  testing::FakeBackend b;
  const std::string text = prometheusText(b.stats());
  for (const char* line : {
           "# TYPE sluice_service_connections_total counter\n",
           "sluice_service_connections_total{service=\"tcp-10.0.0.1-80\"} 7\n",
           "sluice_service_packets_total{service=\"tcp-10.0.0.1-80\",direction=\"in\"} 70\n",
           "sluice_service_bytes_total{service=\"tcp-10.0.0.1-80\",direction=\"out\"} 6000\n",
           "sluice_service_active_connections{service=\"tcp-10.0.0.1-80\"} 1\n",
           "sluice_real_server_connections_total{service=\"tcp-10.0.0.1-80\",real_server=\"192.168.1.20-80\"} 7\n",
           "sluice_real_server_weight{service=\"tcp-10.0.0.1-80\",real_server=\"192.168.1.20-80\"} 2\n",
           "sluice_drops_total{reason=\"no_service\"} 3\n",
           "sluice_worker_rx_packets_total{worker=\"0\"} 100\n",
           "sluice_worker_connections{worker=\"0\"} 4\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
  // HELP and TYPE once per family.
  std::size_t types = 0;
  for (std::size_t at = 0; (at = text.find("# TYPE sluice_service_connections_total", at)) != std::string::npos; ++at)
    ++types;
  EXPECT_EQ(types, 1u);
}

// catches: the XDP steering failures (traffic left in the kernel) missing
// from /metrics, where alerting reads them.
TEST(Metrics, TheControlPlanesSteeringFailuresAreACounter) {
  testing::FakeBackend b;
  nlohmann::json stats = b.stats();
  EXPECT_EQ(prometheusText(stats).find("\nsluice_xdp_steering_failures_total "), std::string::npos);
  stats["control"] = {{"xdp_steering_failures", 3}};
  const std::string text = prometheusText(stats);
  EXPECT_NE(text.find("# TYPE sluice_xdp_steering_failures_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nsluice_xdp_steering_failures_total 3\n"), std::string::npos) << text;
}

// catches: connection sync's role, traffic and drops missing from /metrics.
TEST(Metrics, ConnectionSyncIsMeasured) {
  testing::FakeBackend b;
  nlohmann::json stats = b.stats();
  EXPECT_EQ(prometheusText(stats).find("\nsluice_sync_master "), std::string::npos);
  stats["sync"] = {{"enabled", true},
                   {"role", "master"},
                   {"sent", {{"messages", 4}, {"entries", 40}}},
                   {"received", {{"messages", 0}, {"entries", 0}}},
                   {"dropped", {{"worker_ring_full", 2}, {"refused", {{"wrong_syncid", 5}}}}},
                   {"lag_ms", 12}};
  const std::string text = prometheusText(stats);
  for (const char* line : {"\nsluice_sync_master 1\n", "\nsluice_sync_messages_total{direction=\"sent\"} 4\n",
                           "\nsluice_sync_entries_total{direction=\"sent\"} 40\n",
                           "\nsluice_sync_dropped_total{reason=\"worker_ring_full\"} 2\n",
                           "\nsluice_sync_dropped_total{reason=\"refused_wrong_syncid\"} 5\n",
                           "\nsluice_sync_lag_milliseconds 12\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
}

TEST(Metrics, LabelValuesAreEscaped) {
  const nlohmann::json stats = {{"services", {{{"id", "group-a\"b\\c"}, {"conns", 1}}}}};
  EXPECT_NE(prometheusText(stats).find("service=\"group-a\\\"b\\\\c\""), std::string::npos);
}

}  // namespace
}  // namespace sluice::api
