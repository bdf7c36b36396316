#include "controlplane/api/status_page.h"

#include <string>
#include <utility>

namespace sluice::api {

Response htmlResponse(int status, std::string page, std::string_view csp) {
  Response r{status, std::move(page), "text/html; charset=utf-8"};
  r.headers["Content-Security-Policy"] = std::string(csp);
  r.headers["X-Frame-Options"] = "DENY";
  r.headers["X-Content-Type-Options"] = "nosniff";
  r.headers["Referrer-Policy"] = "no-referrer";
  r.headers["Cache-Control"] = "no-store";
  return r;
}

Response statusPageResponse() {
  // Inline script and style only; fetch() to this origin; no plugin,
  // frame, form target, base or remote image.
  return htmlResponse(200, std::string(statusPage()),
                      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                      "connect-src 'self'; img-src data:; form-action 'none'; base-uri 'none'; "
                      "frame-ancestors 'none'");
}

}  // namespace sluice::api
