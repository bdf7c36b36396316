// Fuzz target: the keepalived.conf reader, grammar and model checks
// (controlplane/config), then the JSON round trip the API and --dump-json
// use. Whatever the text, parsing returns a result with file:line
// diagnostics or a Config; an accepted Config survives toJson/fromJson.
//
// Includes would read the fuzzer's file system: the text is parsed under a
// name in an empty directory, so a relative `include` finds nothing and an
// absolute one is taken out before parsing.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "controlplane/config/json.h"
#include "controlplane/config/parser.h"

namespace {

[[noreturn]] void broken(const std::string& what) {
  std::fprintf(stderr, "config_fuzz: %s\n", what.c_str());
  std::abort();
}

// Blanks every "include" so a fuzzed file cannot pull in /etc or /proc.
std::string withoutIncludes(std::string text) {
  for (std::size_t at = text.find("include"); at != std::string::npos; at = text.find("include", at)) {
    text.replace(at, 7, "inc_ude");
  }
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return -1;  // a config is small; longer inputs only slow the search
  const std::string text = withoutIncludes(std::string(reinterpret_cast<const char*>(data), size));
  // Parameters can spell "include" anew, and ~SEQ multiplies lines: no
  // include at all, and few lines, so every input stays quick and local.
  sluice::config::ParseOptions options;
  options.includes = false;
  options.maxExpandedLines = 20'000;
  const auto result = sluice::config::parseString(text, "/nonexistent/fuzz/keepalived.conf", options);
  for (const auto& d : result.diagnostics) {
    if (d.toString().empty()) broken("a diagnostic without text");
  }
  if (!result.ok()) {
    if (result.errors().empty()) broken("refused without an error");
    return 0;
  }
  const nlohmann::json j = sluice::config::toJson(*result.config);
  const sluice::config::Config back = sluice::config::configFromJson(j);
  if (!(back == *result.config)) broken("the JSON round trip changed the config: " + j.dump());
  return 0;
}
