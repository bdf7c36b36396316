#include "controlplane/api/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <vector>

namespace sluice::api {
namespace {

namespace fs = std::filesystem;

constexpr const char* kToken = "0123456789abcdef0123";

// A fresh socket path under a private temporary directory.
class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "sluice-api-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);  // others may reach the socket file itself
    socket_ = (fs::path(dir_) / "api.sock").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  static Response echo(const Request& r) { return Response{200, "{\"path\": \"" + r.path + "\"}"}; }

  httplib::Client unixClient() const {
    httplib::Client c(socket_);
    c.set_address_family(AF_UNIX);
    c.set_connection_timeout(2);
    c.set_read_timeout(5);
    return c;
  }

  std::string dir_;
  std::string socket_;
};

TEST_F(HttpServerTest, ServesOnASocketOnlyItsOwnerMayOpen) {
  {
    HttpServer server(ListenOptions{socket_}, echo);
    struct stat st {};
    ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto res = unixClient().Get("/v1/status?x=1");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "{\"path\": \"/v1/status\"}");
    // Another user cannot connect (file mode, checked by the kernel).
    const pid_t child = fork();
    if (child == 0) {
      const passwd* nobody = ::getpwnam("nobody");
      if (nobody == nullptr || ::setgid(nobody->pw_gid) != 0 || ::setuid(nobody->pw_uid) != 0) _exit(3);
      const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::strncpy(addr.sun_path, socket_.c_str(), sizeof addr.sun_path - 1);
      const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      _exit(rc != 0 && errno == EACCES ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 3) GTEST_SKIP() << "cannot become nobody here";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "user nobody could connect to the API socket";
  }
  EXPECT_FALSE(fs::exists(socket_));  // removed at stop
}

TEST_F(HttpServerTest, ASocketInUseIsRefusedAndAStaleOneReplaced) {
  {
    HttpServer first(ListenOptions{socket_}, echo);
    try {
      HttpServer second(ListenOptions{socket_}, echo);
      FAIL() << "a second server took a live socket";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(unixClient().Get("/still"));  // the first is untouched
  }
  // A socket file nobody listens on (a daemon killed with -9).
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
  HttpServer again(ListenOptions{socket_}, echo);
  EXPECT_TRUE(unixClient().Get("/"));
}

TEST_F(HttpServerTest, TheTcpListenerWantsTheBearerToken) {
  ListenOptions plain{socket_, "127.0.0.1", 0, kToken};
  plain.allowPlainTcp = true;
  HttpServer server(plain, echo);
  ASSERT_NE(server.tcpPort(), 0);
  httplib::Client c("127.0.0.1", server.tcpPort());
  c.set_read_timeout(5);
  auto none = c.Get("/v1/status");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_NE(none->body.find("\"error\""), std::string::npos);
  auto wrong = c.Get("/v1/status", {{"Authorization", "Bearer 0123456789abcdef0124"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto right = c.Get("/v1/status", {{"Authorization", std::string("Bearer ") + kToken}});
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200);
  // The Unix socket needs none.
  auto local = unixClient().Get("/v1/status");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->status, 200);
}

TEST_F(HttpServerTest, ABurstOfClientsIsQueuedNotRefused) {
  HttpServer server(ListenOptions{socket_}, echo);
  // 40 clients connect at once and send nothing yet: more than the threads
  // and far more than httplib's own backlog of 5.
  std::vector<int> fds;
  for (int i = 0; i < 40; ++i) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_.c_str(), sizeof addr.sun_path - 1);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << "client " << i << ": "
                                                                                  << std::strerror(errno);
    fds.push_back(fd);
  }
  for (int fd : fds) ::close(fd);
  auto res = unixClient().Get("/after");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(HttpServerTest, OversizedBodiesAndTokenlessTcpAreRefused) {
  HttpServer server(ListenOptions{socket_}, echo);
  auto big = unixClient().Post("/v1/services", std::string(kMaxBodyBytes + 1, 'x'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_NE(big->body.find("larger than"), std::string::npos);
  EXPECT_THROW(HttpServer(ListenOptions{dir_ + "/b.sock", "127.0.0.1", 0, ""}, echo), std::runtime_error);
  EXPECT_FALSE(fs::exists(dir_ + "/b.sock"));  // nothing left listening
  // Plain HTTP on TCP only when allowed.
  EXPECT_THROW(HttpServer(ListenOptions{dir_ + "/c.sock", "127.0.0.1", 0, kToken}, echo), std::runtime_error);
  EXPECT_FALSE(fs::exists(dir_ + "/c.sock"));
}

}  // namespace
}  // namespace sluice::api
