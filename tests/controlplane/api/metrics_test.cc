#include "controlplane/api/metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "api_test_support.h"

namespace sluice::api {
namespace {

using nlohmann::json;

// Every line of `lines` is a whole line of `text`.
void expectLines(const std::string& text, std::initializer_list<const char*> lines) {
  for (const char* line : lines) {
    EXPECT_NE(("\n" + text).find("\n" + std::string(line) + "\n"), std::string::npos) << line << "\n" << text;
  }
}

bool hasSample(const std::string& text, const std::string& name) {
  return ("\n" + text).find("\n" + name + " ") != std::string::npos ||
         ("\n" + text).find("\n" + name + "{") != std::string::npos;
}

TEST(Metrics, ServicesRealServersDropsAndWorkersInTextFormat) {
  testing::FakeBackend b;
  const std::string text = prometheusText({.stats = b.stats()});
  expectLines(text, {
                        "# TYPE sluice_service_connections_total counter",
                        "sluice_service_connections_total{service=\"tcp-10.0.0.1-80\"} 7",
                        "sluice_service_packets_total{service=\"tcp-10.0.0.1-80\",direction=\"in\"} 70",
                        "sluice_service_bytes_total{service=\"tcp-10.0.0.1-80\",direction=\"out\"} 6000",
                        "sluice_service_active_connections{service=\"tcp-10.0.0.1-80\"} 1",
                        "sluice_real_server_connections_total{service=\"tcp-10.0.0.1-80\",real_server=\"192.168.1.20-80\"} 7",
                        "sluice_real_server_weight{service=\"tcp-10.0.0.1-80\",real_server=\"192.168.1.20-80\"} 2",
                        "sluice_drops_total{reason=\"no_service\"} 3",
                        "sluice_worker_rx_packets_total{worker=\"0\"} 100",
                        "sluice_worker_connections{worker=\"0\"} 4",
                    });
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
  json stats = b.stats();
  EXPECT_FALSE(hasSample(prometheusText({.stats = stats}), "sluice_xdp_steering_failures_total"));
  stats["control"] = {{"xdp_steering_failures", 3}};
  expectLines(prometheusText({.stats = stats}),
              {"# TYPE sluice_xdp_steering_failures_total counter", "sluice_xdp_steering_failures_total 3"});
}

// catches: a full connection table found only by its drops: the fill
// (connections) and the size it is measured against, per worker.
TEST(Metrics, ConnectionTablesShowTheirFillAndSizePerWorker) {
  const json stats = {{"workers",
                       {{{"connections", 4}, {"evictions", 1}}, {{"connections", 9}, {"evictions", 0}}}}};
  expectLines(prometheusText({.stats = stats, .connTableSize = 1u << 20}),
              {"# TYPE sluice_worker_connection_table_size gauge",
               "sluice_worker_connections{worker=\"1\"} 9",
               "sluice_worker_connection_table_size{worker=\"0\",family=\"ipv4\"} 1048576",
               "sluice_worker_connection_table_size{worker=\"0\",family=\"ipv6\"} 262144",
               "sluice_worker_connection_table_size{worker=\"1\",family=\"ipv4\"} 1048576",
               "# TYPE sluice_worker_connection_evictions_total counter",
               "sluice_worker_connection_evictions_total{worker=\"0\"} 1",
               "sluice_worker_connection_evictions_total{worker=\"1\"} 0"});
  // The IPv6 table never goes under 1024 entries (the forwarder's floor).
  expectLines(prometheusText({.stats = stats, .connTableSize = 2048}),
              {"sluice_worker_connection_table_size{worker=\"0\",family=\"ipv6\"} 1024"});
  // An unknown size is left out rather than written as 0 (a full table).
  EXPECT_FALSE(hasSample(prometheusText({.stats = stats}), "sluice_worker_connection_table_size"));
}

// catches: the FTP helper's counters missing from /metrics.
TEST(Metrics, FtpCountersPerWorker) {
  const json stats = {{"workers", {{{"ftp_rewrites", 5}, {"ftp_data_entries", 9}, {"ftp_malformed", 1}}}}};
  expectLines(prometheusText({.stats = stats}),
              {"# TYPE sluice_worker_ftp_rewrites_total counter", "sluice_worker_ftp_rewrites_total{worker=\"0\"} 5",
               "sluice_worker_ftp_data_entries_total{worker=\"0\"} 9",
               "sluice_worker_ftp_malformed_total{worker=\"0\"} 1"});
}

// catches: the client limit table's untracked admissions missing from /metrics.
TEST(Metrics, ClientLimitTableFullPerWorker) {
  const json stats = {{"workers", {{{"client_limit_table_full", 3}}}}};
  expectLines(prometheusText({.stats = stats}), {"# TYPE sluice_worker_client_limit_table_full_total counter",
                                                 "sluice_worker_client_limit_table_full_total{worker=\"0\"} 3"});
}

// catches: the daemon's conn_table_size (as it started, else from the
// configuration, else the default) not reaching /metrics.
TEST(Metrics, TheTableSizeComesFromStatusElseTheConfiguration) {
  testing::FakeBackend b;
  EXPECT_EQ(metricsSources(b).connTableSize, 1u << 20);  // no dataplane block: the default
  b.running.dataplane = config::Dataplane{};
  b.running.dataplane->connTableSize = 4096;
  EXPECT_EQ(metricsSources(b).connTableSize, 4096u);
  struct Started : testing::FakeBackend {
    json status() const override { return {{"version", "test"}, {"conn_table_size", 8192}}; }
  } started;
  started.running.dataplane = b.running.dataplane;  // reloaded to 4096: the tables kept 8192
  EXPECT_EQ(metricsSources(started).connTableSize, 8192u);
}

// catches: a VRRP failover seen by no alert: the state as an enum (one
// sample per state), the priorities and the transitions per instance.
TEST(Metrics, VrrpInstancesHaveStatePrioritiesAndTransitions) {
  const json vrrp = {{"running", true},
                     {"instances",
                      {{{"name", "VI_1"},
                        {"state", "MASTER"},
                        {"priority", 150},
                        {"effective_priority", 140},
                        {"transitions", 3}},
                       {{"name", "VI_2"}, {"state", "FAULT"}, {"priority", 100}, {"effective_priority", 100}}}}};
  expectLines(prometheusText({.vrrp = vrrp}),
              {"# TYPE sluice_vrrp_state gauge",
               "sluice_vrrp_state{vrrp_instance=\"VI_1\",state=\"INIT\"} 0",
               "sluice_vrrp_state{vrrp_instance=\"VI_1\",state=\"BACKUP\"} 0",
               "sluice_vrrp_state{vrrp_instance=\"VI_1\",state=\"MASTER\"} 1",
               "sluice_vrrp_state{vrrp_instance=\"VI_1\",state=\"FAULT\"} 0",
               "sluice_vrrp_state{vrrp_instance=\"VI_2\",state=\"MASTER\"} 0",
               "sluice_vrrp_state{vrrp_instance=\"VI_2\",state=\"FAULT\"} 1",
               "sluice_vrrp_priority{vrrp_instance=\"VI_1\"} 150",
               "sluice_vrrp_effective_priority{vrrp_instance=\"VI_1\"} 140",
               "sluice_vrrp_priority{vrrp_instance=\"VI_2\"} 100",
               "# TYPE sluice_vrrp_transitions_total counter",
               "sluice_vrrp_transitions_total{vrrp_instance=\"VI_1\"} 3",
               "sluice_vrrp_transitions_total{vrrp_instance=\"VI_2\"} 0"});
  // No instance: the families are declared, with no sample.
  const std::string none = prometheusText({.vrrp = {{"running", false}, {"instances", json::array()}}});
  EXPECT_NE(none.find("# TYPE sluice_vrrp_state gauge\n"), std::string::npos);
  EXPECT_FALSE(hasSample(none, "sluice_vrrp_state"));
}

// catches: a real server's failed check or a service's lost quorum not in
// /metrics; two checkers of one type on one server written as one label
// set twice (which Prometheus refuses).
TEST(Metrics, HealthChecksPerRealServerAndQuorumPerService) {
  const json health = {
      {"running", true},
      {"checkers",
       {{{"service", "tcp-10.0.0.1-80"}, {"real_server", "192.168.1.20-80"}, {"type", "HTTP_GET"}, {"state", "UP"}},
        {{"service", "tcp-10.0.0.1-80"}, {"real_server", "192.168.1.20-80"}, {"type", "TCP_CHECK"}, {"state", "UP"}},
        {{"service", "tcp-10.0.0.1-80"}, {"real_server", "192.168.1.21-80"}, {"type", "TCP_CHECK"}, {"state", "UP"}},
        {{"service", "tcp-10.0.0.1-80"},
         {"real_server", "192.168.1.21-80"},
         {"type", "TCP_CHECK"},
         {"state", "DOWN"}}}},
      {"quorum_lost", {"group-web"}}};
  const json stats = {{"services",
                       {{{"id", "tcp-10.0.0.1-80"}, {"virtual_server", "tcp-10.0.0.1-80"}},
                        {{"id", "tcp-10.0.0.9-80"}, {"virtual_server", "group-web"}},
                        {{"id", "tcp-10.0.0.9-443"}, {"virtual_server", "group-web"}}}}};
  const std::string text = prometheusText({.stats = stats, .health = health});
  expectLines(
      text,
      {"# TYPE sluice_real_server_up gauge",
       "sluice_real_server_up{service=\"tcp-10.0.0.1-80\",real_server=\"192.168.1.20-80\",check=\"HTTP_GET\"} 1",
       "sluice_real_server_up{service=\"tcp-10.0.0.1-80\",real_server=\"192.168.1.20-80\",check=\"TCP_CHECK\"} 1",
       "sluice_real_server_up{service=\"tcp-10.0.0.1-80\",real_server=\"192.168.1.21-80\",check=\"TCP_CHECK\"} 0",
       "# TYPE sluice_service_quorum_lost gauge", "sluice_service_quorum_lost{service=\"group-web\"} 1",
       "sluice_service_quorum_lost{service=\"tcp-10.0.0.1-80\"} 0"});
  std::size_t samples = 0;
  for (std::size_t at = 0; (at = text.find("\nsluice_real_server_up{", at)) != std::string::npos; ++at) ++samples;
  EXPECT_EQ(samples, 3u);
  EXPECT_EQ(text.find("sluice_service_quorum_lost{service=\"tcp-10.0.0.9-80\"}"), std::string::npos);
}

// catches: connection sync's role, traffic and drops missing from /metrics.
TEST(Metrics, ConnectionSyncIsMeasured) {
  EXPECT_FALSE(hasSample(prometheusText({.sync = {{"enabled", false}}}), "sluice_sync_master"));
  expectLines(prometheusText({.sync = {{"enabled", false}}}), {"sluice_sync_enabled 0"});
  const json sync = {{"enabled", true},
                     {"role", "master"},
                     {"sent", {{"messages", 4}, {"entries", 40}}},
                     {"received", {{"messages", 1}, {"entries", 2}}},
                     {"dropped", {{"worker_ring_full", 2}, {"refused", {{"wrong_syncid", 5}}}}},
                     {"lag_ms", 12}};
  expectLines(prometheusText({.sync = sync}),
              {"sluice_sync_enabled 1", "sluice_sync_master 1", "sluice_sync_backup 0",
               "sluice_sync_messages_total{direction=\"sent\"} 4",
               "sluice_sync_messages_total{direction=\"received\"} 1",
               "sluice_sync_entries_total{direction=\"sent\"} 40",
               "sluice_sync_entries_total{direction=\"received\"} 2",
               "sluice_sync_dropped_total{reason=\"worker_ring_full\"} 2",
               "sluice_sync_dropped_total{reason=\"refused_wrong_syncid\"} 5", "sluice_sync_lag_milliseconds 12"});
  json both = sync;
  both["role"] = "master+backup";
  expectLines(prometheusText({.sync = both}), {"sluice_sync_master 1", "sluice_sync_backup 1"});
  both["role"] = "backup";
  expectLines(prometheusText({.sync = both}), {"sluice_sync_master 0", "sluice_sync_backup 1"});
}

// catches: an upgrade or a restart (the counters start again) invisible
// to the monitoring.
TEST(Metrics, BuildInfoAndStartTime) {
  expectLines(prometheusText({.status = {{"version", "0.1.0"}, {"start_time_unix", 1796000000}}}),
              {"# TYPE sluice_build_info gauge", "sluice_build_info{version=\"0.1.0\"} 1",
               "# TYPE sluice_start_time_seconds gauge", "sluice_start_time_seconds 1796000000"});
}

// catches: the reload counters or the data plane's memory gauges missing
// from /metrics, or under other names than docs/api.md gives.
TEST(Metrics, ReloadsAndDataplaneMemory) {
  const json status = {{"config_version", 7},
                       {"reloads", {{"applied", 6}, {"refused", 2}}},
                       {"packet_pool", {{"size", 4095}, {"in_use", 1100}, {"available", 2995}}},
                       {"retired_snapshots", 1}};
  expectLines(prometheusText({.status = status}),
              {"# TYPE sluice_config_version gauge", "sluice_config_version 7",
               "# TYPE sluice_config_reloads_total counter", "sluice_config_reloads_total{result=\"applied\"} 6",
               "sluice_config_reloads_total{result=\"refused\"} 2", "# TYPE sluice_packet_pool_buffers gauge",
               "sluice_packet_pool_buffers{state=\"in_use\"} 1100",
               "sluice_packet_pool_buffers{state=\"available\"} 2995", "# TYPE sluice_retired_snapshots gauge",
               "sluice_retired_snapshots 1"});
}

TEST(Metrics, LabelValuesAreEscaped) {
  const json stats = {{"services", {{{"id", "group-a\"b\\c"}, {"conns", 1}}}}};
  EXPECT_NE(prometheusText({.stats = stats}).find("service=\"group-a\\\"b\\\\c\""), std::string::npos);
  const json vrrp = {{"instances", {{{"name", "VI\n1"}, {"state", "BACKUP"}}}}};
  EXPECT_NE(prometheusText({.vrrp = vrrp}).find("vrrp_instance=\"VI\\n1\""), std::string::npos);
}

// What promtool check metrics would refuse, checked here where promtool
// is not installed: a sample before its family's TYPE, a family declared
// twice, a label set twice, a counter not named *_total, a value that is
// not a number.
TEST(Metrics, EveryFamilyIsDeclaredOnceAndEverySampleIsUnique) {
  testing::FakeBackend b;
  MetricsSources in = metricsSources(b);
  in.stats["control"] = {{"xdp_steering_failures", 0}};
  in.health["quorum_lost"] = {"tcp-10.0.0.1-80"};
  in.sync = {{"enabled", true}, {"role", "master"}, {"dropped", {{"stale", 1}}}};
  in.status["start_time_unix"] = 1;
  std::istringstream lines(prometheusText(in));
  std::map<std::string, std::string> types;
  std::set<std::string> samples;
  std::string current, line;
  while (std::getline(lines, line)) {
    if (line.starts_with("# HELP ")) continue;
    if (line.starts_with("# TYPE ")) {
      std::istringstream words(line.substr(7));
      std::string type;
      words >> current >> type;
      EXPECT_TRUE(types.emplace(current, type).second) << "declared twice: " << current;
      EXPECT_TRUE(type == "counter" || type == "gauge") << line;
      if (type == "counter") {
        EXPECT_TRUE(current.ends_with("_total")) << current;
      }
      continue;
    }
    const std::size_t space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    const std::string series = line.substr(0, space);
    EXPECT_EQ(series.substr(0, series.find('{')), current) << "sample outside its family: " << line;
    EXPECT_TRUE(samples.insert(series).second) << "twice: " << series;
    EXPECT_EQ(line.find_first_not_of("0123456789", space + 1), std::string::npos) << line;
  }
  for (const char* family : {"sluice_vrrp_state", "sluice_real_server_up", "sluice_service_quorum_lost",
                             "sluice_worker_connection_table_size", "sluice_sync_enabled", "sluice_build_info",
                             "sluice_start_time_seconds"}) {
    EXPECT_TRUE(types.contains(family)) << family;
  }
}

}  // namespace
}  // namespace sluice::api
