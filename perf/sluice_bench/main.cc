// sluice-bench: a DPDK packet generator and sink for a lab. Sends on one
// port and receives on another (any DPDK device), reports rates, loss and
// latency. Usage: sluice-bench [EAL options] -- [options] (--help).
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/eal.h"
#include "dataplane/port.h"
#include "perf/sluice_bench/options.h"
#include "perf/sluice_bench/traffic.h"

namespace {

using namespace sluice;

volatile bool gStop = false;

void onSignal(int) { gStop = true; }

// A port id ("0") or a device name ("net_memif0") -> the port's device name.
std::string deviceOf(const std::string& port) {
  uint16_t id = 0;
  if (rte_eth_dev_get_port_by_name(port.c_str(), &id) == 0) return port;
  char name[RTE_ETH_NAME_MAX_LEN];
  if (port.find_first_not_of("0123456789") == std::string::npos && !port.empty() &&
      rte_eth_dev_get_name_by_port(static_cast<uint16_t>(std::stoul(port)), name) == 0) {
    return name;
  }
  throw std::runtime_error("no DPDK port " + port + " (pass the device with --vdev or -a)");
}

int run(const bench::Options& o, std::vector<std::string> ealArgs) {
  const dp::Eal eal(std::move(ealArgs));
  constexpr unsigned kPoolSize = 32767;  // rings of both ports and bursts in flight
  rte_mempool* pool = rte_pktmbuf_pool_create("sluice_bench", kPoolSize, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(rte_socket_id()));
  if (pool == nullptr) throw std::runtime_error("cannot allocate the packet pool (raise -m)");
  const std::string txDev = deviceOf(o.txPort), rxDev = deviceOf(o.rxPort);
  auto tx = std::make_unique<dp::Port>(dp::PortSpec{"tx", txDev, 1, 1}, pool);
  std::unique_ptr<dp::Port> rx;
  if (rxDev != txDev) rx = std::make_unique<dp::Port>(dp::PortSpec{"rx", rxDev, 1, 1}, pool);
  bench::Link link{};
  link.txPort = tx->id();
  link.rxPort = rx ? rx->id() : tx->id();
  link.pool = pool;
  std::copy(tx->mac().b.begin(), tx->mac().b.end(), link.srcMac);
  std::fill_n(link.dstMac, 6, 0xFF);
  if (o.srcMac) bench::parseMac(*o.srcMac, link.srcMac);
  if (o.dstMac) bench::parseMac(*o.dstMac, link.dstMac);
  const bool tty = isatty(STDERR_FILENO);
  const auto progress = [&](const std::string& line) {
    if (o.progress) std::fprintf(stderr, tty ? "\r%s" : "%s\n", line.c_str());
  };
  const bench::Summary s = bench::runTraffic(o, link, gStop, progress);
  if (o.progress && tty) std::fputc('\n', stderr);
  if (o.json) {
    std::cout << bench::summaryJson(s) << std::endl;
  } else {
    std::cout << bench::summaryText(s);
  }
  rx.reset();
  tx.reset();
  rte_mempool_free(pool);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> ealArgs{argv[0]}, appArgs;
  int i = 1;
  for (; i < argc && std::string(argv[i]) != "--"; ++i) ealArgs.emplace_back(argv[i]);
  for (++i; i < argc; ++i) appArgs.emplace_back(argv[i]);
  const bench::OptionsResult parsed = bench::parseOptions(appArgs);
  if (!parsed.options) {
    if (parsed.error == "help") {
      std::cout << bench::usage();
      return 0;
    }
    std::cerr << "sluice-bench: " << parsed.error << "\n" << bench::usage();
    return 2;
  }
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  try {
    return run(*parsed.options, std::move(ealArgs));
  } catch (const std::exception& e) {
    std::cerr << "sluice-bench: " << e.what() << "\n";
    return 1;
  }
}
