// Routes for jobs: GET /api/v1/jobs, GET /api/v1/jobs/{id}, POST /api/v1/jobs/{id}/cancel, and
// GET|POST /api/v1/me/webhook-secret.
#pragma once

#include <boost/json/object.hpp>

#include "http/router.h"
#include "services/job_service.h"

namespace chorus::api {

Status AddJobRoutes(http::Router& router, services::JobService& jobs);
// The JSON of a job (its payload is not shown).
boost::json::object JobJson(const store::Job& job);

}  // namespace chorus::api
