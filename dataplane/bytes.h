// The data plane's names for the shared wire helpers (wire/bytes.h).
#pragma once

#include "wire/bytes.h"

namespace sluice::dp {

using wire::loadBe16;
using wire::loadBe32;
using wire::storeBe16;
using wire::storeBe32;

}  // namespace sluice::dp
