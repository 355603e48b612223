// Database pool gauges and counters for /metrics.
#pragma once

#include <string>

#include "store/database.h"

namespace chorus::store {

// Appends chorus_db_connections{pool,state}, chorus_db_connections_max, chorus_db_waiting and the
// acquire wait and timeout counters, for every pool of `db`.
void RenderPoolMetrics(const Database& db, std::string& out);

}  // namespace chorus::store
