// sluice-ipvsadm: ipvsadm's command line against sluiced's control API.
// Installed as `ipvsadm` by the opt-in package (docs/packaging.md), so boot
// scripts and monitoring agents keep working unchanged.
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "controlplane/common/run_paths.h"
#include "controlplane/ipvsadm/commands.h"

int main(int argc, char** argv) {
  namespace ip = sluice::ipvsadm;
  std::vector<std::string> args(argv + 1, argv + argc);
  // The one option of sluice's own, taken before ipvsadm reads the rest:
  // which sluiced to talk to (else $SLUICE_API_SOCKET, else the default of
  // this network namespace).
  std::string socket;
  if (args.size() >= 2 && args[0] == "--api-socket") {
    socket = args[1];
    args.erase(args.begin(), args.begin() + 2);
  } else if (const char* env = std::getenv("SLUICE_API_SOCKET"); env != nullptr && *env != '\0') {
    socket = env;
  } else {
    socket = sluice::paths::defaultApiSocket();
  }
  try {
    sluice::sluicectl::ApiClient api(socket);
    ip::Runner runner(api, argc > 0 ? argv[0] : "ipvsadm", ip::systemNames());
    return runner.run(args, std::cin, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "sluice-ipvsadm: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "sluice-ipvsadm: unexpected error\n";
  }
  return 2;
}
