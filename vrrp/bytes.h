// VRRP's names for the shared wire helpers (wire/bytes.h): a VRRP message
// sits after an IPv4 header that may carry options, so no field is assumed
// to be aligned.
#pragma once

#include "wire/bytes.h"

namespace sluice::vrrp {

using wire::loadBe16;
using wire::loadBe32;
using wire::storeBe16;
using wire::storeBe32;

}  // namespace sluice::vrrp
