// Native routes around the LLM gateway: conversations and their messages, the caller's usage, and
// the providers administrators manage.
#pragma once

#include "http/router.h"
#include "services/conversation_service.h"
#include "services/model_catalog.h"
#include "services/usage_service.h"

namespace chorus::api {

Status AddConversationRoutes(http::Router& router, services::ConversationService& conversations);
Status AddUsageRoutes(http::Router& router, services::UsageService& usage);
Status AddProviderAdminRoutes(http::Router& router, services::ModelCatalog& catalog);

}  // namespace chorus::api
