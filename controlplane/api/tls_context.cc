#include "controlplane/api/tls_context.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <stdexcept>
#include <string_view>

namespace sluice::api {
namespace {

std::string openSslReason() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown reason";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// The client's address as httplib writes it in Request::remote_addr, so
// that the handshake's failures and the requests' share a window.
std::string peerAddress(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "?";
  char host[NI_MAXHOST];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) {
    return "?";
  }
  return host;
}

// A plain HTTP answer on the raw socket: the client spoke HTTP, not TLS.
// What is left of its request is read and dropped first, so that closing
// does not reset the connection before the client has read the answer.
void answerPlainHttp(int fd) {
  char sink[4096];
  for (int i = 0; i < 16 && ::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
  }
  static constexpr std::string_view kBody =
      "{\"error\": \"this port speaks HTTPS: plain HTTP was sent to the API's TLS listener\", \"status\": 400}\n";
  const std::string reply = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(kBody.size()) + "\r\nConnection: close\r\n\r\n" + std::string(kBody);
  [[maybe_unused]] const ssize_t sent = ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

AuthGuard* guardOf(const SSL* ssl) {
  return static_cast<AuthGuard*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
}

// OpenSSL calls this at each step of a handshake. A handshake that ends
// in a fatal error (not one that waits for more bytes on the non-blocking
// socket) is counted; a client that closes before saying anything (a
// port probe) is not.
void onHandshakeStep(const SSL* ssl, int where, int ret) {
  if ((where & SSL_CB_HANDSHAKE_START) != 0) {
    ERR_clear_error();  // what SSL_get_error reads below is this handshake's
    return;
  }
  if ((where & SSL_CB_ACCEPT_EXIT) == 0 || ret > 0) return;
  if (SSL_get_error(ssl, ret) != SSL_ERROR_SSL) return;
  const int reason = ERR_GET_REASON(ERR_peek_error());
  if (reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) return;
  AuthGuard* guard = guardOf(ssl);
  const int fd = SSL_get_fd(ssl);
  if (guard == nullptr || fd < 0) return;
  AuthFailure why = AuthFailure::kTlsHandshake;
  if (reason == SSL_R_HTTP_REQUEST) {
    why = AuthFailure::kPlainHttp;
    answerPlainHttp(fd);
  } else if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE || SSL_get_verify_result(ssl) != X509_V_OK) {
    why = AuthFailure::kClientCertificate;
  }
  guard->fail(why, peerAddress(fd));
}

}  // namespace

void configureTls(SSL_CTX& ctx, const TlsOptions& tls, AuthGuard& guard) {
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION |
                                SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(&ctx, tls.certificate.c_str()) != 1) {
    throw std::runtime_error("cannot use the API's TLS certificate " + tls.certificate + ": " + openSslReason());
  }
  if (SSL_CTX_use_PrivateKey_file(&ctx, tls.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("cannot use the API's TLS key " + tls.key + ": " + openSslReason());
  }
  if (SSL_CTX_check_private_key(&ctx) != 1) {
    throw std::runtime_error("the API's TLS key " + tls.key + " does not belong to the certificate " +
                             tls.certificate);
  }
  if (!tls.clientCa.empty()) {
    if (SSL_CTX_load_verify_locations(&ctx, tls.clientCa.c_str(), nullptr) != 1) {
      throw std::runtime_error("cannot use the API's client CA " + tls.clientCa + ": " + openSslReason());
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.clientCa.c_str());
    if (names == nullptr) throw std::runtime_error("no CA certificate in " + tls.clientCa);
    SSL_CTX_set_client_CA_list(&ctx, names);  // named to clients: which certificate to send
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  SSL_CTX_set_app_data(&ctx, &guard);
  SSL_CTX_set_info_callback(&ctx, onHandshakeStep);
}

bool clientCertificateVerified(const SSL* ssl) {
  if (ssl == nullptr || SSL_get_verify_mode(ssl) == SSL_VERIFY_NONE) return false;
  X509* peer = SSL_get0_peer_certificate(ssl);
  return peer != nullptr && SSL_get_verify_result(ssl) == X509_V_OK;
}

}  // namespace sluice::api
