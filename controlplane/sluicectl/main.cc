// sluicectl: ipvsadm's view of sluiced, through its control API.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "controlplane/sluicectl/commands.h"

int main(int argc, char** argv) {
  namespace ctl = sluice::sluicectl;
  // Nothing is expected to throw; if something does (out of memory, text
  // JSON cannot hold), say so instead of aborting.
  try {
    return ctl::runCommandLine(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "sluicectl: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "sluicectl: unexpected error\n";
  }
  return ctl::kExitRefused;
}
