#include "controlplane/api/status_page.h"

#include <string>

namespace sluice::api {

Response statusPageResponse() {
  Response r{200, std::string(statusPage()), "text/html; charset=utf-8"};
  // Inline script and style only; fetch() to this origin; no plugin,
  // frame, form target, base or remote image.
  r.headers["Content-Security-Policy"] =
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
      "img-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";
  r.headers["X-Frame-Options"] = "DENY";
  r.headers["X-Content-Type-Options"] = "nosniff";
  r.headers["Referrer-Policy"] = "no-referrer";
  r.headers["Cache-Control"] = "no-store";
  return r;
}

}  // namespace sluice::api
