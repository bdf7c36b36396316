// The status page: GET / answers it with its security headers, it loads
// nothing from elsewhere, only reads, and reads the endpoints it shows.
#include "controlplane/api/status_page.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>

#include <cstring>
#include <filesystem>
#include <regex>

#include "api_test_support.h"
#include "controlplane/api/http_server.h"
#include "controlplane/api/router.h"

namespace sluice::api {
namespace {

using testing::FakeBackend;

// The first thing in `html` that would make a browser reach another host
// (an absolute or protocol-relative URL in src, href, action, CSS url(),
// @import or fetch(), or any http:// or https:// at all); "" if none.
std::string remoteReference(std::string_view html) {
  const std::string text(html);
  static const std::regex remote(
      R"(https?://|(src|href|action)\s*=\s*["']?\s*[a-z]*:?//|url\(\s*["']?\s*[a-z]*:?//|@import|fetch\(\s*["'`][a-z]*:?//)",
      std::regex::icase);
  std::smatch m;
  return std::regex_search(text, m, remote) ? m.str() : "";
}

TEST(StatusPage, GetRootAnswersThePageWithItsSecurityHeaders) {
  FakeBackend b;
  const Response r = handle(b, Request{"GET", "/", {}, ""});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.contentType, "text/html; charset=utf-8");
  EXPECT_EQ(r.body, statusPage());
  EXPECT_EQ(r.body.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(r.body.find("</html>"), std::string::npos);
  ASSERT_TRUE(r.headers.count("Content-Security-Policy"));
  const std::string& csp = r.headers.at("Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(csp.find("form-action 'none'"), std::string::npos);
  EXPECT_EQ(r.headers.at("X-Frame-Options"), "DENY");
  EXPECT_EQ(r.headers.at("Cache-Control"), "no-store");
  EXPECT_EQ(b.applied, 0);
}

TEST(StatusPage, IsReadOnly) {
  FakeBackend b;
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    EXPECT_EQ(handle(b, Request{method, "/", {}, ""}).status, 405) << method;
  }
  const std::string page(statusPage());
  // No form, button or write method: the page only reads.
  for (const char* writes : {"<form", "<button", "method: \"POST", "\"PATCH\"", "\"DELETE\"", "\"PUT\""}) {
    EXPECT_EQ(page.find(writes), std::string::npos) << writes;
  }
  EXPECT_EQ(b.applied, 0);
}

TEST(StatusPage, LoadsNothingFromElsewhere) {
  EXPECT_EQ(remoteReference(statusPage()), "");
  // The check finds what it looks for.
  EXPECT_NE(remoteReference(R"(<script src="//cdn.example/x.js"></script>)"), "");
  EXPECT_NE(remoteReference(R"(<link rel="stylesheet" href='https://fonts.example/f.css'>)"), "");
  EXPECT_NE(remoteReference(R"(body { background: url( "//img.example/a.png") })"), "");
  EXPECT_NE(remoteReference(R"(fetch("//api.example/v1/stats"))"), "");
  EXPECT_EQ(remoteReference(R"(<a href="/">log in</a> <link rel="icon" href="data:,">)"), "");
}

TEST(StatusPage, ReadsTheEndpointsItShowsWithTheSessionCookie) {
  const std::string page(statusPage());
  for (const char* path : {"\"/v1/status\"", "\"/v1/services\"", "\"/v1/stats\"", "\"/v1/health\"", "\"/v1/vrrp\"",
                           "\"/v1/sync\""}) {
    EXPECT_NE(page.find(path), std::string::npos) << path;
    // Each one a route that answers GET.
    FakeBackend b;
    const std::string route = std::string(path).substr(1, std::strlen(path) - 2);
    EXPECT_EQ(handle(b, Request{"GET", route, {}, ""}).status, 200) << route;
  }
  EXPECT_NE(page.find("credentials: \"same-origin\""), std::string::npos);
  // What it shows of them: rates, drops by reason, health and VRRP states.
  for (const char* field : {"cps", "inpps", "outbps", "activeconns", "inactconns", ".drops", "quorum_lost",
                            "checkers", "instances", "lag_ms"}) {
    EXPECT_NE(page.find(field), std::string::npos) << field;
  }
  // A failed fetch shows a banner.
  EXPECT_NE(page.find("id=\"banner\""), std::string::npos);
}

// The listener sends a response's extra headers.
TEST(StatusPage, HeadersReachTheClient) {
  std::string dir = (std::filesystem::temp_directory_path() / "sluice-page-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string socket = dir + "/api.sock";
  {
    FakeBackend b;
    ListenOptions options;
    options.socketPath = socket;
    HttpServer server(options, [&b](const Request& r) { return handle(b, r); });
    httplib::Client c(socket);
    c.set_address_family(AF_UNIX);
    c.set_connection_timeout(2);
    c.set_read_timeout(5);
    auto res = c.Get("/");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(res->get_header_value("X-Frame-Options"), "DENY");
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
    EXPECT_NE(res->get_header_value("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
    EXPECT_EQ(res->body, statusPage());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::api
