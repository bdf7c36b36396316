// The status page's way in for a browser, which cannot send a bearer
// header: a form that posts the API token to /login once, over TLS, and is
// given a session cookie. Self-contained (no script, nothing fetched).
#pragma once

#include <string>
#include <string_view>

namespace sluice::api {

// The login page; `notice`, when not empty, is shown above the form (it
// is HTML-escaped).
std::string loginPage(std::string_view notice);

}  // namespace sluice::api
