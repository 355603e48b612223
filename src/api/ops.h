// Operations endpoints: GET /healthz (the process answers), GET /readyz (the database answers and
// is migrated), GET /metrics (Prometheus text format). All public: they reveal no user data, and
// orchestrators and scrapers call them without credentials.
#pragma once

#include "base/metrics.h"
#include "http/router.h"
#include "services/health.h"

namespace chorus::api {

struct OpsDeps {
  services::HealthService& health;
  const metrics::Registry& metrics;
};

Status AddOpsRoutes(http::Router& router, OpsDeps deps);

}  // namespace chorus::api
