#include "controlplane/sluiced/run.h"

#include <iostream>

namespace sluice::sluiced {

int runDaemon(const Options&, const config::Config&) {
  // This build checks configurations only; the data plane arrives by
  // replacing this function.
  std::cerr << "sluiced: running the data plane is not available in this build\n";
  return 1;
}

}  // namespace sluice::sluiced
