#include "controlplane/config/parser.h"

#include <algorithm>

#include "controlplane/config/grammars.h"
#include "controlplane/config/parse_context.h"
#include "controlplane/config/reader.h"

namespace sluice::config {
namespace {

std::vector<Diagnostic> only(const std::vector<Diagnostic>& all, Severity severity) {
  std::vector<Diagnostic> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out),
               [&](const Diagnostic& d) { return d.severity == severity; });
  return out;
}

ParseResult build(const std::vector<Statement>& statements, Diagnostics& diag) {
  ParseResult result;
  // Broken syntax (braces, quotes, includes) would only produce misleading
  // follow-up messages from the grammar, so stop here.
  if (diag.hasErrors()) {
    result.diagnostics = diag.take();
    return result;
  }
  ParseContext ctx(diag);
  Config config;
  configGrammar().run(config, statements, ctx);
  ctx.runDeferred(config);
  if (!diag.hasErrors()) {
    result.config = std::move(config);
  }
  result.diagnostics = diag.take();
  return result;
}

std::optional<std::string>& processConfigId() {
  static std::optional<std::string> id;
  return id;
}

std::string configIdFor(const ParseOptions& options) {
  return options.configId ? *options.configId : defaultConfigId();
}

}  // namespace

void setDefaultConfigId(std::string id) { processConfigId() = std::move(id); }

std::string defaultConfigId() {
  const auto& id = processConfigId();
  return id ? *id : hostConfigId();
}

Block<Config> configGrammar() {
  Block<Config> top;
  addGlobalKeywords(top);
  addVrrpScriptKeywords(top);
  addBfdInstanceKeywords(top);
  addTrackerKeywords(top);
  addVrrpSyncGroupKeywords(top);
  addVrrpInstanceKeywords(top);
  addVirtualServerGroupKeywords(top);
  addVirtualServerKeywords(top);
  addDataplaneKeywords(top);
  addApiKeywords(top);
  // keepalived's addresses, routes and rules of the host itself.
  for (const char* name : {"static_ipaddress", "static_routes", "static_rules"}) {
    top.unsupported(name, "sluice does not change the host's addresses, routes or rules; skipped");
  }
  return top;
}

std::vector<Diagnostic> ParseResult::errors() const { return only(diagnostics, Severity::kError); }

std::vector<Diagnostic> ParseResult::warnings() const { return only(diagnostics, Severity::kWarning); }

ParseResult parseFile(const std::string& path, const ParseOptions& options) {
  Diagnostics diag;
  Reader reader(diag, configIdFor(options), {options.includes, options.maxExpandedLines});
  const auto statements = reader.readFile(path);
  return build(statements, diag);
}

ParseResult parseString(std::string_view text, const std::string& nameForMessages, const ParseOptions& options) {
  Diagnostics diag;
  Reader reader(diag, configIdFor(options), {options.includes, options.maxExpandedLines});
  const auto statements = reader.readString(text, nameForMessages);
  return build(statements, diag);
}

}  // namespace sluice::config
