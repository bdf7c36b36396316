// sluice's own api { } block: where the control API listens.
#include "controlplane/config/grammars.h"

namespace sluice::config {
namespace {

// A keyword whose one value is a file's path, kept in `field`.
auto fileKeyword(std::optional<std::string> ApiConfig::*field) {
  return [field](ApiConfig& api, const Args& a) {
    a.expect(1, 1);
    api.*field = a.text(0);
  };
}

Block<ApiConfig> apiGrammar() {
  Block<ApiConfig> b;
  b.value("socket", [](ApiConfig& api, const Args& a) {
    a.expect(1, 1);
    if (a.text(0).empty() || a.text(0)[0] != '/') a.fail(0, "socket must be an absolute path");
    api.socket = a.text(0);
  });
  // `listen PORT` (loopback) or `listen ADDRESS PORT`.
  b.value("listen", [](ApiConfig& api, const Args& a) {
    a.expect(1, 2);
    api.listenAddress = a.size() == 2 ? a.ip(0) : *parseAddress("127.0.0.1");
    api.listenPort = a.port(a.size() - 1);
  });
  b.value("token", [](ApiConfig& api, const Args& a) {
    a.expect(1, 1);
    if (a.text(0).size() < 16) a.fail(0, "token must be at least 16 characters");
    api.token = a.text(0);
  });
  b.value("token_file", fileKeyword(&ApiConfig::tokenFile));
  b.value("tls_certificate", fileKeyword(&ApiConfig::tlsCertificate));
  b.value("tls_key", fileKeyword(&ApiConfig::tlsKey));
  b.value("tls_client_ca", fileKeyword(&ApiConfig::tlsClientCa));
  b.value("allow_plain_tcp", [](ApiConfig& api, const Args& a) {
    api.allowPlainTcp = a.flag();
    if (api.allowPlainTcp) a.warn("allow_plain_tcp: the API token crosses the network in clear text");
  });
  b.value("auth_failure_limit", [](ApiConfig& api, const Args& a) {
    a.expect(1, 1);
    api.authFailureLimit = a.number<std::uint32_t>(0, 0, 1'000'000);
  });
  return b;
}

}  // namespace

void addApiKeywords(Block<Config>& top) {
  top.child<ApiConfig>(
      "api",
      [](Config&, const Args& a) {
        a.none();
        return ApiConfig{};
      },
      apiGrammar(),
      [](Config& c, ApiConfig&& api, const Args& a) {
        if (!a.context().define("api", "", a.where(), "a second api block")) return;
        if (api.token && api.tokenFile) a.error("api takes token or token_file, not both");
        if (api.listenPort && !api.token && !api.tokenFile) {
          a.error("api listen needs a token or token_file: the TCP listener requires a bearer token");
        }
        if (api.tlsCertificate.has_value() != api.tlsKey.has_value()) {
          a.error("api takes tls_certificate and tls_key together");
        }
        if (api.tlsClientCa && !api.tlsCertificate) a.error("api tls_client_ca needs tls_certificate and tls_key");
        if (api.listenPort && !api.tlsCertificate && !api.allowPlainTcp) {
          a.error("api listen needs tls_certificate and tls_key: the token must not cross the network in clear "
                  "text (allow_plain_tcp permits plain HTTP)");
        }
        c.api = std::move(api);
      });
}

}  // namespace sluice::config
