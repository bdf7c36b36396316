#include "controlplane/sluiced/eal_args.h"

#include "dataplane/port.h"
#include "dataplane/xdp_steering.h"

namespace sluice::sluiced {

std::vector<std::string> ealArguments(const config::Dataplane& dataplane, const std::string& filePrefix) {
  std::vector<std::string> args = {"sluiced"};
  if (dataplane.lcoreMap) {
    args.insert(args.end(), {"--lcores", *dataplane.lcoreMap});
  } else {
    std::string lcores;
    for (unsigned lcore : dataplane.lcores) lcores += (lcores.empty() ? "" : ",") + std::to_string(lcore);
    args.insert(args.end(), {"-l", lcores});
  }
  args.insert(args.end(), {"--main-lcore", std::to_string(dataplane.lcores.at(0))});
  if (dataplane.noHuge) args.push_back("--no-huge");
  args.insert(args.end(), {"-m", std::to_string(dataplane.memoryMb.value_or(kDefaultMemoryMb))});
  bool onBus = false;
  bool memif = false;
  for (const config::DataplanePort& p : dataplane.ports) {
    const bool virt = dp::isVirtualDevice(p.device);
    onBus = onBus || !virt;
    memif = memif || p.device.rfind("net_memif", 0) == 0;
    // net_af_xdp ports run sluice's XDP steering program unless the
    // operator names one (xdp_prog=).
    args.insert(args.end(), {virt ? "--vdev" : "-a", dp::withSteeringProgram(p.device)});
  }
  for (unsigned i = 0; i < dataplane.ports.size(); ++i) {
    if (const auto& tap = dataplane.ports[i].exceptionTap) {
      args.insert(args.end(), {"--vdev", dp::exceptionTapDevice(i, *tap)});
    }
  }
  if (!onBus) args.push_back("--no-pci");
  // --in-memory keeps no files, but excludes --no-huge (legacy memory)
  // and the multi-process channel net_memif needs.
  if (memif || dataplane.noHuge) {
    args.insert(args.end(), {"--file-prefix", filePrefix});
  } else {
    args.push_back("--in-memory");
  }
  args.insert(args.end(), {"--no-telemetry", "--log-level", "*:warning"});
  return args;
}

}  // namespace sluice::sluiced
