// The DPDK EAL command line sluiced derives from the dataplane block.
#pragma once

#include <string>
#include <vector>

#include "controlplane/config/model.h"

namespace sluice::sluiced {

// Memory in MB when the block does not say (the packet pool and rings
// need a few hundred; `-m 512` did not fit a testpmd pool here).
inline constexpr unsigned kDefaultMemoryMb = 1024;

// argv for rte_eal_init (program name first): lcores with the first as the
// main lcore, memory, --no-huge, every port as --vdev or -a (net_af_xdp
// ports with sluice's XDP steering program unless they name one; a net_tap
// device for each port's exception_tap), --no-pci when
// no port is on a bus, and --in-memory unless it cannot be (--no-huge, or
// net_memif which needs DPDK's multi-process files): then `filePrefix`
// names DPDK's runtime files (stable per instance, so none pile up).
// Thread-safe.
std::vector<std::string> ealArguments(const config::Dataplane& dataplane, const std::string& filePrefix);

}  // namespace sluice::sluiced
