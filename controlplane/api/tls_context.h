// The TLS side of the API's TCP listener (OpenSSL, through cpp-httplib's
// SSLServer): the certificate and key, optional client certificates
// (mutual TLS), TLS 1.2 at least, and the accounting of handshakes that
// fail: each is counted in the AuthGuard, by reason and client address, and
// plain HTTP sent to the TLS port is answered with a plain 400 that says
// so, as web servers do, instead of a closed connection.
#pragma once

#include <openssl/ssl.h>

#include <string>

#include "controlplane/api/auth_guard.h"

namespace sluice::api {

struct TlsOptions {
  std::string certificate;  // PEM: the server's certificate, then its chain
  std::string key;          // PEM private key, unencrypted
  std::string clientCa;     // set: clients must present a certificate this CA signed

  bool operator==(const TlsOptions&) const = default;
};

// Sets `ctx` up; throws std::runtime_error naming the file and OpenSSL's
// reason when a certificate or key cannot be used. `guard` must outlive
// every connection made with `ctx`.
void configureTls(SSL_CTX& ctx, const TlsOptions& tls, AuthGuard& guard);

// True when the connection's client presented a certificate that verified
// (only ever so with a client CA configured).
bool clientCertificateVerified(const SSL* ssl);

}  // namespace sluice::api
