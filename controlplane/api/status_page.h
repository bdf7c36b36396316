// The status page (GET /): HAProxy's stats page for sluiced, read-only,
// refreshed from the JSON API. Its text lives in status_page.html,
// compiled into the binary (scripts/lib/embed_text.py), so the page cannot go
// missing or differ from the daemon that serves it.
#pragma once

#include <string>
#include <string_view>

#include "controlplane/api/message.h"

namespace sluice::api {

// The page's HTML (a generated source).
std::string_view statusPage();

// The page as a response, with its headers: a content security policy that
// allows nothing from elsewhere (the page is self-contained and fetches only
// this origin's API), no framing, no caching.
Response statusPageResponse();

// An HTML page as a response with the headers every page of the API
// carries (no framing, no type sniffing, no referrer, no caching) and
// `csp`, the page's content security policy.
Response htmlResponse(int status, std::string page, std::string_view csp);

}  // namespace sluice::api
