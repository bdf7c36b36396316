// The API's TLS listener on a loopback port, with certificates made by
// scripts/lib/test-certs.sh: server verification, the token, mutual TLS,
// plain HTTP to the TLS port, the status page's login session, and the
// failure counters and rate limit that every refusal feeds.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "controlplane/api/http_server.h"

namespace sluice::api {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTlsToken = "tls-test-token-0123456789";

class TlsListenerTest : public ::testing::Test {
 protected:
  // The certificates, made once for all the tests here.
  static void SetUpTestSuite() {
    const char* script = std::getenv("SLUICE_TEST_CERTS");
    if (script == nullptr) return;
    std::string tmpl = (fs::temp_directory_path() / "sluice-tls-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return;
    certs_ = tmpl;
    const std::string cmd = "bash -c 'source \"$0\" && test_certs \"$1\"' '" + std::string(script) + "' '" +
                            certs_ + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) certs_.clear();
  }
  static void TearDownTestSuite() {
    if (!certs_.empty()) fs::remove_all(certs_);
  }

  void SetUp() override {
    if (certs_.empty()) GTEST_SKIP() << "no certificates: SLUICE_TEST_CERTS unset or openssl missing";
    socket_ = certs_ + "/api-" + std::to_string(::getpid()) + ".sock";
  }

  ListenOptions options(bool mutual = false) const {
    ListenOptions o{socket_, "127.0.0.1", 0, kTlsToken};
    o.tls = TlsOptions{cert("server.crt"), cert("server.key"), mutual ? cert("ca.crt") : ""};
    return o;
  }
  static std::string cert(const std::string& name) { return certs_ + "/" + name; }

  static std::unique_ptr<httplib::SSLClient> client(uint16_t port, const std::string& ca = "ca.crt",
                                                    const std::string& clientCert = "") {
    auto c = clientCert.empty() ? std::make_unique<httplib::SSLClient>("127.0.0.1", port)
                                : std::make_unique<httplib::SSLClient>("127.0.0.1", port, cert(clientCert + ".crt"),
                                                                       cert(clientCert + ".key"));
    c->set_ca_cert_path(cert(ca).c_str());
    c->enable_server_certificate_verification(true);
    c->set_connection_timeout(2);
    c->set_read_timeout(5);
    return c;
  }
  static httplib::Headers bearer(const std::string& token = kTlsToken) {
    return {{"Authorization", "Bearer " + token}};
  }

  // The handshake's failures are counted on the server's thread, maybe
  // after the client has given up: waits up to 2 s for `want`.
  static uint64_t failuresReach(const HttpServer& server, AuthFailure why, uint64_t want) {
    for (int i = 0; i < 200 && server.auth()->failures(why) < want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return server.auth()->failures(why);
  }

  // A handshake as curl makes it: the server's certificate verified in
  // the handshake against `ca`, so that a refusal reaches the server as an
  // alert (httplib's client checks only after the handshake and just
  // closes). True when the handshake succeeded.
  static bool verifyingHandshake(uint16_t port, const std::string& ca) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, cert(ca).c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      SSL* ssl = SSL_new(ctx);
      SSL_set_fd(ssl, fd);
      ok = SSL_connect(ssl) == 1;
      SSL_free(ssl);
    }
    ::close(fd);
    SSL_CTX_free(ctx);
    return ok;
  }

  static Response echo(const Request& r) { return Response{200, "{\"method\": \"" + r.method + "\"}"}; }

  static inline std::string certs_;
  std::string socket_;
};

TEST_F(TlsListenerTest, ServesOverTlsWithTheTokenAndRefusesWithoutIt) {
  HttpServer server(options(), echo);
  auto c = client(server.tcpPort());
  auto right = c->Get("/v1/status", bearer());
  ASSERT_TRUE(right) << httplib::to_string(right.error());
  EXPECT_EQ(right->status, 200);
  auto none = c->Get("/v1/status");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto wrong = c->Post("/v1/config/reload", bearer("tls-test-token-0123456780"), "", "application/json");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(server.auth()->failures(AuthFailure::kMissingToken), 1u);
  EXPECT_EQ(server.auth()->failures(AuthFailure::kWrongToken), 1u);
}

TEST_F(TlsListenerTest, AClientTrustingAnotherCaRefusesTheServerAndIsCounted) {
  HttpServer server(options(), echo);
  auto res = client(server.tcpPort(), "other-ca.crt")->Get("/v1/status", bearer());
  EXPECT_FALSE(res);
  EXPECT_EQ(res.error(), httplib::Error::SSLServerVerification);
  EXPECT_TRUE(verifyingHandshake(server.tcpPort(), "ca.crt"));
  EXPECT_FALSE(verifyingHandshake(server.tcpPort(), "other-ca.crt"));
  EXPECT_EQ(failuresReach(server, AuthFailure::kTlsHandshake, 1), 1u);
}

TEST_F(TlsListenerTest, AnExpiredServerCertificateIsRefusedByTheClient) {
  ListenOptions o = options();
  o.tls->certificate = cert("expired-server.crt");
  o.tls->key = cert("expired-server.key");
  HttpServer server(o, echo);
  EXPECT_FALSE(client(server.tcpPort())->Get("/v1/status", bearer()));
  EXPECT_FALSE(verifyingHandshake(server.tcpPort(), "ca.crt"));
  EXPECT_EQ(failuresReach(server, AuthFailure::kTlsHandshake, 1), 1u);
}

TEST_F(TlsListenerTest, PlainHttpToTheTlsPortIsAnswered400) {
  HttpServer server(options(), echo);
  httplib::Client plain("127.0.0.1", server.tcpPort());
  plain.set_read_timeout(5);
  auto res = plain.Get("/v1/status", bearer());
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("speaks HTTPS"), std::string::npos);
  EXPECT_EQ(failuresReach(server, AuthFailure::kPlainHttp, 1), 1u);
}

TEST_F(TlsListenerTest, MutualTlsWantsACertificateTheCaSigned) {
  HttpServer server(options(true), echo);
  const uint16_t port = server.tcpPort();
  EXPECT_FALSE(client(port)->Get("/v1/status", bearer()));  // none
  EXPECT_FALSE(client(port, "ca.crt", "expired-client")->Get("/v1/status", bearer()));
  EXPECT_FALSE(client(port, "ca.crt", "other-client")->Get("/v1/status", bearer()));
  EXPECT_EQ(failuresReach(server, AuthFailure::kClientCertificate, 3), 3u);
  auto c = client(port, "ca.crt", "client");
  auto withToken = c->Post("/v1/config/reload", bearer(), "", "application/json");
  ASSERT_TRUE(withToken) << httplib::to_string(withToken.error());
  EXPECT_EQ(withToken->status, 200);
  // The certificate alone reads, and only reads.
  auto read = c->Get("/v1/status");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);
  auto write = c->Post("/v1/config/reload", "", "application/json");
  ASSERT_TRUE(write);
  EXPECT_EQ(write->status, 401);
}

TEST_F(TlsListenerTest, TheLoginFormGivesAReadOnlySessionCookie) {
  HttpServer server(options(), echo);
  auto c = client(server.tcpPort());
  auto form = c->Get("/");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 200);
  EXPECT_NE(form->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(form->body.find("action=\"/login\""), std::string::npos);
  EXPECT_EQ(form->get_header_value("X-Frame-Options"), "DENY");

  auto refused = c->Post("/login", "token=wrong-token-0123456789", "application/x-www-form-urlencoded");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_NE(refused->body.find("id=\"notice\""), std::string::npos);
  EXPECT_FALSE(refused->has_header("Set-Cookie"));
  EXPECT_EQ(server.auth()->failures(AuthFailure::kLoginRefused), 1u);

  auto in = c->Post("/login", std::string("token=") + kTlsToken, "application/x-www-form-urlencoded");
  ASSERT_TRUE(in);
  EXPECT_EQ(in->status, 303);
  EXPECT_EQ(in->get_header_value("Location"), "/");
  const std::string cookie = in->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("; Secure"), std::string::npos);
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos);
  const std::string session = cookie.substr(0, cookie.find(';'));
  ASSERT_TRUE(session.starts_with("sluice_session="));

  auto read = c->Get("/v1/status", {{"Cookie", "theme=dark; " + session}});
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);
  auto page = c->Get("/", {{"Cookie", session}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("GET"), std::string::npos);  // the router's answer, not the form
  auto write = c->Delete("/v1/services/tcp-10.0.0.1-80", {{"Cookie", session}});
  ASSERT_TRUE(write);
  EXPECT_EQ(write->status, 401);
  auto forged = c->Get("/v1/status", {{"Cookie", "sluice_session=" + std::string(64, 'a')}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  EXPECT_EQ(server.auth()->failures(AuthFailure::kWrongSession), 1u);
}

TEST_F(TlsListenerTest, AnAddressThatFailsTooOftenIsAnswered429) {
  ListenOptions o = options();
  o.authLimits.failuresPerWindow = 3;
  HttpServer server(o, echo);
  auto c = client(server.tcpPort());
  for (int i = 0; i < 3; ++i) {
    auto wrong = c->Get("/v1/status", bearer("tls-test-token-guess-" + std::to_string(i)));
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401);
  }
  auto blocked = c->Get("/v1/status", bearer());  // even the right token, until the window ends
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->status, 429);
  EXPECT_EQ(blocked->get_header_value("Retry-After"), "60");
  EXPECT_EQ(server.auth()->rateLimited(), 1u);
}

TEST_F(TlsListenerTest, UnusableCertificatesStopTheStartWithTheFileNamed) {
  ListenOptions o = options();
  o.tls->key = cert("client.key");  // not the certificate's
  try {
    HttpServer server(o, echo);
    FAIL() << "a key that is not the certificate's was taken";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("client.key"), std::string::npos) << e.what();
  }
  o = options();
  o.tls->certificate = cert("missing.crt");
  EXPECT_THROW(HttpServer(o, echo), std::runtime_error);
  EXPECT_FALSE(fs::exists(socket_));  // nothing left listening
}

}  // namespace
}  // namespace sluice::api
